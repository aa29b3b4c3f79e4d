/**
 * The InfluxDB store against a real influxd (Debian's influxdb 1.6, started on 127.0.0.1 by
 * test/helpers/influxd.ts; fails, never skips, when it is missing): the ReadingStore contract suite,
 * version detection, retry through an influxd crash and restart, typed 4xx errors, tags from the archive.
 * Only the 1.x paths (/write, InfluxQL) can run here; 2.x/3.x detection is checked against a /ping stub.
 */
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '../../src/archive/archive.js';
import { importArchive } from '../../src/archive/import.js';
import { isPermanentStoreError } from '../../src/store/errors.js';
import { SpooledStore } from '../../src/store/spool.js';
import { CoverageIndex } from '../../src/store/coverage/coverage-index.js';
import { CoveredStore } from '../../src/store/coverage/covered-store.js';
import {
  ArchiveTagResolver,
  InfluxVersionError,
  InfluxWriteError,
  functionTagResolver,
  openInfluxStore,
  parseMajorVersion,
  type InfluxStore,
  type InfluxStoreOptions,
} from '../../src/store/influx/index.js';
import type { Reading } from '../../src/store/store.js';
import { startTestInfluxd, type TestInfluxd } from '../helpers/influxd.js';
import { collect, cstDay, describeStoreContract, reading } from '../helpers/store-contract.js';
import { fleetArchive, rm, tmpDir } from '../unit/archive/helpers.js';

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
/** Tags for any id (the contract suite uses meters 1 … 30 000 and terminals 1 … 100 without an archive). */
const syntheticTags = functionTagResolver(
  (id) => ({ meter: pad(id, 12), terminal: `1101-${pad(Math.ceil(id / 200), 5)}`, taiqu: `TQ${pad(Math.ceil(id / 200), 5)}`, region: '1101' }),
  (id) => ({ terminal: `1101-${pad(id, 5)}`, taiqu: `TQ${pad(id, 5)}`, region: '1101' }),
);

let influxd: TestInfluxd;
let dbSeq = 0;
const newDb = (): string => `openhes_test_${process.pid}_${++dbSeq}`;

async function influxql(q: string, db?: string): Promise<{ results: { series?: { tags?: Record<string, string>; columns: string[]; values: unknown[][] }[]; error?: string }[] }> {
  const params = new URLSearchParams({ q, epoch: 'ms', ...(db ? { db } : {}) });
  const res = await fetch(`${influxd.url}/query`, { method: 'POST', body: params });
  return (await res.json()) as Awaited<ReturnType<typeof influxql>>;
}

async function countPoints(db: string, measurement: string): Promise<number> {
  const r = await influxql(`SELECT count("valid") FROM "${measurement}"`, db).catch(() => undefined);
  return Number(r?.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
}

function options(database: string, extra: Partial<InfluxStoreOptions> = {}): InfluxStoreOptions {
  return { url: influxd.url, database, tags: syntheticTags, retry: { initialMs: 50, maxMs: 500, maxElapsedMs: 60_000 }, ...extra };
}

beforeAll(async () => {
  influxd = await startTestInfluxd();
}, 60_000);
afterAll(async () => {
  await influxd?.dispose();
});

// Small write requests and chunks so batch splitting and chunked reads are exercised by the suite.
describeStoreContract('influxdb 1.x', async () => {
  const database = newDb();
  const store = await openInfluxStore(options(database, { batchLines: 3000, readMeterChunk: 3, gapMeterChunk: 300 }));
  return {
    store,
    cleanup: async () => {
      await store.close();
      await influxql(`DROP DATABASE "${database}"`);
    },
  };
});

// What `hes serve` runs (src/store/open.ts): the spool in front (acknowledged data survives outages), then
// the coverage index (gaps never asked of influxd), then InfluxDB.
describeStoreContract('spooled influxdb 1.x with the coverage index', async () => {
  const database = newDb();
  const dir = tmpDir('hes-influx-spool-');
  const influx = await openInfluxStore(options(database));
  const inner = await CoveredStore.open(influx, CoverageIndex.open(path.join(dir, 'coverage.db')));
  // A new database holds nothing: the index answers every data time (2024 ones of the suite included).
  expect(inner.index.authoritativeFrom).toBe(Number.MIN_SAFE_INTEGER);
  // Reads wait for earlier acknowledged writes to reach influxd: 20 000 readings take longer than the 2 s
  // default on a loaded machine (influxd 1.6 ingests ~10–20 k readings/s here).
  const store = await SpooledStore.open(inner, { dir: path.join(dir, 'spool'), readWaitMs: 60_000 });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await inner.close();
      rm(dir);
      await influxql(`DROP DATABASE "${database}"`);
    },
  };
});

describe('InfluxDB store: version detection', () => {
  it('parses X-Influxdb-Version of 1.x, 2.x and 3.x servers', () => {
    expect(parseMajorVersion('1.6.7~rc0')).toBe(1);
    expect(parseMajorVersion('1.8.10')).toBe(1);
    expect(parseMajorVersion('v2.7.4')).toBe(2);
    expect(parseMajorVersion('2.7.11')).toBe(2);
    expect(parseMajorVersion('3.0.1')).toBe(3);
    expect(parseMajorVersion(undefined)).toBeUndefined();
    expect(parseMajorVersion('OSS')).toBeUndefined();
  });

  it('speaks 1.x to the real influxd: /write + InfluxQL, database created', async () => {
    expect(influxd.version).toMatch(/^1\./);
    const database = newDb();
    const store = await openInfluxStore(options(database));
    try {
      expect(store.name).toBe('influxdb-1.x');
      expect(store.major).toBe(1);
      const h = await store.health();
      expect(h.ok).toBe(true);
      expect(h.detail).toContain(influxd.version);
      const dbs = await influxql('SHOW DATABASES');
      expect(dbs.results[0]!.series![0]!.values.flat()).toContain(database);
    } finally {
      await store.close();
      await influxql(`DROP DATABASE "${database}"`);
    }
  });

  // Nothing but /ping answers here: a 2.x/3.x server cannot be run on this machine (README).
  it('tells whether a database holds readings (a new coverage index over an empty one answers every day)', async () => {
    const database = newDb();
    const store = await openInfluxStore(options(database));
    expect(await store.holdsReadings()).toBe(false);
    await store.writeEvents([{ terminal: 1, erc: 14, time: cstDay(2024, 5, 1), important: true, record: {} }]);
    expect(await store.holdsReadings()).toBe(false);
    await store.writeReadings([reading(1, 'day', 'ea_imp', cstDay(2024, 5, 1), [1.5])]);
    expect(await store.holdsReadings()).toBe(true);
    const now = cstDay(2024, 6, 1);
    const covered = await CoveredStore.open(store, CoverageIndex.open(':memory:'), { now: () => now });
    expect(covered.index.authoritativeFrom).toBe(now + 3_600_000);
    // Before the index's start the store answers; reindex then brings May into the index.
    const q = { kind: 'day' as const, quantity: 'ea_imp' as const, meters: [1, 2], times: [cstDay(2024, 5, 1)] };
    expect(await covered.missing(q)).toEqual([{ meter: 2, time: cstDay(2024, 5, 1) }]);
    expect(await covered.reindex(cstDay(2024, 5, 1), now + 3_600_000)).toEqual({ readings: 1, authoritativeFrom: cstDay(2024, 5, 1) });
    expect(covered.index.has('day', 'ea_imp', 1, cstDay(2024, 5, 1))).toBe(true);
    await covered.close();
    await influxql(`DROP DATABASE "${database}"`);
  });

  it('chooses the v2 write API for 2.x/3.x and asks for what it needs; refuses an unknown version', async () => {
    let header: string | undefined = 'v2.7.4';
    const stub = http.createServer((req, res) => {
      if (header !== undefined) res.setHeader('X-Influxdb-Version', header);
      res.writeHead(req.url?.startsWith('/ping') ? 204 : 404).end();
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    try {
      const base = { url, database: 'b', tags: syntheticTags, retry: { maxAttempts: 1 } };
      await expect(openInfluxStore(base)).rejects.toThrow(InfluxVersionError);
      await expect(openInfluxStore({ ...base, token: 't' })).rejects.toThrow(/organisation/);
      const v2 = await openInfluxStore({ ...base, token: 't', org: 'o' });
      expect(v2.name).toBe('influxdb-2.x');
      await v2.close();
      header = '3.0.1';
      const v3 = await openInfluxStore({ ...base, token: 't' });
      expect(v3.name).toBe('influxdb-3.x');
      await v3.close();
      header = undefined;
      await expect(openInfluxStore(base)).rejects.toThrow(/set apiVersion/);
      const forced = await openInfluxStore({ ...base, apiVersion: 2, token: 't', org: 'o' });
      expect(forced.name).toBe('influxdb-2.x');
      await forced.close();
    } finally {
      stub.close();
    }
  });
});

describe('InfluxDB store: outages and refused data', () => {
  const day1 = cstDay(2024, 5, 1);
  const DAY = 86_400_000;

  function capture(): { logger: pino.Logger; retries: () => number } {
    let retries = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (chunk.toString().includes('retrying')) retries++;
        cb();
      },
    });
    return { logger: pino({ level: 'warn' }, sink), retries: () => retries };
  }

  it('influxd killed (-9) mid-write and restarted: the write completes, nothing lost, later writes win in order', async () => {
    const database = newDb();
    const log = capture();
    const store: InfluxStore = await openInfluxStore(options(database, { batchLines: 250, logger: log.logger }));
    try {
      const big: Reading[] = [];
      for (let m = 1; m <= 12_000; m++) for (let d = 0; d < 3; d++) big.push(reading(m, 'day', 'ea_imp', day1 + d * DAY, [m + d, m, d, null]));
      // Queued behind `big`: rewrites some of its points, must land after it.
      const rewrite = [reading(7, 'day', 'ea_imp', day1, [-1]), reading(11_999, 'day', 'ea_imp', day1 + 2 * DAY, [null, 5], { quality: 'recollected' })];
      const first = store.writeReadings(big);
      const second = store.writeReadings(rewrite);
      // Crash influxd once part of the batch is stored, keep it down a moment, start it again.
      let seen = 0;
      while ((seen = await countPoints(database, 'day')) === 0) await new Promise((r) => setTimeout(r, 10));
      await influxd.stop('SIGKILL');
      expect(seen).toBeLessThan(big.length);
      await new Promise((r) => setTimeout(r, 800));
      await influxd.start();
      await first;
      await second;
      expect(log.retries()).toBeGreaterThan(0);
      const got = await collect(store.readings({ kind: 'day', quantity: 'ea_imp', from: day1, to: day1 + 3 * DAY }));
      expect(got).toHaveLength(big.length);
      const byKey = new Map(got.map((r) => [`${r.meter}|${r.time}`, r]));
      for (const r of big) {
        const want = r.meter === 7 && r.time === day1 ? rewrite[0] : r.meter === 11_999 && r.time === day1 + 2 * DAY ? rewrite[1] : r;
        expect(byKey.get(`${r.meter}|${r.time}`)).toEqual(want);
      }
      expect(await store.missing({ kind: 'day', quantity: 'ea_imp', meters: [1, 6_000, 12_000, 12_001], times: [day1, day1 + DAY, day1 + 2 * DAY] })).toEqual([
        { meter: 12_001, time: day1 },
        { meter: 12_001, time: day1 + DAY },
        { meter: 12_001, time: day1 + 2 * DAY },
      ]);
    } finally {
      await store.close();
      await influxql(`DROP DATABASE "${database}"`);
    }
  }, 120_000);

  it('a write while influxd is down waits with back-off and lands when it is back', async () => {
    const database = newDb();
    const log = capture();
    const store = await openInfluxStore(options(database, { logger: log.logger }));
    try {
      await influxd.stop();
      const pending = store.writeReadings([reading(1, 'day', 'ea_imp', day1, [1, 2])]);
      const events = store.writeEvents([{ terminal: 3, erc: 14, time: day1 + 3_600_000, important: true, record: { powerOff: day1 } }]);
      while (log.retries() < 3) await new Promise((r) => setTimeout(r, 20));
      expect((await store.health()).ok).toBe(false);
      await influxd.start();
      await pending;
      await events;
      expect(await collect(store.readings({ kind: 'day', meters: [1], from: day1, to: day1 + DAY }))).toEqual([reading(1, 'day', 'ea_imp', day1, [1, 2])]);
      expect(await collect(store.events({ from: day1, to: day1 + DAY }))).toEqual([{ terminal: 3, erc: 14, time: day1 + 3_600_000, important: true, record: { powerOff: day1 } }]);
    } finally {
      await influxd.start();
      await store.close();
      await influxql(`DROP DATABASE "${database}"`);
    }
  }, 60_000);

  it('a 400 (field type conflict) is a permanent InfluxWriteError naming the batch items and the server message', async () => {
    const database = newDb();
    const store = await openInfluxStore(options(database, { batchLines: 2 }));
    try {
      // Someone else wrote `total` as a string into the `day` measurement of this shard.
      const res = await fetch(`${influxd.url}/write?db=${database}&precision=ms`, { method: 'POST', body: `day,quantity=x total="oops" ${day1}` });
      expect(res.status).toBe(204);
      const batch = [reading(1, 'day', 'er_imp', day1, [null, 1]), reading(2, 'day', 'er_imp', day1, [null]), reading(3, 'day', 'ea_imp', day1, [5])];
      const err = await store.writeReadings(batch).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InfluxWriteError);
      const e = err as InfluxWriteError;
      expect(e.status).toBe(400);
      expect(e.partial).toBe(true);
      expect(isPermanentStoreError(e)).toBe(true);
      expect(e.where).toMatchObject({ from: 2, to: 3 });
      expect(e.message).toMatch(/field type conflict/);
      expect(e.message).toContain('"total"');
      // The earlier requests of the batch were written.
      expect((await collect(store.readings({ kind: 'day', quantity: 'er_imp', from: day1, to: day1 + DAY }))).map((r) => r.meter)).toEqual([1, 2]);
    } finally {
      await store.close();
      await influxql(`DROP DATABASE "${database}"`);
    }
  });

  it('a 404 (database dropped under the store) is an InfluxWriteError, not permanent (the spool keeps the data)', async () => {
    const database = newDb();
    const store = await openInfluxStore(options(database));
    try {
      await influxql(`DROP DATABASE "${database}"`);
      const err = await store.writeReadings([reading(1, 'day', 'ea_imp', day1, [1])]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InfluxWriteError);
      expect((err as InfluxWriteError).status).toBe(404);
      expect((err as InfluxWriteError).message).toMatch(/database not found/);
      expect(isPermanentStoreError(err)).toBe(false);
    } finally {
      await store.close();
    }
  });
});

describe('InfluxDB store: tags from the archive (Grafana)', () => {
  let src: string;
  let data: string;
  let archive: Archive;
  beforeAll(() => {
    src = fleetArchive({ a1: '1101', terminals: 2, metersPerTerminal: 5, seed: 1 });
    data = tmpDir();
    archive = Archive.open(data);
    importArchive(archive.db, src);
  });
  afterAll(() => {
    archive?.close();
    rm(src, data);
  });

  it('tags points with 645 address, terminal key, 台区 and region; Grafana-style InfluxQL works on them', async () => {
    const database = newDb();
    const resolver = new ArchiveTagResolver(archive.db);
    const store = await openInfluxStore(options(database, { tags: resolver }));
    try {
      const terminal = archive.terminals()[0]!;
      const meters = archive.metersOf(terminal.key);
      const day1 = cstDay(2024, 5, 1);
      const w = meters.flatMap((m) => [0, 1].map((d) => reading(m.id, 'day', 'ea_imp', day1 + d * 86_400_000, [100 + m.pn + d, 50, 50])));
      await store.writeReadings(w);
      await store.writeEvents([{ terminal: terminal.id, meter: meters[0]!.id, erc: 13, time: day1 + 60_000, important: false, record: { erc: 13 } }]);
      const tags = await influxql(`SHOW TAG VALUES FROM "day" WITH KEY IN ("meter", "terminal", "taiqu", "region")`, database);
      const values = tags.results[0]!.series![0]!.values.map((v) => `${String(v[0])}=${String(v[1])}`);
      for (const m of meters) expect(values).toContain(`meter=${m.address}`);
      expect(values).toContain(`terminal=${terminal.key}`);
      expect(values).toContain(`taiqu=${terminal.taiqu}`);
      expect(values).toContain(`region=${terminal.a1}`);
      // The README's Grafana queries: daily consumption per meter of one 台区, completeness per region.
      const g = await influxql(
        `SELECT difference(last("total")) FROM "day" WHERE "quantity" = 'ea_imp' AND "taiqu" = '${terminal.taiqu}' AND time >= ${day1}ms AND time < ${day1 + 2 * 86_400_000}ms GROUP BY time(1d, 16h), "meter" fill(none)`,
        database,
      );
      const series = g.results[0]!.series!;
      expect(series.map((s) => s.tags!.meter).sort()).toEqual(meters.map((m) => m.address).sort());
      for (const s of series) expect(s.values).toEqual([[day1 + 86_400_000, 1]]);
      const c = await influxql(`SELECT count("valid") FROM "day" WHERE "quantity" = 'ea_imp' AND "valid" > 0 AND time >= ${day1}ms AND time < ${day1 + 2 * 86_400_000}ms GROUP BY time(1d, 16h), "region"`, database);
      expect(c.results[0]!.series![0]!.tags).toEqual({ region: terminal.a1 });
      expect(c.results[0]!.series![0]!.values).toEqual([
        [day1, meters.length],
        [day1 + 86_400_000, meters.length],
      ]);
      const ev = await influxql(`SELECT "record" FROM "event" WHERE "terminal" = '${terminal.key}' AND "meter" = '${meters[0]!.address}'`, database);
      expect(ev.results[0]!.series![0]!.values).toEqual([[day1 + 60_000, '{"erc":13}']]);
      await expect(store.writeReadings([reading(999_999, 'day', 'ea_imp', day1, [1])])).rejects.toThrow(/not in the archive/);
    } finally {
      await store.close();
      await influxql(`DROP DATABASE "${database}"`);
    }
  });
});
