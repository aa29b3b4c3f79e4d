/**
 * `missing()` of the embedded store: the grid meters × times minus the points stored with at least one
 * non-null value. Per partition one statement whose nested loops run in SQLite — meters outside, times
 * inside, one primary-key probe each (`NOT EXISTS`, flag bit "all null" counts as missing) — and return
 * only the gaps, already in (meter, time) order. 1 M meters × 1 day is 1 M probes walking one day's
 * slice in key order; a few thousand meters × 96 curve points walk each meter's curve.
 */
import { QUANTITIES } from '../quantities.js';
import type { Gap, GapQuery } from '../store.js';
import { monthKeyOf, monthStart, nextMonth, type MonthKey } from '../time.js';
import { F_ALL_NULL, LAYOUTS } from './layout.js';
import { sortedUnique, type ReadContext } from './read.js';

export function findMissing(c: ReadContext, q: GapQuery): Gap[] {
  const l = LAYOUTS[q.kind];
  const code = QUANTITIES.get(q.quantity)!.code;
  const meters = sortedUnique(q.meters);
  const times = sortedUnique(q.times);
  if (meters.length === 0 || times.length === 0) return [];
  const byMonth = new Map<MonthKey, number[]>();
  for (const t of times) {
    const m = monthKeyOf(t);
    let a = byMonth.get(m);
    if (!a) byMonth.set(m, (a = []));
    a.push(t);
  }
  const gaps: Gap[] = [];
  const metersJson = JSON.stringify(meters);
  for (const [month, ts] of byMonth) {
    const p = c.catalog.list(q.kind, monthStart(month), monthStart(nextMonth(month)))[0];
    if (!p) {
      for (const meter of meters) for (const time of ts) gaps.push({ meter, time });
      continue;
    }
    const s = c.stmts.get(
      `SELECT m.value, d.value FROM json_each(?) m CROSS JOIN json_each(?) d WHERE NOT EXISTS (SELECT 1 FROM "${p.name}" r WHERE r.meter = m.value AND r.t = d.value AND r.q = ? AND (r.f & ${F_ALL_NULL}) = 0)`,
    );
    const rel = JSON.stringify(ts.map((t) => (t - p.start) / l.unitMs));
    // Runs to completion synchronously: no other statement is needed meanwhile.
    for (const row of s.iterate(metersJson, rel, code) as IterableIterator<[number, number]>) gaps.push({ meter: row[0], time: p.start + row[1] * l.unitMs });
  }
  if (byMonth.size > 1) gaps.sort((a, b) => a.meter - b.meter || a.time - b.time);
  return gaps;
}
