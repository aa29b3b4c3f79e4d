/**
 * A daily-frozen round end to end (shared by bench/daily-collect.bench.ts and bench/daily-1m.bench.ts):
 * N terminals × M meters (SimulatedTerminal fleet in its own process, bench/fep-fleet-child.ts) dial in
 * over loopback TCP to the head-end in this process (archive imported from the fleet's own archive
 * files, FEP, scheduler, and the embedded store on disk or InfluxDB 1.x started here); then the daily
 * campaign of today (AFN0D `--fns`, planned 8 Pn × Fn per data unit, `--points` Pn per request) runs
 * once over the fleet (`--days N`: one round per day, the last N days oldest first — the first round of a
 * new store creates every series, the later ones show the steady state). Prints wall time, readings/s and values/s, requests, success rate, the peak RSS
 * and CPU time of both processes (and of influxd).
 * Bounded: loopback only, every phase has a time limit, the round is cut after `--round-s` (partial figures
 * are printed), a round whose influxd exceeds `--influx-max-gib` of RSS is stopped (1.6 can take the whole
 * machine), SIGINT/SIGTERM clean up, and a watchdog ends the run after `--max-s`.
 * `--profile DIR`: CPU profiles of the head-end process during the round and during the completeness
 * query (node:inspector), for
 * `node --cpu-prof`-style analysis; the fleet process can be profiled with NODE_OPTIONS=--cpu-prof.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startInfluxd, type InfluxdHandle } from '../scripts/influxd.mjs';
import { writeArchive } from '../simulators/fleet/archive-writer.js';
import { Archive } from '../src/archive/archive.js';
import { importArchive } from '../src/archive/import.js';
import { DEFAULT_CONFIG, type HesConfig } from '../src/config/schema.js';
import { DEFAULT_SCHEDULER } from '../src/scheduler/config.js';
import { LocalCalendar, formatDate } from '../src/scheduler/time.js';
import { HeadEnd } from '../src/service/head-end.js';
import { DEFAULT_STORE } from '../src/store/config.js';
import { A1, cleanupOnExit, cpuMs, FleetProcess, loadAverage, MiB, num, parseArgs, until } from './fep-common.js';

export type StoreKind = 'embedded' | 'influx';

export interface DailyRoundOptions {
  terminals: number;
  meters: number;
  /** Pn per request (scheduler batch.maxPointsPerRequest). */
  points: number;
  /** Terminals worked on at once (scheduler concurrency.terminals). */
  concurrency: number;
  /** AFN0D Fns of the daily task. */
  fns: number[];
  stores: StoreKind[];
  /** Watchdog: the whole run (all stores) ends after this many seconds. */
  maxS: number;
  /** The round is cut (partial figures) after this many seconds. */
  roundS: number;
  /** The round is stopped when influxd's RSS exceeds this (GiB). */
  influxMaxGib: number;
  /** Directory for a CPU profile of the head-end during the round ('' = none). */
  profile: string;
  /** influxd series index: tsi1 (on disk, what README recommends for 1 M meters) or inmem. */
  influxIndex: 'tsi1' | 'inmem';
  /**
   * Daily rounds, one per day, oldest first, ending today: the first round of a new store creates every
   * series (on InfluxDB the expensive part); the later ones are the steady state of a running system.
   */
  days: number;
}

/** Options from the command line over the entry's defaults (`--store both` = embedded then influx). */
export function dailyOptions(entry: { terminals: string; meters: string; points: string; concurrency: string; fns: string; store: string; 'max-s': string }): DailyRoundOptions {
  const a = parseArgs({ ...entry, 'round-s': '300', 'influx-max-gib': '8', 'influx-index': 'tsi1', days: '1', profile: '' });
  const influxIndex = a['influx-index'];
  if (influxIndex !== 'tsi1' && influxIndex !== 'inmem') throw new Error(`--influx-index must be tsi1 or inmem, got "${influxIndex}"`);
  const fns = a.fns.split(',').map((x) => num(x, 'fns', 1, 255));
  const stores: StoreKind[] = a.store === 'both' ? ['embedded', 'influx'] : a.store === 'embedded' || a.store === 'influx' ? [a.store] : [];
  if (stores.length === 0) throw new Error(`--store must be embedded, influx or both, got "${a.store}"`);
  return {
    terminals: num(a.terminals, 'terminals', 1, 20_000),
    meters: num(a.meters, 'meters', 1, 2040),
    points: num(a.points, 'points', 1, 2040),
    concurrency: num(a.concurrency, 'concurrency', 1, 100_000),
    fns,
    stores,
    maxS: num(a['max-s'], 'max-s', 10, 7200),
    roundS: num(a['round-s'], 'round-s', 1, 7200),
    influxMaxGib: num(a['influx-max-gib'], 'influx-max-gib', 1, 1024),
    profile: a.profile,
    influxIndex,
    days: num(a.days, 'days', 1, 30),
  };
}

/** Peak RSS of a process in bytes: VmHWM from /proc (Linux), the high-water mark, not the current size. */
function peakRss(pid: number): number {
  return statusKb(pid, 'VmHWM') * 1024;
}

/** A `kB` field of /proc/<pid>/status, NaN when the process is gone. */
function statusKb(pid: number, field: string): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** `p` or `undefined` after `ms` (a stop that hangs must not hang the bench). */
const bounded = <T>(p: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([p.catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);

const mib = (b: number): string => (b / MiB).toFixed(0);

/** Resets this process's VmHWM (Linux clear_refs 5), so the peak is the round's, not the archive import's. */
function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux or not allowed: the peak then includes the setup
  }
}

/** Runs the round once per store kind, each with a fresh head-end, fleet and data directory. */
export async function runDailyRounds(o: DailyRoundOptions): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'hes-daily-bench-'));
  const live: { fleet?: FleetProcess; he?: HeadEnd; influxd?: InfluxdHandle } = {};
  const cleanup = cleanupOnExit(async () => {
    await bounded(live.fleet?.stop() ?? Promise.resolve(), 45_000);
    await bounded(live.he?.stop() ?? Promise.resolve(), 30_000);
    await bounded(live.influxd?.stop() ?? Promise.resolve(), 30_000);
    rmSync(root, { recursive: true, force: true });
  }, o.maxS * 1000);
  try {
    const csv = path.join(root, 'archive');
    writeArchive(csv, { a1: A1, terminals: o.terminals, metersPerTerminal: o.meters, seed: 1 });
    for (const kind of o.stores) await runOne(o, kind, csv, path.join(root, kind), live);
  } finally {
    await cleanup();
  }
}

async function runOne(o: DailyRoundOptions, kind: StoreKind, csv: string, dataDir: string, live: { fleet?: FleetProcess; he?: HeadEnd; influxd?: InfluxdHandle }): Promise<void> {
  const cal = new LocalCalendar(480);
  console.log(`\n## ${o.terminals} × ${o.meters} meters, AFN0D F${o.fns.join('/F')}, store ${kind}${kind === 'influx' ? ` (index ${o.influxIndex})` : ''} — load average ${await loadAverage()}`);
  const archive = Archive.open(dataDir);
  const t0 = performance.now();
  importArchive(archive.db, csv);
  archive.close();
  console.log(`archive: imported in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  resetPeakRss();

  if (kind === 'influx') live.influxd = await startInfluxd({ dir: path.join(dataDir, 'influxd'), index: o.influxIndex });
  const config: HesConfig = {
    ...DEFAULT_CONFIG,
    // The production wiring (HeadEnd.open): the backend behind the write-ahead spool <data>/spool.
    store: kind === 'influx' ? { ...DEFAULT_STORE, backend: 'influxdb', influxUrl: live.influxd!.url, influxDatabase: 'hes' } : DEFAULT_STORE,
    log: { level: 'warn' },
    data: { dir: dataDir },
    fep: { ...DEFAULT_CONFIG.fep, port: 0, maxSessions: o.terminals + 100 },
    admin: { port: 0 },
    scheduler: {
      ...DEFAULT_SCHEDULER,
      // the round is started by the bench, not the clock
      enabled: false,
      tasks: { ...DEFAULT_SCHEDULER.tasks, daily: { ...DEFAULT_SCHEDULER.tasks.daily, fns: o.fns } },
      concurrency: { ...DEFAULT_SCHEDULER.concurrency, terminals: o.concurrency },
      batch: { ...DEFAULT_SCHEDULER.batch, maxPointsPerRequest: o.points },
    },
  };
  const he = (live.he = await HeadEnd.open(config));
  try {
    const a = await he.start();
    const fleet = (live.fleet = await FleetProcess.start(o.maxS));
    const online = (): number => he.fep.metrics().online;
    const ramp = Math.max(2000, Math.ceil(o.terminals / 5));
    await fleet.add({ url: `tcp://127.0.0.1:${a.terminal.port}`, terminals: o.terminals, firstA2: 1, meters: o.meters, rampPerSec: ramp, mqttConnections: 0 });
    if (!(await until(() => online() >= o.terminals, 300_000))) throw new Error(`only ${online()} of ${o.terminals} terminals online after 300 s`);
    console.log(`fleet: ${o.terminals} terminals online`);

    for (let k = o.days - 1; k >= 0; k--) {
      const today = cal.addDays(cal.dateOf(Date.now()), -k);
      const fleetPid = fleet.child.proc.pid ?? 0;
      const pids = [process.pid, fleetPid, ...(live.influxd ? [live.influxd.pid] : [])];
      const cpu0 = pids.map((p) => cpuMs(p));
      const c = he.collection!;
      const profiler = o.profile ? new Session() : undefined;
      if (profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      const spoolBacklog = (): number => he.status().store?.spool?.pendingReadings ?? 0;
      const t1 = performance.now();
      const runOf = (): ReturnType<typeof c.runs>[number] | undefined => c.runs().find((r) => r.task === 'daily' && (r.dates ?? []).includes(formatDate(today)));
      const done = c.startCampaign('daily', today).then(() => 'done' as const);
      // Progress every 10 s, and the influxd memory guard every second.
      let stop: (why: 'time' | 'memory') => void = () => undefined;
      const cut = new Promise<'time' | 'memory'>((r) => (stop = r));
      const roundTimer = setTimeout(() => stop('time'), o.roundS * 1000);
      let tick = 0;
      const monitor = setInterval(() => {
        const gib = live.influxd ? statusKb(live.influxd.pid, 'VmRSS') / 1024 / 1024 : 0;
        if (gib > o.influxMaxGib) {
          // Protect the machine first: the round is over either way.
          void live.influxd?.stop({ signal: 'SIGKILL', timeoutMs: 5000 }).catch(() => undefined);
          stop('memory');
        }
        if (++tick % 10 === 0) console.log(`  … ${tick} s: ${runOf()?.readings ?? 0} readings, spool backlog ${spoolBacklog()}${live.influxd ? `, influxd RSS ${gib.toFixed(1)} GiB` : ''}`);
      }, 1000);
      const end = await Promise.race([done, cut]);
      clearTimeout(roundTimer);
      clearInterval(monitor);
      const wall = (performance.now() - t1) / 1000;
      const cpu = pids.map((p, i) => (cpuMs(p) - cpu0[i]!) / 1000);
      if (profiler) {
        const { profile } = await profiler.post('Profiler.stop');
        mkdirSync(o.profile, { recursive: true });
        const file = path.join(o.profile, `head-end-${kind}-${Date.now()}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
        profiler.disconnect();
        console.log(`  head-end CPU profile of the round: ${file}`);
      }
      if (end === 'time') console.log(`  ! the round did not finish within --round-s ${o.roundS} s: partial figures`);
      if (end === 'memory') console.log(`  ! stopped: influxd RSS above --influx-max-gib ${o.influxMaxGib} GiB: partial figures`);
      const run = runOf()!;
      const meters = o.terminals * o.meters;
      console.log(`daily round of ${formatDate(today)}${k === o.days - 1 && o.days > 1 ? ' (first: every series new)' : ''}, ${o.terminals} × ${o.meters} (${meters} meters), store ${kind}: ${wall.toFixed(1)} s wall${end === 'done' ? '' : ' (cut)'}`);
      console.log(`  readings written ${run.readings} (${Math.round(run.readings / wall)} /s), values ${run.readings * 5} (${Math.round((run.readings * 5) / wall)} /s; total + 4 tariffs per reading)`);
      console.log(`  requests ${run.requests.sent} (ok ${run.requests.ok}, failed ${run.requests.failed}), terminals complete ${run.terminals.complete}/${run.terminals.total}`);
      // Acknowledged = in the spool; "stored" = forwarded into the backend (bounded wait).
      if (end === 'done') {
        const backlog = spoolBacklog();
        const drained = await until(() => spoolBacklog() === 0, 600_000);
        const all = (performance.now() - t1) / 1000;
        console.log(`  all in the ${kind} store ${drained ? `after ${all.toFixed(1)} s` : `not within ${all.toFixed(0)} s (${spoolBacklog()} readings still in the spool)`} (spool backlog at the end of the round: ${backlog} readings)`);
      }
      // The completeness query reads the whole day back from the store (after the round, not in its wall time;
      // bounded: on InfluxDB 1.x a 1 M-meter scan takes minutes).
      if (end === 'done') {
        const qProfiler = o.profile ? new Session() : undefined;
        if (qProfiler) {
          qProfiler.connect();
          await qProfiler.post('Profiler.enable');
          await qProfiler.post('Profiler.start');
        }
        const q0 = performance.now();
        const status = await bounded(c.status({ date: today, task: 'daily', by: 'system' }), 120_000);
        const qs = ((performance.now() - q0) / 1000).toFixed(1);
        if (qProfiler) {
          const { profile } = await qProfiler.post('Profiler.stop');
          mkdirSync(o.profile, { recursive: true });
          const file = path.join(o.profile, `completeness-${kind}-${Date.now()}.cpuprofile`);
          writeFileSync(file, JSON.stringify(profile));
          qProfiler.disconnect();
          console.log(`  head-end CPU profile of the completeness query: ${file}`);
        }
        console.log(`  success rate ${status ? `${((status.system.successRate ?? 0) * 100).toFixed(2)} % (completeness query ${qs} s)` : `not known: the completeness query did not answer within ${qs} s`}`);
      } else console.log(`  success rate n/a (round cut; ${((100 * run.readings) / (meters * o.fns.length)).toFixed(1)} % of the readings written)`);
      for (const p of run.problems.slice(0, 3)) console.log(`  ! ${p.slice(0, 200)}`);
      const names = ['head-end', 'fleet', 'influxd'];
      console.log(`  CPU during the round: ${cpu.map((s, i) => `${names[i]} ${s.toFixed(1)} s (${((100 * s) / wall).toFixed(0)} %)`).join(', ')}`);
      console.log(`  peak RSS: ${pids.map((p, i) => `${names[i]} ${mib(peakRss(p))} MiB`).join(', ')}`);
    }
  } finally {
    await bounded(live.fleet?.stop() ?? Promise.resolve(), 45_000);
    live.fleet = undefined;
    await bounded(he.stop(), 30_000);
    live.he = undefined;
    await bounded(live.influxd?.stop() ?? Promise.resolve(), 30_000);
    live.influxd = undefined;
  }
}
