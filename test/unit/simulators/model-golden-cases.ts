/**
 * The cases of the model's golden test: values of the documented formula (simulators/model.ts) and of the
 * concentrator's meter answers (simulators/concentrator/meters.ts) for a spread of (seed, id, time).
 * Shared by scripts/gen-model-golden.ts (writes test/fixtures/model-golden.json) and
 * model-golden.test.ts (compares the live code with it), so both compute exactly the same records.
 */
import {
  CHANNELS, DAY_MS, energyAt, energyWhAt, EPOCH_MS, fromLocal, instantAt, maxDemand, profileFor, STEP_MS, stepNetWh,
  QUANTITY_BY_DI2, voltageExcursion, type ModelId,
} from '../../../simulators/model.js';
import { curvePoint, historyOf, realtimeOf, type MeterContext } from '../../../simulators/concentrator/meters.js';

export type Golden = Record<string, unknown>;

/** Keeps what JSON loses: −0, NaN, ±Infinity, undefined become marker strings (compared like values). */
export function normalise(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'number') {
        if (Object.is(x, -0)) return '-0';
        if (!Number.isFinite(x)) return String(x);
      }
      return x === undefined ? '<undefined>' : x;
    }),
  ) as unknown;
}

/** A small LCG independent of the model's own PRNG, so the sampled instants never move with it. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export const SEEDS: readonly ModelId[] = [1, 7, 'golden'];
export const IDS: readonly ModelId[] = [
  '1101-00001/1', '1101-00001/2', '1101-00001/64', '1101-00001/200', '1101-04999/17', '1101-05000/200',
  '000000193600', '000000000001', 0, 12345, 'brute', 'Zähler-ü', '', 'a/b/c',
];

const YEAR_MS = 365.25 * DAY_MS;

/** Instants of energy and demand: epoch edges, step and day edges, mid-step, far future (rollover), random. */
function energyInstants(r: () => number): number[] {
  const fixed = [
    EPOCH_MS - DAY_MS, EPOCH_MS - 1, EPOCH_MS, EPOCH_MS + 1, EPOCH_MS + STEP_MS - 1, EPOCH_MS + STEP_MS, EPOCH_MS + STEP_MS + 1,
    EPOCH_MS + DAY_MS - 1, EPOCH_MS + DAY_MS, EPOCH_MS + 7 * DAY_MS - 1, EPOCH_MS + 7 * DAY_MS, EPOCH_MS + 9 * DAY_MS + 5 * STEP_MS + 123_456,
    fromLocal(2024, 2, 29, 23, 59, 59), fromLocal(2026, 11, 22), fromLocal(2026, 11, 23), fromLocal(2026, 11, 23, 12, 7, 30),
    fromLocal(2026, 11, 1), fromLocal(2026, 10, 1), fromLocal(2070, 6, 1, 7, 30), fromLocal(2110, 1, 1, 22, 59, 59),
  ];
  const rand = Array.from({ length: 14 }, () => Math.floor(EPOCH_MS + r() * 20 * YEAR_MS));
  return [...fixed, ...rand];
}

function instantInstants(r: () => number, p: ReturnType<typeof profileFor>): number[] {
  const out = [EPOCH_MS - 5 * DAY_MS, EPOCH_MS, fromLocal(2026, 11, 23, 12, 7, 30), fromLocal(2024, 5, 15, 3, 0, 0), fromLocal(2024, 5, 15, 13, 59, 59)];
  for (let i = 0; i < 10; i++) out.push(Math.floor(EPOCH_MS + r() * 10 * YEAR_MS));
  // Inside and at the edges of the first two voltage excursions after day 2400.
  let found = 0;
  for (let day = 2400; day < 2800 && found < 2; day++) {
    const ex = voltageExcursion(p, day);
    if (!ex) continue;
    found++;
    const d0 = EPOCH_MS + day * DAY_MS;
    out.push(d0 + ex.fromHour * 3_600_000 - 1, d0 + ex.fromHour * 3_600_000, d0 + ex.fromHour * 3_600_000 + 1_234_567, d0 + ex.toHour * 3_600_000 - 1, d0 + ex.toHour * 3_600_000);
  }
  return out;
}

function profileRecord(seed: ModelId, id: ModelId, r: () => number): Golden {
  const p = profileFor(seed, id);
  const params = { key: p.key, scale: p.scale, pvPeakW: p.pvPeakW, tanPhi: p.tanPhi, phaseWeights: p.phaseWeights, voltageOffsets: p.voltageOffsets };
  const steps = Array.from({ length: 7 }, (_, d) => Array.from({ length: 96 }, (_, s) => stepNetWh(p, d, s)));
  // Registers as [total, tariff 1..4] per quantity (QUANTITY_BY_DI2 order), to keep the fixture small.
  const energy = energyInstants(r).map((t) => {
    const regs = energyAt(p, t);
    return { t, wh: energyWhAt(p, t), registers: QUANTITY_BY_DI2.map((q) => [regs[q].total, ...regs[q].rates]) };
  });
  const ranges: [number, number][] = [
    [fromLocal(2026, 10, 22), fromLocal(2026, 11, 22)],
    [fromLocal(2025, 3, 1, 7, 3, 11), fromLocal(2025, 3, 9, 19, 44, 1)],
    [EPOCH_MS, EPOCH_MS + 2 * DAY_MS + 1],
    [fromLocal(2024, 6, 1, 10), fromLocal(2024, 6, 1, 10)],
  ];
  const demand = ranges.map(([from, to]) => ({ from, to, channels: CHANNELS.map((c) => maxDemand(p, c, from, to)) }));
  const instant = instantInstants(r, p).map((t) => ({ t, v: instantAt(p, t) }));
  const excursions: unknown[] = [];
  for (let day = 0; day < 300; day++) {
    const ex = voltageExcursion(p, day);
    if (ex) excursions.push({ day, ...ex });
  }
  return { params, steps, energy, demand, instant, excursions };
}

/** The concentrator's answers for one terminal: AFN0C and AFN0D of a few points, incl. a missing one and an outage. */
function metersRecord(): Golden {
  const now = fromLocal(2026, 11, 23, 12, 7, 30);
  const outage: [number, number] = [fromLocal(2026, 11, 20, 3), fromLocal(2026, 11, 21, 1)];
  const ctx: MeterContext = {
    seed: 1,
    terminal: '1101-00001',
    now,
    clock: now - 42_000,
    present: (pn) => pn !== 5,
    inOutage: (t) => t >= outage[0] && t <= outage[1],
    relayOpen: (pn) => pn === 3,
    readingDays: [1, 22],
  };
  const pns = [1, 2, 3, 5, 64, 200];
  const dailyFns = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, ...Array.from({ length: 16 }, (_, i) => 161 + i)];
  const monthlyFns = [17, 18, 19, 20, 21, 22, 23, 24, ...Array.from({ length: 8 }, (_, i) => 177 + i)];
  const curveFns = Array.from({ length: 28 }, (_, i) => 81 + i);
  const days = [{ year: 2026, month: 11, day: 22 }, { year: 2026, month: 11, day: 21 }, { year: 2026, month: 11, day: 20 }, { year: 2026, month: 11, day: 23 }, { year: 2026, month: 11, day: 1 }, { year: 2024, month: 2, day: 29 }];
  const months = [{ year: 2026, month: 11 }, { year: 2026, month: 10 }, { year: 2025, month: 1 }];
  const curves = [
    { start: { year: 2026, month: 11, day: 22, hour: 0, minute: 0 }, density: 1, points: 96 },
    { start: { year: 2026, month: 11, day: 23, hour: 11, minute: 0 }, density: 255, points: 12 },
    { start: { year: 2026, month: 11, day: 19, hour: 22, minute: 0 }, density: 3, points: 8 },
  ];
  const out: Golden = {};
  for (const pn of pns) {
    out[`0C/${pn}`] = [25, 33, 34, ...Array.from({ length: 16 }, (_, i) => 129 + i), 165, 166, 167].map((fn) => ({ fn, v: realtimeOf(fn, pn, ctx) }));
    out[`0D-daily/${pn}`] = dailyFns.flatMap((fn) => days.map((td) => ({ fn, v: historyOf(fn, pn, td, ctx) })));
    out[`0D-monthly/${pn}`] = monthlyFns.flatMap((fn) => months.map((td) => ({ fn, v: historyOf(fn, pn, td, ctx) })));
    if (pn === 1 || pn === 5 || pn === 200) out[`0D-curve/${pn}`] = curveFns.flatMap((fn) => curves.map((td) => ({ fn, v: historyOf(fn, pn, td, ctx) })));
  }
  const p = profileFor(1, '1101-00001/7');
  out['curvePoint'] = [97, 98, 99, 100, 101, 102, 103, 104].map((fn) => ({ fn, v: curvePoint(fn, p, fromLocal(2026, 11, 22, 10, 15), 15 * 60_000) }));
  return out;
}

/** Every golden record, keyed: `profile ${seed} ${id}` and `meters`. */
export function goldenRecords(): Golden {
  const out: Golden = {};
  let n = 0;
  for (const seed of SEEDS) {
    for (const id of IDS) {
      const r = lcg(++n * 7919 + 17);
      out[`profile ${String(seed)} ${JSON.stringify(id)}`] = normalise(profileRecord(seed, id, r));
    }
  }
  out['meters'] = normalise(metersRecord());
  return out;
}
