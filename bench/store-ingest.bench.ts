/**
 * Store ingest and read rates of the embedded store (issue 7 goal: ≥ 500 000 values/s written).
 *
 * Ingest: M meters (default 200 000) behind M/200 terminals; each terminal answers F161 for its 200
 * meters (one ea_imp reading = total + 4 rates = 5 values, 2 decimals like the simulator's registers),
 * in a random terminal order each day, batched to 10 000 readings (50 answers) per write = one
 * transaction; D days (default 3). Then the same through the spool (each write fsync'd before its
 * acknowledgement, up to 8 writes in flight like concurrent terminals): acknowledged rate and end-to-end
 * rate (until everything reached the store). Then 15-minute curves: 3 000 key meters × 96 points of `p`.
 * Reads: one day of every meter (bulk scan), missing() over every meter × 1 day, one meter's year of
 * days (on Y meters × 365 days, default 2 000), one meter's day of curve, missing() over 3 000 meters ×
 * 96 points. Sizes: bytes per stored reading and per meter-year.
 *
 * Then the same daily workload and curves into InfluxDB 1.6 on loopback (bench/store-ingest-influx.ts;
 * STORE_BENCH_INFLUX=0 skips it).
 *
 * Run: npx tsx bench/store-ingest.bench.ts [meters=200000] [days=3] [yearMeters=2000]
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoverageIndex } from '../src/store/coverage/coverage-index.js';
import { EmbeddedStore } from '../src/store/embedded/embedded-store.js';
import { SpooledStore } from '../src/store/spool.js';
import type { Reading, ReadingStore } from '../src/store/store.js';
import { fmt, header } from './harness.js';
import { influxIngestBench } from './store-ingest-influx.js';

const METERS = Number(process.argv[2] ?? 200_000);
const DAYS = Number(process.argv[3] ?? 3);
const YEAR_METERS = Number(process.argv[4] ?? 2000);
const PER_TERMINAL = 200;
const BATCH = 10_000;
const VALUES = 5;
const CURVE_METERS = 3000;
const H = 3_600_000;
const DAY = 24 * H;
const DAY0 = Date.UTC(2024, 4, 1) - 8 * H;
const MB = 1024 * 1024;

const dir = mkdtempSync(path.join(os.tmpdir(), 'hes-store-bench-'));
const sizeOf = (d: string): number => readdirSync(d).reduce((n, f) => n + (statSync(path.join(d, f)).isFile() ? statSync(path.join(d, f)).size : 0), 0);
const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One terminal's F161 answer for day d: 200 readings of 5 values, XXXXXX.XX kWh. */
function answer(terminal: number, d: number): Reading[] {
  const out: Reading[] = [];
  const time = DAY0 + d * DAY;
  for (let i = 0; i < PER_TERMINAL; i++) {
    const meter = terminal * PER_TERMINAL + i + 1;
    const base = 100_000 + ((meter * 7919) % 1_900_000) + d * 1234; // 0.01 kWh
    const r = [Math.round(base * 0.1), Math.round(base * 0.3), Math.round(base * 0.4), base - Math.round(base * 0.1) - Math.round(base * 0.3) - Math.round(base * 0.4)];
    out.push({ meter, kind: 'day', quantity: 'ea_imp', time, values: [base / 100, r[0]! / 100, r[1]! / 100, r[2]! / 100, r[3]! / 100], quality: 'collected', readAt: time + (5 + (meter % 50)) * 60_000 });
  }
  return out;
}

/** Day d's batches: terminals in a random order, 50 answers per batch. */
function dayBatches(d: number, meters: number): Reading[][] {
  const terminals = Array.from({ length: Math.ceil(meters / PER_TERMINAL) }, (_, i) => i);
  const rnd = mulberry32(d + 1);
  for (let i = terminals.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [terminals[i], terminals[j]] = [terminals[j]!, terminals[i]!];
  }
  const batches: Reading[][] = [];
  let cur: Reading[] = [];
  for (const t of terminals) {
    for (const r of answer(t, d)) cur.push(r);
    if (cur.length >= BATCH) {
      batches.push(cur);
      cur = [];
    }
  }
  if (cur.length) batches.push(cur);
  return batches;
}

async function ingest(label: string, store: ReadingStore, days: number, meters: number, inFlight: number, spool?: SpooledStore): Promise<void> {
  let ackMs = 0;
  let endMs = 0;
  let n = 0;
  for (let d = 0; d < days; d++) {
    const batches = dayBatches(d, meters);
    const t0 = performance.now();
    const pending = new Set<Promise<void>>();
    for (const b of batches) {
      const p = store.writeReadings(b);
      pending.add(p);
      void p.finally(() => pending.delete(p));
      if (pending.size >= inFlight) await Promise.race(pending);
      n += b.length;
    }
    await Promise.all(pending);
    const t1 = performance.now();
    if (spool) await spool.flush();
    ackMs += t1 - t0;
    endMs += performance.now() - t0;
  }
  const rate = (n / ackMs) * 1000;
  console.log(`${label}: ${n} readings in ${(ackMs / 1000).toFixed(2)} s: ${fmt(rate)} readings/s = ${fmt(rate * VALUES)} values/s${spool ? ' acknowledged' : ''}`);
  if (spool) {
    const e = (n / endMs) * 1000;
    const st = spool.status();
    console.log(`${label}: end to end (until forwarded): ${fmt(e)} readings/s = ${fmt(e * VALUES)} values/s; ${st.fsyncs} fsyncs for ${st.acknowledgedBatches} batches`);
  }
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
}

async function count(it: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of it) n++;
  return n;
}

header(`store ingest: ${METERS} meters × ${DAYS} days, batches of ${BATCH} readings (${VALUES} values each); load ${load()}`);
try {
  // 1. Embedded store, direct.
  const a = EmbeddedStore.open(path.join(dir, 'a'));
  await ingest('embedded', a, DAYS, METERS, 1);
  a.db.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = sizeOf(path.join(dir, 'a'));
  const perReading = bytes / (METERS * DAYS);
  console.log(`embedded size: ${(bytes / MB).toFixed(1)} MB = ${perReading.toFixed(1)} bytes per reading (${(perReading / VALUES).toFixed(1)} per value)`);
  console.log(`  → per meter-year of daily ea_imp … er_exp (4 quantities × 365): ${((perReading * 4 * 365) / 1024).toFixed(0)} KiB; 1 M meters: ${((perReading * 4 * 365 * 1e6) / 1024 ** 3).toFixed(0)} GiB/year`);

  // 2. Reads on it.
  const day = DAY0 + (DAYS - 1) * DAY;
  const [n1, ms1] = await time(() => count(a.readings({ kind: 'day', quantity: 'ea_imp', from: day, to: day + DAY })));
  console.log(`read one day of all meters (bulk scan): ${n1} readings in ${ms1.toFixed(0)} ms = ${fmt((n1 / ms1) * 1000)} readings/s`);
  const all = Array.from({ length: METERS }, (_, i) => i + 1);
  const [g1, ms2] = await time(() => a.missing({ kind: 'day', quantity: 'ea_imp', meters: all, times: [day] }));
  console.log(`missing(): ${METERS} meters × 1 day, ${g1.length} gaps, ${ms2.toFixed(0)} ms (${fmt((METERS / ms2) * 1000)} points/s)`);
  const [g2, ms3] = await time(() => a.missing({ kind: 'day', quantity: 'ea_imp', meters: all, times: [day + DAY] }));
  console.log(`missing(): ${METERS} meters × 1 day not collected yet, ${g2.length} gaps, ${ms3.toFixed(0)} ms`);
  const some = Array.from({ length: 1000 }, (_, i) => 1 + ((i * 7919) % METERS));
  const [n2, ms4] = await time(() => count(a.readings({ kind: 'day', meters: some, from: DAY0, to: DAY0 + DAYS * DAY })));
  console.log(`read 1 000 listed meters × ${DAYS} days: ${n2} readings in ${ms4.toFixed(0)} ms`);
  await a.close();

  // 3. Through the spool.
  const bDir = path.join(dir, 'b');
  const spool = await SpooledStore.open(EmbeddedStore.open(bDir), { dir: path.join(bDir, 'spool') });
  await ingest('spool → embedded', spool, DAYS, METERS, 8, spool);
  await spool.close();

  // 4. Curves: 3 000 meters × 96 points of p (4 values), one terminal answer = one meter's day.
  const c = EmbeddedStore.open(path.join(dir, 'c'));
  {
    let n = 0;
    let ms = 0;
    let batch: Reading[] = [];
    const flush = async (): Promise<void> => {
      const t = performance.now();
      await c.writeReadings(batch);
      ms += performance.now() - t;
      n += batch.length;
      batch = [];
    };
    for (let m = 1; m <= CURVE_METERS; m++) {
      for (let k = 0; k < 96; k++) batch.push({ meter: m, kind: 'curve', quantity: 'p', time: DAY0 + k * 15 * 60_000, values: [((m + k) % 900) / 100 + 0.5, 0.1234, 0.2, null], quality: 'collected' });
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    console.log(`curve ingest: ${n} points in ${(ms / 1000).toFixed(2)} s: ${fmt((n / ms) * 1000)} readings/s = ${fmt((n / ms) * 1000 * 4)} values/s`);
    c.db.pragma('wal_checkpoint(TRUNCATE)');
    const perPoint = sizeOf(path.join(dir, 'c')) / n;
    console.log(`curve size: ${perPoint.toFixed(1)} bytes per point (with the time index) → ${((perPoint * 96 * 365) / MB).toFixed(2)} MiB per meter-year of one quantity`);
    const grid = Array.from({ length: 96 }, (_, k) => DAY0 + k * 15 * 60_000);
    const meters = Array.from({ length: CURVE_METERS }, (_, i) => i + 1);
    const [g, msg] = await time(() => c.missing({ kind: 'curve', quantity: 'p', meters, times: grid }));
    console.log(`missing(): ${CURVE_METERS} meters × 96 curve points, ${g.length} gaps, ${msg.toFixed(0)} ms`);
    const reps = 500;
    const t = performance.now();
    for (let i = 0; i < reps; i++) await count(c.readings({ kind: 'curve', quantity: 'p', meters: [1 + ((i * 31) % CURVE_METERS)], from: DAY0, to: DAY0 + DAY }));
    const each = (performance.now() - t) / reps;
    console.log(`read one meter's day of curve (96 points): ${each.toFixed(2)} ms each`);
  }
  await c.close();

  // 5. A year of days for Y meters, then one meter's year.
  const y = EmbeddedStore.open(path.join(dir, 'y'));
  {
    const t = performance.now();
    for (let d = 0; d < 365; d++) for (const b of dayBatches(d, YEAR_METERS)) await y.writeReadings(b);
    console.log(`year: ${YEAR_METERS} meters × 365 days written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const reps = 300;
    let n = 0;
    const t2 = performance.now();
    for (let i = 0; i < reps; i++) n += await count(y.readings({ kind: 'day', quantity: 'ea_imp', meters: [1 + ((i * 7919) % YEAR_METERS)], from: DAY0, to: DAY0 + 365 * DAY }));
    const each = (performance.now() - t2) / reps;
    console.log(`read one meter's year of days: ${(n / reps).toFixed(0)} readings, ${each.toFixed(2)} ms each (${fmt(((n / reps) * 1000) / each)} readings/s)`);
  }
  await y.close();

  // 6. The coverage index (what the head-end keeps in front of InfluxDB so gaps never query it): marking
  //    the same daily batches, then missing() per terminal and over every meter, on a file.
  {
    const index = CoverageIndex.open(path.join(dir, 'coverage.db'));
    index.setAuthoritativeFrom(Number.MIN_SAFE_INTEGER);
    const t = performance.now();
    let n = 0;
    for (let d = 0; d < DAYS; d++) for (const b of dayBatches(d, METERS)) n += index.mark(b) >= 0 ? b.length : 0;
    const ms = performance.now() - t;
    console.log(`coverage index mark: ${n} readings in ${(ms / 1000).toFixed(2)} s: ${fmt((n / ms) * 1000)} readings/s; file and WAL ${(['coverage.db', 'coverage.db-wal'].reduce((b, f) => b + (existsSync(path.join(dir, f)) ? statSync(path.join(dir, f)).size : 0), 0) / MB).toFixed(2)} MB for ${DAYS} days × ${METERS} meters`);
    const terminals = METERS / PER_TERMINAL;
    const t2 = performance.now();
    let gaps = 0;
    for (let k = 0; k < terminals; k++) {
      gaps += index.missing({ kind: 'day', quantity: 'ea_imp', meters: Array.from({ length: PER_TERMINAL }, (_, i) => k * PER_TERMINAL + i + 1), times: [DAY0 + DAY] }).length;
    }
    const ms2 = performance.now() - t2;
    console.log(`coverage index missing(): ${terminals} terminals × ${PER_TERMINAL} meters × 1 day, ${gaps} gaps, ${ms2.toFixed(0)} ms (${((ms2 * 1000) / terminals).toFixed(0)} µs a terminal)`);
    const t3 = performance.now();
    const all = index.missing({ kind: 'day', quantity: 'ea_imp', meters: Array.from({ length: METERS }, (_, i) => i + 1), times: [DAY0 + DAY] });
    console.log(`coverage index missing(): ${METERS} meters × 1 day in one question, ${all.length} gaps, ${(performance.now() - t3).toFixed(0)} ms`);
    index.close();
  }
  console.log(`RSS ${(process.memoryUsage().rss / MB).toFixed(0)} MB; load ${load()}`);

  // 7. The same daily workload and curves into InfluxDB 1.6 on loopback (bench/store-ingest-influx.ts);
  //    STORE_BENCH_INFLUX=0 skips it.
  if (process.env.STORE_BENCH_INFLUX !== '0') await influxIngestBench({ meters: METERS, days: DAYS, day0: DAY0, dayBatches, curveMeters: CURVE_METERS });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
