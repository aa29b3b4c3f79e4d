/**
 * Energy used (电能量) collected by the daily and monthly tasks: F5 (daily) and F21 (monthly) with Td one
 * period back — the day/month the 00:00 freeze closes — stored at that freeze's instant next to the
 * indications (F161/F177), every value equal to the model's count, and nothing asked twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileOf } from '../../../simulators/concentrator/index.js';
import { writeArchive } from '../../../simulators/fleet/archive-writer.js';
import { quantityWhAt } from '../../../simulators/model.js';
import type { Db } from '../../../src/archive/db.js';
import { openDatabase } from '../../../src/archive/db.js';
import { importArchive } from '../../../src/archive/import.js';
import { InProcessBus } from '../../../src/bus.js';
import { ManualClock } from '../../../src/clock.js';
import { DEFAULT_SCHEDULER, type SchedulerConfig } from '../../../src/scheduler/config.js';
import { CollectionService } from '../../../src/scheduler/service.js';
import { ArchiveTargets } from '../../../src/scheduler/targets.js';
import { LocalCalendar } from '../../../src/scheduler/time.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { Reading } from '../../../src/store/store.js';
import { SimFepFixture } from '../../helpers/sim-fep.js';

const cal = new LocalCalendar(480);
const MIN = 60_000;
const JUNE1 = cal.dayStart({ year: 2024, month: 6, day: 1 });
const KEY = '1101-00001';
const off = { enabled: false } as const;
const config: SchedulerConfig = {
  ...DEFAULT_SCHEDULER,
  tasks: {
    ...DEFAULT_SCHEDULER.tasks,
    daily: { ...DEFAULT_SCHEDULER.tasks.daily, fns: [161, 5] },
    monthly: { ...DEFAULT_SCHEDULER.tasks.monthly, fns: [177, 21] },
    billingDay: { ...DEFAULT_SCHEDULER.tasks.billingDay, ...off },
    curve: { ...DEFAULT_SCHEDULER.tasks.curve, ...off },
    snapshot: { ...DEFAULT_SCHEDULER.tasks.snapshot, ...off },
    events: { ...DEFAULT_SCHEDULER.tasks.events, ...off },
    clock: { ...DEFAULT_SCHEDULER.tasks.clock, ...off },
  },
};

let dir: string;
let db: Db;
let clock: ManualClock;
let fep: SimFepFixture;
let store: MemoryStore;
let svc: CollectionService;
let pnOf: Map<number, number>;

async function readAll(kind: Reading['kind'], quantity: string): Promise<Reading[]> {
  const out: Reading[] = [];
  for await (const r of store.readings({ kind, from: JUNE1, to: JUNE1 + 1 })) if (r.quantity === quantity) out.push(r);
  return out;
}

/** Forward active Wh used between two instants by Pn `pn`: [total, tariffs 1..4] in 0.0001 kWh (A.13). */
function usedA13(pn: number, from: number, to: number): number[] {
  const p = profileOf({ seed: 1, terminal: KEY }, pn);
  const wh = quantityWhAt(p, to, 'forwardActive').map((x, i) => x - quantityWhAt(p, from, 'forwardActive')[i]!);
  return [wh.reduce((a, b) => a + b, 0), ...wh].map((x) => x * 10);
}

const a13 = (vs: readonly (number | null)[]): number[] => vs.map((v) => Math.round(v! * 10_000));

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hes-used-'));
  writeArchive(dir, { a1: '1101', terminals: 1, metersPerTerminal: 10, seed: 1 });
  db = openDatabase(':memory:');
  importArchive(db, dir);
  const archive = new ArchiveTargets(db);
  pnOf = new Map(archive.meters(archive.terminal(KEY)!.id).map((m) => [m.id, m.pn]));
  clock = new ManualClock(JUNE1);
  const bus = new InProcessBus();
  fep = new SimFepFixture(clock, bus);
  store = new MemoryStore();
  svc = new CollectionService({ config, fep, bus, clock, store, archive, db });
  svc.start();
  fep.add('1101', 1, { meterCount: 10 }, true);
});

afterAll(async () => {
  await svc.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('energy used (F5, F21) in the daily and monthly rounds', () => {
  it("1 June 00:05: the daily round stores F161 and F5 of 31 May at 1 June 00:00 — the model's count", async () => {
    clock.advance(5 * MIN);
    await svc.idle();
    const run = svc.runs().find((r) => r.task === 'daily' && r.mode === 'scheduled')!;
    expect(run).toMatchObject({ state: 'done', points: { expected: 10 * 2, missingAfter: 0 } });
    const used = await readAll('day', 'ea_imp_use');
    expect(used).toHaveLength(10);
    for (const r of used) expect(a13(r.values)).toEqual(usedA13(pnOf.get(r.meter)!, cal.dayStart({ year: 2024, month: 5, day: 31 }), JUNE1));
    expect(await readAll('day', 'ea_imp')).toHaveLength(10);
  });

  it('00:15: the monthly round stores F21 of May at 1 June 00:00', async () => {
    clock.advance(10 * MIN);
    await svc.idle();
    const used = await readAll('month', 'ea_imp_use');
    expect(used).toHaveLength(10);
    for (const r of used) expect(a13(r.values)).toEqual(usedA13(pnOf.get(r.meter)!, cal.monthStart({ year: 2024, month: 5 }), JUNE1));
  });

  it('a manual re-run asks nothing: the stored energy-used points are no gaps', async () => {
    const before = fep.log.length;
    svc.run({ task: 'daily', terminals: [KEY] });
    svc.run({ task: 'monthly', terminals: [KEY] });
    await svc.idle();
    expect(fep.log.length).toBe(before);
  });
});
