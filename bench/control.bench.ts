/**
 * Load control (issue 9, "Tests and measures"): single-trip latency API → verified on loopback, and the
 * execution time of a scheme over every terminal (default 10 000).
 *
 * Setup: the head-end (HeadEnd: archive database, FEP, control service, admin HTTP API; silent logger)
 * runs in THIS process on a temp data directory holding the fleet archive (simulators/fleet/archive-writer,
 * imported); the fleet (SimulatedTerminal brains that check PW and Tp, no reply delay) runs in a child
 * process (bench/fep-fleet-child.ts) and dials in over loopback TCP, one socket per terminal.
 *
 * 1. Single trip, `--samples` times, one at a time on different terminals: operator A creates the request
 *    (POST /v1/control/requests), operator B approves it (POST …/approve); latency = from sending the
 *    approval to the `control` bus event `done` of a verified outcome (AFN05 F1 with PW + Tp → AFN00,
 *    AFN0C F6 read-back, audit chain writes). Also the executor's own send → verified time.
 * 2. Scheme: staged over every substation, approved, then `run`: time from POST …/run to `done`, with the
 *    outcome counts; then `restore` (AFN05 F2 + read-back) the same way.
 *
 * Run: npx tsx bench/control.bench.ts [--terminals 10000] [--meters 8] [--samples 200] [--concurrency 512] [--max-minutes 15]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeArchive } from '../simulators/fleet/archive-writer.js';
import { Archive, ArchiveDirectory } from '../src/archive/archive.js';
import { importArchive } from '../src/archive/import.js';
import type { HesEvents } from '../src/bus.js';
import { InProcessBus } from '../src/bus.js';
import { DEFAULT_CONFIG, type HesConfig } from '../src/config/schema.js';
import type { RequestView } from '../src/control/service.js';
import { terminalKeyOf } from '../src/fep/directory.js';
import { archiveCatalog } from '../src/service/catalog.js';
import { HeadEnd } from '../src/service/head-end.js';
import { A1, BusTally, cleanupOnExit, FleetProcess, loadAverage, memory, MiB, ms, num, parseArgs, until } from './fep-common.js';
import { header, percentile } from './harness.js';

const args = parseArgs({ terminals: '10000', meters: '8', samples: '200', concurrency: '512', ramp: '2000', 'max-minutes': '15' });
const N = num(args.terminals, 'terminals', 1, 19_000);
const METERS = num(args.meters, 'meters', 1, 2040);
const SAMPLES = num(args.samples, 'samples', 1, 100_000);
const CONCURRENCY = num(args.concurrency, 'concurrency', 1, 100_000);
const RAMP = num(args.ramp, 'ramp', 1, 100_000);
const MAX_MS = num(args['max-minutes'], 'max-minutes', 1, 120) * 60_000;

const root = mkdtempSync(path.join(tmpdir(), 'hes-control-bench-'));
let fleet: FleetProcess | undefined;
let he: HeadEnd | undefined;
const cleanup = cleanupOnExit(async () => {
  await fleet?.stop().catch(() => undefined);
  await he?.stop().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
}, MAX_MS);

/** Resolves with the `control` event of request `id` reaching `state`. */
function reached(bus: InProcessBus<HesEvents>, id: number, state: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`request ${id} not ${state} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = bus.subscribe('control', (e) => {
      if (e.request !== id || e.state !== state) return;
      clearTimeout(timer);
      off();
      resolve(performance.now());
    });
  });
}

try {
  header(`control: single trip API → verified, and a scheme over ${N} terminals`);
  const csv = path.join(root, 'archive');
  const dataDir = path.join(root, 'data');
  writeArchive(csv, { a1: A1, terminals: N, metersPerTerminal: METERS, seed: 1 });
  const archive = Archive.open(dataDir);
  const i0 = Date.now();
  importArchive(archive.db, csv);
  const importS = (Date.now() - i0) / 1000;
  const config: HesConfig = {
    ...DEFAULT_CONFIG,
    log: { level: 'silent' },
    fep: { ...DEFAULT_CONFIG.fep, port: 0, heartbeatS: 600 },
    admin: { port: 0 },
    data: { dir: dataDir },
    control: { ...DEFAULT_CONFIG.control, concurrency: CONCURRENCY, verifyIntervalMs: 200 },
    prepay: { ...DEFAULT_CONFIG.prepay, settleIntervalS: 0 },
  };
  const bus = new InProcessBus<HesEvents>();
  const tally = new BusTally(bus);
  const directory = new ArchiveDirectory(archive.db, { pw: config.fep.pw, msa: config.fep.msa });
  he = new HeadEnd({ config, directory, catalog: archiveCatalog(archive), owned: archive, dataDir, controlDb: archive.db, bus });
  const a = await he.start();
  const api = async <T>(p: string, body: unknown, operator: string): Promise<T> => {
    const r = await fetch(`${a.admin!}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hes-operator': operator }, body: JSON.stringify(body) });
    const j = (await r.json()) as T & { message?: string };
    if (!r.ok) throw new Error(`${p}: ${r.status} ${j.message ?? ''}`);
    return j;
  };
  console.log(
    `setup: HeadEnd in this process (archive of ${N} terminals × ${METERS} meters imported in ${importS.toFixed(1)} s; audit chain in SQLite WAL; concurrency ${CONCURRENCY}), fleet of ${N} SimulatedTerminal (PW and Tp checked, no reply delay) in a child process over loopback TCP; load average ${await loadAverage()}`,
  );
  fleet = await FleetProcess.start(MAX_MS / 1000 + 120);
  const r0 = Date.now();
  await fleet.add({ url: `tcp://127.0.0.1:${a.terminal.port}`, terminals: N, firstA2: 1, meters: METERS, rampPerSec: RAMP, heartbeatMs: 60_000, mqttConnections: 0, checkTp: true });
  if (!(await until(() => tally.online >= N, (N / RAMP) * 1000 + 90_000))) throw new Error(`only ${tally.online}/${N} terminals online`);
  console.log(`all online: ${N} terminals in ${((Date.now() - r0) / 1000).toFixed(1)} s`);

  // 1. Single trips, one at a time (the first 10 warm up and are not reported).
  const lat: number[] = [];
  const exec: number[] = [];
  let verified = 0;
  const warm = Math.min(10, N);
  for (let i = 0; i < SAMPLES + warm; i++) {
    const terminal = terminalKeyOf(A1, 1 + ((i * 7919) % N));
    const c = await api<RequestView>('/v1/control/requests', { action: 'trip', terminals: [terminal] }, 'alice');
    const done = reached(bus, c.id, 'done', 60_000);
    const t = performance.now();
    await api('/v1/control/requests/' + c.id + '/approve', { hash: c.hash }, 'bob');
    const end = await done;
    const d = he.control!.get(c.id);
    const r = d.results.run?.[0];
    if (i < warm) continue;
    lat.push(end - t);
    if (r?.outcome === 'confirmed-verified') {
      verified++;
      exec.push(r.verifiedMs ?? 0);
    }
  }
  lat.sort((x, y) => x - y);
  exec.sort((x, y) => x - y);
  console.log(
    `single trip, ${SAMPLES} samples: approve POST → verified p50 ${ms(percentile(lat, 50))} ms, p99 ${ms(percentile(lat, 99))} ms, max ${ms(lat.at(-1)!)} ms; executor send → verified p50 ${ms(percentile(exec, 50))} ms, p99 ${ms(percentile(exec, 99))} ms; verified ${verified}/${SAMPLES}`,
  );

  // 2. The scheme over every terminal.
  const substations = [...new Set(Array.from({ length: Math.ceil(N / 200) }, (_, k) => `SS${A1}-${String(k + 1).padStart(3, '0')}`))];
  const s0 = performance.now();
  const staged = await api<RequestView>('/v1/schemes', { name: 'bench', action: 'trip', rounds: [2], substations }, 'alice');
  const stageMs = performance.now() - s0;
  await api('/v1/schemes/bench/approve', { hash: staged.hash }, 'bob');
  for (const phase of ['run', 'restore'] as const) {
    const done = reached(bus, staged.id, phase === 'run' ? 'done' : 'restored', MAX_MS);
    const t = performance.now();
    await api(`/v1/schemes/bench/${phase}`, {}, phase === 'run' ? 'alice' : 'bob');
    const end = await done;
    const v = he.control!.get(staged.id);
    const m = memory();
    const res = v.results[phase] ?? [];
    const conf = res.map((x) => x.confirmMs ?? 0).sort((x, y) => x - y);
    const ver = res.map((x) => x.verifiedMs ?? 0).sort((x, y) => x - y);
    console.log(
      `scheme ${phase} over ${staged.targets} terminals: ${((end - t) / 1000).toFixed(2)} s (${((staged.targets / (end - t)) * 1000).toFixed(0)} terminals/s); outcomes ${JSON.stringify(v.byOutcome)};` +
        ` per terminal send → confirmed p50 ${ms(percentile(conf, 50))} / p99 ${ms(percentile(conf, 99))} ms, → verified p50 ${ms(percentile(ver, 50))} / p99 ${ms(percentile(ver, 99))} ms; RSS ${(m.rss / MiB).toFixed(0)} MiB`,
    );
  }
  console.log(`scheme staging (resolve ${substations.length} substations → ${staged.targets} terminals, hash, store): ${ms(stageMs)} ms`);
  const audit = he.control!.audit.verify();
  console.log(`audit chain: ${audit.records} records, intact ${audit.ok}; load average ${await loadAverage()}`);
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await cleanup();
}
