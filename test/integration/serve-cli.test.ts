/**
 * `hes serve` as a real child process (temp data dir, ports 0) with the fleet archive imported by
 * `hes archive import`, a simulated concentrator (in-process SimulatedTerminal over TCP, fixed model
 * time) dialling in, and the CLI commands that reach it through the admin API: terminal list/show/
 * release, call (AFN0C F25, AFN0D F161 for 8 Pn = the model's values), meter read --via (AFN10), bad
 * input (exit 2), no head-end (exit 1), a bad configuration (exit 2 naming the key), clean SIGTERM.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedTerminal, f25Of, historyOf, profileOf, type MeterContext } from '../../simulators/concentrator/index.js';
import { dialInFactory, parseEndpoint } from '../../simulators/concentrator/channels.js';
import { TerminalSession } from '../../simulators/concentrator/session.js';
import { realScheduler, type Scheduler } from '../../simulators/concentrator/scheduler.js';
import { writeArchive } from '../../simulators/fleet/archive-writer.js';
import { energyAt, instantAt } from '../../simulators/model.js';
import { runCli, startCli, NO_SCHEDULER } from '../helpers/cli.js';

const KEY = '1101-00001';
const ID = { a1: '1101', a2: 1 };
const STRANGER = { a1: '1101', a2: 4242 };
/** Fixed simulator time: 10:00 CST on 22 Nov 2026, so every value is computable from the model. */
const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);
const fixedTime: Scheduler = { now: () => T0, setTimer: (d, fn) => realScheduler.setTimer(d, fn), clearTimer: (h) => realScheduler.clearTimer(h) };
const ctx: MeterContext = { seed: 1, terminal: KEY, now: T0, clock: T0, present: () => true, inOutage: () => false, relayOpen: () => false, readingDays: [1] };

const root = mkdtempSync(path.join(tmpdir(), 'hes-serve-'));
const dataDir = path.join(root, 'data');
const csvDir = path.join(root, 'archive');
let server: Awaited<ReturnType<typeof startCli>>;
let url = '';
let terminalPort = 0;
const sessions: TerminalSession[] = [];

/** JSON round trip: what the admin API sends for a value. */
const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

function dialIn(id: { a1: string; a2: number }): TerminalSession {
  const device = new SimulatedTerminal(id, { meterCount: 8, maxUserLength: 800 });
  const session = new TerminalSession({
    device,
    scheduler: fixedTime,
    connect: dialInFactory(parseEndpoint(`tcp://127.0.0.1:${terminalPort}`), id),
    loginTimeoutMs: 1000,
    backoff: { baseMs: 200, maxMs: 1000 },
    reportPollMs: 1000,
  });
  session.start();
  sessions.push(session);
  return session;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function listed(state: string): Promise<{ terminal: string; state: string }[]> {
  const r = await fetch(`${url}/v1/terminals?state=${state}`);
  return ((await r.json()) as { terminals: { terminal: string; state: string }[] }).terminals;
}

const hes = (...args: string[]) => runCli('hes', [...args, '--url', url], 30_000);

beforeAll(async () => {
  writeArchive(csvDir, { a1: '1101', terminals: 1, metersPerTerminal: 8, seed: 1 });
  const imp = await runCli('hes', ['archive', 'import', csvDir, '--data', dataDir], 30_000);
  expect(imp.stderr).not.toMatch(/rejected/);
  expect(imp.code).toBe(0);
  server = await startCli('hes', ['serve', '--data', dataDir, '--terminal-port', '0', '--admin-port', '0', '--api-port', '0'], /ready terminals tcp:\/\/127\.0\.0\.1:(\d+) admin (http:\/\/127\.0\.0\.1:\d+)/, 30_000, NO_SCHEDULER);
  terminalPort = Number(server.match[1]);
  url = server.match[2]!;
  dialIn(ID);
  dialIn(STRANGER);
  await until('the terminal online', async () => ((await listed('online')).some((t) => t.terminal === KEY) ? true : undefined));
}, 60_000);

afterAll(async () => {
  for (const s of sessions) await s.stop();
  if (server && server.child.exitCode === null) await server.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('hes serve with a simulated concentrator', () => {
  it('terminal list --online --json shows the archive terminal; the unknown one is in --quarantine', async () => {
    const on = await hes('terminal', 'list', '--online', '--json');
    expect(on.code).toBe(0);
    const list = JSON.parse(on.stdout) as { terminal: string; state: string; channel: string; id: string }[];
    expect(list).toEqual([expect.objectContaining({ terminal: KEY, state: 'online', channel: 'tcp', id: KEY })]);

    await until('the stranger quarantined', async () => ((await listed('quarantine')).length ? true : undefined));
    const q = await hes('terminal', 'list', '--quarantine', '--json');
    expect(q.code).toBe(0);
    expect(JSON.parse(q.stdout)).toEqual([expect.objectContaining({ terminal: '1101-04242', state: 'quarantine' })]);
    const all = await hes('terminal', 'list');
    expect(all.stdout).toMatch(/1101-00001\s+online/);
    expect(all.stdout).toMatch(/1101-04242\s+quarantine/);
    expect(all.stdout).toMatch(/2 terminals/);
  }, 60_000);

  it('terminal show gives the session and the archive meters', async () => {
    const r = await hes('terminal', 'show', KEY, '--json');
    expect(r.code).toBe(0);
    const t = JSON.parse(r.stdout) as { state: string; session: { framesIn: number }; archive: { taiqu: string; meterList: unknown[] } };
    expect(t.state).toBe('online');
    expect(t.session.framesIn).toBeGreaterThan(0);
    expect(t.archive.taiqu).toBe(`TQ${KEY}`);
    expect(t.archive.meterList).toHaveLength(8);
    const text = await hes('terminal', 'show', KEY);
    expect(text.stdout).toMatch(/meters: 8/);
  }, 30_000);

  it('call 0C/25 --pn 1 returns the model\'s real-time values', async () => {
    const r = await hes('call', KEY, '0C/25', '--pn', '1', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { kind: string; units: { pn: number; fn: number; data: unknown }[] };
    expect(out.kind).toBe('realtime');
    expect(out.units).toEqual([{ pn: 1, fn: 25, data: asJson(f25Of(instantAt(profileOf(ctx, 1), T0), T0)) }]);
    const text = await hes('call', KEY, '0C/25', '--pn', '1');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^1101-00001 AFN0C F25 .*1 unit/m);
    expect(text.stdout).toMatch(/^ {2}p1\s+time 2026-11-22 10:00/m);
  }, 30_000);

  it('call 0D/161 --pn 1-8 --date returns the model\'s frozen 00:00 values', async () => {
    const date = { year: 2026, month: 11, day: 21 };
    const r = await hes('call', KEY, '0D/161', '--pn', '1-8', '--date', '2026-11-21', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { kind: string; units: { pn: number; data: unknown }[] };
    expect(out.kind).toBe('daily');
    expect(out.units.map((u) => u.pn)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const u of out.units) expect(u.data).toEqual(asJson(historyOf(161, u.pn, date, ctx)));
  }, 30_000);

  it('meter read --via reads a meter behind the terminal (AFN10), same output as a local read', async () => {
    const r = await hes('meter', 'read', '--via', KEY, '--pn', '1', '--di', '00010000', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [x] = JSON.parse(r.stdout) as { di: string; value: number; address: string }[];
    expect(x!.di).toBe('00010000');
    expect(x!.address).toBe('101000010001');
    expect(x!.value).toBe(energyAt(profileOf(ctx, 1), T0).forwardActive.total);
    const text = await hes('meter', 'read', '--via', KEY, '--address', '101000010002', '--di', '00010000');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^00010000 {2}.*forward active.*: [\d.]+ kWh/im);
  }, 30_000);

  it('bad input exits 2 with a message (checked by the CLI, or by the API)', async () => {
    const cases: [string[], RegExp][] = [
      [['call', KEY, '0C25'], /not AFN\/Fn such as 0C\/25/],
      [['call', KEY, '0D/161', '--pn', '1-8'], /give date YYYY-MM-DD/],
      [['call', KEY, '0D/161', '--pn', '1', '--date', '2026-02-30'], /not a calendar date/],
      [['terminal', 'list', '--online', '--offline'], /at most one of/],
      [['meter', 'read', '--via', KEY, '--di', '00010000'], /exactly one of --pn/],
    ];
    for (const [args, msg] of cases) {
      const r = await hes(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(msg);
    }
  }, 90_000);

  it('an unknown or quarantined terminal gives exit 1 with the reason', async () => {
    const r = await hes('call', '1101-00077', '0C/25', '--pn', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1101-00077 is not in the archive \[not-found\]/);
    const q = await hes('call', '1101-04242', '0C/25', '--pn', '1');
    expect(q.code).toBe(1);
    expect(q.stderr).toMatch(/quarantined/);
  }, 30_000);

  it('terminal release forgets a quarantined terminal', async () => {
    // The stranger keeps trying to log in (and would be quarantined again): hang it up first.
    await sessions[1]!.stop();
    const r = await hes('terminal', 'release', '1101-04242', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ released: '1101-04242', inArchive: false });
    const again = await hes('terminal', 'release', '1101-04242');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not in the quarantine/);
  }, 30_000);
});

describe('hes commands without a head-end, bad configuration, stopping', () => {
  it('no head-end running: exit 1 with a hint', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const dead = `http://127.0.0.1:${port}`;
    for (const args of [['terminal', 'list'], ['call', KEY, '0C/25', '--pn', '1']]) {
      const r = await runCli('hes', [...args, '--url', dead], 30_000);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`no head-end running at ${dead} (start one with hes serve)`);
    }
  }, 30_000);

  it('a bad configuration or flag exits 2 naming the key and why', async () => {
    const bad = path.join(root, 'bad.json');
    writeFileSync(bad, JSON.stringify({ admin: { port: 'x' }, fep: { port: 70000 } }));
    const r = await runCli('hes', ['serve', '--config', bad, '--data', dataDir], 30_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('admin.port: expected an integer in 0..65535, got "x"');
    expect(r.stderr).toContain('fep.port: expected an integer in 0..65535, got 70000');
    const f = await runCli('hes', ['serve', '--terminal-port', 'abc', '--data', dataDir], 30_000);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/--terminal-port: 'abc' is not a port/);
  }, 30_000);

  it('SIGTERM stops the head-end cleanly', async () => {
    const code = await server.stop();
    expect(code).toBe(0);
  }, 30_000);
});
