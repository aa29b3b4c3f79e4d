/**
 * The coverage index (src/store/coverage): chunk containers against a plain Set, the store contract
 * through a CoveredStore, and what a user of 补采 relies on — gaps answered without asking the store,
 * never a point claimed that the store lacks, older data times from the store until reindexed, the
 * index surviving a restart, a damaged file refused by name.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CoverageChunk, BITMAP_BYTES, CHUNK_METERS } from '../../../src/store/coverage/chunk.js';
import { CoverageIndex } from '../../../src/store/coverage/coverage-index.js';
import { CoveredStore } from '../../../src/store/coverage/covered-store.js';
import { CoverageIndexError } from '../../../src/store/errors.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { GapQuery } from '../../../src/store/store.js';
import { cstDay, describeStoreContract, reading } from '../../helpers/store-contract.js';
import { FlakyStore, catchLogs, removeTmpDirs, tmpDir } from './helpers.js';

afterAll(removeTmpDirs);

const DAY = 86_400_000;
const D1 = cstDay(2026, 11, 20);

describe('coverage chunk', () => {
  it('agrees with a Set through adds and removes, across the list → bitmap switch, and round-trips its BLOB', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: CHUNK_METERS - 1 }), fc.boolean()), { maxLength: 1200 }), (ops) => {
        const c = new CoverageChunk();
        const ref = new Set<number>();
        for (const [o, present] of ops) {
          expect(c.set(o, present)).toBe(ref.has(o) !== present);
          if (present) ref.add(o);
          else ref.delete(o);
        }
        expect(c.size).toBe(ref.size);
        const back = CoverageChunk.fromBlob(c.toBlob());
        for (let o = 0; o < CHUNK_METERS; o += 7) {
          expect(c.has(o)).toBe(ref.has(o));
          expect(back.has(o)).toBe(ref.has(o));
        }
        for (const o of ref) expect(back.has(o)).toBe(true);
        expect(c.toBlob().length).toBeLessThanOrEqual(BITMAP_BYTES);
      }),
      { numRuns: 80 },
    );
  });

  it('stays a 2-byte-per-meter list while sparse and becomes a 512-byte bitmap when dense', () => {
    const c = new CoverageChunk();
    for (let o = 0; o < 10; o++) c.set(o * 100, true);
    expect(c.toBlob().length).toBe(20);
    for (let o = 0; o < 400; o++) c.set(o, true);
    expect(c.toBlob().length).toBe(BITMAP_BYTES);
  });

  it('refuses a BLOB that is neither form', () => {
    expect(() => CoverageChunk.fromBlob(new Uint8Array(3))).toThrow(/even-length/);
    expect(() => CoverageChunk.fromBlob(Uint8Array.from([5, 0, 4, 0]))).toThrow(/ascending/);
    expect(() => CoverageChunk.fromBlob(Uint8Array.from([0, 0x10]))).toThrow(/ascending offsets below 4096/);
  });
});

/** An index that answers every data time (as over an empty store). */
function completeIndex(file = ':memory:'): CoverageIndex {
  const index = CoverageIndex.open(file);
  index.setAuthoritativeFrom(Number.MIN_SAFE_INTEGER);
  return index;
}

describeStoreContract('covered memory store (coverage index)', async () => {
  const store = new CoveredStore(new MemoryStore(), completeIndex());
  return { store, cleanup: () => store.close() };
});

/** A MemoryStore that counts missing() questions and can hold readings written behind the index's back. */
class CountingStore extends FlakyStore {
  gapQueries: GapQuery[] = [];
  override missing(q: GapQuery): ReturnType<FlakyStore['missing']> {
    this.gapQueries.push(q);
    return super.missing(q);
  }
}

const energy = (meter: number, time: number, v: (number | null)[] = [meter, meter / 2]) => reading(meter, 'day', 'ea_imp', time, v);

describe('covered store', () => {
  it('answers gaps from the index, never asking the store; all-null and unwritten points are gaps', async () => {
    const inner = new CountingStore();
    const store = new CoveredStore(inner, completeIndex());
    // Meters spread over chunks (4096 meters each), one dense chunk.
    const meters = [...Array.from({ length: 600 }, (_, i) => i + 1), 5000, 9000, 1_000_000];
    await store.writeReadings(meters.filter((m) => m % 10 !== 0).map((m) => energy(m, D1)));
    await store.writeReadings([energy(30, D1, [null, null]), energy(40, D1, [null, 1])]);
    const gaps = await store.missing({ kind: 'day', quantity: 'ea_imp', meters, times: [D1, D1 + DAY] });
    const expected = meters.flatMap((m) => [...(m % 10 === 0 && m !== 40 ? [{ meter: m, time: D1 }] : []), { meter: m, time: D1 + DAY }]);
    expect(gaps).toEqual(expected);
    expect(inner.gapQueries).toEqual([]);
    await store.close();
  });

  it('a rewrite with every value null clears the point (the reading is replaced whole)', async () => {
    const store = new CoveredStore(new MemoryStore(), completeIndex());
    await store.writeReadings([energy(7, D1)]);
    expect(await store.missing({ kind: 'day', quantity: 'ea_imp', meters: [7], times: [D1] })).toEqual([]);
    await store.writeReadings([energy(7, D1, [null])]);
    expect(await store.missing({ kind: 'day', quantity: 'ea_imp', meters: [7], times: [D1] })).toEqual([{ meter: 7, time: D1 }]);
    await store.close();
  });

  it('marks nothing when the store refuses a write, and a failing index does not fail the write', async () => {
    const inner = new FlakyStore();
    const index = completeIndex();
    const { logger, lines } = catchLogs();
    const store = new CoveredStore(inner, index, { logger });
    inner.down = true;
    await expect(store.writeReadings([energy(1, D1)])).rejects.toThrow(/connection refused/);
    inner.down = false;
    expect(await store.missing({ kind: 'day', quantity: 'ea_imp', meters: [1], times: [D1] })).toEqual([{ meter: 1, time: D1 }]);
    const mark = index.mark.bind(index);
    index.mark = () => {
      throw new Error('disk full');
    };
    await store.writeReadings([energy(2, D1)]);
    expect(inner.writes.at(-1)).toHaveLength(1);
    expect(lines.find((l) => l.event === 'coverage-mark-failed')?.msg).toMatch(/补采 will ask for them again/);
    // Not marked: asked again (a harmless rewrite), never claimed.
    expect(await store.missing({ kind: 'day', quantity: 'ea_imp', meters: [2], times: [D1] })).toEqual([{ meter: 2, time: D1 }]);
    index.mark = mark;
    await store.close();
  });

  it('a new index over a store that may hold data asks the store for earlier data times until reindexed', async () => {
    const inner = new CountingStore();
    // Written before the index existed.
    await inner.writeReadings([energy(1, D1), energy(2, D1 - DAY)]);
    const now = D1 + 10 * 3_600_000;
    const store = await CoveredStore.open(inner, CoverageIndex.open(':memory:'), { now: () => now });
    expect(store.index.authoritativeFrom).toBe(now + 3_600_000);
    const D2 = D1 + DAY;
    await store.writeReadings([energy(1, D2)]);
    const q = { kind: 'day' as const, quantity: 'ea_imp' as const, meters: [1, 2], times: [D1 - DAY, D1, D2] };
    expect(await store.missing(q)).toEqual([
      { meter: 1, time: D1 - DAY },
      { meter: 2, time: D1 },
      { meter: 2, time: D2 },
    ]);
    expect(inner.gapQueries.map((g) => g.times)).toEqual([[D1 - DAY, D1]]);
    const progress: number[] = [];
    const r = await store.reindex(D1 - 30 * DAY, now + 3_600_000, (p) => progress.push(p.readings));
    expect(r).toEqual({ readings: 2, authoritativeFrom: D1 - 30 * DAY });
    expect(progress.length).toBeGreaterThan(0);
    inner.gapQueries = [];
    expect(await store.missing(q)).toEqual([
      { meter: 1, time: D1 - DAY },
      { meter: 2, time: D1 },
      { meter: 2, time: D2 },
    ]);
    expect(inner.gapQueries).toEqual([]);
    await store.close();
  });

  it('a new index over a store known to be empty answers every data time', async () => {
    const inner = Object.assign(new CountingStore(), { holdsReadings: () => Promise.resolve(false) });
    const store = await CoveredStore.open(inner, CoverageIndex.open(':memory:'));
    expect(store.index.authoritativeFrom).toBe(Number.MIN_SAFE_INTEGER);
    expect(await store.missing({ kind: 'day', quantity: 'ea_imp', meters: [1], times: [D1] })).toEqual([{ meter: 1, time: D1 }]);
    expect(inner.gapQueries).toEqual([]);
    await store.close();
  });

  it('retention: points older than the kept days are forgotten and asked of the store again; the boundary survives a restart', async () => {
    const file = path.join(tmpDir('hes-coverage-'), 'coverage.db');
    const inner = new CountingStore();
    let now = D1 + 12 * 3_600_000;
    const open = (index: CoverageIndex) => new CoveredStore(inner, index, { now: () => now, retention: { days: 30, curveDays: 11 } });
    let store = open(completeIndex(file));
    const old = D1 - 25 * DAY;
    const oldPoint = D1 - 2 * DAY + 15 * 60_000;
    const point = D1 + 15 * 60_000;
    const curve = (t: number) => reading(5, 'curve', 'p', t, [2, null, null, null]);
    // Everything is within the retention at the first write.
    await store.writeReadings([energy(1, old), energy(1, D1), curve(oldPoint), curve(point)]);
    expect(store.index.has('day', 'ea_imp', 1, old)).toBe(true);
    expect(store.index.has('curve', 'p', 5, oldPoint)).toBe(true);
    // Ten days later the 35-day-old day point and the 12-day-old curve point are past it.
    now += 10 * DAY;
    await store.writeReadings([energy(2, D1)]);
    const keptDay = store.index.keptFrom('day');
    expect(keptDay).toBeGreaterThan(old);
    expect(keptDay).toBeLessThan(D1);
    expect(store.index.keptFrom('month')).toBe(keptDay);
    expect(store.index.keptFrom('curve')).toBeGreaterThan(oldPoint);
    expect(store.index.keptFrom('curve')).toBeLessThanOrEqual(point);
    inner.gapQueries = [];
    // Same answers as before; the forgotten times now come from the store.
    expect(await store.missing({ kind: 'day', quantity: 'ea_imp', meters: [1, 2], times: [old, D1] })).toEqual([{ meter: 2, time: old }]);
    expect(await store.missing({ kind: 'curve', quantity: 'p', meters: [5], times: [oldPoint, point] })).toEqual([]);
    expect(inner.gapQueries.map((g) => g.times)).toEqual([[old], [oldPoint]]);
    await store.close();
    // The boundary is on disk and the forgotten rows are gone from the file.
    store = open(CoverageIndex.open(file));
    expect(store.index.keptFrom('day')).toBe(keptDay);
    const db = new Database(file);
    expect((db.prepare('SELECT count(*) AS n FROM coverage WHERE k = 1 AND t < ?').get(keptDay) as { n: number }).n).toBe(0);
    expect((db.prepare('SELECT count(*) AS n FROM coverage').get() as { n: number }).n).toBe(2);
    db.close();
    // Reindexing before the boundary scans nothing there (the store answers for it anyway): D1's 2 day
    // readings and the kept curve point.
    expect((await store.reindex(old - DAY, D1 + DAY)).readings).toBe(3);
    await store.close();
  });

  it('snapshots are not indexed: their gaps come from the store', async () => {
    const inner = new CountingStore();
    const store = new CoveredStore(inner, completeIndex());
    const t = D1 + 1000;
    expect(await store.missing({ kind: 'snapshot', quantity: 'p', meters: [1], times: [t] })).toEqual([{ meter: 1, time: t }]);
    expect(inner.gapQueries).toHaveLength(1);
    await store.close();
  });

  it('survives a restart (the file), and a damaged chunk or a newer format is refused with the file named', async () => {
    const file = path.join(tmpDir('hes-coverage-'), 'coverage.db');
    const meters = Array.from({ length: 300 }, (_, i) => i * 13 + 1);
    const curve = (m: number, k: number) => reading(m, 'curve', 'p', D1 + k * 15 * 60_000, [m / 10, null, null, null]);
    let store = new CoveredStore(new MemoryStore(), completeIndex(file));
    await store.writeReadings(meters.flatMap((m) => (m % 3 === 0 ? [] : [curve(m, 1), curve(m, 2)])));
    await store.close();
    const index = CoverageIndex.open(file);
    expect(index.created).toBe(false);
    expect(index.authoritativeFrom).toBe(Number.MIN_SAFE_INTEGER);
    store = new CoveredStore(new MemoryStore(), index);
    const gaps = await store.missing({ kind: 'curve', quantity: 'p', meters, times: [D1 + 15 * 60_000, D1 + 30 * 60_000] });
    expect(gaps).toEqual(meters.filter((m) => m % 3 === 0).flatMap((m) => [{ meter: m, time: D1 + 15 * 60_000 }, { meter: m, time: D1 + 30 * 60_000 }]));
    await store.close();

    const db = new Database(file);
    expect(db.prepare('UPDATE coverage SET bits = ? WHERE t = ? AND c = 0').run(Buffer.from([1, 2, 3]), D1 + 15 * 60_000).changes).toBe(1);
    db.close();
    const damaged = CoverageIndex.open(file);
    expect(() => damaged.missing({ kind: 'curve', quantity: 'p', meters, times: [D1 + 15 * 60_000, D1 + 30 * 60_000] })).toThrow(CoverageIndexError);
    damaged.close();
    const db2 = new Database(file);
    db2.prepare("UPDATE coverage_meta SET value = 99 WHERE key = 'format'").run();
    db2.close();
    expect(() => CoverageIndex.open(file)).toThrow(/coverage index .*coverage\.db: format 99, this head-end reads format 1/);
  });
});
