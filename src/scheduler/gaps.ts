/**
 * 补采 bookkeeping: the grid of (meter × data time) a series task must fill, what of it the store lacks,
 * and the requests that fill exactly the lacking points — nothing already stored is asked again.
 *
 * - Frozen tasks (Td_d / Td_m): one data time per meter; a meter lacking any quantity is asked the Fns of
 *   the lacking quantities (all Fns of a quantity together).
 * - Curves (Td_c): per meter and quantity, the lacking points are cut into runs of consecutive points;
 *   each run is one time label (start, density, n ≤ 255 — n is one byte, §5.13 Td_c).
 */
import type { Gap, ReadingStore } from '../store/store.js';
import type { QuantityName, SeriesKind } from '../store/quantities.js';
import { fnsFilling } from './fns.js';
import type { Need } from './planner.js';
import type { LocalCalendar, LocalDate, LocalMonth } from './time.js';
import { MINUTE_MS, densityCodeOf, formatDate, formatMonth } from './time.js';

/** Lacking data times per meter id and quantity. */
export type GapMap = Map<number, Map<QuantityName, number[]>>;

export interface GridSpec {
  kind: SeriesKind;
  quantities: readonly QuantityName[];
  meters: readonly number[];
  times: readonly number[];
}

/** Store gaps of a grid (one `missing` query per quantity, meters in chunks). */
export async function findGaps(store: ReadingStore, g: GridSpec, chunk = 5000): Promise<GapMap> {
  const out: GapMap = new Map();
  if (g.meters.length === 0 || g.times.length === 0) return out;
  for (const quantity of g.quantities) {
    for (let i = 0; i < g.meters.length; i += chunk) {
      const gaps: Gap[] = await store.missing({ kind: g.kind, quantity, meters: g.meters.slice(i, i + chunk), times: g.times });
      for (const x of gaps) {
        let m = out.get(x.meter);
        if (!m) out.set(x.meter, (m = new Map()));
        let l = m.get(quantity);
        if (!l) m.set(quantity, (l = []));
        l.push(x.time);
      }
    }
  }
  for (const m of out.values()) for (const l of m.values()) l.sort((a, b) => a - b);
  return out;
}

/** Number of (meter, quantity, time) points lacking. */
export function gapCount(g: GapMap): number {
  let n = 0;
  for (const m of g.values()) for (const l of m.values()) n += l.length;
  return n;
}

/** Meters with at least one lacking point. */
export function metersWithGaps(g: GapMap): number {
  return g.size;
}

export interface FrozenNeedSpec {
  afn: number;
  /** The task's Fns for this terminal. */
  fns: readonly number[];
  /** Td_d day or Td_m month. */
  label: { kind: 'd'; date: LocalDate } | { kind: 'm'; month: LocalMonth };
}

/** Needs of a frozen task: per meter the Fns of its lacking quantities, one time label for all. */
export function frozenNeeds(gaps: GapMap, pnOf: ReadonlyMap<number, number>, s: FrozenNeedSpec): Need[] {
  const td = s.label.kind === 'd' ? { year: s.label.date.year, month: s.label.date.month, day: s.label.date.day } : { year: s.label.month.year, month: s.label.month.month };
  const tdKey = s.label.kind === 'd' ? formatDate(s.label.date) : formatMonth(s.label.month);
  const out: Need[] = [];
  for (const [meter, qs] of gaps) {
    const pn = pnOf.get(meter);
    if (pn === undefined) continue;
    const together = [...qs.keys()].map((q) => fnsFilling(s.afn, s.fns, q)).filter((l) => l.length > 0);
    const fns = [...new Set(together.flat())].sort((a, b) => a - b);
    if (fns.length) out.push({ pn, fns, td, tdKey, together });
  }
  return out.sort((a, b) => a.pn - b.pn);
}

/** Runs of consecutive points (`step` apart), each at most `maxPoints` long. */
export function pointRuns(times: readonly number[], step: number, maxPoints = 255): { start: number; points: number }[] {
  const out: { start: number; points: number }[] = [];
  const sorted = [...new Set(times)].sort((a, b) => a - b);
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i]!;
    let n = 1;
    while (i + n < sorted.length && n < maxPoints && sorted[i + n] === start + n * step) n++;
    out.push({ start, points: n });
    i += n;
  }
  return out;
}

export interface CurveNeedSpec {
  afn: number;
  fns: readonly number[];
  densityMinutes: number;
  cal: LocalCalendar;
}

/** Needs of a curve task: per meter, per run of lacking points, the Fns of the quantities lacking there. */
export function curveNeeds(gaps: GapMap, pnOf: ReadonlyMap<number, number>, s: CurveNeedSpec): Need[] {
  const step = s.densityMinutes * MINUTE_MS;
  const density = densityCodeOf(s.densityMinutes);
  const out: Need[] = [];
  for (const [meter, qs] of gaps) {
    const pn = pnOf.get(meter);
    if (pn === undefined) continue;
    // run key → quantities lacking over that run
    const runs = new Map<string, { start: number; points: number; qs: QuantityName[] }>();
    for (const [q, times] of qs) {
      for (const r of pointRuns(times, step)) {
        const k = `${r.start}+${r.points}`;
        let e = runs.get(k);
        if (!e) runs.set(k, (e = { ...r, qs: [] }));
        e.qs.push(q);
      }
    }
    for (const [k, r] of runs) {
      const together = r.qs.map((q) => fnsFilling(s.afn, s.fns, q)).filter((l) => l.length > 0);
      const fns = [...new Set(together.flat())].sort((a, b) => a - b);
      if (!fns.length) continue;
      out.push({ pn, fns, td: { start: s.cal.minuteOf(r.start), density, points: r.points }, tdKey: `c${k}/${density}`, together });
    }
  }
  return out.sort((a, b) => a.pn - b.pn);
}
