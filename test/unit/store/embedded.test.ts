/**
 * The embedded store beyond the contract: partitions per (kind, CST month), table layout and the query
 * plans the design depends on, compact values, sharing the archive's file, schema version, retention,
 * recovery from a partition dropped behind its back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/archive/db.js';
import { EmbeddedStore, STORE_FILE } from '../../../src/store/embedded/embedded-store.js';
import { StoreClosedError, StoreSchemaError, StoreUnavailableError } from '../../../src/store/errors.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { Reading } from '../../../src/store/store.js';
import { collect, cstDay, reading } from '../../helpers/store-contract.js';

const H = 3_600_000;
const DAY = 24 * H;
const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'hes-embedded-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const plan = (db: Database.Database, sql: string, ...args: unknown[]): string =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join(' | ');

describe('embedded store', () => {
  it('creates one partition per kind and CST month, on demand, listed in the catalog', async () => {
    const s = EmbeddedStore.open(':memory:');
    await s.writeReadings([
      reading(1, 'day', 'ea_imp', cstDay(2024, 5, 31), [1]),
      reading(1, 'day', 'ea_imp', cstDay(2024, 6, 1), [2]), // 2024-05-31T16:00Z: June in China
      reading(1, 'curve', 'p', cstDay(2024, 6, 1) - 15 * 60_000, [3]),
      reading(1, 'month', 'ea_imp', cstDay(2025, 1, 1), [4]),
    ]);
    await s.writeEvents([{ terminal: 1, erc: 14, time: cstDay(2024, 6, 1) + H, important: true, record: {} }]);
    expect(s.partitions().map((p) => p.name)).toEqual(['store_curve_202405', 'store_day_202405', 'store_day_202406', 'store_ev_202406', 'store_month_202501']);
    const june = s.partitions().find((p) => p.name === 'store_day_202406')!;
    expect(june.start).toBe(Date.UTC(2024, 4, 31, 16));
    const row = s.db.prepare('SELECT t, meter, q FROM store_day_202406').get();
    expect(row).toEqual({ t: 0, meter: 1, q: 1 });
    await s.close();
  });

  it('lays day kinds out time-major and curves meter-major, WITHOUT ROWID, and queries by key', async () => {
    const s = EmbeddedStore.open(':memory:');
    await s.writeReadings([reading(1, 'day', 'ea_imp', cstDay(2024, 5, 1), [1]), reading(1, 'curve', 'p', cstDay(2024, 5, 1), [1])]);
    const sql = (name: string): string => (s.db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string }).sql;
    expect(sql('store_day_202405')).toMatch(/PRIMARY KEY \(t, meter, q\)\) WITHOUT ROWID/);
    expect(sql('store_curve_202405')).toMatch(/PRIMARY KEY \(meter, t, q\)\) WITHOUT ROWID/);
    expect(sql('store_curve_202405_t')).toMatch(/\(t\)/);
    // The plans the design relies on: probes and ranges on keys, never a table scan.
    const day = 'store_day_202405';
    expect(plan(s.db, `SELECT * FROM ${day} WHERE (t, meter, q) > (?, ?, ?) AND t < ? ORDER BY t, meter, q LIMIT 10`, 0, 0, 0, 1)).toMatch(/SEARCH .* USING PRIMARY KEY/);
    expect(plan(s.db, `SELECT r.v FROM json_each(?) m CROSS JOIN json_each(?) d CROSS JOIN ${day} r WHERE r.t = d.value AND r.meter = m.value`, '[1]', '[0]')).toMatch(/SEARCH r USING PRIMARY KEY \(t=\? AND meter=\?\)/);
    expect(plan(s.db, `SELECT m.value FROM json_each(?) m CROSS JOIN json_each(?) d WHERE NOT EXISTS (SELECT 1 FROM ${day} r WHERE r.meter = m.value AND r.t = d.value AND r.q = ? AND (r.f & 4) = 0)`, '[1]', '[0]', 1)).toMatch(
      /SEARCH r USING PRIMARY KEY \(t=\? AND meter=\? AND q=\?\)/,
    );
    expect(plan(s.db, `SELECT meter FROM ${day} WHERE t = ? AND meter BETWEEN ? AND ? AND q = ? AND (f & 4) = 0`, 0, 1, 9, 1)).toMatch(/SEARCH .* USING PRIMARY KEY \(t=\? AND meter>\? AND meter<\?\)/);
    const curve = 'store_curve_202405';
    expect(plan(s.db, `SELECT * FROM ${curve} WHERE (t, meter, q) > (?, ?, ?) AND t < ? ORDER BY t, meter, q LIMIT 10`, 0, 0, 0, 1)).toMatch(/SEARCH .* USING INDEX store_curve_202405_t/);
    expect(plan(s.db, `SELECT * FROM ${curve} WHERE meter = ? AND (t, q) > (?, ?) AND t < ? ORDER BY t, q LIMIT 10`, 1, 0, 0, 1)).toMatch(/SEARCH .* USING PRIMARY KEY \(meter=\?/);
    expect(plan(s.db, `SELECT * FROM ${curve} WHERE (t, meter, q) > (?, ?, ?) AND t < ? ORDER BY t, meter, q LIMIT 10`, 0, 0, 0, 1)).not.toMatch(/TEMP B-TREE/);
    await s.close();
  });

  it('packs a daily energy indication (total + 4 rates, 4 decimals) into 22 bytes and flags all-null rows', async () => {
    const s = EmbeddedStore.open(':memory:');
    const t = cstDay(2024, 5, 1);
    await s.writeReadings([reading(7, 'day', 'ea_imp', t, [12345.6789, 3086.4197, 3086.42, 3086.4196, 3086.4196], { readAt: t + 300_000 }), reading(8, 'day', 'ea_imp', t, [null, null, null, null, null])]);
    const rows = s.db.prepare('SELECT meter, f, ra, length(v) AS n FROM store_day_202405 ORDER BY meter').all();
    expect(rows).toEqual([
      { meter: 7, f: 0, ra: 300_000, n: 22 },
      { meter: 8, f: 4, ra: null, n: 2 },
    ]);
    await s.close();
  });

  it('lives in <data>/store.db (WAL) or on any handle, e.g. the archive database', async () => {
    const dir = tmp();
    const own = EmbeddedStore.open(dir);
    expect(own.db.name).toBe(path.join(dir, STORE_FILE));
    expect(own.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(own.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    await own.close();
    expect(own.db.open).toBe(false);

    const archive = openDatabase(dir);
    const shared = new EmbeddedStore(archive);
    await shared.writeReadings([reading(1, 'day', 'ea_imp', cstDay(2024, 5, 1), [1.5])]);
    expect(await collect(shared.readings({ kind: 'day', from: 0, to: Date.UTC(2030, 0, 1) }))).toHaveLength(1);
    expect(archive.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'meters'").get()).toEqual({ n: 1 });
    await shared.close();
    expect(archive.open).toBe(true);
    archive.close();
  });

  it('refuses a store written by a newer version', async () => {
    const dir = tmp();
    const s = EmbeddedStore.open(dir);
    s.db.prepare("UPDATE store_meta SET value = '99' WHERE key = 'schema'").run();
    await s.close();
    expect(() => EmbeddedStore.open(dir)).toThrow(StoreSchemaError);
  });

  it('drops whole months for retention; later writes recreate them', async () => {
    const s = EmbeddedStore.open(':memory:');
    await s.writeReadings([reading(1, 'day', 'ea_imp', cstDay(2024, 4, 30), [1]), reading(1, 'day', 'ea_imp', cstDay(2024, 5, 1), [2]), reading(1, 'curve', 'p', cstDay(2024, 4, 2), [3])]);
    await s.writeEvents([{ terminal: 1, erc: 1, time: cstDay(2024, 4, 3), important: false, record: {} }]);
    expect(s.dropBefore(cstDay(2024, 5, 15))).toEqual(['store_curve_202404', 'store_day_202404', 'store_ev_202404']);
    expect((await collect(s.readings({ kind: 'day', from: 0, to: cstDay(2030, 1, 1) }))).map((r) => r.values[0])).toEqual([2]);
    expect(await collect(s.events({ from: 0, to: cstDay(2030, 1, 1) }))).toEqual([]);
    await s.writeReadings([reading(1, 'day', 'ea_imp', cstDay(2024, 4, 30), [5])]);
    expect((await collect(s.readings({ kind: 'day', meters: [1], from: 0, to: cstDay(2030, 1, 1) }))).map((r) => r.values[0])).toEqual([5, 2]);
    await s.close();
  });

  it('recovers when another connection dropped a partition: a transient error, then the partition is recreated', async () => {
    const dir = tmp();
    const s = EmbeddedStore.open(dir);
    await s.writeReadings([reading(1, 'day', 'ea_imp', cstDay(2024, 5, 1), [1])]);
    const other = new Database(path.join(dir, STORE_FILE));
    other.exec("DROP TABLE store_day_202405; DELETE FROM store_partitions WHERE name = 'store_day_202405'");
    other.close();
    const first = await s.writeReadings([reading(1, 'day', 'ea_imp', cstDay(2024, 5, 2), [2])]).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (first !== undefined) {
      expect(first).toBeInstanceOf(StoreUnavailableError);
      await s.writeReadings([reading(1, 'day', 'ea_imp', cstDay(2024, 5, 2), [2])]);
    }
    expect((await collect(s.readings({ kind: 'day', from: 0, to: cstDay(2030, 1, 1) }))).map((r) => r.values[0])).toEqual([2]);
    await s.close();
  });

  it('missing() agrees with the reference store for dense and sparse meter lists, days and curves', async () => {
    const s = EmbeddedStore.open(':memory:');
    const ref = new MemoryStore();
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const days = [cstDay(2024, 5, 30), cstDay(2024, 5, 31), cstDay(2024, 6, 1)];
    const points = Array.from({ length: 8 }, (_, k) => cstDay(2024, 6, 1) - 4 * 900_000 + k * 900_000);
    const w: Reading[] = [];
    for (let m = 1; m <= 3000; m++) {
      for (const t of days) if (rnd() < 0.7) w.push(reading(m, 'day', rnd() < 0.5 ? 'ea_imp' : 'er_imp', t, rnd() < 0.2 ? [null, null] : [m, null]));
      if (m % 3 === 0) for (const t of points) if (rnd() < 0.6) w.push(reading(m, 'curve', 'p', t, rnd() < 0.2 ? [null] : [1]));
    }
    await s.writeReadings(w);
    await ref.writeReadings(w);
    const lists = {
      dense: Array.from({ length: 2000 }, (_, i) => 3000 - i),
      sparse: Array.from({ length: 100 }, (_, i) => 1 + i * 29),
      one: [17],
      beyond: [2999, 3000, 3001, 5000],
    };
    for (const [name, meters] of Object.entries(lists)) {
      for (const [kind, quantity, times] of [['day', 'ea_imp', days], ['curve', 'p', points]] as const) {
        const q = { kind, quantity, meters, times: [...times].reverse() };
        expect(await s.missing(q), `${name} ${kind}`).toEqual(await ref.missing(q));
      }
    }
    await s.close();
  });

  it('rejects reads and writes after close with StoreClosedError', async () => {
    const s = EmbeddedStore.open(':memory:');
    await s.close();
    await expect(s.writeReadings([])).rejects.toBeInstanceOf(StoreClosedError);
    await expect(collect(s.readings({ kind: 'day', from: 0, to: 1 }))).rejects.toBeInstanceOf(StoreClosedError);
    await expect(s.missing({ kind: 'day', quantity: 'ea_imp', meters: [1], times: [cstDay(2024, 5, 1)] })).rejects.toBeInstanceOf(StoreClosedError);
    expect((await s.health()).ok).toBe(false);
  });

  it('splits batches over transactions and pages long scans', async () => {
    const s = EmbeddedStore.open(':memory:', { maxTransactionRows: 1000, pageRows: 64 });
    const t = cstDay(2024, 5, 1);
    const w = Array.from({ length: 5000 }, (_, i) => reading(1 + (i % 2500), 'curve', 'p', t + Math.floor(i / 2500) * 15 * 60_000, [i / 4]));
    await s.writeReadings(w);
    const got = await collect(s.readings({ kind: 'curve', from: t, to: t + DAY }));
    expect(got).toHaveLength(5000);
    expect(got.map((r) => r.values[0]).sort((a, b) => a! - b!)).toEqual(w.map((r) => r.values[0]));
    const m = await collect(s.readings({ kind: 'curve', meters: [2500, 1], from: t, to: t + DAY }));
    expect(m.map((r) => [r.meter, r.values[0]])).toEqual([
      [1, 0],
      [1, 625],
      [2500, 624.75],
      [2500, 1249.75],
    ]);
    await s.close();
  });
});
