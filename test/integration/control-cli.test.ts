/**
 * The load-control CLI as an operator runs it: `hes serve` as a child process (archive imported, ports
 * 0) with a simulated concentrator dialling in (real time, Tp checked), and `hes control`, `hes scheme`,
 * `hes prepay`, `hes audit` through the admin API with `--operator` / HES_OPERATOR.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedTerminal } from '../../simulators/concentrator/index.js';
import { dialInFactory, parseEndpoint } from '../../simulators/concentrator/channels.js';
import { TerminalSession } from '../../simulators/concentrator/session.js';
import { realScheduler } from '../../simulators/concentrator/scheduler.js';
import { writeArchive } from '../../simulators/fleet/archive-writer.js';
import { runCli, startCli } from '../helpers/cli.js';

const KEY = '1101-00001';
const root = mkdtempSync(path.join(tmpdir(), 'hes-control-cli-'));
const dataDir = path.join(root, 'data');
const csvDir = path.join(root, 'archive');
let server: Awaited<ReturnType<typeof startCli>>;
let url = '';
let session: TerminalSession;
let device: SimulatedTerminal;

const hes = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli('hes', [...args, '--url', url], 30_000, { HES_OPERATOR: '', HES_ROLE: '', ...env });

beforeAll(async () => {
  writeArchive(csvDir, { a1: '1101', terminals: 1, metersPerTerminal: 4, seed: 1 });
  expect((await runCli('hes', ['archive', 'import', csvDir, '--data', dataDir], 30_000)).code).toBe(0);
  server = await startCli('hes', ['serve', '--data', dataDir, '--terminal-port', '0', '--admin-port', '0', '--api-port', '0'], /ready terminals tcp:\/\/127\.0\.0\.1:(\d+) admin (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
  url = server.match[2]!;
  const id = { a1: '1101', a2: 1 };
  device = new SimulatedTerminal(id, { meterCount: 4, checkTp: true });
  session = new TerminalSession({ device, scheduler: realScheduler, connect: dialInFactory(parseEndpoint(`tcp://127.0.0.1:${server.match[1]}`), id), loginTimeoutMs: 1000, backoff: { baseMs: 200, maxMs: 1000 }, reportPollMs: 100 });
  session.start();
  const end = Date.now() + 15_000;
  for (;;) {
    const r = (await (await fetch(`${url}/v1/terminals?state=online`)).json()) as { terminals: unknown[] };
    if (r.terminals.length) break;
    if (Date.now() > end) throw new Error('terminal not online');
    await new Promise((r) => setTimeout(r, 100));
  }
}, 90_000);

afterAll(async () => {
  await session?.stop();
  if (server && server.child.exitCode === null) await server.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('hes control', () => {
  let id = 0;
  let hash = '';

  it('trip without an operator is bad input (exit 2)', async () => {
    const r = await hes(['control', 'trip', '--terminal', KEY]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--operator/);
  }, 30_000);

  it('trip creates a request that waits for a second operator', async () => {
    const r = await hes(['control', 'trip', '--terminal', KEY, '--reason', 'cli test', '--json'], { HES_OPERATOR: 'alice' });
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout) as { id: number; state: string; hash: string };
    expect(v.state).toBe('pending');
    id = v.id;
    hash = v.hash;
    const text = await hes(['control', 'status', String(id)]);
    expect(text.stdout).toMatch(new RegExp(`R${id} trip pending, waiting for a second operator`));
  }, 30_000);

  it('the same operator cannot approve (exit 1, two-person rule); another one can, and status --watch follows it to verified', async () => {
    const self = await hes(['control', 'approve', String(id), '--operator', 'alice']);
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(/two-person rule/);
    const ok = await hes(['control', 'approve', String(id), '--hash', hash, '--operator', 'bob']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const w = await hes(['control', 'status', String(id), '--watch']);
    expect(w.code).toBe(0);
    expect(w.stdout).toMatch(/1101-00001\s+confirmed-verified/);
    expect(device.controls.trippedRounds()).toEqual([1]);
  }, 60_000);

  it('a scheme: create, approve by another operator, run --watch, restore', async () => {
    const c = await hes(['scheme', 'create', 'evening', '--terminal', KEY, '--action', 'trip', '--round', '2', '--operator', 'alice']);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/scheme evening .* staged/);
    expect((await hes(['scheme', 'approve', 'evening', '--operator', 'bob'])).code).toBe(0);
    const run = await hes(['scheme', 'run', 'evening', '--watch', '--operator', 'alice']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/run: 1\/1 done — sent 1, confirmed 1, verified 1/);
    expect(run.stdout).toMatch(/1101-00001\s+confirmed-verified/);
    expect(device.controls.trippedRounds()).toEqual([1, 2]);
    const rs = await hes(['scheme', 'restore', 'evening', '--watch', '--operator', 'bob']);
    expect(rs.code).toBe(0);
    expect(device.controls.trippedRounds()).toEqual([1]);
  }, 90_000);

  it('prepay topup and balance', async () => {
    const t = await hes(['prepay', 'topup', '1101000010001', '50', '--ref', 'R-1', '--operator', 'alice']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/1101000010001 balance 50\.000 yuan, normal/);
    const b = await hes(['prepay', 'balance', '1101000010001', '--json']);
    expect(JSON.parse(b.stdout)).toMatchObject({ balanceYuan: 50, state: 'normal', history: [{ kind: 'topup', ref: 'R-1', actor: 'alice' }] });
  }, 30_000);

  it('audit verify (through the head-end and from the database file) and show', async () => {
    const v = await hes(['audit', 'verify']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/audit chain intact: \d+ record/);
    const local = await runCli('hes', ['audit', 'verify', '--data', dataDir], 30_000);
    expect(local.code).toBe(0);
    const show = await hes(['audit', 'show', '--ref', `R${id}`]);
    expect(show.stdout).toMatch(/request\s+alice/);
    expect(show.stdout).toMatch(/approval\s+bob/);
    expect(show.stdout).toMatch(/frame-out/);
  }, 30_000);
});
