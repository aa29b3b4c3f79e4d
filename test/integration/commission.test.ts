/**
 * `hes commission` end to end: `hes serve` (child process) with a one-terminal archive, a simulated
 * concentrator dialling in with faults (clock 30 s ahead then 120 s, one meter configuration missing, a
 * meter going silent, a half-open link, a wrong PW), and the CLI: each step seen to PASS and to WARN/FAIL
 * for its reason, `--set-clock` and `--push-params` fixing what they can, the live control loop with a
 * second operator approving through the admin API (and refusing the technician's own approval), the
 * Markdown/JSON reports and `commission show` (a file, and a run id after the head-end restarted). Then
 * `commission bus` on a socat pty with a simulated meter bus (a good meter, one with bad checksums,
 * one silent).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedTerminal } from '../../simulators/concentrator/index.js';
import type { TerminalOptions } from '../../simulators/concentrator/terminal.js';
import { dialInFactory, parseEndpoint } from '../../simulators/concentrator/channels.js';
import { TerminalSession } from '../../simulators/concentrator/session.js';
import { realScheduler } from '../../simulators/concentrator/scheduler.js';
import { writeArchive } from '../../simulators/fleet/archive-writer.js';
import { runMeterSimulator } from '../../simulators/meter/index.js';
import { openPtyPair } from '../../drivers/pty-pair.js';
import type { CommissionReport } from '../../src/commission/types.js';
import { runCli, startCli, NO_SCHEDULER } from '../helpers/cli.js';
import { requireSocat } from '../helpers/system.js';

const KEY = '1101-00001';
const ID = { a1: '1101', a2: 1 };
const root = mkdtempSync(path.join(tmpdir(), 'hes-commission-'));
const dataDir = path.join(root, 'data');
const csvDir = path.join(root, 'archive');
let server: Awaited<ReturnType<typeof startCli>>;
let url = '';
const READY = /ready terminals tcp:\/\/127\.0\.0\.1:(\d+) admin (http:\/\/127\.0\.0\.1:\d+)/;
let device: SimulatedTerminal;
let session: TerminalSession;
// Kept by reference by the simulated terminal: a test changes its PW policy (wrong PW → AFN00 deny).
const devOpts: TerminalOptions = { meterCount: 7, clockOffsetMs: 30_000, heartbeatMinutes: 1 };
const SERVER_ENV = { ...NO_SCHEDULER, HES_FEP_HEARTBEAT_S: '60' };

const hes = (...args: string[]) => runCli('hes', [...args, '--url', url, '--operator', 'Li Gong'], 60_000);
/** The technician of the live control loop (control requests need an operator name without spaces). */
const TECH = 'li.gong';
const tech = (...args: string[]) => runCli('hes', [...args, '--url', url, '--operator', TECH], 90_000);
const stepOf = (r: CommissionReport, id: string) => r.steps.find((s) => s.step === id)!;
const checkOf = (s: CommissionReport['steps'][number], name: string) => s.checks.find((c) => c.name === name)!;
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
/** Run id of the live-loop run (its report is looked up again after a restart). */
let liveRunId = '';

interface Pending {
  id: number;
  hash: string;
  createdBy: string;
  action: { kind: string };
}
/** The next pending control request created by `creator` with an id above `after` (what a second operator sees). */
async function pendingBy(creator: string, after = 0): Promise<Pending> {
  const end = Date.now() + 60_000;
  for (;;) {
    const list = (await (await fetch(`${url}/v1/control/requests?state=pending`)).json()) as Pending[];
    const r = list.find((x) => x.createdBy === creator && x.id > after);
    if (r) return r;
    if (Date.now() > end) throw new Error(`no pending request by ${creator}`);
    await sleep(100);
  }
}
/** A second operator approves through the admin API (as `hes control approve <id>` does). */
function approve(p: Pending, operator = 'wang.gong'): Promise<Response> {
  return fetch(`${url}/v1/control/requests/${p.id}/approve`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hes-operator': operator }, body: JSON.stringify({ hash: p.hash }) });
}

beforeAll(async () => {
  writeArchive(csvDir, { a1: '1101', terminals: 1, metersPerTerminal: 8, seed: 1 });
  const imp = await runCli('hes', ['archive', 'import', csvDir, '--data', dataDir], 30_000);
  expect(imp.code).toBe(0);
  server = await startCli('hes', ['serve', '--data', dataDir, '--terminal-port', '0', '--admin-port', '0', '--api-port', '0'], READY, 30_000, SERVER_ENV);
  url = server.match[2]!;
  // 7 of the archive's 8 meters configured (P8 missing), clock 30 s ahead.
  device = new SimulatedTerminal(ID, devOpts);
  session = new TerminalSession({ device, scheduler: realScheduler, connect: dialInFactory(parseEndpoint(`tcp://127.0.0.1:${server.match[1]}`), ID), loginTimeoutMs: 1000, backoff: { baseMs: 200, maxMs: 1000 }, reportPollMs: 500 });
  session.start();
  const end = Date.now() + 10_000;
  for (;;) {
    const r = (await (await fetch(`${url}/v1/terminals/${KEY}`)).json()) as { state: string };
    if (r.state === 'online') break;
    if (Date.now() > end) throw new Error('terminal did not come online');
    await new Promise((res) => setTimeout(res, 100));
  }
}, 60_000);

afterAll(async () => {
  await session?.stop();
  if (server && server.child.exitCode === null) await server.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('hes commission terminal', () => {
  const json = path.join(root, 'r1.json');
  const md = path.join(root, 'r1.md');

  it('link and identity PASS, clock 30 s off WARNs, a missing meter configuration FAILs (exit 1), reports written', async () => {
    const r = await hes('commission', 'terminal', KEY, '--steps', 'link,identity,clock,params', '--report', json, '--report', md);
    expect(r.code, r.stderr).toBe(1);
    // Live progress on stderr (not a TTY: plain lines), result on stdout.
    expect(r.stderr).toMatch(/^\[1\/4\] Link/m);
    expect(r.stderr).toMatch(/PASS link:/);
    expect(r.stdout).toMatch(/Commissioning terminal 1101-00001: FAIL/);
    const rep = JSON.parse(readFileSync(json, 'utf8')) as CommissionReport;
    expect(rep.operator).toBe('Li Gong');
    expect(rep.steps.map((s) => [s.step, s.verdict])).toEqual([
      ['link', 'PASS'],
      ['identity', 'PASS'],
      ['clock', 'WARN'],
      ['params', 'FAIL'],
    ]);
    const clock = stepOf(rep, 'clock');
    expect(clock.checks[0]!.detail).toMatch(/offset \+(29|30|31) s/);
    expect(clock.actions.join()).toMatch(/--set-clock/);
    expect(clock.evidence[0]!.frames.map((f) => f.dir)).toEqual(['out', 'in']);
    const params = stepOf(rep, 'params');
    expect(params.checks.find((c) => c.name === 'meter configuration F10')!.detail).toMatch(/P8 missing/i);
    expect(params.actions.join()).toMatch(/--push-params/);
    expect(stepOf(rep, 'identity').checks.map((c) => c.verdict)).toEqual(['PASS', 'PASS', 'PASS']);
    const text = readFileSync(md, 'utf8');
    expect(text).toMatch(/^# Commissioning report: terminal 1101-00001 — FAIL/);
    expect(text).toMatch(/\| operator \| Li Gong \|/);
    expect(text).toMatch(/→ 68/);
  }, 90_000);

  it('commission show prints the saved report', async () => {
    const r = await runCli('hes', ['commission', 'show', json], 20_000);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ 3\. WARN Clock/m);
    expect(r.stdout).toMatch(/^ 4\. FAIL Parameters/m);
    const m = await runCli('hes', ['commission', 'show', json, '--markdown'], 20_000);
    expect(m.stdout).toMatch(/## 3\. Clock: offset to the head-end — WARN/);
    const bad = await runCli('hes', ['commission', 'show', md], 20_000);
    expect(bad.code).toBe(2);
  }, 30_000);

  it('--set-clock and --push-params fix the clock and the configuration (re-check PASS, exit 0)', async () => {
    const r = await hes('commission', 'terminal', KEY, '--steps', 'clock,params', '--set-clock', '--push-params', '--json');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const rep = JSON.parse(r.stdout) as CommissionReport;
    expect(stepOf(rep, 'clock').verdict).toBe('PASS');
    expect(stepOf(rep, 'clock').checks.map((c) => [c.name, c.verdict])).toEqual([
      ['clock offset (before setting)', 'WARN'],
      ['clock offset (re-check)', 'PASS'],
    ]);
    expect(stepOf(rep, 'clock').actions.join()).toMatch(/clock set \(AFN05 F31\)/);
    expect(stepOf(rep, 'params').verdict).toBe('PASS');
    expect(stepOf(rep, 'params').actions.join()).toMatch(/AFN04 F10: \d+ configuration\(s\) written/);
    expect(stepOf(rep, 'params').checks.find((c) => c.name === 'meter configuration F10')!.detail).toMatch(/1 difference\(s\) pushed and read back equal: P8 missing/i);
  }, 90_000);

  it('a clock 120 s off FAILs the clock step; --set-clock sets it and the re-check decides (PASS)', async () => {
    device.clock.set(Date.now() + 120_000, Date.now());
    const r = await hes('commission', 'terminal', KEY, '--steps', 'clock', '--json');
    expect(r.code).toBe(1);
    const c = stepOf(JSON.parse(r.stdout) as CommissionReport, 'clock');
    expect(c.verdict).toBe('FAIL');
    expect(c.checks[0]!.detail).toMatch(/offset \+(119|120|121) s \(WARN > 5 s, FAIL > 60 s\)/);
    expect(c.actions.join()).toMatch(/--set-clock/);
    const fixed = await hes('commission', 'terminal', KEY, '--steps', 'clock', '--set-clock', '--json');
    expect(fixed.code, fixed.stderr).toBe(0);
    const f = stepOf(JSON.parse(fixed.stdout) as CommissionReport, 'clock');
    expect(f.checks.map((x) => [x.name, x.verdict])).toEqual([
      ['clock offset (before setting)', 'FAIL'],
      ['clock offset (re-check)', 'PASS'],
    ]);
  }, 90_000);

  it('a meter gone silent FAILs the meters step, listed with its ERC31; events lists it too', async () => {
    device.faults.set({ meterMissing: new Set([3]) }, Date.now());
    const r = await hes('commission', 'terminal', KEY, '--steps', 'meters,events', '--json');
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.stdout) as CommissionReport;
    const meters = stepOf(rep, 'meters');
    expect(meters.verdict).toBe('FAIL');
    const rt = meters.checks.find((c) => c.name === 'real-time readings')!;
    expect(rt.detail).toMatch(/1 of 8 meter\(s\) do not answer: p3 \d{12} \(ERC31 /);
    expect(stepOf(rep, 'events').verdict).toBe('PASS');
    expect(stepOf(rep, 'events').checks.find((c) => c.name === 'recent important events')!.detail).toMatch(/ERC31 .* p3 start/);
    device.faults.set({ meterMissing: new Set() }, Date.now());
    const ok = await hes('commission', 'terminal', KEY, '--steps', 'meters', '--json');
    expect(ok.code).toBe(0);
    expect(stepOf(JSON.parse(ok.stdout) as CommissionReport, 'meters').checks[0]!.detail).toMatch(/all 8 meter/);
  }, 90_000);

  it('the control step dry run checks without sending', async () => {
    const r = await hes('commission', 'terminal', KEY, '--steps', 'link', '--with-control', '--json');
    expect(r.code, r.stderr).toBe(0);
    const c = stepOf(JSON.parse(r.stdout) as CommissionReport, 'control');
    expect(c.verdict).toBe('PASS');
    expect(c.actions.join()).toMatch(/dry run/);
  }, 60_000);


  it('live control loop on a test round: the technician creates each request, a second operator approves it, trip and close verified (PASS)', async () => {
    const run = tech('commission', 'terminal', KEY, '--steps', 'link', '--with-control', '--test-turn', '1', '--json');
    const trip = await pendingBy(TECH);
    expect(trip.action.kind).toBe('trip');
    // The technician cannot approve his own request: the step does not bypass the two-person rule.
    const self = await approve(trip, TECH);
    expect(self.status).toBe(403);
    expect(((await self.json()) as { details?: { reason?: string } }).details?.reason).toBe('two-person');
    expect((await approve(trip)).status).toBe(200);
    const close = await pendingBy(TECH, trip.id);
    expect(close.action.kind).toBe('close');
    expect((await approve(close)).status).toBe(200);
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`waiting for approval of request ${trip.id} by a second operator \\(hes control approve ${trip.id}\\)`));
    const rep = JSON.parse(r.stdout) as CommissionReport;
    liveRunId = rep.id!;
    expect(liveRunId).toMatch(/^c[0-9a-z]+-\d+$/);
    const c = stepOf(rep, 'control');
    expect(c.verdict).toBe('PASS');
    expect(c.checks.map((x) => [x.name, x.verdict])).toEqual([
      ['operator role', 'PASS'],
      ['PW configured', 'PASS'],
      ['control settings readable', 'PASS'],
      ['test target', 'PASS'],
      ['keep-power customers', 'PASS'],
      ['trip request', 'PASS'],
      ['trip approval', 'PASS'],
      ['trip', 'PASS'],
      ['close request', 'PASS'],
      ['close approval', 'PASS'],
      ['close', 'PASS'],
    ]);
    expect(checkOf(c, 'trip approval').detail).toMatch(/approved by wang\.gong/);
    expect(checkOf(c, 'trip').detail).toMatch(new RegExp(`trip confirmed and verified by .*AFN0C F6.* \\(request ${trip.id}, approved by wang\\.gong`));
    expect(checkOf(c, 'close').detail).toMatch(/close confirmed and verified/);
    // Evidence: the request, its frames (AFN05 out, AFN00 in), and the round's state read after each phase.
    const ev = c.evidence.find((e) => e.label.startsWith(`request ${trip.id}: trip control round 1`))!;
    expect((ev.decoded as { request: { approvedBy: string; createdBy: string } }).request).toMatchObject({ createdBy: TECH, approvedBy: 'wang.gong' });
    expect(ev.frames.some((f) => f.dir === 'out')).toBe(true);
    expect(ev.frames.some((f) => f.dir === 'in')).toBe(true);
    const f6 = c.evidence.filter((e) => e.label.startsWith('AFN0C F6 control state')).map((e) => (e.decoded as { round1: string }).round1);
    expect(f6).toEqual(['open (tripped)', 'closed']);
  }, 120_000);

  it('live control loop on a test meter (DL/T 645 1CH through AFN10, verified by status word 3)', async () => {
    const run = tech('commission', 'terminal', KEY, '--steps', 'link', '--with-control', '--test-pn', '2', '--json');
    const trip = await pendingBy(TECH);
    expect((await approve(trip)).status).toBe(200);
    const close = await pendingBy(TECH, trip.id);
    expect((await approve(close, 'zhao.gong')).status).toBe(200);
    const r = await run;
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const c = stepOf(JSON.parse(r.stdout) as CommissionReport, 'control');
    expect(checkOf(c, 'test target').detail).toMatch(/^test meter p2 \d{12} \(account 1101000010002\)/);
    expect(checkOf(c, 'trip').detail).toMatch(/trip confirmed and verified by SW3/);
    expect(checkOf(c, 'close').detail).toMatch(/close confirmed and verified by SW3 .*approved by zhao\.gong/);
    expect(c.verdict).toBe('PASS');
  }, 120_000);

  it('a trip the terminal denies (wrong PW) FAILs the control step naming the denial; nothing to close', async () => {
    devOpts.pwPolicy = 'fail';
    try {
      const run = tech('commission', 'terminal', KEY, '--steps', 'link', '--with-control', '--test-turn', '1', '--json');
      const trip = await pendingBy(TECH);
      expect((await approve(trip)).status).toBe(200);
      const r = await run;
      expect(r.code).toBe(1);
      const c = stepOf(JSON.parse(r.stdout) as CommissionReport, 'control');
      expect(c.verdict).toBe('FAIL');
      expect(checkOf(c, 'trip').verdict).toBe('FAIL');
      expect(checkOf(c, 'trip').detail).toMatch(/trip DENIED by the device: .*denied AFN05 F1/);
      expect(checkOf(c, 'close')).toMatchObject({ verdict: 'SKIP', detail: expect.stringMatching(/did not act: nothing to close/) });
      expect(r.stdout).not.toMatch(/"close request"/);
    } finally {
      devOpts.pwPolicy = 'match';
    }
  }, 120_000);

  it('a request nobody approves in time FAILs with the wait named, and is cancelled (nothing sent)', async () => {
    const r = await tech('commission', 'terminal', KEY, '--steps', 'link', '--with-control', '--test-turn', '1', '--approval-wait', '2', '--json');
    expect(r.code).toBe(1);
    const c = stepOf(JSON.parse(r.stdout) as CommissionReport, 'control');
    const a = checkOf(c, 'trip approval');
    expect(a.verdict).toBe('FAIL');
    const id = /request (\d+) was not approved by a second operator within 2 s \(--approval-wait\): cancelled, nothing sent/.exec(a.detail)?.[1];
    expect(id, a.detail).toBeDefined();
    const req = (await (await fetch(`${url}/v1/control/requests/${id}`)).json()) as { state: string };
    expect(req.state).toBe('cancelled');
    expect(c.checks.find((x) => x.name === 'trip')).toBeUndefined();
  }, 60_000);

  it('a keep-power customer behind the test target is refused (dry run: checks only, nothing sent)', async () => {
    const kp = await fetch(`${url}/v1/control/requests`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hes-operator': 'wang.gong' }, body: JSON.stringify({ action: 'keep-power', accounts: ['1101000010003'], reason: 'hospital' }) });
    expect(kp.status).toBe(200);
    const r = await tech('commission', 'terminal', KEY, '--steps', 'link', '--with-control', '--test-pn', '3', '--dry-run', '--json');
    expect(r.code).toBe(1);
    const c = stepOf(JSON.parse(r.stdout) as CommissionReport, 'control');
    expect(checkOf(c, 'keep-power customers')).toMatchObject({ verdict: 'FAIL', detail: expect.stringMatching(/refused: .*keep-power \(保电\) customer\(s\) 1101000010003 \(hospital\)/) });
    const turn = await tech('commission', 'terminal', KEY, '--steps', 'link', '--with-control', '--test-turn', '1', '--dry-run', '--json');
    expect(checkOf(stepOf(JSON.parse(turn.stdout) as CommissionReport, 'control'), 'keep-power customers').verdict).toBe('FAIL');
    const pending = (await (await fetch(`${url}/v1/control/requests?state=pending`)).json()) as Pending[];
    expect(pending.filter((p) => p.createdBy === TECH)).toEqual([]);
    // A dry run with an unprotected test meter passes and says what it would do.
    const ok = await tech('commission', 'terminal', KEY, '--steps', 'link', '--with-control', '--test-pn', '4', '--dry-run', '--json');
    expect(ok.code, ok.stdout).toBe(0);
    expect(stepOf(JSON.parse(ok.stdout) as CommissionReport, 'control').actions.join()).toMatch(/dry run: would trip test meter p4 .* approved by a second operator/);
  }, 90_000);

  it('a half-open link (TCP open, requests unanswered) FAILs the link step with the timeout, the rest SKIP', async () => {
    device.faults.set({ dropPercent: 100 }, Date.now());
    try {
      const r = await hes('commission', 'terminal', KEY, '--steps', 'link,clock,meters', '--link-timeout', '3000', '--json');
      expect(r.code).toBe(1);
      const rep = JSON.parse(r.stdout) as CommissionReport;
      expect(rep.steps.map((x) => [x.step, x.verdict])).toEqual([
        ['link', 'FAIL'],
        ['clock', 'SKIP'],
        ['meters', 'SKIP'],
      ]);
      const link = stepOf(rep, 'link');
      expect(checkOf(link, 'logged in').verdict).toBe('PASS');
      expect(checkOf(link, 'round trip').detail).toMatch(/AFN0C F2 unanswered within 3000 ms: TimeoutError: .*\(half-open link\?\)/);
      expect(checkOf(stepOf(rep, 'clock'), 'clock').detail).toBe('terminal does not answer');
    } finally {
      device.faults.set({ dropPercent: 0 }, Date.now());
    }
  }, 90_000);

  it('the option rules of the control step: bad input exits 2', async () => {
    expect((await tech('commission', 'terminal', KEY, '--test-turn', '1')).stderr).toMatch(/--test-turn goes with --with-control/);
    expect((await tech('commission', 'terminal', KEY, '--with-control', '--test-turn', '9')).code).toBe(2);
    expect((await tech('commission', 'terminal', KEY, '--with-control', '--test-turn', '1', '--test-pn', '2')).code).toBe(2);
    expect((await tech('commission', 'terminal', KEY, '--with-control', '--test-pn', '2', '--approval-wait', '0')).code).toBe(2);
  }, 60_000);

  it('bad input exits 2; an unknown terminal exits 1', async () => {
    expect((await hes('commission', 'terminal', KEY, '--steps', 'bogus')).code).toBe(2);
    expect((await hes('commission', 'terminal', 'nope')).code).toBe(2);
    expect((await hes('commission', 'terminal', KEY, '--report', 'x.txt')).code).toBe(2);
    const r = await hes('commission', 'terminal', '1101-00099');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not/);
  }, 60_000);
});

describe('hes commission show <run id>', () => {
  it('finds a finished run in the head-end database after a restart', async () => {
    expect(liveRunId).toMatch(/^c/);
    await server.stop();
    server = await startCli('hes', ['serve', '--data', dataDir, '--terminal-port', '0', '--admin-port', '0', '--api-port', '0'], READY, 30_000, SERVER_ENV);
    url = server.match[2]!;
    const md = path.join(root, 'again.md');
    const r = await runCli('hes', ['commission', 'show', liveRunId, '--url', url, '--report', md], 20_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Commissioning terminal 1101-00001: PASS .*run ${liveRunId}`));
    expect(r.stdout).toMatch(/PASS Control loop: trip → verify → close → verify/);
    expect(readFileSync(md, 'utf8')).toMatch(new RegExp(`\\| run \\| ${liveRunId} \\|`));
    const none = await runCli('hes', ['commission', 'show', 'c0-1', '--url', url], 20_000);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no commissioning run c0-1/);
  }, 60_000);
});

describe('hes commission bus', () => {
  const GOOD = '000000193600';
  const BAD = '000000000104';
  const SILENT = '000000000101';

  it('probes each meter on a socat pty: reply times, checksum errors, a silent meter, bus statistics', async () => {
    requireSocat();
    const pty = await openPtyPair();
    const sim = await runMeterSimulator({ addresses: [GOOD, BAD, SILENT], seed: 42, serial: { path: pty.b }, faults: { [BAD]: ['badChecksum'], [SILENT]: ['silent'] }, tdMs: 20 });
    const json = path.join(root, 'bus.json');
    try {
      const r = await runCli('hes', ['commission', 'bus', '--serial', pty.a, '--addresses', `${GOOD},${BAD},${SILENT}`, '--timeout', '300', '--retries', '1', '--report', json, '--operator', 'Li Gong'], 60_000);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^\[1\/5\] Scan/m);
      const rep = JSON.parse(readFileSync(json, 'utf8')) as CommissionReport;
      expect(rep.kind).toBe('bus');
      expect(rep.steps.map((s) => [s.step, s.verdict])).toEqual([
        ['scan', 'PASS'],
        [`meter ${GOOD}`, 'PASS'],
        [`meter ${BAD}`, 'FAIL'],
        [`meter ${SILENT}`, 'FAIL'],
        ['bus statistics', 'WARN'],
      ]);
      const good = stepOf(rep, `meter ${GOOD}`);
      expect(good.checks.map((c) => c.name)).toEqual(['energy', 'clock']);
      expect(good.evidence[0]!.frames[0]!.hex).toMatch(/^68 00 36 19 00 00 00 68 11 04/);
      expect(stepOf(rep, `meter ${BAD}`).checks.find((c) => c.name === 'checksum errors')!.detail).toMatch(/^[1-9]\d* frame/);
      expect(stepOf(rep, `meter ${SILENT}`).checks[0]!.detail).toMatch(/no valid reply/);
      const stats = stepOf(rep, 'bus statistics');
      expect(stats.checks.find((c) => c.name === 'timeouts')!.detail).toMatch(/^[1-9]\d* timeout/);
      expect(stats.checks.find((c) => c.name === 'checksum errors')!.detail).toMatch(/^[1-9]\d* frame/);
      const show = await runCli('hes', ['commission', 'show', json], 20_000);
      expect(show.stdout).toMatch(/Commissioning bus .*: FAIL/);
    } finally {
      await sim.close();
      await pty.close();
    }
    expect(existsSync(json)).toBe(true);
  }, 90_000);
});
