/**
 * Collection end to end (issue 7's full simulated day): `HeadEnd.open` (archive + FEP over TCP + scheduler +
 * embedded store on disk + admin API) and 100 simulated concentrators × 200 meters in two regions dialling in, on real time shifted
 * to 00:29:55 China time of 3 May 2024 (timers and timeouts keep their real length):
 * - the head-end starts after the 00:05 daily round was due: its catch-up round finds every terminal
 *   offline, and each is served the moment it logs in; the 00:30 round collects yesterday's curves;
 * - faults: terminal 5 comes online late; terminal 7 answers nothing at first, then loses a quarter of
 *   the requests (补采 heals it: quality `recollected`); terminal 3 loses its power after login and
 *   gets it back later (补采 heals it); terminal 1102-1 has a meter that never answers;
 * - 补采 converges to 100 % of what the terminals have; every stored value equals simulators/model.ts;
 * - the completeness figures (per terminal, region) are exact, through `hes collect status`, and
 *   `hes collect run` shows progress on stderr and its result on stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curvePoint, profileOf } from '../../simulators/concentrator/index.js';
import { writeArchive } from '../../simulators/fleet/archive-writer.js';
import { Archive } from '../../src/archive/archive.js';
import { importArchive } from '../../src/archive/import.js';
import { DEFAULT_CONFIG, type HesConfig } from '../../src/config/schema.js';
import { DEFAULT_SCHEDULER } from '../../src/scheduler/config.js';
import type { CompletenessReport } from '../../src/scheduler/api.js';
import { ArchiveTargets, isKeyUser, type MeterTarget } from '../../src/scheduler/targets.js';
import { LocalCalendar } from '../../src/scheduler/time.js';
import { HeadEnd } from '../../src/service/head-end.js';
import type { Reading } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';
import { ShiftedTerminals, expectedDaily } from '../helpers/durability.js';
import { shiftTo, shiftedClock } from '../helpers/shifted-clock.js';

const cal = new LocalCalendar(480);
const MAY3 = { year: 2024, month: 5, day: 3 };
const MAY2 = { year: 2024, month: 5, day: 2 };
const DAY3 = cal.dayStart(MAY3);
const DAY2 = cal.dayStart(MAY2);
/** Real time → 00:29:55 China time of 3 May 2024, taken once the archive is imported (that takes seconds). */
let SHIFT = 0;
const METERS = 200;
/** Region 1101: A2 1..80, region 1102: A2 1..20. */
const PER_REGION = [['1101', 80], ['1102', 20]] as const;
const TERMINALS = PER_REGION.flatMap(([a1, n]) => Array.from({ length: n }, (_, i) => ({ a1, a2: i + 1 })));
const N = TERMINALS.length;
const keyOf = (t: { a1: string; a2: number }): string => `${t.a1}-${String(t.a2).padStart(5, '0')}`;
const LATE = '1101-00005';
const LOSSY = '1101-00007';
const POWER_CUT = '1101-00003';
const BROKEN = '1102-00001';
const BROKEN_PN = 10;

const root = mkdtempSync(path.join(tmpdir(), 'hes-collect-'));
const dataDir = path.join(root, 'data');
let he: HeadEnd;
let port = 0;
let url = '';
let targets: ArchiveTargets;
let archive: Archive;
let terms: ShiftedTerminals;

/** A simulated concentrator dialling in on the shifted clock, with this test's faults (set before it connects). */
function dialIn(id: { a1: string; a2: number }): void {
  const key = keyOf(id);
  terms.dialIn(id);
  const device = terms.devices.get(key)!;
  if (key === LOSSY) device.faults.set({ dropPercent: 100 }, Date.now() + SHIFT);
  if (key === POWER_CUT) device.faults.set({ powerOff: true }, Date.now() + SHIFT);
  if (key === BROKEN) device.faults.set({ meterMissing: new Set([BROKEN_PN]) }, Date.now() + SHIFT);
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 150_000, state?: () => string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${state ? `: ${state()}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Archive meters with their terminal key. */
function allMeters(): (MeterTarget & { terminal: string })[] {
  return targets.terminals().flatMap((t) => targets.meters(t.id).map((m) => ({ ...m, terminal: t.key })));
}

async function readAll(kind: Reading['kind'], from: number, to: number): Promise<Reading[]> {
  const out: Reading[] = [];
  for await (const r of he.store!.readings({ kind, from, to })) out.push(r);
  return out;
}

const hes = (...args: string[]) => runCli('hes', [...args, '--url', url], 60_000);

beforeAll(async () => {
  for (const [a1, n] of PER_REGION) {
    const csv = path.join(root, `archive-${a1}`);
    writeArchive(csv, { a1, terminals: n, metersPerTerminal: METERS, seed: 1 });
    archive ??= Archive.open(dataDir);
    importArchive(archive.db, csv);
  }
  targets = new ArchiveTargets(archive.db);
  const config: HesConfig = {
    ...DEFAULT_CONFIG,
    data: { dir: dataDir },
    // The simulated fleet shares this process's one core with the head-end: a curve answer can take
    // seconds to come, so the timeout is generous and fewer terminals are worked on at once than in a
    // deployment (where each terminal answers on its own). Frame loss is still healed by 补采, not retries.
    fep: { ...DEFAULT_CONFIG.fep, port: 0, timeoutMs: 4000, retries: 0 },
    admin: { port: 0 },
    scheduler: {
      ...DEFAULT_SCHEDULER,
      batch: { ...DEFAULT_SCHEDULER.batch, maxPointsPerRequest: 32 },
      concurrency: { ...DEFAULT_SCHEDULER.concurrency, terminals: 20 },
      recollect: { enabled: true, firstDelayS: 2, factor: 1, maxDelayS: 2, closeHours: 24 },
    },
  };
  SHIFT = shiftTo(cal.at(2024, 5, 3, 0, 29, 55));
  he = await HeadEnd.open(config, { clock: shiftedClock(SHIFT) });
  const a = await he.start();
  port = a.terminal.port;
  url = a.admin!;
  terms = new ShiftedTerminals({ port, shiftMs: SHIFT, meters: METERS });
  for (const id of TERMINALS) if (keyOf(id) !== LATE) dialIn(id);
}, 120_000);

afterAll(async () => {
  await terms?.stop();
  await he?.stop();
  archive?.close();
  rmSync(root, { recursive: true, force: true });
});

// 20 000 meters: each step waits for rounds of the whole fleet (bounded by `until`), not for one request.
describe('a day collected through the real FEP, healed by 补采', { timeout: 300_000 }, () => {
  it("catch-up at start, terminals served at login, 00:30 round for yesterday's curves; the silent terminal fails", async () => {
    const catchUp = he.collection!.runs().find((r) => r.task === 'daily' && r.mode === 'scheduled')!;
    expect(catchUp.dates).toEqual(['2024-05-03']);
    const run = await until('the 00:30 curve round', () => he.collection!.runs().find((r) => r.task === 'curve' && r.mode === 'scheduled' && r.state === 'done'));
    expect(run.dates).toEqual(['2024-05-02']);
    expect(run.terminals.total).toBe(N);
    expect(run.terminals.offline).toBe(1); // the late terminal
    // the silent terminal was asked its daily data and answered nothing (healed below)
    await until('the silent terminal asked', () => he.collection!.runs().find((r) => r.task === 'daily' && r.state === 'done' && r.problems.some((p) => p.startsWith(LOSSY))));
    terms.devices.get(LOSSY)!.faults.set({ dropPercent: 25 }, Date.now() + SHIFT);
    await until('the powerless terminal asked', () => he.collection!.runs().find((r) => r.task === 'daily' && r.state === 'done' && r.problems.some((p) => p.startsWith(POWER_CUT))));
    terms.devices.get(POWER_CUT)!.faults.set({ powerOff: false }, Date.now() + SHIFT);
    dialIn(TERMINALS.find((t) => keyOf(t) === LATE)!);
  });

  it('补采 reaches every point the terminals have: daily 100 % except the dead meter', async () => {
    const expected = N * METERS - 1;
    let last: CompletenessReport | undefined;
    const r = await until(
      'daily completeness',
      async () => {
        const s = (last = await he.collection!.status({ date: MAY3, task: 'daily', by: 'terminal' }));
        return s.system.complete === expected ? s : undefined;
      },
      150_000,
      () => JSON.stringify(last?.rows.filter((x) => x.successRate !== 1).map((x) => [x.group, x.complete, x.points.missing])),
    );
    expect(r.system).toMatchObject({ terminals: N, meters: N * METERS, complete: expected, points: { expected: N * METERS * 4, missing: 4 } });
    for (const row of r.rows) expect(row.successRate).toBe(row.group === BROKEN ? (METERS - 1) / METERS : 1);
  });

  it('every stored daily value equals the model; quality says how it was obtained', async () => {
    const byId = new Map(allMeters().map((m) => [m.id, m]));
    const rs = await readAll('day', DAY3, DAY3 + 1);
    expect(rs).toHaveLength((N * METERS - 1) * 4);
    for (const r of rs) {
      const m = byId.get(r.meter)!;
      expect(r.values).toEqual(expectedDaily(m, r.quantity, DAY3));
      expect(r.readAt).toBe(DAY3);
      // the silent and the powerless terminal were asked before: all they have came by 补采; the late
      // one was asked at its login
      expect(r.quality).toBe(m.terminal === LOSSY || m.terminal === POWER_CUT ? 'recollected' : 'collected');
    }
  });

  it('curves of the key users: all 96 points, equal to the model', async () => {
    const key = allMeters().filter((m) => isKeyUser(m, DEFAULT_SCHEDULER.keyUsers) && !(m.terminal === BROKEN && m.pn === BROKEN_PN));
    expect(key.length).toBeGreaterThan(0);
    let last: CompletenessReport | undefined;
    await until(
      'curve completeness',
      async () => {
        const s = (last = await he.collection!.status({ date: MAY2, task: 'curve', by: 'terminal' }));
        return s.system.complete === key.length ? s : undefined;
      },
      150_000,
      () => `${key.length} key meters; ${JSON.stringify(last?.rows.filter((x) => x.successRate !== 1).map((x) => [x.group, x.meters, x.complete, x.points.missing]))}; runs ${JSON.stringify(he.collection!.runs().filter((r) => r.task === 'curve').map((r) => [r.mode, r.state, r.terminals, r.points]))}`,
    );
    const ids = new Map(key.map((m) => [m.id, m]));
    const rs = (await readAll('curve', DAY2, DAY2 + 86_400_000)).filter((r) => ids.has(r.meter));
    expect(rs).toHaveLength(key.length * 4 * 96);
    for (const r of rs.filter((x) => x.quantity === 'p' || x.quantity === 'ea_imp')) {
      const m = ids.get(r.meter)!;
      const p = profileOf({ seed: 1, terminal: m.terminal }, m.pn);
      const fns = r.quantity === 'p' ? [81, 82, 83, 84] : [101];
      expect(r.values).toEqual(fns.map((fn) => curvePoint(fn, p, r.time, 15 * 60_000)));
    }
  });

  it('meter-reading day: the accounts settled on the 3rd', async () => {
    const due = allMeters().filter((m) => m.readingDay === 3 && !(m.terminal === BROKEN && m.pn === BROKEN_PN));
    await until('billing-day completeness', async () => {
      const s = await he.collection!.status({ date: MAY3, task: 'billingDay', by: 'system' });
      return s.system.complete === due.length ? s : undefined;
    });
    const rs = await readAll('billingDay', DAY3, DAY3 + 1);
    expect(new Set(rs.map((r) => r.meter))).toEqual(new Set(due.map((m) => m.id)));
  });

  it('hes collect status: per terminal (JSON) and per region (table)', async () => {
    const j = await hes('collect', 'status', '--date', '2024-05-03', '--by', 'terminal', '--json');
    expect(j.stderr).toBe('');
    expect(j.code).toBe(0);
    const r = JSON.parse(j.stdout) as CompletenessReport;
    expect(r.rows.map((x) => x.group)).toEqual(TERMINALS.map(keyOf).sort());
    expect(r.rows.find((x) => x.group === BROKEN)).toMatchObject({ meters: METERS, complete: METERS - 1, successRate: (METERS - 1) / METERS });
    expect(r.system.onlineRate).toBeGreaterThan(0);
    const t = await hes('collect', 'status', '--date', '2024-05-03', '--by', 'region');
    expect(t.code).toBe(0);
    const lines = t.stdout.trim().split('\n');
    expect(lines[0]).toBe('daily 2024-05-03');
    expect(lines.find((l) => l.startsWith('1101 '))).toMatch(/^1101\s+80\s+16000\s+16000\s+100\.00%/);
    expect(lines.find((l) => l.startsWith('1102 '))).toMatch(/^1102\s+20\s+4000\s+3999\s+99\.97%/);
    // one meter of 20 000 missing is not shown as 100 %
    expect(lines.at(-1)).toMatch(/^system\s+100\s+20000\s+19999\s+99\.99%/);
  });

  it('hes collect run: manual 补采 of the dead meter — progress on stderr, result on stdout, exit 1 (gaps left)', async () => {
    const r = await hes('collect', 'run', 'daily', '--date', '2024-05-03', '--terminal', BROKEN, '--pn', `1-${BROKEN_PN}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/daily run \d+ \[#+-*\]\s+\d+% /);
    expect(r.stderr).toMatch(/1 terminal\(s\) with gaps/);
    expect(r.stdout).toMatch(/run \d+ daily 2024-05-03 \(manual\): done/);
    expect(r.stdout).toMatch(/points expected 40, missing before 4, after 4/);
    expect(r.stdout).toMatch(/requests 1 \(ok 1, failed 0\)/);
    const ok = await hes('collect', 'run', 'daily', '--date', '2024-05-03', '--terminal', '1101-00001', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ state: 'done', requests: { sent: 0 }, terminals: { complete: 1 } });
    const bad = await hes('collect', 'run', 'weekly');
    expect(bad.code).toBe(2);
  });
});
