/**
 * A head-end with load control for integration tests: the fleet archive (simulators/fleet/archive-writer)
 * imported into a temp database, `HeadEnd` with its admin API on 127.0.0.1 (ports 0), and simulated
 * concentrators dialling in over real TCP — a Fleet (real time) or single sessions on a shifted clock.
 * `api()` calls the admin API as an operator (X-HES-Operator / X-HES-Role).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SimulatedTerminal, type TerminalOptions } from '../../simulators/concentrator/terminal.js';
import { dialInFactory, parseEndpoint } from '../../simulators/concentrator/channels.js';
import { TerminalSession } from '../../simulators/concentrator/session.js';
import { realScheduler, type Scheduler } from '../../simulators/concentrator/scheduler.js';
import { writeArchive } from '../../simulators/fleet/archive-writer.js';
import { Fleet } from '../../simulators/fleet/fleet.js';
import { Archive, ArchiveDirectory } from '../../src/archive/archive.js';
import { importArchive } from '../../src/archive/import.js';
import type { HesEvents } from '../../src/bus.js';
import { InProcessBus } from '../../src/bus.js';
import type { Clock, Timer } from '../../src/clock.js';
import { DEFAULT_CONFIG, type HesConfig } from '../../src/config/schema.js';
import { archiveCatalog } from '../../src/service/catalog.js';
import { HeadEnd } from '../../src/service/head-end.js';

/** Real time shifted by an offset the test moves (both the head-end and the simulators read it). */
export class ShiftedClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  setTimeout(fn: () => void, ms: number): Timer {
    const d = Math.max(0, ms);
    return { at: this.now() + d, h: setTimeout(fn, d) } as Timer & { h: ReturnType<typeof setTimeout> };
  }
  clearTimeout(t: Timer | undefined | null): void {
    const h = (t as { h?: ReturnType<typeof setTimeout> } | undefined | null)?.h;
    if (h !== undefined) clearTimeout(h);
  }
  /** The simulators' scheduler on this clock. */
  scheduler(): Scheduler {
    return { now: () => this.now(), setTimer: (d, fn) => realScheduler.setTimer(d, fn), clearTimer: (h) => realScheduler.clearTimer(h) };
  }
}

export interface Who {
  operator?: string;
  role?: string;
}

export interface ApiReply<T> {
  status: number;
  body: T;
}

export interface ControlEnv {
  he: HeadEnd;
  url: string;
  port: number;
  dataDir: string;
  bus: InProcessBus<HesEvents>;
  clock: ShiftedClock;
  api<T = Record<string, unknown>>(method: 'GET' | 'POST', p: string, body?: unknown, who?: Who): Promise<ApiReply<T>>;
  close(): Promise<void>;
}

export interface EnvOptions {
  terminals: number;
  meters: number;
  config?: (c: HesConfig) => HesConfig;
}

export async function startControlEnv(o: EnvOptions): Promise<ControlEnv> {
  const root = mkdtempSync(path.join(tmpdir(), 'hes-control-'));
  const csv = path.join(root, 'archive');
  const dataDir = path.join(root, 'data');
  writeArchive(csv, { a1: '1101', terminals: o.terminals, metersPerTerminal: o.meters, seed: 1 });
  const archive = Archive.open(dataDir);
  importArchive(archive.db, csv);
  const base: HesConfig = {
    ...DEFAULT_CONFIG,
    log: { level: 'silent' },
    fep: { ...DEFAULT_CONFIG.fep, host: '127.0.0.1', port: 0, timeoutMs: 2000, retries: 1 },
    admin: { port: 0 },
    data: { dir: dataDir },
    control: { ...DEFAULT_CONFIG.control, verifyIntervalMs: 200, ercWaitMs: 3000, concurrency: 64 },
    prepay: { ...DEFAULT_CONFIG.prepay, settleIntervalS: 0 },
  };
  const config = o.config ? o.config(base) : base;
  const clock = new ShiftedClock();
  const bus = new InProcessBus<HesEvents>();
  const directory = new ArchiveDirectory(archive.db, { pw: config.fep.pw, msa: config.fep.msa });
  const he = new HeadEnd({ config, directory, catalog: archiveCatalog(archive), owned: archive, dataDir, controlDb: archive.db, clock, bus, sweepMs: 200 });
  const a = await he.start();
  const url = a.admin!;
  return {
    he,
    url,
    port: a.terminal.port,
    dataDir,
    bus,
    clock,
    async api<T>(method: 'GET' | 'POST', p: string, body?: unknown, who: Who = {}): Promise<ApiReply<T>> {
      const headers: Record<string, string> = {};
      if (who.operator) headers['x-hes-operator'] = who.operator;
      if (who.role) headers['x-hes-role'] = who.role;
      if (method === 'POST') headers['content-type'] = 'application/json';
      const r = await fetch(`${url}${p}`, { method, headers, ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}) });
      return { status: r.status, body: (await r.json()) as T };
    },
    async close() {
      await he.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A fleet of `n` simulated concentrators (real time, Tp checked) dialling in to the env. */
export async function startFleet(env: ControlEnv, n: number, meters: number, opts: TerminalOptions = {}): Promise<Fleet> {
  return startFleetAt(env.port, n, meters, opts);
}

/** A fleet of `n` simulated concentrators (real time, Tp checked unless opts say otherwise) dialling in to 127.0.0.1:`port`. */
export async function startFleetAt(port: number, n: number, meters: number, opts: TerminalOptions = {}): Promise<Fleet> {
  const shared: TerminalOptions = { seed: 1, meterCount: meters, checkTp: true, ...opts };
  const fleet = new Fleet({
    terminals: n,
    metersPerTerminal: meters,
    endpoint: parseEndpoint(`tcp://127.0.0.1:${port}`),
    makeDevice: ({ id }) => new SimulatedTerminal(id, shared),
    rampPerSec: 0,
    progressMs: 0,
    reportPollMs: 50,
    loginTimeoutMs: 2000,
    backoff: { baseMs: 200, maxMs: 1000 },
  });
  await fleet.start();
  await fleet.waitOnline(n, 30_000);
  return fleet;
}

/** One concentrator on the env's shifted clock (its model time moves with `clock.offsetMs`). */
export function startTerminal(env: ControlEnv, a2: number, meters: number, opts: TerminalOptions = {}): { device: SimulatedTerminal; session: TerminalSession } {
  const id = { a1: '1101', a2 };
  const device = new SimulatedTerminal(id, { seed: 1, meterCount: meters, checkTp: true, ...opts });
  const session = new TerminalSession({
    device,
    scheduler: env.clock.scheduler(),
    connect: dialInFactory(parseEndpoint(`tcp://127.0.0.1:${env.port}`), id),
    loginTimeoutMs: 1000,
    backoff: { baseMs: 200, maxMs: 1000 },
    reportPollMs: 50,
  });
  session.start();
  return { device, session };
}

export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
