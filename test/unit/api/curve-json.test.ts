/**
 * The curves answer written in one pass (src/api/routes/curve-json.ts) is the same JSON as the object the
 * route described before: times as `localIso` gives them (any instant, day boundaries, odd seconds and
 * milliseconds), values with nulls, the series' fields and units.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { curvesJson, localIsoFormatter } from '../../../src/api/routes/curve-json.js';
import { localIso } from '../../../src/billing/dates.js';
import type { CurveSeries } from '../../../src/customer/service.js';

describe('curvesJson', () => {
  it('times equal localIso for any instant, in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4_102_444_800_000 }), { maxLength: 50 }), (ts) => {
        const f = localIsoFormatter();
        for (const t of ts) expect(f(t)).toBe(localIso(t));
      }),
    );
    const f = localIsoFormatter();
    const t0 = Date.UTC(2026, 10, 21, 15, 45); // 23:45 China time: the next points cross midnight
    for (let i = 0; i < 8; i++) expect(f(t0 + i * 900_000)).toBe(localIso(t0 + i * 900_000));
  });

  it('the same document as the plain object', () => {
    const t0 = Date.UTC(2026, 10, 21, 16, 0);
    const series: CurveSeries[] = [
      { quantity: 'p', unit: 'kW', fields: ['total', 'a', 'b', 'c'], points: Array.from({ length: 200 }, (_, i) => ({ time: t0 + i * 900_000, values: [i / 7, null, -0.5, 1e21], quality: i % 2 ? 'collected' : 'recollected' })) },
      { quantity: 'u', unit: 'V', fields: ['a', 'b', 'c'], points: [] },
    ];
    const plain = { account: '1101000010001', from: localIso(t0), to: localIso(t0 + 86_400_000), series: series.map((s) => ({ ...s, points: s.points.map((p) => ({ ...p, time: localIso(p.time) })) })) };
    expect(JSON.parse(curvesJson('1101000010001', t0, t0 + 86_400_000, series))).toEqual(plain);
  });
});
