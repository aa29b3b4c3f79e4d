/**
 * Issue 7, durability: kill -9 of the head-end in the middle of a collection round, end to end.
 *
 * The head-end runs in a child process (test/helpers/head-end-child.ts: `hes serve`'s wiring — config
 * file, archive, embedded store behind the write-ahead spool, FEP on a fixed TCP port, scheduler, admin
 * API — on a clock shifted to 08:00 CST of 3 May 2024, so the daily round of that day is due at start).
 * 20 simulated concentrators × 50 meters dial in; each answer leaves 400 ms late so the round lasts a few
 * seconds. Once a quarter of the 4 000 daily readings (F161–F164) have been acknowledged by the store, the
 * head-end is SIGKILLed; the terminals lose their link and redial; a new head-end process starts on the
 * same data directory and port, catches the day up, and is SIGKILLed in its turn after 500 more; a third
 * one collects the rest. Checked:
 * - every reading acknowledged before a kill is stored afterwards, and was not asked for again (no later
 *   head-end acknowledged any of them: they survived, they were not re-collected);
 * - the round then completes: `hes collect status` 100 %, 4 000 readings, each (meter, quantity, day)
 *   once, every value equal to the model (simulators/model.ts), data time 00:00, quality `collected`
 *   (`recollected` only where a 补采 round brought it), nothing of another day.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/influxd.mjs';
import type { CompletenessReport } from '../../src/scheduler/api.js';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js';
import type { Reading } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';
import { until } from '../helpers/control-env.js';
import {
  ShiftedTerminals,
  ackCount,
  archiveMeters,
  cal,
  dailyStatus,
  errorLines,
  expectDayAsModel,
  importFleetArchive,
  readAckLog,
  startHeadEnd,
  writeHeadEndConfig,
  type HeadEndProcess,
  type TerminalId,
} from '../helpers/durability.js';
import { shiftTo } from '../helpers/shifted-clock.js';

const TERMINALS = 20;
const METERS = 50;
const TOTAL = TERMINALS * METERS * 4;
const DATE = '2024-05-03';
const DAY = cal.dayStart({ year: 2024, month: 5, day: 3 });
const SHIFT = shiftTo(cal.at(2024, 5, 3, 8, 0, 0));

const root = mkdtempSync(path.join(tmpdir(), 'hes-durability-kill-'));
const dataDir = path.join(root, 'data');
const ackLast = path.join(root, 'ack-last.log');
let ids: TerminalId[] = [];
let configFile = '';
let terms: ShiftedTerminals;
const running: HeadEndProcess[] = [];

async function headEnd(ackLog: string): Promise<HeadEndProcess> {
  const he = await startHeadEnd({ configFile, shiftMs: SHIFT, ackLog });
  running.push(he);
  return he;
}

beforeAll(async () => {
  ids = importFleetArchive(root, dataDir, TERMINALS, METERS);
  const port = await freePort();
  configFile = writeHeadEndConfig(path.join(root, 'hes.json'), { dataDir, terminalPort: port });
  terms = new ShiftedTerminals({ port, shiftMs: SHIFT, meters: METERS, slowMs: 400 });
}, 60_000);

afterAll(async () => {
  for (const he of running) await he.kill('SIGKILL');
  await terms?.stop();
  rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('kill -9 of the head-end mid-round (embedded store behind the spool)', () => {
  it('twice: nothing acknowledged before a kill is lost or asked again; the last head-end completes the day equal to the model', async () => {
    const acked = new Map<string, string[]>();
    // Two kills: in the first round (terminals logging in), then in the restarted head-end's catch-up.
    for (const [i, killAt] of [TOTAL / 4, TOTAL / 8].entries()) {
      const log = path.join(root, `ack-${i + 1}.log`);
      const he = await headEnd(log);
      if (i === 0) for (const id of ids) terms.dialIn(id);
      await until(`${killAt} readings acknowledged by head-end ${i + 1}`, () => (ackCount(log) >= killAt ? true : undefined), 90_000);
      const killed = await he.kill('SIGKILL');
      expect(killed.signal).toBe('SIGKILL');
      const now = readAckLog(log);
      expect(now.size).toBeGreaterThanOrEqual(killAt);
      // What earlier head-ends had acknowledged came back from the spool/store, not from the terminals again.
      expect([...now.keys()].filter((k) => acked.has(k))).toEqual([]);
      for (const [k, qs] of now) acked.set(k, qs);
      // killed in the middle of the work, not after it
      expect(acked.size).toBeLessThan(TOTAL);
      expect(errorLines(he.logs())).toEqual([]);
    }
    for (const qs of acked.values()) expect(qs).toEqual(['collected']);

    // Same data directory, same port: the terminals redial and the day is caught up.
    const last = await headEnd(ackLast);
    const done = await until(
      'daily completeness 100 % after the restarts',
      async () => {
        const s = await dailyStatus(last.admin, DATE);
        return s.system.complete === TERMINALS * METERS ? s : undefined;
      },
      120_000,
    );
    expect(done.system.points).toEqual({ expected: TOTAL, missing: 0 });
    const status = await runCli('hes', ['collect', 'status', '--date', DATE, '--by', 'terminal', '--json', '--url', last.admin], 60_000);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as CompletenessReport;
    expect(report.system).toMatchObject({ terminals: TERMINALS, meters: TERMINALS * METERS, complete: TERMINALS * METERS, successRate: 1 });
    for (const row of report.rows) expect(row.successRate).toBe(1);
    const again = readAckLog(ackLast);
    expect([...acked.keys()].filter((k) => again.has(k))).toEqual([]);
    expect(errorLines(last.logs())).toEqual([]);
    expect(await last.stop()).toBe(0);

    const store = EmbeddedStore.open(dataDir);
    try {
      const all: Reading[] = [];
      for await (const r of store.readings({ kind: 'day', from: 0, to: Date.UTC(2030, 0, 1) })) all.push(r);
      expectDayAsModel(all, { meters: archiveMeters(dataDir), day: DAY, acked });
    } finally {
      await store.close();
    }
  }, 240_000);
});
