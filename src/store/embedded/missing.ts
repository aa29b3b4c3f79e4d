/**
 * `missing()` of the embedded store: the grid meters × times minus the points stored with at least one
 * non-null value (flag bit "all null" counts as missing). A bitmap per grid time is filled from the
 * partitions, then the gaps are listed in (meter, time) order. How the partitions are read:
 *
 * - day kinds (time-major), a dense meter list (≥ 1/4 of the id range it spans — a day of everyone, a
 *   region's or a terminal's meters, whose archive ids are contiguous): one range scan of the day's
 *   slice `t = ? AND meter BETWEEN lo AND hi` per grid day — 1 M meters × 1 day is one sequential pass;
 * - otherwise (a sparse list, curves and snapshots): one primary-key probe per (meter, time), nested
 *   loops inside SQLite (`NOT EXISTS`) that return only the gaps — a few thousand meters × 96 curve
 *   points are ~300 000 probes walking each meter's curve in key order.
 */
import { QUANTITIES } from '../quantities.js';
import type { Gap, GapQuery } from '../store.js';
import { monthKeyOf, monthStart, nextMonth, type MonthKey } from '../time.js';
import { F_ALL_NULL, LAYOUTS } from './layout.js';
import { sortedUnique, type ReadContext } from './read.js';

/** Below this share of the spanned id range a meter list is probed, not scanned. */
const DENSE = 0.25;

export function findMissing(c: ReadContext, q: GapQuery): Gap[] {
  const l = LAYOUTS[q.kind];
  const code = QUANTITIES.get(q.quantity)!.code;
  const meters = sortedUnique(q.meters);
  const times = sortedUnique(q.times);
  const n = meters.length;
  if (n === 0 || times.length === 0) return [];
  // missing[k][i]: meter i has no usable reading at time k. Partitions that do not exist leave 1s.
  const missing = times.map(() => new Uint8Array(n).fill(1));
  const timeIndex = new Map(times.map((t, i) => [t, i]));
  let index: Map<number, number> | undefined;
  const indexOf = (m: number): number => (index ??= new Map(meters.map((x, i) => [x, i]))).get(m)!;

  const byMonth = new Map<MonthKey, number[]>();
  for (const t of times) {
    const m = monthKeyOf(t);
    let a = byMonth.get(m);
    if (!a) byMonth.set(m, (a = []));
    a.push(t);
  }
  const lo = meters[0]!;
  const hi = meters[n - 1]!;
  const scan = l.timeMajor && n >= DENSE * (hi - lo + 1);
  const metersJson = scan ? '' : JSON.stringify(meters);
  for (const [month, ts] of byMonth) {
    const p = c.catalog.list(q.kind, monthStart(month), monthStart(nextMonth(month)))[0];
    if (!p) continue;
    const rel = (t: number): number => (t - p.start) / l.unitMs;
    if (scan) {
      // Present meters of the day, ascending like the list: merge.
      const s = c.stmts.pluck(`SELECT meter FROM "${p.name}" WHERE t = ? AND meter BETWEEN ? AND ? AND q = ? AND (f & ${F_ALL_NULL}) = 0`);
      for (const t of ts) {
        const bits = missing[timeIndex.get(t)!]!;
        let i = 0;
        for (const m of s.all(rel(t), lo, hi, code) as number[]) {
          while (i < n && meters[i]! < m) i++;
          if (i < n && meters[i] === m) bits[i] = 0;
        }
      }
      continue;
    }
    // Probes inside SQLite that return only the gaps (few, when collection went well).
    for (const t of ts) missing[timeIndex.get(t)!]!.fill(0);
    if (l.timeMajor) {
      const s = c.stmts.pluck(`SELECT m.value FROM json_each(?) m WHERE NOT EXISTS (SELECT 1 FROM "${p.name}" r WHERE r.t = ? AND r.meter = m.value AND r.q = ? AND (r.f & ${F_ALL_NULL}) = 0)`);
      for (const t of ts) {
        const bits = missing[timeIndex.get(t)!]!;
        for (const m of s.all(metersJson, rel(t), code) as number[]) bits[indexOf(m)] = 1;
      }
    } else {
      const s = c.stmts.get(`SELECT m.value, d.value FROM json_each(?) m CROSS JOIN json_each(?) d WHERE NOT EXISTS (SELECT 1 FROM "${p.name}" r WHERE r.meter = m.value AND r.t = d.value AND r.q = ? AND (r.f & ${F_ALL_NULL}) = 0)`);
      // Runs to completion synchronously: no other statement is needed meanwhile.
      for (const [m, t] of s.iterate(metersJson, JSON.stringify(ts.map(rel)), code) as IterableIterator<[number, number]>) missing[timeIndex.get(p.start + t * l.unitMs)!]![indexOf(m)] = 1;
    }
  }
  const gaps: Gap[] = [];
  for (let i = 0; i < n; i++) for (let k = 0; k < times.length; k++) if (missing[k]![i] === 1) gaps.push({ meter: meters[i]!, time: times[k]! });
  return gaps;
}
