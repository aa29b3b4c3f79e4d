/**
 * The simulator's answer path alone, in process: SimulatedTerminal.receive of AFN0D daily-frozen reads
 * (64 Pn per frame) for T terminals × M meters, reported as µs per meter answered.
 * "cold": every round uses terminals never asked before (the 1 M-meter daily round sees each meter
 * once, so no profile cache helps); "warm": the same terminals again.
 * Run: npx tsx bench/sim-answer.bench.ts [terminals=50] [meters=200] [rounds=6] [fn=161]
 * Profile: node --cpu-prof --import tsx bench/sim-answer.bench.ts
 */
import { builders } from '../protocols/gw376/index.js';
import { SimulatedTerminal } from '../simulators/concentrator/terminal.js';
import { header } from './harness.js';

const T = Number(process.argv[2] ?? 50);
const M = Number(process.argv[3] ?? 200);
const ROUNDS = Number(process.argv[4] ?? 6);
const FN = Number(process.argv[5] ?? 161);
const A1 = '1101';
const DATE = { year: 2026, month: 11, day: 22 };
const PER_FRAME = 64;

function framesOf(a2: number): Buffer[] {
  const out: Buffer[] = [];
  for (let first = 1; first <= M; first += PER_FRAME) {
    const pns = Array.from({ length: Math.min(PER_FRAME, M - first + 1) }, (_, i) => first + i);
    out.push(...builders.readDailyFrozen({ a1: A1, a2, msa: 1 }, pns, DATE, { seq: 1, tp: false, fn: FN }));
  }
  return out;
}

/** Answers every frame of every terminal once; returns wall and CPU (user + system) µs per meter. */
function round(terms: readonly { t: SimulatedTerminal; frames: Buffer[] }[]): { wall: number; cpu: number } {
  const now = Date.now();
  let bytes = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const { t, frames } of terms) for (const f of frames) for (const a of t.receive(f, now)) bytes += a.length;
  const wall = ((performance.now() - t0) * 1000) / (terms.length * M);
  const c = process.cpuUsage(c0);
  if (bytes === 0) throw new Error('no answers');
  return { wall, cpu: (c.user + c.system) / (terms.length * M) };
}

header(`simulator answer path: AFN0D F${FN}, ${T} terminals × ${M} meters, ${PER_FRAME} Pn per frame`);
const build = (base: number): { t: SimulatedTerminal; frames: Buffer[] }[] =>
  Array.from({ length: T }, (_, i) => ({ t: new SimulatedTerminal({ a1: A1, a2: base + i + 1 }, { meterCount: M, seed: 1 }), frames: framesOf(base + i + 1) }));

const cold: { wall: number; cpu: number }[] = [];
let last = build(0);
for (let r = 0; r < ROUNDS; r++) {
  last = build(r * T);
  cold.push(round(last));
}
const warm: { wall: number; cpu: number }[] = [];
for (let r = 0; r < ROUNDS; r++) warm.push(round(last));
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
// CPU time (process.cpuUsage, incl. GC threads) is less sensitive than wall time to a loaded machine.
const show = (label: string, xs: { wall: number; cpu: number }[]): void =>
  console.log(`${label} wall ${xs.map((x) => x.wall.toFixed(1)).join(' ')} µs/meter; median wall ${med(xs.map((x) => x.wall)).toFixed(1)}, cpu ${med(xs.map((x) => x.cpu)).toFixed(1)}`);
show('cold (new meters each round):', cold);
show('warm (same meters again):    ', warm);
console.log(`rss ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB`);
