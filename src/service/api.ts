/**
 * What a running head-end offers its local admin API (src/admin) and, through it, the CLI: the
 * operations and their JSON-ready shapes (times as ISO strings, binary data as hex). `HeadEnd`
 * (head-end.ts) implements it; tests can put a fake behind the admin server.
 */
import type { MeterConfigView } from '../archive/f10-sync.js';
import type { DialOutState } from '../fep/dial-out.js';
import type { MeterReading } from '../meter/meter-client.js';

export type { MeterConfigView };

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
  /** Terminals the head-end calls (archive channel tcp-out): the link. */
  dialOut?: DialOutSummary;
}

export interface DialOutSummary {
  /** `tcp://host:port` the terminal listens on. */
  endpoint: string;
  state: DialOutState;
  attempts: number;
  /** Failures in a row. */
  failures: number;
  lastError?: string;
  connectedAt?: string;
  /** Next call (backoff, waiting). */
  nextAttemptAt?: string;
  backoffMs?: number;
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

/** Archive → terminal meter configuration sync (AFN0A F10 read, with `push` AFN04 F10 write + read-back). */
export interface ArchiveSyncSpec {
  terminal: string;
  push: boolean;
}

export interface ArchiveSyncDifference {
  pn: number;
  /** missing: in the archive, not in the terminal; extra: in the terminal, not in the archive; mismatch: fields differ. */
  kind: 'missing' | 'extra' | 'mismatch';
  fields?: { field: string; archive: string | number; terminal: string | number }[];
  archive?: MeterConfigView;
  terminal?: MeterConfigView;
  /** The difference in one line, e.g. `P5 mismatch: baud archive 9600, terminal 2400`. */
  text: string;
}

export interface ArchiveSyncResult {
  terminal: string;
  /** Meters of the terminal in the archive. */
  archiveMeters: number;
  /** Configuration numbers read: 1..n. */
  queried: number;
  /** Configurations the terminal had (before a push). */
  read: number;
  /** Differences as found, before anything was written. */
  differences: ArchiveSyncDifference[];
  /** With push: configurations written, configuration numbers deleted, and the read-back. */
  push?: { written: number; deleted: number[]; requests: number; read: number; differences: ArchiveSyncDifference[] };
  /** The terminal matches the archive now (after the push, when there was one). */
  inSync: boolean;
  latencyMs: number;
}

export interface HeadEndStatus {
  startedAt: string;
  uptimeS: number;
  terminalListener?: { host: string; port: number };
  admin?: string;
  /** Northbound API base URL. */
  api?: string;
  mqtt?: string;
  data?: string;
  /** The time-series store and, when one is in front, the write-ahead spool's backlog. */
  store?: {
    name: string;
    spool?: { state: string; pendingBatches: number; pendingReadings: number; pendingBytes: number; oldestPendingAgeMs: number; lastError: string | null };
    /** InfluxDB's coverage index: gaps of data times from `authoritativeFrom` (ISO; null = all) come from it. */
    coverage?: { file: string; authoritativeFrom: string | null; reindexing: boolean };
  };
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
  /** Compares (and with `push` writes) the terminal's meter configuration with the archive's. */
  syncArchive(spec: ArchiveSyncSpec): Promise<ArchiveSyncResult>;
  metrics(): Record<string, unknown>;
}
