/**
 * Setup of the durability tests (test/integration/durability-*.test.ts), issue 7 "kill -9 / store down →
 * nothing lost", end to end:
 * - a fleet archive (simulators/fleet/archive-writer, seed 1) imported into a temp data directory;
 * - the head-end in a child process (head-end-child.ts: `hes serve`'s wiring on a shifted clock, with an
 *   acknowledgement log), on a fixed terminal port so that it can be SIGKILLed and started again on the
 *   same data while the terminals redial;
 * - simulated concentrators (SimulatedTerminal + TerminalSession over TCP) on the same shifted clock,
 *   answering slowly so that a round lasts long enough to be interrupted;
 * - the model's daily F161–F164 values (simulators/model.ts) and the archive's meters to compare with.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { INDICATION_QUANTITIES, SimulatedTerminal, profileOf, registerValues } from '../../simulators/concentrator/index.js';
import { dialInFactory, parseEndpoint } from '../../simulators/concentrator/channels.js';
import { TerminalSession } from '../../simulators/concentrator/session.js';
import { writeArchive } from '../../simulators/fleet/archive-writer.js';
import { energyWhAt } from '../../simulators/model.js';
import { Archive } from '../../src/archive/archive.js';
import { importArchive } from '../../src/archive/import.js';
import type { HeadEndStatus } from '../../src/service/api.js';
import type { CompletenessReport } from '../../src/scheduler/api.js';
import { ArchiveTargets } from '../../src/scheduler/targets.js';
import { LocalCalendar } from '../../src/scheduler/time.js';
import type { Reading } from '../../src/store/store.js';
import { ROOT, startProcess, type StartedProcess } from './cli.js';
import { shiftedScheduler } from './shifted-clock.js';

export const cal = new LocalCalendar(480);

/** The F161–F164 quantities in Fn order (what the daily task stores per meter and day). */
export const DAILY_QUANTITIES = ['ea_imp', 'er_imp', 'ea_exp', 'er_exp'] as const;

export interface TerminalId {
  a1: string;
  a2: number;
}

export const keyOf = (t: TerminalId): string => `${t.a1}-${String(t.a2).padStart(5, '0')}`;

/** Writes the archive of `terminals` × `meters` (region 1101, seed 1) and imports it into `dataDir`. */
export function importFleetArchive(root: string, dataDir: string, terminals: number, meters: number): TerminalId[] {
  const csv = path.join(root, 'archive');
  writeArchive(csv, { a1: '1101', terminals, metersPerTerminal: meters, seed: 1 });
  const archive = Archive.open(dataDir);
  try {
    importArchive(archive.db, csv);
  } finally {
    archive.close();
  }
  return Array.from({ length: terminals }, (_, i) => ({ a1: '1101', a2: i + 1 }));
}

export interface ArchiveMeter {
  id: number;
  pn: number;
  terminal: string;
}

/** The archive's meters by id (opened and closed again). */
export function archiveMeters(dataDir: string): Map<number, ArchiveMeter> {
  const archive = Archive.open(dataDir);
  try {
    const t = new ArchiveTargets(archive.db);
    return new Map(t.terminals().flatMap((x) => t.meters(x.id).map((m): [number, ArchiveMeter] => [m.id, { id: m.id, pn: m.pn, terminal: x.key }])));
  } finally {
    archive.close();
  }
}

/** What the simulated terminal answers for F161–F164 of `day` (00:00 CST): the model's registers. */
export function expectedDaily(m: ArchiveMeter, quantity: string, day: number): (number | null)[] {
  const k = (DAILY_QUANTITIES as readonly string[]).indexOf(quantity);
  if (k < 0) throw new Error(`not a daily indication quantity: ${quantity}`);
  return registerValues(energyWhAt(profileOf({ seed: 1, terminal: m.terminal }, m.pn), day), INDICATION_QUANTITIES[k]!);
}

export const readingKey = (r: Pick<Reading, 'meter' | 'kind' | 'quantity' | 'time'>): string => `${r.meter} ${r.kind} ${r.quantity} ${r.time}`;

/**
 * The daily readings of a store after the run: exactly one per (meter, quantity) of the archive for
 * `day`, nothing else; values equal to the model, data time 00:00; every acknowledged reading there, as
 * acknowledged last (quality), the others `collected` or `recollected`.
 */
export function expectDayAsModel(all: readonly Reading[], o: { meters: ReadonlyMap<number, ArchiveMeter>; day: number; acked: ReadonlyMap<string, readonly string[]> }): void {
  const total = o.meters.size * DAILY_QUANTITIES.length;
  expect(all).toHaveLength(total);
  const byKey = new Map(all.map((r) => [readingKey(r), r]));
  expect(byKey.size).toBe(total); // each (meter, quantity, day) once
  const absent = [...o.acked.keys()].filter((k) => !byKey.has(k));
  expect(absent, 'acknowledged readings not stored').toEqual([]);
  for (const r of all) {
    const m = o.meters.get(r.meter);
    expect(m, `reading of a meter not in the archive: ${readingKey(r)}`).toBeDefined();
    expect(r.kind).toBe('day');
    expect(r.time).toBe(o.day);
    expect(r.values).toEqual(expectedDaily(m!, r.quantity, o.day));
    expect(r.readAt).toBe(o.day);
    const acked = o.acked.get(readingKey(r));
    if (acked) expect(r.quality).toBe(acked.at(-1));
    else expect(['collected', 'recollected']).toContain(r.quality);
  }
}

/** A head-end configuration file for the child: only the daily task, quick 补采, fixed terminal port. */
export function writeHeadEndConfig(file: string, o: { dataDir: string; terminalPort: number; store?: Record<string, unknown> }): string {
  const config = {
    log: { level: 'info' },
    data: { dir: o.dataDir },
    fep: { host: '127.0.0.1', port: o.terminalPort, timeoutMs: 5000, retries: 0 },
    admin: { port: 0 },
    api: { enabled: false },
    prepay: { settleIntervalS: 0 },
    ...(o.store ? { store: o.store } : {}),
    scheduler: {
      tasks: {
        daily: { enabled: true },
        billingDay: { enabled: false },
        monthly: { enabled: false },
        curve: { enabled: false },
        snapshot: { enabled: false },
        events: { enabled: false },
        clock: { enabled: false },
      },
      batch: { maxPointsPerRequest: 16 },
      recollect: { enabled: true, firstDelayS: 2, factor: 1, maxDelayS: 2, closeHours: 24 },
    },
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

const CHILD = path.join(ROOT, 'test/helpers/head-end-child.ts');

export interface HeadEndProcess {
  readonly pid: number;
  /** Admin API base URL. */
  readonly admin: string;
  readonly proc: StartedProcess;
  /** Logs so far (pino JSON lines on stderr). */
  logs(): string;
  /** Sends `signal` (default SIGKILL) and waits for the process to be gone. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM: a clean stop; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts head-end-child.ts on `configFile`, its clock shifted by `shiftMs`, acknowledgements to `ackLog`. */
export async function startHeadEnd(o: { configFile: string; shiftMs: number; ackLog?: string; env?: NodeJS.ProcessEnv; readyTimeoutMs?: number }): Promise<HeadEndProcess> {
  const env: NodeJS.ProcessEnv = { HES_TEST_CLOCK_SHIFT_MS: String(o.shiftMs), ...(o.ackLog ? { HES_TEST_ACK_LOG: o.ackLog } : {}), ...o.env };
  const proc = await startProcess('head-end', ['--import', 'tsx', CHILD, o.configFile], /head-end: ready terminals tcp:\/\/\S+ admin (\S+) pid (\d+)/, o.readyTimeoutMs ?? 60_000, env);
  const child = proc.child;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    pid: Number(proc.match[2]),
    admin: proc.match[1]!,
    proc,
    logs: () => proc.output().stderr,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    stop: () => proc.stop(),
  };
}

/** Log lines at error or fatal level (pino JSON). */
export const errorLines = (logs: string): string[] => logs.split('\n').filter((l) => /"level":(50|60)/.test(l));

/** GET a JSON document of the admin API; throws on a non-2xx answer. */
export async function adminGet<T>(base: string, p: string): Promise<T> {
  const r = await fetch(`${base}${p}`, { signal: AbortSignal.timeout(30_000) });
  const text = await r.text();
  if (!r.ok) throw new Error(`GET ${p}: ${r.status} ${text}`);
  return JSON.parse(text) as T;
}

export const headEndStatus = (base: string): Promise<HeadEndStatus> => adminGet<HeadEndStatus>(base, '/v1/status');

export const dailyStatus = (base: string, date: string, by: 'system' | 'terminal' = 'system'): Promise<CompletenessReport> =>
  adminGet<CompletenessReport>(base, `/v1/collect/status?date=${date}&task=daily&by=${by}`);

/** Acknowledgement log written by head-end-child.ts: reading key → qualities acknowledged, in order. */
export function readAckLog(file: string): Map<string, string[]> {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  const out = new Map<string, string[]>();
  const lines = text.split('\n');
  lines.pop(); // complete lines only (a line cut short by the kill was never reported)
  for (const l of lines) {
    const i = l.lastIndexOf(' ');
    const key = l.slice(0, i);
    const q = l.slice(i + 1);
    const list = out.get(key);
    if (list) list.push(q);
    else out.set(key, [q]);
  }
  return out;
}

/** Number of complete lines of the acknowledgement log (cheap enough to poll). */
export function ackCount(file: string): number {
  try {
    const b = readFileSync(file);
    let n = 0;
    for (const c of b) if (c === 10) n++;
    return n;
  } catch {
    return 0;
  }
}

/**
 * Simulated concentrators dialling in to 127.0.0.1:`port` on the shifted clock, each answer `slowMs`
 * late, redialling (200 ms … 1 s back-off) whenever the head-end goes away.
 */
export class ShiftedTerminals {
  readonly sessions = new Map<string, TerminalSession>();
  readonly devices = new Map<string, SimulatedTerminal>();

  constructor(
    private readonly o: { port: number; shiftMs: number; meters: number; slowMs?: number },
  ) {}

  dialIn(id: TerminalId): void {
    const key = keyOf(id);
    const device = new SimulatedTerminal(id, { meterCount: this.o.meters, maxUserLength: 4000 });
    if (this.o.slowMs) device.faults.set({ slowMs: this.o.slowMs }, Date.now() + this.o.shiftMs);
    const session = new TerminalSession({
      device,
      scheduler: shiftedScheduler(this.o.shiftMs),
      connect: dialInFactory(parseEndpoint(`tcp://127.0.0.1:${this.o.port}`), id),
      loginTimeoutMs: 2000,
      backoff: { baseMs: 200, maxMs: 1000 },
      reportPollMs: 1000,
    });
    session.start();
    this.sessions.set(key, session);
    this.devices.set(key, device);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.stop()));
  }
}
