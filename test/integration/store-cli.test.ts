/**
 * `hes store coverage|reindex` against a running head-end (in-process, admin API on a loopback port) whose
 * store has a coverage index created over data it had not seen (an upgrade, a deleted coverage.db): the
 * operator sees from when the index answers, reindexes a range with progress, and from then on gaps of
 * those days come from the index. Bad input and a second run while one is going are refused clearly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type HesConfig } from '../../src/config/schema.js';
import { MemoryDirectory } from '../../src/fep/directory.js';
import { ReindexJobs } from '../../src/service/reindex-jobs.js';
import { memoryCatalog } from '../../src/service/catalog.js';
import { HeadEnd } from '../../src/service/head-end.js';
import { ConflictError } from '../../src/service/errors.js';
import { CoverageIndex } from '../../src/store/coverage/coverage-index.js';
import { CoveredStore } from '../../src/store/coverage/covered-store.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { GapQuery, Reading, ReadingQuery } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';
import { cstDay, reading } from '../helpers/store-contract.js';

const NOW = cstDay(2024, 5, 10) + 10 * 3_600_000;
let he: HeadEnd;
let url: string;
let inner: MemoryStore;
let covered: CoveredStore;

beforeAll(async () => {
  inner = new MemoryStore();
  // Written before the index existed: days 1–9 May, meters 1–50 (meter 7 missing on 3 May).
  const old: Reading[] = [];
  for (let d = 1; d <= 9; d++) for (let m = 1; m <= 50; m++) if (!(d === 3 && m === 7)) old.push(reading(m, 'day', 'ea_imp', cstDay(2024, 5, d), [m + d]));
  old.push(reading(3, 'curve', 'p', cstDay(2024, 5, 2) + 15 * 60_000, [1.5]));
  await inner.writeReadings(old);
  covered = await CoveredStore.open(inner, CoverageIndex.open(':memory:'), { now: () => NOW });
  const config: HesConfig = { ...DEFAULT_CONFIG, fep: { ...DEFAULT_CONFIG.fep, port: 0 }, admin: { port: 0 } };
  const directory = new MemoryDirectory([]);
  he = new HeadEnd({ config, directory, catalog: memoryCatalog(directory), store: covered, covered });
  url = (await he.start()).admin!;
});

afterAll(async () => {
  await he?.stop();
  await covered?.close();
});

const may = (d: number): number => cstDay(2024, 5, d);

describe('hes store', () => {
  it('coverage: says from when the index answers and that earlier days are asked of the store', async () => {
    const r = await runCli('hes', ['store', 'coverage', '--url', url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`data times from ${new Date(NOW + 3_600_000).toISOString()} (earlier ones are asked of the store)`);
    const j = await runCli('hes', ['store', 'coverage', '--url', url, '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ file: ':memory:', authoritativeFrom: NOW + 3_600_000, job: null });

  });

  it('reindex: scans the range with progress; gaps of those days then come from the index, equal to the store', async () => {
    const q = { kind: 'day' as const, quantity: 'ea_imp' as const, meters: [6, 7, 8, 51], times: [may(2), may(3), may(4)] };
    const before = await covered.missing(q);
    const r = await runCli('hes', ['store', 'reindex', '--from', '2024-05-01', '--to', '2024-05-10', '--url', url], 30_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/reindex 1 .*: done, 450 readings indexed/);
    expect(r.stdout).toContain(`the index answers data times from ${new Date(may(1)).toISOString()}`);
    expect(r.stderr).toMatch(/reindex 1 \[#+\] 100% 4\/4 kinds, 450 readings/);
    expect(covered.index.authoritativeFrom).toBe(may(1));
    // The same answer, now without the store: meter 7 on 3 May and the unknown meter 51.
    const asked: GapQuery[] = [];
    const missing = inner.missing.bind(inner);
    inner.missing = (g) => {
      asked.push(g);
      return missing(g);
    };
    expect(await covered.missing(q)).toEqual(before);
    expect(before).toEqual([{ meter: 7, time: may(3) }, ...[may(2), may(3), may(4)].map((time) => ({ meter: 51, time }))]);
    expect(asked).toEqual([]);
    inner.missing = missing;
    const s = await fetch(`${url}/v1/status`).then((x) => x.json() as Promise<{ store: { coverage: unknown } }>);
    expect(s.store.coverage).toEqual({ file: ':memory:', authoritativeFrom: new Date(may(1)).toISOString(), reindexing: false });
  });

  it('coverage shows where retention moved the start of a kind (older points are asked of the store)', async () => {
    covered.index.prune('curve', may(5));
    const r = await runCli('hes', ['store', 'coverage', '--url', url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`curve points kept from ${new Date(may(5)).toISOString()} (older ones are asked of the store)`);
    expect(r.stdout).not.toMatch(/^ {2}day points kept/m);
    expect(r.stdout).toMatch(/last run: reindex 1 .*: done, 450 readings indexed/);
  });

  it('refuses bad dates and ranges with the field named, exit 2, and an unknown run with 404', async () => {
    const bad = await runCli('hes', ['store', 'reindex', '--from', '2024-02-30', '--to', '2024-03-01', '--url', url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/from.*2024-02-30/);
    const back = await runCli('hes', ['store', 'reindex', '--from', '2024-05-02', '--to', '2024-05-01', '--url', url]);
    expect(back.code).toBe(2);
    expect(back.stderr).toMatch(/to: must not be before --from/);
    const http = await fetch(`${url}/v1/store/reindex`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: '2024-05-01', to: '2024-05-02', kind: 'day' }) });
    expect(http.status).toBe(400);
    expect(await http.json()).toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/kind/) });
    const none = await fetch(`${url}/v1/store/reindex/99`);
    expect(none.status).toBe(404);
  });

  it('one run at a time: a second while one is going is a conflict naming the run', async () => {
    // A store whose scan is held open until released.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow = new MemoryStore();
    await slow.writeReadings([reading(1, 'day', 'ea_imp', may(1), [1])]);
    const readings = slow.readings.bind(slow);
    slow.readings = async function* (q: ReadingQuery) {
      await gate;
      yield* readings(q);
    };
    const store = new CoveredStore(slow, CoverageIndex.open(':memory:'));
    const jobs = new ReindexJobs(store, () => NOW);
    const first = jobs.start(may(1), may(2));
    expect(first.state).toBe('running');
    expect(() => jobs.start(may(1), may(2))).toThrow(ConflictError);
    expect(() => jobs.start(may(1), may(2))).toThrow(/reindex run 1 is still running/);
    release();
    await new Promise((r) => setTimeout(r, 50));
    expect(jobs.get(1)).toMatchObject({ state: 'done', readings: 1 });
    // A range that does not reach the index's start indexes its days but leaves the start where it was.
    expect(jobs.info().authoritativeFrom).toBe(Number.MAX_SAFE_INTEGER);
    await store.close();
  });
});
