/**
 * The InfluxDB part of bench/store-ingest.bench.ts: the same daily F161 workload written through the
 * InfluxDB store into Debian's influxd 1.6 on loopback (started here with scripts/influxd.mjs, data in a
 * temporary directory), then the reads the scheduler and APIs do. Reports values/s (the first day
 * creates every series, later days only append: both are shown), the bulk scan and missing() rates,
 * 15-minute curve ingest, data size and influxd's RSS.
 *
 * Alone: npx tsx bench/store-ingest-influx.ts [meters=200000] [days=3]
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startInfluxd } from '../scripts/influxd.mjs';
import { functionTagResolver, openInfluxStore } from '../src/store/influx/index.js';
import type { Reading } from '../src/store/store.js';
import { fmt } from './harness.js';

const H = 3_600_000;
const DAY = 24 * H;
const MB = 1024 * 1024;
const PER_TERMINAL = 200;

export interface InfluxBenchOptions {
  meters: number;
  days: number;
  /** UTC ms of the first day (00:00 CST). */
  day0: number;
  /** Day d's write batches (terminal answers grouped). */
  dayBatches(d: number, meters: number): Reading[][];
  curveMeters: number;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
const tags = functionTagResolver(
  (id) => ({ meter: pad(id, 12), terminal: `1101-${pad(Math.ceil(id / PER_TERMINAL), 5)}`, taiqu: `TQ${pad(Math.ceil(id / 4000), 4)}`, region: '1101' }),
  (id) => ({ terminal: `1101-${pad(id, 5)}`, taiqu: `TQ${pad(Math.ceil(id / 20), 4)}`, region: '1101' }),
);
const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const values = (rs: readonly Reading[]): number => rs.reduce((n, r) => n + r.values.filter((v) => v !== null).length, 0);

function du(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    const s = statSync(p);
    n += s.isDirectory() ? du(p) : s.size;
  }
  return n;
}

/** CPU seconds (user + system) of a process from /proc (clock ticks of 1/100 s). */
const cpuOf = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const ownCpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const peakOf = (pid: number): number => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
}

export async function influxIngestBench(o: InfluxBenchOptions): Promise<void> {
  const influxd = await startInfluxd();
  console.log(`influxdb: influxd ${influxd.version} on ${influxd.url} (inmem index), load ${load()}`);
  const store = await openInfluxStore({ url: influxd.url, database: 'bench', tags, batchLines: 5000 });
  try {
    for (let d = 0; d < o.days; d++) {
      const batches = o.dayBatches(d, o.meters);
      let n = 0;
      let v = 0;
      const cpu0 = [ownCpu(), cpuOf(influxd.pid)];
      const t = performance.now();
      for (const b of batches) {
        await store.writeReadings(b);
        n += b.length;
        v += values(b);
      }
      const s = (performance.now() - t) / 1000;
      const cpu = `CPU: bench ${(ownCpu() - cpu0[0]!).toFixed(1)} s, influxd ${(cpuOf(influxd.pid) - cpu0[1]!).toFixed(1)} s`;
      console.log(`influxdb day ${d + 1}${d === 0 ? ' (creates the series)' : ''}: ${n} readings in ${s.toFixed(2)} s: ${fmt(n / s)} readings/s = ${fmt(v / s)} values/s (${cpu}); load ${load()}`);
    }
    const day = o.day0 + (o.days - 1) * DAY;
    const [n1, ms1] = await timed(async () => {
      let n = 0;
      for await (const _ of store.readings({ kind: 'day', quantity: 'ea_imp', from: day, to: day + DAY })) n++;
      return n;
    });
    console.log(`influxdb read one day of all meters (bulk scan): ${n1} readings in ${ms1.toFixed(0)} ms = ${fmt((n1 / ms1) * 1000)} readings/s`);
    const all = Array.from({ length: o.meters }, (_, i) => i + 1);
    const [g1, ms2] = await timed(() => store.missing({ kind: 'day', quantity: 'ea_imp', meters: all, times: [day] }));
    console.log(`influxdb missing(): ${o.meters} meters × 1 day, ${g1.length} gaps, ${ms2.toFixed(0)} ms`);
    const some = Array.from({ length: 2000 }, (_, i) => 1 + ((i * 7919) % o.meters));
    const [g2, ms3] = await timed(() => store.missing({ kind: 'day', quantity: 'ea_imp', meters: some, times: [day] }));
    console.log(`influxdb missing(): 2 000 listed meters × 1 day, ${g2.length} gaps, ${ms3.toFixed(0)} ms`);
    const [n2, ms4] = await timed(async () => {
      let n = 0;
      for await (const _ of store.readings({ kind: 'day', meters: some.slice(0, 1000), from: o.day0, to: o.day0 + o.days * DAY })) n++;
      return n;
    });
    console.log(`influxdb read 1 000 listed meters × ${o.days} days: ${n2} readings in ${ms4.toFixed(0)} ms`);

    let n = 0;
    let v = 0;
    let ms = 0;
    let batch: Reading[] = [];
    const cpu0 = [ownCpu(), cpuOf(influxd.pid)];
    const flush = async (): Promise<void> => {
      const t = performance.now();
      await store.writeReadings(batch);
      ms += performance.now() - t;
      n += batch.length;
      v += values(batch);
      batch = [];
    };
    for (let m = 1; m <= o.curveMeters; m++) {
      for (let k = 0; k < 96; k++) batch.push({ meter: m, kind: 'curve', quantity: 'p', time: o.day0 + k * 15 * 60_000, values: [((m + k) % 900) / 100 + 0.5, 0.1234, 0.2, null], quality: 'collected' });
      if (batch.length >= 10_000) await flush();
    }
    await flush();
    console.log(
      `influxdb curve ingest: ${n} points in ${(ms / 1000).toFixed(2)} s: ${fmt((n / ms) * 1000)} readings/s = ${fmt((v / ms) * 1000)} values/s (CPU: bench ${(ownCpu() - cpu0[0]!).toFixed(1)} s, influxd ${(cpuOf(influxd.pid) - cpu0[1]!).toFixed(1)} s)`,
    );
    const grid = Array.from({ length: 96 }, (_, k) => o.day0 + k * 15 * 60_000);
    const [g3, ms5] = await timed(() => store.missing({ kind: 'curve', quantity: 'p', meters: Array.from({ length: o.curveMeters }, (_, i) => i + 1), times: grid }));
    console.log(`influxdb missing(): ${o.curveMeters} meters × 96 curve points, ${g3.length} gaps, ${ms5.toFixed(0)} ms`);
    console.log(
      `influxdb: data ${(du(influxd.dir) / MB).toFixed(0)} MB (WAL not yet compacted included); influxd RSS ${(rssOf(influxd.pid) / MB).toFixed(0)} MB (peak ${(peakOf(influxd.pid) / MB).toFixed(0)} MB); bench RSS ${(process.memoryUsage().rss / MB).toFixed(0)} MB; load ${load()}`,
    );
  } finally {
    await store.close();
    await influxd.stop();
  }
}

/** One F161 answer per terminal for day d: 200 readings of total + 4 rates (0.01 kWh), 10 000 per batch. */
function dayBatches(d: number, meters: number, day0: number): Reading[][] {
  const batches: Reading[][] = [];
  let cur: Reading[] = [];
  const time = day0 + d * DAY;
  for (let meter = 1; meter <= meters; meter++) {
    const base = 100_000 + ((meter * 7919) % 1_900_000) + d * 1234;
    const r = [Math.round(base * 0.1), Math.round(base * 0.3), Math.round(base * 0.4)];
    cur.push({ meter, kind: 'day', quantity: 'ea_imp', time, values: [base / 100, r[0]! / 100, r[1]! / 100, r[2]! / 100, (base - r[0]! - r[1]! - r[2]!) / 100], quality: 'collected', readAt: time + (5 + (meter % 50)) * 60_000 });
    if (cur.length >= 10_000) {
      batches.push(cur);
      cur = [];
    }
  }
  if (cur.length) batches.push(cur);
  return batches;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const meters = Number(process.argv[2] ?? 200_000);
  const days = Number(process.argv[3] ?? 3);
  const day0 = Date.UTC(2024, 4, 1) - 8 * H;
  console.log(`# store ingest, InfluxDB only: ${meters} meters × ${days} days — node ${process.version}, ${new Date().toISOString()}`);
  await influxIngestBench({ meters, days, day0, dayBatches: (d, m) => dayBatches(d, m, day0), curveMeters: 3000 });
}
