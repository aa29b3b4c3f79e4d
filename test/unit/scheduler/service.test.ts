/**
 * The collection service on simulated time (ManualClock): the task clock fires the daily round at 00:05,
 * a terminal offline then is served the moment it logs in, a terminal whose request timed out is healed
 * by the 补采 round 10 min later (quality `recollected`), the meter-reading-day task falls back to the daily
 * freeze, events are polled with EC pointers, a clock 60 s off is set (audited), yesterday's curve is
 * collected at 00:30 — every stored value equal to the model — and the completeness and online figures
 * come out exact. Terminals are in-process simulators behind a FepPort fixture (no sockets); the
 * integration test (test/integration/collect-fleet.test.ts) does the same through the real FEP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDICATION_QUANTITIES, curvePoint, profileOf, registerValues } from '../../../simulators/concentrator/index.js';
import { writeArchive } from '../../../simulators/fleet/archive-writer.js';
import { energyWhAt } from '../../../simulators/model.js';
import type { Db } from '../../../src/archive/db.js';
import { openDatabase } from '../../../src/archive/db.js';
import { importArchive } from '../../../src/archive/import.js';
import { InProcessBus } from '../../../src/bus.js';
import { ManualClock } from '../../../src/clock.js';
import { DEFAULT_SCHEDULER, type SchedulerConfig } from '../../../src/scheduler/config.js';
import { CollectionService } from '../../../src/scheduler/service.js';
import { ArchiveTargets, isKeyUser, type MeterTarget } from '../../../src/scheduler/targets.js';
import { LocalCalendar, curvePointsOfDay } from '../../../src/scheduler/time.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { Reading } from '../../../src/store/store.js';
import { SimFepFixture } from '../../helpers/sim-fep.js';

const cal = new LocalCalendar(480);
const MIN = 60_000;
const MAY3 = { year: 2024, month: 5, day: 3 };
const T0 = cal.dayStart(MAY3);
const KEYS = [1, 2, 3, 4].map((a2) => `1101-${String(a2).padStart(5, '0')}`);
const config: SchedulerConfig = { ...DEFAULT_SCHEDULER, tasks: { ...DEFAULT_SCHEDULER.tasks, snapshot: { ...DEFAULT_SCHEDULER.tasks.snapshot, enabled: false } } };

let dir: string;
let db: Db;
let archive: ArchiveTargets;
let clock: ManualClock;
let fep: SimFepFixture;
let store: MemoryStore;
let svc: CollectionService;

async function readAll(kind: Reading['kind'], from: number, to: number): Promise<Reading[]> {
  const out: Reading[] = [];
  for await (const r of store.readings({ kind, from, to })) out.push(r);
  return out;
}

/** Archive meters by id, with their terminal key. */
function meters(): Map<number, MeterTarget & { terminal: string }> {
  const m = new Map<number, MeterTarget & { terminal: string }>();
  for (const t of archive.terminals()) for (const x of archive.meters(t.id)) m.set(x.id, { ...x, terminal: t.key });
  return m;
}

async function step(ms: number): Promise<void> {
  clock.advance(ms);
  await svc.idle();
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hes-sched-'));
  writeArchive(dir, { a1: '1101', terminals: 4, metersPerTerminal: 20, seed: 1 });
  db = openDatabase(':memory:');
  importArchive(db, dir);
  archive = new ArchiveTargets(db);
  clock = new ManualClock(T0);
  const bus = new InProcessBus();
  fep = new SimFepFixture(clock, bus);
  store = new MemoryStore();
  svc = new CollectionService({ config, fep, bus, clock, store, archive, db });
  svc.start();
  for (const [i, key] of KEYS.entries()) fep.add('1101', i + 1, { meterCount: 20, ...(key === KEYS[2] ? { clockOffsetMs: 60_000 } : {}) }, key !== KEYS[3]);
  fep.failNext(KEYS[1]!, 1);
});

afterAll(async () => {
  await svc.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('collection service on a simulated day', () => {
  it('00:05 daily round: online terminals collected, a timeout leaves gaps, an offline terminal waits', async () => {
    await step(5 * MIN);
    const run = svc.runs().find((r) => r.task === 'daily' && r.mode === 'scheduled')!;
    expect(run).toMatchObject({ state: 'done', dates: ['2024-05-03'], terminals: { total: 4, done: 4, complete: 2, gaps: 1, offline: 1 } });
    expect(run.requests).toMatchObject({ failed: 1 });
    expect(run.points).toMatchObject({ expected: 4 * 20 * 4, missingAfter: 2 * 20 * 4 });
    const rs = await readAll('day', T0, T0 + 1);
    expect(rs).toHaveLength(2 * 20 * 4);
    const ms = meters();
    for (const r of rs) {
      const m = ms.get(r.meter)!;
      const k = ['ea_imp', 'er_imp', 'ea_exp', 'er_exp'].indexOf(r.quantity);
      expect(r.quality).toBe('collected');
      expect(r.values).toEqual(registerValues(energyWhAt(profileOf({ seed: 1, terminal: m.terminal }, m.pn), T0), INDICATION_QUANTITIES[k]!));
    }
  });

  it('the offline terminal is served as soon as it logs in (first collection: quality collected)', async () => {
    clock.advance(2 * MIN);
    fep.setOnline(KEYS[3]!, true);
    await svc.idle();
    const login = svc.runs().find((r) => r.task === 'daily' && r.mode === 'login')!;
    expect(login.terminals).toMatchObject({ total: 1, complete: 1 });
    const t4 = archive.terminal(KEYS[3]!)!;
    const ids = new Set(archive.meters(t4.id).map((m) => m.id));
    const rs = (await readAll('day', T0, T0 + 1)).filter((r) => ids.has(r.meter));
    expect(rs).toHaveLength(80);
    expect(rs.every((r) => r.quality === 'collected')).toBe(true);
  });

  it('00:10 meter-reading day: accounts whose 抄表日 is the 3rd, from the daily freeze (terminal reading day is the 1st)', async () => {
    await step(3 * MIN);
    const due = [...meters().values()].filter((m) => m.readingDay === 3);
    expect(due.length).toBeGreaterThan(0);
    const rs = await readAll('billingDay', T0, T0 + 1);
    expect(new Set(rs.map((r) => r.meter))).toEqual(new Set(due.map((m) => m.id)));
    const ms = meters();
    for (const r of rs.filter((x) => x.quantity === 'ea_imp')) {
      const m = ms.get(r.meter)!;
      expect(r.values).toEqual(registerValues(energyWhAt(profileOf({ seed: 1, terminal: m.terminal }, m.pn), T0), 'forwardActive'));
    }
  });

  it('00:15 补采 round heals the timed-out terminal (quality recollected); nothing stored is asked again', async () => {
    const before = fep.log.length;
    await step(5 * MIN);
    const rec = svc.runs().find((r) => r.task === 'daily' && r.mode === 'recollect')!;
    expect(rec).toMatchObject({ state: 'done', terminals: { total: 1, complete: 1 }, points: { missingAfter: 0 } });
    const asked = fep.log.slice(before);
    expect(asked.every((l) => l.startsWith(KEYS[1]!))).toBe(true);
    const t2 = archive.terminal(KEYS[1]!)!;
    const ids = new Set(archive.meters(t2.id).map((m) => m.id));
    const rs = (await readAll('day', T0, T0 + 1)).filter((r) => ids.has(r.meter));
    expect(rs).toHaveLength(80);
    expect(rs.every((r) => r.quality === 'recollected')).toBe(true);
  });

  it('completeness at 00:15: 100 % per terminal, taiqu and region; online rates from the recorded intervals', async () => {
    const r = await svc.status({ date: MAY3, task: 'daily', by: 'terminal' });
    expect(r.system).toMatchObject({ terminals: 4, meters: 80, complete: 80, successRate: 1, points: { expected: 320, missing: 0 } });
    expect(r.rows.map((x) => [x.group, x.successRate])).toEqual(KEYS.map((k) => [k, 1]));
    // online since 00:00, and since the login at 00:07 (8 of 15 minutes)
    [1, 1, 1, 8 / 15].forEach((rate, i) => expect(r.rows[i]!.onlineRate).toBeCloseTo(rate, 5));
    expect(r.system.onlineRate).toBeCloseTo((3 + 8 / 15) / 4, 6);
    const byRegion = await svc.status({ date: MAY3, task: 'daily', by: 'region' });
    expect(byRegion.rows).toHaveLength(1);
    expect(byRegion.rows[0]).toMatchObject({ group: '1101', successRate: 1 });
    const byTaiqu = await svc.status({ date: MAY3, task: 'daily', by: 'taiqu' });
    expect(byTaiqu.rows.map((x) => x.group)).toEqual(KEYS.map((k) => `TQ${k}`));
  });

  it('a manual re-run asks nothing that is stored', async () => {
    const before = fep.log.length;
    const info = svc.run({ task: 'daily', terminals: [KEYS[0]!] });
    await svc.idle();
    expect(svc.runInfo(info.id)).toMatchObject({ state: 'done', mode: 'manual', requests: { sent: 0 }, terminals: { complete: 1 } });
    expect(fep.log.length).toBe(before);
  });

  it('01:00 event polling reads new records from the EC pointers (ERC14 of a power cut)', async () => {
    const dev = fep.device(KEYS[0]!);
    // a one-minute cut between two curve points (00:16–00:17)
    dev.faults.set({ powerOff: true }, clock.now() + MIN);
    dev.faults.set({ powerOff: false }, clock.now() + 2 * MIN);
    await step(45 * MIN);
    const t1 = archive.terminal(KEYS[0]!)!;
    const evs = [];
    for await (const e of store.events({ terminals: [t1.id], from: 0, to: clock.now() + 3_600_000 })) evs.push(e);
    expect(evs.map((e) => e.erc)).toContain(14);
    expect(svc.pointers.of(t1.id)).toMatchObject({ important: dev.events.counters().important });
    // polled again: nothing new is read
    const n = evs.length;
    svc.run({ task: 'events', terminals: [KEYS[0]!] });
    await svc.idle();
    const again = [];
    for await (const e of store.events({ terminals: [t1.id], from: 0, to: clock.now() + 3_600_000 })) again.push(e);
    expect(again).toHaveLength(n);
  });

  it('02:00 clock patrol sets the clock that is 60 s off, with an audit record', async () => {
    await step(60 * MIN);
    const run = svc.runs().find((r) => r.task === 'clock')!;
    expect(run.clock).toEqual({ set: 1, setFailed: 0, drift: 0 });
    const audit = svc.audit.of(archive.terminal(KEYS[2]!)!.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.action).toBe('set');
    expect(Math.abs(audit[0]!.offsetMs - 60_000)).toBeLessThanOrEqual(1000);
    expect(Math.abs(audit[0]!.offsetAfterMs!)).toBeLessThanOrEqual(1000);
  });

  it("next day 00:30: yesterday's 15-min curves of the key users", async () => {
    clock.set(cal.at(2024, 5, 4, 0, 31));
    await svc.idle();
    const key = [...meters().values()].filter((m) => isKeyUser(m, config.keyUsers));
    expect(key.length).toBeGreaterThan(0);
    const rs = await readAll('curve', T0, T0 + 86_400_000);
    const pts = curvePointsOfDay(cal, MAY3, 15);
    expect(rs).toHaveLength(key.length * 4 * 96);
    const ms = meters();
    for (const r of rs.filter((x) => x.quantity === 'p')) {
      const m = ms.get(r.meter)!;
      expect(pts).toContain(r.time);
      expect(r.values).toEqual([81, 82, 83, 84].map((fn) => curvePoint(fn, profileOf({ seed: 1, terminal: m.terminal }, m.pn), r.time, 15 * MIN)));
    }
    const st = await svc.status({ date: MAY3, task: 'curve', by: 'system' });
    expect(st.system).toMatchObject({ meters: key.length, complete: key.length, successRate: 1 });
  });
});
