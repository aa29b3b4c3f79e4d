/**
 * What a running head-end offers its local admin API (src/admin) and, through it, the CLI: the
 * operations and their JSON-ready shapes (times as ISO strings, binary data as hex). `HeadEnd`
 * (head-end.ts) implements it; tests can put a fake behind the admin server.
 */
import type { MeterReading } from '../meter/meter-client.js';

export type TerminalState = 'online' | 'offline' | 'quarantine';

export interface TerminalSummary {
  /** `A1-A2` key, e.g. `1101-00001`. */
  terminal: string;
  a1: string;
  a2: number;
  state: TerminalState;
  /** Archive id (absent for quarantined terminals). */
  id?: string;
  /** Channel of the current (online) or last (quarantine) link: tcp, tcp-out, mqtt. */
  channel?: string;
  remote?: string;
  onlineAt?: string;
  lastSeen?: string;
  lastOnline?: string;
  lastOffline?: string;
  lastOfflineReason?: string;
  /** Requests waiting / in flight (known terminals that were online at least once). */
  queueDepth?: number;
  inFlight?: number;
  /** Quarantine: first sight, frames and logins seen. */
  firstSeen?: string;
  frames?: number;
  logins?: number;
}

export interface TerminalDetail extends TerminalSummary {
  /** The live session (online terminals). */
  session?: {
    session: number;
    connectedAt: string;
    onlineAt?: string;
    lastSeen: string;
    framesIn: number;
    framesOut: number;
    heartbeats: number;
    malformed: number;
    clockOffsetMs?: number;
  };
  /** Event counters EC last seen from the terminal. */
  ec?: unknown;
  /** What the archive knows (topology, meters), PW left out. */
  archive?: Record<string, unknown>;
}

export interface TerminalListQuery {
  state?: TerminalState;
  limit?: number;
  offset?: number;
}

export interface TerminalList {
  total: number;
  terminals: TerminalSummary[];
}

/** A local date/time as the terminal keeps it (no time zone conversion). */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}
export interface LocalMonth {
  year: number;
  month: number;
}
export interface LocalMinute extends LocalDate {
  hour: number;
  minute: number;
}

/** An on-demand call-up: AFN0C (real-time) or AFN0D (history: daily `date`, monthly `month`, curve `from` + `points`). */
export interface CallSpec {
  terminal: string;
  afn: number;
  fn: number;
  /** Measuring points (0 = the terminal itself). */
  pns: number[];
  date?: LocalDate;
  month?: LocalMonth;
  from?: LocalMinute;
  /** Curve density in minutes: 1, 5, 15, 30 or 60 (default 15). */
  densityMinutes?: number;
  /** Curve points 1..255. */
  points?: number;
}

export type CallKind = 'realtime' | 'daily' | 'monthly' | 'curve';

export interface CallUnit {
  pn: number;
  fn: number;
  data?: unknown;
}

export interface RawCallUnit {
  raw: true;
  pns: number[];
  fns: number[];
  reason: string;
  hex: string;
}

export interface CallResult {
  terminal: string;
  afn: number;
  fn: number;
  kind: CallKind;
  name: string;
  nameZh: string;
  units: (CallUnit | RawCallUnit)[];
  frames: number;
  attempts: number;
  latencyMs: number;
}

/** AFN10 forwarding: read DIs of the meter `pn` (or `address`) behind `terminal`. */
export interface MeterReadSpec {
  terminal: string;
  pn?: number;
  address?: string;
  di: string[];
}

export type MeterReadItem = MeterReading | { di: string; error: { code: string; message: string } };

export interface MeterReadResult {
  terminal: string;
  results: MeterReadItem[];
}

export interface HeadEndStatus {
  startedAt: string;
  uptimeS: number;
  terminalListener?: { host: string; port: number };
  admin?: string;
  mqtt?: string;
  data?: string;
}

export interface HeadEndApi {
  status(): HeadEndStatus;
  terminals(q: TerminalListQuery): TerminalList;
  /** Throws NotFoundError when the terminal is neither known nor quarantined. */
  terminal(key: string): TerminalDetail;
  /** Forgets a quarantined terminal; NotFoundError when it is not quarantined. */
  release(key: string): { released: string; inArchive: boolean };
  call(spec: CallSpec): Promise<CallResult>;
  readMeter(spec: MeterReadSpec): Promise<MeterReadResult>;
  metrics(): Record<string, unknown>;
}
