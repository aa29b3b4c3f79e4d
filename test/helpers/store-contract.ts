/**
 * The ReadingStore contract suite (src/store/store.ts): one set of tests every implementation passes.
 *
 *   describeStoreContract('embedded', async () => { const store = …; return { store, cleanup: async () => … } });
 *
 * `make` is called before every test and must give an empty store; `cleanup` after it must tolerate a
 * store the test already closed. Nothing here assumes SQLite: data goes in and comes out through the
 * contract only. Ids used: meters 1 … 30 000, terminals 1 … 100; data times 2024-04 … 2025-03 (CST).
 * Bulk scans are only checked for time order (an implementation may order equal times as it likes);
 * meter-list scans for (meter, time) order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPermanentStoreError } from '../../src/store/errors.js';
import { QUANTITIES, type QuantityName, type SeriesKind } from '../../src/store/quantities.js';
import type { Gap, Quality, Reading, ReadingQuery, ReadingStore, StoredEvent } from '../../src/store/store.js';

export interface StoreUnderTest {
  store: ReadingStore;
  cleanup(): Promise<void>;
}

const H = 3_600_000;
const DAY = 24 * H;
const MIN = 60_000;
/** 00:00 China time of a calendar day, UTC ms. */
export const cstDay = (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d) - 8 * H;

export function reading(meter: number, kind: SeriesKind, quantity: QuantityName, time: number, values: (number | null)[], o: { quality?: Quality; readAt?: number } = {}): Reading {
  const r: Reading = { meter, kind, quantity, time, values, quality: o.quality ?? 'collected' };
  if (o.readAt !== undefined) r.readAt = o.readAt;
  return r;
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const code = (q: QuantityName): number => QUANTITIES.get(q)!.code;
/** A canonical order to compare sets of readings. */
export function canon(rs: readonly Reading[]): Reading[] {
  return [...rs].sort((a, b) => a.kind.localeCompare(b.kind) || a.meter - b.meter || a.time - b.time || code(a.quantity) - code(b.quantity));
}

const ALL: Pick<ReadingQuery, 'from' | 'to'> = { from: cstDay(2000, 1, 1), to: cstDay(2100, 1, 1) };

/** Energy values like a meter's: total + rates, 2–4 decimals. */
function energy(meter: number, day: number, rates = 4): number[] {
  const base = 1000 + meter * 7.31 + day * 12.3456;
  const r = Array.from({ length: rates }, (_, k) => Math.round((base / rates + k * 0.01) * 10_000) / 10_000);
  return [Math.round(r.reduce((a, b) => a + b, 0) * 10_000) / 10_000, ...r];
}

export function describeStoreContract(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`ReadingStore contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: ReadingStore;
    beforeEach(async () => {
      sut = await make();
      store = sut.store;
    });
    afterEach(async () => {
      await sut.cleanup();
    });

    const day1 = cstDay(2024, 5, 1);

    it('reports a name and a healthy state', async () => {
      expect(typeof store.name).toBe('string');
      expect(store.name.length).toBeGreaterThan(0);
      const h = await store.health();
      expect(h.ok).toBe(true);
      expect(typeof h.detail).toBe('string');
    });

    it('reads back exactly what was written: values, nulls (never 0), rate counts, quality, readAt', async () => {
      const written = [
        reading(1, 'day', 'ea_imp', day1, [12345.6789, 3086.4197, 3086.42, 3086.4196, 3086.4196], { readAt: day1 + 5 * MIN }),
        reading(2, 'day', 'ea_imp', day1, [777.77]),
        reading(3, 'day', 'er_imp', day1, Array.from({ length: 15 }, (_, k) => k * 1.25 + 0.01)),
        reading(4, 'day', 'ea_exp', day1, [12.5, null, 3, null], { quality: 'recollected' }),
        reading(5, 'day', 'er_exp', day1, [null, null, null, null, null], { readAt: day1 + 2 * H + 17 * MIN }),
        reading(6, 'day', 'ea_imp', day1, [0, 0, 0, 0, 0]),
        reading(7, 'day', 'er_q1', day1, [1 / 3, 0.1 + 0.2, 987_654_321.123, 1e-9, -0.000001], { quality: 'estimated' }),
        reading(8, 'snapshot', 'u', day1 + 10 * H + 3 * MIN + 7_000, [220.1, 219.9, null]),
        reading(8, 'snapshot', 'p', day1 + 10 * H + 3 * MIN + 7_000, [-1.2345, -0.4, -0.4, -0.4445]),
        reading(8, 'snapshot', 'pf', day1 + 10 * H + 3 * MIN + 7_000, [0.953, 0.96, 0.949, 0.95]),
        reading(8, 'snapshot', 'freq', day1 + 10 * H + 3 * MIN + 7_000, [49.98]),
        reading(8, 'snapshot', 'i', day1 + 10 * H + 3 * MIN + 7_000, [1.234, 0, 12.5]),
      ];
      await store.writeReadings(written);
      const days = await collect(store.readings({ kind: 'day', ...ALL }));
      const snaps = await collect(store.readings({ kind: 'snapshot', ...ALL }));
      expect(canon([...days, ...snaps])).toEqual(canon(written));
      const zeros = days.find((r) => r.meter === 6)!;
      expect(zeros.values).toEqual([0, 0, 0, 0, 0]);
      const nulls = days.find((r) => r.meter === 5)!;
      expect(nulls.values).toEqual([null, null, null, null, null]);
      expect(days.find((r) => r.meter === 4)!.values).toHaveLength(4);
      expect(days.find((r) => r.meter === 2)!.readAt).toBeUndefined();
    });

    it('keeps every series kind apart', async () => {
      const w = [
        reading(1, 'day', 'ea_imp', day1, [1]),
        reading(1, 'billingDay', 'ea_imp', day1, [2]),
        reading(1, 'month', 'ea_imp', day1, [3]),
        reading(1, 'curve', 'ea_imp', day1, [4]),
        reading(1, 'snapshot', 'ea_imp', day1, [5]),
      ];
      await store.writeReadings(w);
      for (const r of w) expect(await collect(store.readings({ kind: r.kind, ...ALL }))).toEqual([r]);
    });

    it('upserts: a rewrite of (meter, kind, quantity, time) replaces the reading whole', async () => {
      await store.writeReadings([reading(9, 'day', 'ea_imp', day1, [1, 2, 3, 4, 5], { readAt: day1 + MIN })]);
      await store.writeReadings([reading(9, 'day', 'ea_imp', day1, [9, null], { quality: 'recollected' })]);
      const got = await collect(store.readings({ kind: 'day', quantity: 'ea_imp', meters: [9], ...ALL }));
      expect(got).toEqual([reading(9, 'day', 'ea_imp', day1, [9, null], { quality: 'recollected' })]);
      expect(got[0]!.readAt).toBeUndefined();
    });

    it('within one batch the later of two readings with the same key wins', async () => {
      await store.writeReadings([reading(9, 'curve', 'p', day1, [1, 1, 1, 1]), reading(9, 'curve', 'p', day1 + 15 * MIN, [3]), reading(9, 'curve', 'p', day1, [2, null])]);
      expect(await collect(store.readings({ kind: 'curve', ...ALL }))).toEqual([reading(9, 'curve', 'p', day1, [2, null]), reading(9, 'curve', 'p', day1 + 15 * MIN, [3])]);
    });

    it('queries by meter list, all meters, time range [from, to) and quantity', async () => {
      const w: Reading[] = [];
      for (let m = 1; m <= 6; m++) {
        for (let d = 0; d < 5; d++) {
          w.push(reading(m, 'day', 'ea_imp', day1 + d * DAY, energy(m, d)));
          w.push(reading(m, 'day', 'er_imp', day1 + d * DAY, energy(m, d, 2)));
        }
      }
      await store.writeReadings(w);
      const byMeters = await collect(store.readings({ kind: 'day', meters: [5, 2, 2], ...ALL }));
      expect(canon(byMeters)).toEqual(canon(w.filter((r) => r.meter === 2 || r.meter === 5)));
      const range = await collect(store.readings({ kind: 'day', from: day1 + DAY, to: day1 + 3 * DAY }));
      expect(canon(range)).toEqual(canon(w.filter((r) => r.time >= day1 + DAY && r.time < day1 + 3 * DAY)));
      const q = await collect(store.readings({ kind: 'day', quantity: 'er_imp', meters: [3], from: day1, to: day1 + 2 * DAY }));
      expect(q).toEqual(w.filter((r) => r.quantity === 'er_imp' && r.meter === 3 && r.time < day1 + 2 * DAY));
      const q2 = await collect(store.readings({ kind: 'day', quantity: 'ea_imp', from: day1 + 4 * DAY, to: day1 + 9 * DAY }));
      expect(canon(q2)).toEqual(canon(w.filter((r) => r.quantity === 'ea_imp' && r.time === day1 + 4 * DAY)));
      expect(await collect(store.readings({ kind: 'day', from: day1, to: day1 }))).toEqual([]);
      expect(await collect(store.readings({ kind: 'day', meters: [], ...ALL }))).toEqual([]);
      expect(await collect(store.readings({ kind: 'day', meters: [29_999], ...ALL }))).toEqual([]);
      expect(await collect(store.readings({ kind: 'day', quantity: 'ea_exp', ...ALL }))).toEqual([]);
      expect(await collect(store.readings({ kind: 'month', ...ALL }))).toEqual([]);
    });

    it('orders (meter, time) for meter lists and time for bulk scans, across month and year ends', async () => {
      const days = [cstDay(2024, 12, 30), cstDay(2024, 12, 31), cstDay(2025, 1, 1), cstDay(2025, 1, 2), cstDay(2025, 2, 28), cstDay(2025, 3, 1)];
      const meters = [11, 3, 7, 20_000];
      const w: Reading[] = [];
      for (const d of [...days].reverse()) for (const m of meters) w.push(reading(m, 'day', 'ea_imp', d, energy(m, d / DAY)), reading(m, 'day', 'ea_exp', d, [m]));
      await store.writeReadings(w);
      const list = await collect(store.readings({ kind: 'day', meters: [20_000, 7, 3, 11], ...ALL }));
      expect(list).toHaveLength(w.length);
      for (let i = 1; i < list.length; i++) expect(list[i - 1]!.meter < list[i]!.meter || (list[i - 1]!.meter === list[i]!.meter && list[i - 1]!.time <= list[i]!.time)).toBe(true);
      const bulk = await collect(store.readings({ kind: 'day', ...ALL }));
      expect(canon(bulk)).toEqual(canon(w));
      for (let i = 1; i < bulk.length; i++) expect(bulk[i - 1]!.time).toBeLessThanOrEqual(bulk[i]!.time);

      // A curve across a month end (CST): 2024-05-31 23:00 … 2024-06-01 01:00.
      const c0 = cstDay(2024, 5, 31) + 23 * H;
      const cw: Reading[] = [];
      for (let k = 8; k >= 0; k--) for (const m of [5, 1, 9]) cw.push(reading(m, 'curve', 'p', c0 + k * 15 * MIN, [m + k / 10, null, 0.1, 0.2]), reading(m, 'curve', 'u', c0 + k * 15 * MIN, [220 + k / 10, 221, 222]));
      await store.writeReadings(cw);
      const clist = await collect(store.readings({ kind: 'curve', meters: [9, 1, 5], from: c0, to: c0 + 2 * H + MIN }));
      expect(canon(clist)).toEqual(canon(cw));
      for (let i = 1; i < clist.length; i++) expect(clist[i - 1]!.meter < clist[i]!.meter || (clist[i - 1]!.meter === clist[i]!.meter && clist[i - 1]!.time <= clist[i]!.time)).toBe(true);
      const cbulk = await collect(store.readings({ kind: 'curve', quantity: 'p', from: c0 + 30 * MIN, to: c0 + 90 * MIN }));
      expect(canon(cbulk)).toEqual(canon(cw.filter((r) => r.quantity === 'p' && r.time >= c0 + 30 * MIN && r.time < c0 + 90 * MIN)));
      for (let i = 1; i < cbulk.length; i++) expect(cbulk[i - 1]!.time).toBeLessThanOrEqual(cbulk[i]!.time);
    });

    it('streams: a consumer may stop early, and writes go on while a scan is open', async () => {
      const w: Reading[] = [];
      for (let m = 1; m <= 3000; m++) w.push(reading(m, 'day', 'ea_imp', day1, energy(m, 1)));
      await store.writeReadings(w);
      let n = 0;
      for await (const r of store.readings({ kind: 'day', ...ALL })) {
        expect(r.kind).toBe('day');
        if (++n === 3) break;
      }
      expect(n).toBe(3);
      let seen = 0;
      let wrote = false;
      for await (const _r of store.readings({ kind: 'day', quantity: 'ea_imp', from: day1, to: day1 + DAY })) {
        seen++;
        if (!wrote) {
          wrote = true;
          await store.writeReadings([reading(1, 'day', 'ea_imp', day1 + DAY, [1])]);
        }
      }
      expect(seen).toBe(3000);
      expect(await collect(store.readings({ kind: 'day', meters: [1], from: day1 + DAY, to: day1 + 2 * DAY }))).toEqual([reading(1, 'day', 'ea_imp', day1 + DAY, [1])]);
    });

    it('stores events, filters them by terminal, meter, ERC and time, rewrites per (terminal, erc, time, meter)', async () => {
      const t0 = day1 + 9 * H;
      const ev = (terminal: number, erc: number, time: number, meter?: number, record: Record<string, unknown> = { erc }): StoredEvent => {
        const e: StoredEvent = { terminal, erc, time, important: erc === 14, record };
        if (meter !== undefined) e.meter = meter;
        return e;
      };
      const w = [
        ev(1, 14, t0, undefined, { erc: 14, powerOff: t0 - H, powerOn: t0, flags: [true, false], name: '停电' }),
        ev(1, 13, t0 + MIN, 12, { erc: 13, flags: { a: 1 }, value: null }),
        ev(2, 13, t0 + MIN, 40),
        ev(2, 10, t0 + 2 * MIN, 41, { erc: 10, phase: 'A', u: 0 }),
        ev(3, 14, cstDay(2024, 6, 2)),
      ];
      await store.writeEvents(w);
      const all = await collect(store.events(ALL));
      expect(all).toHaveLength(5);
      const key = (e: StoredEvent): string => `${e.time}/${e.terminal}/${e.erc}/${e.meter ?? 0}`;
      expect([...all].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...w].sort((a, b) => key(a).localeCompare(key(b))));
      expect(all.find((e) => e.erc === 14 && e.terminal === 1)).toEqual(w[0]);
      for (let i = 1; i < all.length; i++) expect(all[i - 1]!.time).toBeLessThanOrEqual(all[i]!.time);
      expect((await collect(store.events({ terminals: [2], ...ALL }))).map((e) => e.erc).sort()).toEqual([10, 13]);
      expect((await collect(store.events({ meters: [12, 41], ...ALL }))).map((e) => e.meter).sort()).toEqual([12, 41]);
      expect((await collect(store.events({ erc: [14], ...ALL }))).map((e) => e.terminal).sort()).toEqual([1, 3]);
      expect((await collect(store.events({ from: t0 + MIN, to: t0 + 2 * MIN }))).map((e) => e.terminal).sort()).toEqual([1, 2]);
      expect(await collect(store.events({ terminals: [], ...ALL }))).toEqual([]);
      const again = ev(2, 13, t0 + MIN, 40, { erc: 13, second: true });
      await store.writeEvents([again]);
      expect(await collect(store.events({ terminals: [2], erc: [13], ...ALL }))).toEqual([again]);
      expect(await collect(store.events(ALL))).toHaveLength(5);
    });

    it('missing(): not stored and all-null points are gaps, partly-null ones are not; (meter, time) order', async () => {
      const days = [day1, day1 + DAY, day1 + 2 * DAY];
      await store.writeReadings([
        reading(1, 'day', 'ea_imp', days[0]!, [1, 2, 3, 4, 5]),
        reading(1, 'day', 'ea_imp', days[1]!, [null, null, null, null, null]),
        reading(1, 'day', 'ea_imp', days[2]!, [null, 2, null]),
        reading(2, 'day', 'ea_imp', days[0]!, [7]),
        reading(2, 'day', 'er_imp', days[1]!, [7]),
        reading(2, 'billingDay', 'ea_imp', days[2]!, [7]),
        reading(4, 'day', 'ea_imp', days[1]!, [0]),
      ]);
      const gaps = await store.missing({ kind: 'day', quantity: 'ea_imp', meters: [4, 3, 2, 1, 2], times: [days[2]!, ...days] });
      const g = (meter: number, i: number): Gap => ({ meter, time: days[i]! });
      expect(gaps).toEqual([g(1, 1), g(2, 1), g(2, 2), g(3, 0), g(3, 1), g(3, 2), g(4, 0), g(4, 2)]);
      expect(await store.missing({ kind: 'day', quantity: 'ea_imp', meters: [], times: days })).toEqual([]);
      expect(await store.missing({ kind: 'day', quantity: 'ea_imp', meters: [1], times: [] })).toEqual([]);
      expect(await store.missing({ kind: 'month', quantity: 'ea_imp', meters: [1], times: [cstDay(2024, 6, 1)] })).toEqual([{ meter: 1, time: cstDay(2024, 6, 1) }]);
    });

    it('missing() on 96-point curve grids, across a month end', async () => {
      const start = cstDay(2024, 5, 31);
      const times = Array.from({ length: 192 }, (_, i) => start + i * 15 * MIN); // May 31 and June 1
      const w: Reading[] = [];
      for (let m = 1; m <= 20; m++) {
        if (m % 2 === 0) for (const t of times) w.push(reading(m, 'curve', 'p', t, [m, null, null, null]));
        if (m === 3) for (const t of times.filter((_, i) => i % 2 === 0)) w.push(reading(m, 'curve', 'p', t, [1, 1, 1, 1]));
        if (m === 5) for (const t of times) w.push(reading(m, 'curve', 'p', t, [null, null, null, null]));
        if (m === 7) for (const t of times) w.push(reading(m, 'curve', 'q', t, [1, 1, 1, 1]));
      }
      await store.writeReadings(w);
      const meters = Array.from({ length: 20 }, (_, i) => 20 - i);
      const gaps = await store.missing({ kind: 'curve', quantity: 'p', meters, times });
      const expected: Gap[] = [];
      for (let m = 1; m <= 20; m++) {
        if (m % 2 === 0) continue;
        for (let i = 0; i < times.length; i++) if (!(m === 3 && i % 2 === 0)) expected.push({ meter: m, time: times[i]! });
      }
      expect(gaps).toEqual(expected);
    });

    it('takes large batches (20 000 readings in one write)', async () => {
      const w: Reading[] = [];
      for (let m = 1; m <= 10_000; m++) for (let d = 0; d < 2; d++) w.push(reading(m, 'day', 'ea_imp', day1 + d * DAY, energy(m, d)));
      await store.writeReadings(w);
      let n = 0;
      let last = -Infinity;
      for await (const r of store.readings({ kind: 'day', quantity: 'ea_imp', ...ALL })) {
        n++;
        expect(r.time).toBeGreaterThanOrEqual(last);
        last = r.time;
      }
      expect(n).toBe(20_000);
      expect(await collect(store.readings({ kind: 'day', meters: [4321], ...ALL }))).toEqual([w[8640], w[8641]]);
      const meters = Array.from({ length: 10_000 }, (_, i) => i + 1);
      expect(await store.missing({ kind: 'day', quantity: 'ea_imp', meters, times: [day1, day1 + DAY] })).toEqual([]);
      expect(await store.missing({ kind: 'day', quantity: 'ea_imp', meters: [...meters, 10_001], times: [day1] })).toEqual([{ meter: 10_001, time: day1 }]);
    });

    it('refuses bad data whole with a permanent error', async () => {
      const good = reading(1, 'day', 'ea_imp', day1, [1]);
      const bad: Reading[] = [
        reading(1, 'day', 'ea_imp', day1, [Number.NaN]),
        reading(1, 'day', 'ea_imp', day1, [Number.POSITIVE_INFINITY]),
        reading(1, 'day', 'ea_imp', day1, []),
        reading(1, 'day', 'u', day1, [1, 2, 3, 4]),
        reading(1, 'day', 'bogus' as QuantityName, day1, [1]),
        reading(1, 'week' as SeriesKind, 'ea_imp', day1, [1]),
        reading(1, 'day', 'ea_imp', day1 + H, [1]),
        reading(1, 'month', 'ea_imp', day1 + DAY, [1]),
        reading(1, 'curve', 'p', day1 + 1000, [1]),
        reading(1, 'snapshot', 'p', day1 + 1, [1]),
        reading(0, 'day', 'ea_imp', day1, [1]),
        reading(1.5, 'day', 'ea_imp', day1, [1]),
        reading(1, 'day', 'ea_imp', day1, [1], { quality: 'guessed' as Quality }),
      ];
      for (const b of bad) {
        const err = await store.writeReadings([good, b]).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isPermanentStoreError(err), `${JSON.stringify(b)} → ${String(err)}`).toBe(true);
      }
      expect(await collect(store.readings({ kind: 'day', ...ALL }))).toEqual([]);
      const badEvents: StoredEvent[] = [
        { terminal: 1, erc: 300, time: day1, important: false, record: {} },
        { terminal: 0, erc: 1, time: day1, important: false, record: {} },
        { terminal: 1, erc: 1, time: day1 + 0.5, important: false, record: {} },
      ];
      for (const b of badEvents) {
        const err = await store.writeEvents([b]).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isPermanentStoreError(err), JSON.stringify(b)).toBe(true);
      }
      expect(await collect(store.events(ALL))).toEqual([]);
    });

    it('accepts empty batches', async () => {
      await store.writeReadings([]);
      await store.writeEvents([]);
      expect(await collect(store.readings({ kind: 'day', ...ALL }))).toEqual([]);
    });

    it('closes: idempotent, and writes are refused afterwards', async () => {
      await store.writeReadings([reading(1, 'day', 'ea_imp', day1, [1])]);
      await store.close();
      await store.close();
      await expect(store.writeReadings([reading(1, 'day', 'ea_imp', day1, [2])])).rejects.toThrow();
    });
  });
}
