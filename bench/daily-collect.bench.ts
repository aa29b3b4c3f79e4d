/**
 * A daily-frozen round end to end: N terminals × M meters (SimulatedTerminal fleet in its own process,
 * bench/fep-fleet-child.ts) dial in over loopback TCP to `HeadEnd.open` (archive imported from the fleet's
 * own archive files, FEP, scheduler, embedded store on disk); then the daily campaign of today (AFN0D
 * F161–F164 per meter, planned 8 Pn × 4 Fn per data unit) runs once over the fleet. Prints wall time,
 * readings/s, requests, success rate, and the RSS of both processes. The opt-in "big run" of issue 7's
 * fleet test (default 100 × 200); `--terminals 5000 --meters 200` is the 1 M-meter bench.
 * Bounded: loopback only, every phase has a time limit.
 * Run: npx tsx bench/daily-collect.bench.ts [--terminals 100] [--meters 200] [--points 64] [--concurrency 1000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeArchive } from '../simulators/fleet/archive-writer.js';
import { Archive } from '../src/archive/archive.js';
import { importArchive } from '../src/archive/import.js';
import { DEFAULT_CONFIG, type HesConfig } from '../src/config/schema.js';
import { DEFAULT_SCHEDULER } from '../src/scheduler/config.js';
import { LocalCalendar } from '../src/scheduler/time.js';
import { HeadEnd } from '../src/service/head-end.js';
import { A1, FleetProcess, MiB, num, parseArgs, until } from './fep-common.js';

const args = parseArgs({ terminals: '100', meters: '200', points: '64', concurrency: '1000' });
const N = num(args.terminals, 'terminals', 1, 20_000);
const M = num(args.meters, 'meters', 1, 2040);
const POINTS = num(args.points, 'points', 1, 2040);
const CONCURRENCY = num(args.concurrency, 'concurrency', 1, 100_000);
const cal = new LocalCalendar(480);

const root = mkdtempSync(path.join(tmpdir(), 'hes-daily-bench-'));
const dataDir = path.join(root, 'data');
let fleet: FleetProcess | undefined;
let he: HeadEnd | undefined;

try {
  const csv = path.join(root, 'archive');
  writeArchive(csv, { a1: A1, terminals: N, metersPerTerminal: M, seed: 1 });
  const archive = Archive.open(dataDir);
  const t0 = performance.now();
  importArchive(archive.db, csv);
  archive.close();
  console.log(`archive: ${N} terminals × ${M} meters imported in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const config: HesConfig = {
    ...DEFAULT_CONFIG,
    log: { level: 'warn' },
    data: { dir: dataDir },
    fep: { ...DEFAULT_CONFIG.fep, port: 0, maxSessions: N + 100 },
    admin: { port: 0 },
    scheduler: {
      ...DEFAULT_SCHEDULER,
      // the round is started by the bench, not the clock
      enabled: false,
      concurrency: { ...DEFAULT_SCHEDULER.concurrency, terminals: CONCURRENCY },
      batch: { ...DEFAULT_SCHEDULER.batch, maxPointsPerRequest: POINTS },
    },
  };
  he = HeadEnd.open(config);
  const a = await he.start();
  fleet = await FleetProcess.start(1800);
  const online = (): number => he!.fep.metrics().online;
  await fleet.add({ url: `tcp://127.0.0.1:${a.terminal.port}`, terminals: N, firstA2: 1, meters: M, rampPerSec: 2000, mqttConnections: 0 });
  if (!(await until(() => online() >= N, 300_000))) throw new Error(`only ${online()} of ${N} terminals online after 300 s`);
  console.log(`fleet: ${N} terminals online`);

  const today = cal.dateOf(Date.now());
  const c = he.collection!;
  const t1 = performance.now();
  await c.startCampaign('daily', today);
  const wall = (performance.now() - t1) / 1000;
  const run = c.runs().find((r) => r.task === 'daily')!;
  const status = await c.status({ date: today, task: 'daily', by: 'system' });
  const child = await fleet.stats();
  const mem = process.memoryUsage();
  console.log(`daily round ${N} × ${M} (${N * M} meters): ${wall.toFixed(1)} s wall`);
  console.log(`  readings written ${run.readings} (${Math.round(run.readings / wall)} /s), values ${run.readings * 5} (${Math.round((run.readings * 5) / wall)} /s)`);
  console.log(`  requests ${run.requests.sent} (ok ${run.requests.ok}, failed ${run.requests.failed}), terminals complete ${run.terminals.complete}/${run.terminals.total}`);
  console.log(`  success rate ${((status.system.successRate ?? 0) * 100).toFixed(2)} %`);
  for (const p of run.problems.slice(0, 3)) console.log(`  ! ${p.slice(0, 200)}`);
  console.log(`  RSS head-end ${(mem.rss / MiB).toFixed(0)} MiB, fleet process ${(child.rssBytes / MiB).toFixed(0)} MiB`);
} finally {
  await fleet?.stop();
  await he?.stop();
  rmSync(root, { recursive: true, force: true });
}
