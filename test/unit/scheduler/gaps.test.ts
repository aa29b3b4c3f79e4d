import { describe, expect, it } from 'vitest';
import { curveNeeds, findGaps, frozenNeeds, gapCount, pointRuns, type GapMap } from '../../../src/scheduler/gaps.js';
import { LocalCalendar, curvePointsOfDay } from '../../../src/scheduler/time.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { QuantityName } from '../../../src/store/quantities.js';

const cal = new LocalCalendar(480);
const DAY = { year: 2024, month: 5, day: 2 };
const T = cal.dayStart(DAY);
const gapsOf = (entries: [number, [QuantityName, number[]][]][]): GapMap => new Map(entries.map(([m, qs]) => [m, new Map(qs)]));

describe('gaps and the requests that fill them', () => {
  it('findGaps: stored points are not gaps; all-null readings are', async () => {
    const store = new MemoryStore();
    await store.writeReadings([
      { meter: 1, kind: 'day', quantity: 'ea_imp', time: T, values: [10, 2, 3, 4, 1], quality: 'collected' },
      { meter: 2, kind: 'day', quantity: 'ea_imp', time: T, values: [null, null], quality: 'collected' },
      { meter: 2, kind: 'day', quantity: 'er_imp', time: T, values: [5, null], quality: 'collected' },
    ]);
    const g = await findGaps(store, { kind: 'day', quantities: ['ea_imp', 'er_imp'], meters: [1, 2, 3], times: [T] }, 2);
    expect([...g.keys()].sort()).toEqual([1, 2, 3]);
    expect(g.get(1)!.has('ea_imp')).toBe(false);
    expect([...g.get(2)!.keys()]).toEqual(['ea_imp']);
    expect([...g.get(3)!.keys()].sort()).toEqual(['ea_imp', 'er_imp']);
    expect(gapCount(g)).toBe(4);
  });

  it('frozen: a meter is asked the Fns of its lacking quantities only', () => {
    const g = gapsOf([
      [11, [['er_imp', [T]]]],
      [12, [['ea_imp', [T]], ['ea_exp', [T]]]],
    ]);
    const needs = frozenNeeds(g, new Map([[11, 1], [12, 2]]), { afn: 0x0d, fns: [161, 162, 163, 164], label: { kind: 'd', date: DAY } });
    expect(needs.map((n) => [n.pn, n.fns])).toEqual([[1, [162]], [2, [161, 163]]]);
    expect(needs[0]!.td).toEqual(DAY);
  });

  it('frozen sets: F1 fills four quantities, asked once', () => {
    const g = gapsOf([[11, [['ea_imp', [T]], ['er_q1', [T]]]]]);
    const needs = frozenNeeds(g, new Map([[11, 1]]), { afn: 0x0d, fns: [1, 2], label: { kind: 'd', date: DAY } });
    expect(needs.map((n) => n.fns)).toEqual([[1]]);
  });

  it('point runs', () => {
    expect(pointRuns([0, 1, 2, 5, 6, 9], 1)).toEqual([{ start: 0, points: 3 }, { start: 5, points: 2 }, { start: 9, points: 1 }]);
    expect(pointRuns([0, 1, 2, 3], 1, 3)).toEqual([{ start: 0, points: 3 }, { start: 3, points: 1 }]);
  });

  it('curves: one time label per run of lacking points; quantities lacking the same run share it', () => {
    const pts = curvePointsOfDay(cal, DAY, 15);
    const g = gapsOf([[11, [['p', pts.slice(8, 12)], ['u', pts.slice(8, 12)], ['i', [pts[40]!]]]]]);
    const needs = curveNeeds(g, new Map([[11, 3]]), { afn: 0x0d, fns: [81, 82, 83, 84, 89, 90, 91, 92, 93, 94], densityMinutes: 15, cal });
    expect(needs.map((n) => [n.fns, n.td])).toEqual([
      [[81, 82, 83, 84, 89, 90, 91], { start: { ...DAY, hour: 2, minute: 0 }, density: 1, points: 4 }],
      [[92, 93, 94], { start: { ...DAY, hour: 10, minute: 0 }, density: 1, points: 1 }],
    ]);
  });
});
