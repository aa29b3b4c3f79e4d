/**
 * `hes commission` end to end: `hes serve` (child process) with a one-terminal archive, a simulated
 * concentrator dialling in with faults (clock 30 s ahead, one meter configuration missing, a meter
 * going silent), and the CLI: each step seen to PASS and to WARN/FAIL for its reason, `--set-clock`
 * and `--push-params` fixing what they can, the Markdown/JSON reports and `commission show`. Then
 * `commission bus` on a socat pty with a simulated meter bus (a good meter, one with bad checksums,
 * one silent).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedTerminal } from '../../simulators/concentrator/index.js';
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
let device: SimulatedTerminal;
let session: TerminalSession;

const hes = (...args: string[]) => runCli('hes', [...args, '--url', url, '--operator', 'Li Gong'], 60_000);
const stepOf = (r: CommissionReport, id: string) => r.steps.find((s) => s.step === id)!;

beforeAll(async () => {
  writeArchive(csvDir, { a1: '1101', terminals: 1, metersPerTerminal: 8, seed: 1 });
  const imp = await runCli('hes', ['archive', 'import', csvDir, '--data', dataDir], 30_000);
  expect(imp.code).toBe(0);
  server = await startCli('hes', ['serve', '--data', dataDir, '--terminal-port', '0', '--admin-port', '0', '--api-port', '0'], /ready terminals tcp:\/\/127\.0\.0\.1:(\d+) admin (http:\/\/127\.0\.0\.1:\d+)/, 30_000, { ...NO_SCHEDULER, HES_FEP_HEARTBEAT_S: '60' });
  url = server.match[2]!;
  // 7 of the archive's 8 meters configured (P8 missing), clock 30 s ahead.
  device = new SimulatedTerminal(ID, { meterCount: 7, clockOffsetMs: 30_000, heartbeatMinutes: 1 });
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

  it('bad input exits 2; an unknown terminal exits 1', async () => {
    expect((await hes('commission', 'terminal', KEY, '--steps', 'bogus')).code).toBe(2);
    expect((await hes('commission', 'terminal', 'nope')).code).toBe(2);
    expect((await hes('commission', 'terminal', KEY, '--report', 'x.txt')).code).toBe(2);
    const r = await hes('commission', 'terminal', '1101-00099');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not/);
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
