/**
 * Issue 7, durability with the InfluxDB store (`store.backend: influxdb`, spool on — set through the
 * HES_STORE_* environment as an operator would), end to end against a real influxd 1.6 on loopback:
 * the head-end runs in a child process (test/helpers/head-end-child.ts: `hes serve`'s wiring on a clock
 * shifted to 08:00 CST of 3 May 2024), 20 simulated concentrators × 50 meters answer the daily F161–F164
 * round 300 ms late each.
 *
 * 1. influxd is SIGKILLed in the middle of the round: collection goes on, the spool acknowledges every
 *    answer and its backlog grows (`/v1/status`); influxd is started again on the same data; the backlog
 *    drains, `hes collect status` reaches 100 %, InfluxDB holds exactly one point per (meter, quantity)
 *    equal to the model, each as acknowledged last. The same with influxd hung (SIGSTOP … SIGCONT):
 *    requests to it stall instead of failing, and the head-end must not stall with them.
 * 2. influxd is SIGKILLed, then the head-end too, with a backlog in the spool; the head-end is started
 *    again while influxd is still down — it must start (the spool takes the writes; the store is opened
 *    in the background: src/store/deferred.ts), keep the terminals online and go on collecting (gaps
 *    come from the coverage index less the spool, not from influxd); with the terminals gone,
 *    influxd comes back and the replayed spool alone brings every reading acknowledged before the kill;
 *    the terminals return and the day completes without asking for any of them again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/influxd.mjs';
import { Archive } from '../../src/archive/archive.js';
import type { TerminalList } from '../../src/service/api.js';
import { ArchiveTagResolver, openInfluxStore } from '../../src/store/influx/index.js';
import type { Reading } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';
import { until } from '../helpers/control-env.js';
import {
  ShiftedTerminals,
  ackCount,
  adminGet,
  archiveMeters,
  cal,
  dailyStatus,
  errorLines,
  expectDayAsModel,
  headEndStatus,
  importFleetArchive,
  readAckLog,
  readingKey,
  startHeadEnd,
  writeHeadEndConfig,
  type HeadEndProcess,
  type TerminalId,
} from '../helpers/durability.js';
import { startTestInfluxd, type TestInfluxd } from '../helpers/influxd.js';
import { shiftTo } from '../helpers/shifted-clock.js';

const TERMINALS = 20;
const METERS = 50;
const TOTAL = TERMINALS * METERS * 4;
const DATE = '2024-05-03';
const DAY = cal.dayStart({ year: 2024, month: 5, day: 3 });
const SHIFT = shiftTo(cal.at(2024, 5, 3, 8, 0, 0));

let influx: TestInfluxd;
const roots: string[] = [];
const running: HeadEndProcess[] = [];
const fleets: ShiftedTerminals[] = [];

type Spool = NonNullable<NonNullable<Awaited<ReturnType<typeof headEndStatus>>['store']>['spool']>;

interface Site {
  root: string;
  dataDir: string;
  ids: TerminalId[];
  port: number;
  configFile: string;
  database: string;
}

async function site(database: string): Promise<Site> {
  const root = mkdtempSync(path.join(tmpdir(), 'hes-durability-influx-'));
  roots.push(root);
  const dataDir = path.join(root, 'data');
  const ids = importFleetArchive(root, dataDir, TERMINALS, METERS);
  const port = await freePort();
  return { root, dataDir, ids, port, configFile: writeHeadEndConfig(path.join(root, 'hes.json'), { dataDir, terminalPort: port }), database };
}

async function headEnd(s: Site, ackLog: string): Promise<HeadEndProcess> {
  const env = { HES_STORE_BACKEND: 'influxdb', HES_STORE_INFLUX_URL: influx.url, HES_STORE_INFLUX_DATABASE: s.database, HES_STORE_SPOOL: 'true' };
  const he = await startHeadEnd({ configFile: s.configFile, shiftMs: SHIFT, ackLog, env });
  running.push(he);
  return he;
}

function terminals(s: Site): ShiftedTerminals {
  const t = new ShiftedTerminals({ port: s.port, shiftMs: SHIFT, meters: METERS, slowMs: 300 });
  fleets.push(t);
  for (const id of s.ids) t.dialIn(id);
  return t;
}

async function spoolOf(he: HeadEndProcess): Promise<Spool> {
  const st = await headEndStatus(he.admin);
  expect(st.store?.spool).toBeDefined();
  return st.store!.spool!;
}

/** The spool's backlog once it has grown past `min` readings (sampled twice: it is growing). */
async function growingBacklog(he: HeadEndProcess): Promise<Spool> {
  const a = await until('a spool backlog', async () => {
    const sp = await spoolOf(he);
    return sp.pendingReadings > 0 ? sp : undefined;
  }, 60_000);
  const b = await until('the spool backlog growing', async () => {
    const sp = await spoolOf(he);
    return sp.pendingReadings > a.pendingReadings ? sp : undefined;
  }, 60_000);
  expect(b.pendingBytes).toBeGreaterThan(a.pendingBytes);
  expect(b.state).not.toBe('idle');
  return b;
}

const drained = (he: HeadEndProcess): Promise<Spool> =>
  until('the spool drained into InfluxDB', async () => {
    const sp = await spoolOf(he);
    return sp.pendingReadings === 0 && sp.state === 'idle' ? sp : undefined;
  }, 180_000);

const complete = (he: HeadEndProcess): Promise<unknown> =>
  until('daily completeness 100 %', async () => {
    const s = await dailyStatus(he.admin, DATE);
    return s.system.complete === TERMINALS * METERS ? s : undefined;
  }, 180_000);

/** `hes collect status` through the CLI: the system line at 100 %. */
async function cliSaysComplete(he: HeadEndProcess): Promise<void> {
  const r = await runCli('hes', ['collect', 'status', '--date', DATE, '--url', he.admin], 60_000);
  expect(r.code).toBe(0);
  expect(r.stdout.trim().split('\n').at(-1)).toMatch(new RegExp(`^system\\s+${TERMINALS}\\s+${TERMINALS * METERS}\\s+${TERMINALS * METERS}\\s+100\\.00%`));
}

/** Every daily reading in the site's InfluxDB database, read by the test itself. */
async function influxReadings(s: Site): Promise<Reading[]> {
  const archive = Archive.open(s.dataDir);
  const store = await openInfluxStore({ url: influx.url, database: s.database, tags: new ArchiveTagResolver(archive.db), createDatabase: false });
  try {
    const all: Reading[] = [];
    for await (const r of store.readings({ kind: 'day', from: 0, to: Date.UTC(2030, 0, 1) })) all.push(r);
    return all;
  } finally {
    await store.close();
    archive.close();
  }
}

beforeAll(async () => {
  influx = await startTestInfluxd();
}, 60_000);

afterAll(async () => {
  for (const he of running) await he.kill('SIGKILL');
  for (const f of fleets) await f.stop();
  await influx?.dispose();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
}, 60_000);

/**
 * influxd fails (`fail`) once a quarter of the round is acknowledged; the round goes on into the spool
 * until a third of the day waits there; influxd comes back (`recover`); everything arrives.
 */
async function outageMidRound(database: string, fail: () => Promise<void>, recover: () => Promise<void>): Promise<void> {
  const s = await site(database);
  const ackLog = path.join(s.root, 'ack.log');
  const he = await headEnd(s, ackLog);
  expect((await headEndStatus(he.admin)).store?.name).toBe('influxdb-1.x+spool');
  terminals(s);
  await until('a quarter of the readings acknowledged', () => (ackCount(ackLog) >= TOTAL / 4 ? true : undefined), 90_000);
  await fail();
  try {
    const atFailure = ackCount(ackLog);
    await growingBacklog(he);
    // Collection goes on: the passes under way finish into the spool.
    const backlog = await until('a third of the day in the spool', async () => {
      const sp = await spoolOf(he);
      return sp.pendingReadings >= TOTAL / 3 ? sp : undefined;
    }, 90_000);
    expect(ackCount(ackLog)).toBeGreaterThan(atFailure);
    expect(backlog.state).not.toBe('idle');
  } finally {
    await recover();
  }
  await drained(he);
  await complete(he);
  await drained(he);
  await cliSaysComplete(he);
  expect(errorLines(he.logs())).toEqual([]);
  expect(await he.stop()).toBe(0);

  expectDayAsModel(await influxReadings(s), { meters: archiveMeters(s.dataDir), day: DAY, acked: readAckLog(ackLog) });
}

describe('InfluxDB store down during collection (spool on)', () => {
  it('influxd killed mid-round: the spool takes the writes, its backlog grows, drains when influxd is back; 100 %, equal to the model', async () => {
    await outageMidRound(
      'durability_outage',
      () => influx.stop('SIGKILL'),
      () => influx.start(),
    );
  }, 300_000);

  it('influxd hung (SIGSTOP) mid-round: the head-end is not held up, the spool takes the writes; after SIGCONT everything arrives', async () => {
    await outageMidRound(
      'durability_hang',
      () => Promise.resolve(influx.signal('SIGSTOP')),
      () => Promise.resolve(influx.signal('SIGCONT')),
    );
  }, 300_000);

  it('head-end killed with a backlog while influxd is down, restarted before influxd: starts, replays the spool, completes without asking again', async () => {
    const s = await site('durability_crash');
    const ack1 = path.join(s.root, 'ack-1.log');
    const ack2 = path.join(s.root, 'ack-2.log');
    const first = await headEnd(s, ack1);
    const fleet = terminals(s);
    await until('a quarter of the readings acknowledged', () => (ackCount(ack1) >= TOTAL / 4 ? true : undefined), 90_000);
    await influx.stop('SIGKILL');
    await growingBacklog(first);
    // The terminals go (nothing more in flight), then the head-end is killed with its backlog.
    await fleet.stop();
    await until('the terminals offline', async () => ((await adminGet<TerminalList>(first.admin, '/v1/terminals?state=online')).total === 0 ? true : undefined), 60_000);
    const backlog = await spoolOf(first);
    expect(backlog.pendingReadings).toBeGreaterThan(0);
    expect((await first.kill('SIGKILL')).signal).toBe('SIGKILL');
    const acked = readAckLog(ack1);
    expect(acked.size).toBeLessThan(TOTAL);

    // influxd still down: the head-end starts, holds the replayed backlog, serves the terminals.
    const second = await headEnd(s, ack2);
    const held = await spoolOf(second);
    expect(held.pendingReadings).toBeGreaterThanOrEqual(backlog.pendingReadings);
    expect(held.state).not.toBe('idle');
    const back = terminals(s);
    await until('the terminals online again', async () => {
      const l = await adminGet<TerminalList>(second.admin, '/v1/terminals?state=online');
      return l.total === TERMINALS ? l : undefined;
    }, 60_000);
    // influxd is down, yet collection goes on into the spool: gaps come from the coverage index
    // (what influxd accepted) less what the spool holds — never from influxd.
    await until('readings collected while influxd is down', () => (ackCount(ack2) > 0 ? true : undefined), 90_000);

    // The terminals leave; influxd returns: the replayed spool alone brings what was acknowledged.
    await back.stop();
    await influx.start();
    await drained(second);
    const stored = new Set((await influxReadings(s)).map(readingKey));
    expect([...acked.keys()].filter((k) => !stored.has(k))).toEqual([]);

    // The terminals return: the rest is collected, nothing acknowledged before the kill asked again.
    terminals(s);
    await complete(second);
    await drained(second);
    await cliSaysComplete(second);
    const again = readAckLog(ack2);
    expect([...acked.keys()].filter((k) => again.has(k))).toEqual([]);
    expect(second.logs()).toMatch(/"event":"store-deferred"/);
    expect(second.logs()).toMatch(/"event":"spool-replay"/);
    expect(second.logs()).toMatch(/"event":"store-opened"/);
    expect(errorLines(second.logs())).toEqual([]);
    expect(await second.stop()).toBe(0);

    const all = new Map(acked);
    for (const [k, qs] of again) all.set(k, qs);
    expectDayAsModel(await influxReadings(s), { meters: archiveMeters(s.dataDir), day: DAY, acked: all });
  }, 300_000);
});
