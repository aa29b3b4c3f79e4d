/**
 * Shared parts of the FEP benches (fep-sessions.bench.ts, fep-callup.bench.ts): the fleet child process
 * (fep-fleet-child.ts), the MQTT broker (external mosquitto, else aedes in its own process), the terminal
 * directory of the fleet, the bench's side of the FEP's bus, event-loop lag, forced GC, arguments.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mosquittoPath, startMosquitto } from '../drivers/mosquitto.js';
import type { EventBus, HesEvents } from '../src/bus.js';
import { MemoryDirectory } from '../src/fep/directory.js';
import type { AddCommand, ChildCommand, ChildMessage, ChildStats } from './fep-fleet-child.js';

export const MiB = 1024 * 1024;
export const A1 = '1101';
const CHILD = fileURLToPath(new URL('./fep-fleet-child.ts', import.meta.url));

// ------------------------------------------------------------------ arguments

/** `--name value` options with defaults; unknown names are an error (typos must not pass silently). */
export function parseArgs<T extends Record<string, string>>(defaults: T, argv = process.argv.slice(2)): T {
  const out: Record<string, string> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}" (options: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')})`);
    const k = a.slice(2);
    if (!(k in defaults)) throw new Error(`unknown option --${k} (options: ${Object.keys(defaults).map((x) => `--${x}`).join(' ')})`);
    const v = argv[++i];
    if (v === undefined) throw new Error(`--${k} needs a value`);
    out[k] = v;
  }
  return out as T;
}

export function num(v: string, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in ${min}..${max}, got "${v}"`);
  return n;
}

// ------------------------------------------------------------------ child processes

export interface ChildHandle {
  readonly proc: ChildProcess;
  send(m: ChildCommand): void;
  /** The next message of type `t` (rejects after `timeoutMs` or when the child exits). */
  next<K extends ChildMessage['t']>(t: K, timeoutMs?: number): Promise<Extract<ChildMessage, { t: K }>>;
  /** Graceful stop (bounded), then SIGKILL if still alive. */
  stop(timeoutMs?: number): Promise<void>;
}

export async function spawnChild(role: '--fleet' | '--aedes', maxS: number): Promise<{ child: ChildHandle; ready: Extract<ChildMessage, { t: 'ready' }> }> {
  // HES_BENCH_CHILD_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p": node flags for the child (profiling).
  const extra = (process.env.HES_BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...extra, '--import', 'tsx', CHILD, role, '--max-s', String(Math.ceil(maxS))], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters: { t: string; resolve: (m: ChildMessage) => void }[] = [];
  let exited = false;
  const exitListeners: (() => void)[] = [];
  proc.on('message', (raw) => {
    const m = raw as ChildMessage;
    if (m.t === 'error') process.stderr.write(`fleet child: ${m.message}\n`);
    const i = waiters.findIndex((w) => w.t === m.t);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
  });
  proc.once('exit', () => {
    exited = true;
    for (const l of exitListeners.splice(0)) l();
  });
  const child: ChildHandle = {
    proc,
    send(m) {
      if (!exited && proc.connected) proc.send(m);
    },
    next(t, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        if (exited) return reject(new Error(`child ${role} has exited`));
        const timer = setTimeout(() => reject(new Error(`no "${t}" from child ${role} within ${timeoutMs} ms`)), timeoutMs);
        const onExit = (): void => reject(new Error(`child ${role} exited while waiting for "${t}"`));
        exitListeners.push(onExit);
        waiters.push({
          t,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m as never);
          },
        });
      });
    },
    async stop(timeoutMs = 40_000) {
      if (exited) return;
      const gone = new Promise<void>((r) => (exited ? r() : exitListeners.push(() => r())));
      child.send({ t: 'stop' });
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      await gone;
      clearTimeout(t);
    },
  };
  const ready = await child.next('ready', 30_000);
  return { child, ready };
}

/** The fleet in its own process. */
export class FleetProcess {
  private constructor(readonly child: ChildHandle) {}

  static async start(maxS: number): Promise<FleetProcess> {
    const { child } = await spawnChild('--fleet', maxS);
    return new FleetProcess(child);
  }

  async add(c: Omit<AddCommand, 't'>): Promise<number> {
    const done = this.child.next('added', 120_000);
    this.child.send({ t: 'add', ...c });
    return (await done).buildMs;
  }

  async stats(): Promise<ChildStats> {
    const r = this.child.next('stats', 30_000);
    this.child.send({ t: 'stats' });
    return r;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

// ------------------------------------------------------------------ broker

export interface Broker {
  url: string;
  /** What it is, for the setup line. */
  name: string;
  pid: number;
  stop(): Promise<void>;
}

/** External mosquitto when installed (or `prefer` = 'mosquitto'), else aedes in its own process. */
export async function startBroker(prefer: 'auto' | 'mosquitto' | 'aedes', maxS: number): Promise<Broker> {
  if (prefer === 'mosquitto' || (prefer === 'auto' && mosquittoPath())) {
    const m = await startMosquitto();
    return { url: m.url, name: 'mosquitto (external process)', pid: m.pid, stop: () => m.stop() };
  }
  const { child, ready } = await spawnChild('--aedes', maxS);
  return { url: ready.url!, name: 'aedes (own process)', pid: child.proc.pid ?? 0, stop: () => child.stop(5000) };
}

// ------------------------------------------------------------------ the fleet's directory

/** The fleet's terminals (A1 1101, A2 1..n) as directory records, no AFN04 F1 (the FEP uses its config). */
export function fleetDirectory(n: number, meters: number): MemoryDirectory {
  const d = new MemoryDirectory();
  for (let a2 = 1; a2 <= n; a2++) {
    d.add({ id: `T${a2}`, a1: A1, a2, meters: Array.from({ length: meters }, (_, i) => ({ pn: i + 1, address: String(a2 * 10_000 + i + 1).padStart(12, '0') })) });
  }
  return d;
}

/** What the bench counts from the FEP's bus (O(1) per event, unlike Fep.metrics(), which walks all sessions). */
export class BusTally {
  online = 0;
  onlineEvents = 0;
  offlineEvents = 0;
  heartbeats = 0;
  readonly offlineReasons: Record<string, number> = {};
  constructor(bus: EventBus<HesEvents>) {
    bus.subscribe('online', (e) => {
      this.onlineEvents++;
      if (!e.replaced) this.online++;
    });
    bus.subscribe('offline', (e) => {
      this.offlineEvents++;
      this.online--;
      this.offlineReasons[e.reason] = (this.offlineReasons[e.reason] ?? 0) + 1;
    });
    bus.subscribe('heartbeat', () => this.heartbeats++);
  }
}

// ------------------------------------------------------------------ measuring

/**
 * Event-loop lag from `monitorEventLoopDelay`: the histogram records the time between timer runs of
 * period `resolution`, so lag = value − resolution (clamped at 0).
 */
export class LagMonitor {
  private readonly h: IntervalHistogram;
  constructor(readonly resolutionMs = 10) {
    this.h = monitorEventLoopDelay({ resolution: resolutionMs });
    this.h.enable();
  }
  reset(): void {
    this.h.reset();
  }
  snapshot(): { p50: number; p99: number; max: number; samples: number } {
    const lag = (ns: number): number => Math.max(0, ns / 1e6 - this.resolutionMs);
    return { p50: lag(this.h.percentile(50)), p99: lag(this.h.percentile(99)), max: lag(this.h.max), samples: this.h.count };
  }
  stop(): void {
    this.h.disable();
  }
}

/** CPU time (user + system) of a process so far, ms: this process from process.cpuUsage, others from /proc. */
export function cpuMs(pid: number = process.pid): number {
  if (pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14 (utime) and 15 (stime) of stat(5), counted from the state field (3rd) here; USER_HZ = 100
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

/** CPU use of several processes over an interval, in % of one core. */
export class CpuMeter {
  private t = performance.now();
  private last: number[];
  constructor(private readonly pids: readonly number[]) {
    this.last = pids.map((p) => cpuMs(p));
  }
  reset(): void {
    this.t = performance.now();
    this.last = this.pids.map((p) => cpuMs(p));
  }
  /** % of one core per pid since the last reset, and the CPU ms. */
  read(): { pct: number[]; cpuMs: number[] } {
    const dt = performance.now() - this.t;
    const now = this.pids.map((p) => cpuMs(p));
    const d = now.map((v, i) => v - this.last[i]!);
    return { pct: d.map((x) => (100 * x) / dt), cpuMs: d };
  }
}

let gcFn: (() => void) | undefined;
/** A full GC (without --expose-gc on the command line: `npx tsx` runs the bench). */
export function fullGc(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

export function memory(): { rss: number; heapUsed: number } {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function ms(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

export async function loadAverage(): Promise<string> {
  const { loadavg } = await import('node:os');
  return loadavg().map((x) => x.toFixed(2)).join(' ');
}

/** Waits until `pred()` or the deadline; returns whether `pred()` held. */
export async function until(pred: () => boolean, timeoutMs: number, pollMs = 200): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) return false;
    await sleep(pollMs);
  }
  return true;
}

/** What a bench started and must stop, whatever way it ends. */
export interface Started {
  fleet?: { stop(): Promise<unknown> };
  fep?: { close(): Promise<unknown> };
  broker?: { stop(): Promise<unknown> };
}

/**
 * Runs `steps` once — when the bench calls the returned function, on SIGINT/SIGTERM, or when the run
 * exceeds `maxMs` (then exit 2): a bench never leaves processes or files behind.
 */
export function cleanupOnExit(steps: () => Promise<void>, maxMs: number): () => Promise<void> {
  let cleaning = false;
  const cleanup = async (): Promise<void> => {
    if (cleaning) return;
    cleaning = true;
    await steps();
  };
  const watchdog = setTimeout(() => {
    console.log('watchdog: time limit reached, cleaning up');
    void cleanup().finally(() => process.exit(2));
  }, maxMs);
  watchdog.unref();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));
  return cleanup;
}

/** Tears down what `current()` holds (fleet, then FEP, then broker); the watchdog allows 2 min past `maxMs` for clean-up. */
export function teardownOnExit(current: () => Started, maxMs: number): () => Promise<void> {
  return cleanupOnExit(async () => {
    const started = current();
    await started.fleet?.stop().catch(() => undefined);
    await started.fep?.close().catch(() => undefined);
    await started.broker?.stop().catch(() => undefined);
  }, maxMs + 120_000);
}
