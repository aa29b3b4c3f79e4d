/**
 * `hes archive sync` through a real `hes serve` process: the archive (fleet archive, edited so that P2's
 * baud differs, and the meter of P8 moved to P9) against a simulated concentrator that dials in with its
 * default F10 configuration (P1..P8). Without --push the differences are reported (text and JSON);
 * --push writes AFN04 F10 (deleting P8's configuration) and reads back equal; a second sync finds none.
 * Unknown, offline and badly written terminals give the CLI's exit codes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedTerminal } from '../../simulators/concentrator/index.js';
import { dialInFactory, parseEndpoint } from '../../simulators/concentrator/channels.js';
import { TerminalSession } from '../../simulators/concentrator/session.js';
import { realScheduler, type Scheduler } from '../../simulators/concentrator/scheduler.js';
import { writeArchive } from '../../simulators/fleet/archive-writer.js';
import type { ArchiveSyncResult } from '../../src/service/api.js';
import { runCli, startCli, NO_SCHEDULER } from '../helpers/cli.js';

const KEY = '1101-00001';
const ID = { a1: '1101', a2: 1 };
const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);
const fixedTime: Scheduler = { now: () => T0, setTimer: (d, fn) => realScheduler.setTimer(d, fn), clearTimer: (h) => realScheduler.clearTimer(h) };

const root = mkdtempSync(path.join(tmpdir(), 'hes-sync-'));
const dataDir = path.join(root, 'data');
const csvDir = path.join(root, 'archive');
let server: Awaited<ReturnType<typeof startCli>>;
let url = '';
let session: TerminalSession | undefined;
const device = new SimulatedTerminal(ID, { meterCount: 8, maxUserLength: 800 });

const hes = (...args: string[]) => runCli('hes', [...args, '--url', url], 30_000);

async function until(what: string, ok: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** meters.csv with P2 at 9600 bps and the meter of P8 moved to P9 (the terminal keeps its defaults). */
function editArchive(): void {
  const file = path.join(csvDir, 'meters.csv');
  const lines = readFileSync(file, 'utf8').split('\n');
  const edit = (address: string, col: number, value: string): void => {
    const i = lines.findIndex((l) => l.startsWith(`${address},`));
    const f = lines[i]!.split(',');
    f[col] = value;
    lines[i] = f.join(',');
  };
  edit('101000010002', 5, '9600');
  edit('101000010008', 2, '9');
  writeFileSync(file, lines.join('\n'));
}

beforeAll(async () => {
  writeArchive(csvDir, { a1: '1101', terminals: 2, metersPerTerminal: 8, seed: 1 });
  editArchive();
  const imp = await runCli('hes', ['archive', 'import', csvDir, '--data', dataDir], 30_000);
  expect(imp.stderr).not.toMatch(/rejected/);
  expect(imp.code).toBe(0);
  server = await startCli('hes', ['serve', '--data', dataDir, '--terminal-port', '0', '--admin-port', '0', '--api-port', '0'], /ready terminals tcp:\/\/127\.0\.0\.1:(\d+) admin (http:\/\/127\.0\.0\.1:\d+)/, 30_000, NO_SCHEDULER);
  url = server.match[2]!;
  session = new TerminalSession({
    device,
    scheduler: fixedTime,
    connect: dialInFactory(parseEndpoint(`tcp://127.0.0.1:${server.match[1]}`), ID),
    loginTimeoutMs: 1000,
    backoff: { baseMs: 200, maxMs: 1000 },
  });
  session.start();
  await until('the terminal online', async () => ((await (await fetch(`${url}/v1/terminals/${KEY}`)).json()) as { state: string }).state === 'online');
}, 60_000);

afterAll(async () => {
  await session?.stop();
  if (server && server.child.exitCode === null) await server.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('hes archive sync through hes serve', () => {
  it('reports per Pn what differs between the archive and the terminal (text)', async () => {
    const r = await hes('archive', 'sync', KEY);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      '1101-00001: meter configuration (AFN0A F10, numbers 1..9) — 8 meters in the archive, 8 configured in the terminal',
      '3 differences (1 missing, 1 extra, 1 mismatch):',
      '  P2 mismatch: baud archive 9600, terminal 2400',
      '  P8 extra in the terminal (meter 101000010008, not in the archive)',
      '  P9 missing in the terminal (archive: meter 101000010008)',
      "write the archive's configuration to the terminal with: hes archive sync 1101-00001 --push",
      '',
    ]);
  }, 30_000);

  it('--json gives the same differences with both sides of each record', async () => {
    const r = await hes('archive', 'sync', KEY, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as ArchiveSyncResult;
    expect(out).toMatchObject({ terminal: KEY, archiveMeters: 8, queried: 9, read: 8, inSync: false });
    expect(out.push).toBeUndefined();
    expect(out.differences.map((d) => [d.pn, d.kind])).toEqual([
      [2, 'mismatch'],
      [8, 'extra'],
      [9, 'missing'],
    ]);
    expect(out.differences[0]).toMatchObject({
      fields: [{ field: 'baud', archive: 9600, terminal: 2400 }],
      archive: { seq: 2, pn: 2, address: '101000010002', port: 2, baud: 9600, protocol: 'dlt645-2007' },
      terminal: { seq: 2, pn: 2, address: '101000010002', port: 2, baud: 2400, protocol: 'dlt645-2007' },
    });
    expect(out.differences[2]).toMatchObject({ archive: { seq: 9, pn: 9, address: '101000010008' } });
    expect(out.differences[2]!.terminal).toBeUndefined();
  }, 30_000);

  it('--push writes the archive (AFN04 F10), deletes P8, reads back equal; a second sync finds nothing', async () => {
    const r = await hes('archive', 'sync', KEY, '--push');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 differences (1 missing, 1 extra, 1 mismatch):');
    expect(r.stdout).toMatch(/^pushed \(AFN04 F10, 1 request\): 8 meters written, 1 configuration deleted \(numbers 8, not in the archive\)$/m);
    expect(r.stdout).toMatch(/^read back: 8 configured, the terminal matches the archive$/m);
    // The terminal itself holds the archive's configuration now.
    expect(device.params.meterConfig(2)).toMatchObject({ pn: 2, portBaud: { port: 2, baud: 6 } });
    expect(device.params.meterConfig(8)).toBeUndefined();
    expect(device.params.meterConfig(9)).toMatchObject({ pn: 9, address: '101000010008' });

    const again = await hes('archive', 'sync', KEY, '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ terminal: KEY, read: 8, differences: [], inSync: true });
    const text = await hes('archive', 'sync', KEY);
    expect(text.stdout).toMatch(/^no differences: the terminal matches the archive$/m);
  }, 60_000);

  it('unknown terminal → exit 1 (not in the archive); offline → exit 1; a bad key → exit 2', async () => {
    const unknown = await hes('archive', 'sync', '1101-00077');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/terminal 1101-00077 is not in the archive \[not-found\]/);
    const offline = await hes('archive', 'sync', '1101-00002', '--push');
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(/terminal 1101-00002 is not online \[conflict\]/);
    const bad = await hes('archive', 'sync', '1101');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected a terminal key A1-A2/);
  }, 60_000);

  it('the admin API validates the body of POST /v1/terminals/:key/archive-sync', async () => {
    const post = async (body: string) => {
      const res = await fetch(`${url}/v1/terminals/${KEY}/archive-sync`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      return { status: res.status, body: (await res.json()) as { code: string; details: { field?: string } } };
    };
    expect(await post('{"push":"yes"}')).toMatchObject({ status: 400, body: { code: 'invalid-input', details: { field: 'push' } } });
    expect(await post('{"dry":true}')).toMatchObject({ status: 400, body: { code: 'invalid-input', details: { field: 'dry' } } });
    expect((await post('{}')).status).toBe(200);
  }, 30_000);
});
