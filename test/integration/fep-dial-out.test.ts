/**
 * Head-end dial-out to a simulated concentrator that listens on a loopback TCP port (TCP server mode).
 *
 * In-process FEP on a manual clock (so the back-off is checked as the delays chosen, never as elapsed
 * time; the jitter source is fixed): the FEP calls, the terminal comes online via dial-out, call-ups
 * return the model's values; the terminal goes away → offline, refused calls back off 1×, 2×, 4× …;
 * it returns → the next call brings it online again. A terminal that accepts and hangs up at once is
 * backed off too. Then through a real `hes serve`: an archive terminal with channel tcp-out is called
 * at start-up, listed online on channel tcp-out, answers `hes call`, and is called again after it
 * went away and came back.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TcpListener } from '../../drivers/tcp-server.js';
import type { KnownUnit } from '../../protocols/gw376/index.js';
import { SimulatedTerminal, f25Of, historyOf, profileOf, type MeterContext } from '../../simulators/concentrator/index.js';
import { listenForMaster } from '../../simulators/concentrator/channels.js';
import { TerminalSession } from '../../simulators/concentrator/session.js';
import { realScheduler, type Scheduler } from '../../simulators/concentrator/scheduler.js';
import { writeArchive } from '../../simulators/fleet/archive-writer.js';
import { instantAt } from '../../simulators/model.js';
import { InProcessBus, type HesEvents } from '../../src/bus.js';
import { ManualClock } from '../../src/clock.js';
import { MemoryDirectory } from '../../src/fep/directory.js';
import { Fep } from '../../src/fep/fep.js';
import type { TerminalDetail } from '../../src/service/api.js';
import { runCli, startCli, NO_SCHEDULER } from '../helpers/cli.js';

const ID = { a1: '1101', a2: 7 };
const KEY = '1101-00007';
/** Fixed simulator time (10:00 CST, 22 Nov 2026): every value is computable from the model. */
const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);
const fixedTime: Scheduler = { now: () => T0, setTimer: (d, fn) => realScheduler.setTimer(d, fn), clearTimer: (h) => realScheduler.clearTimer(h) };
const ctxOf = (terminal: string): MeterContext => ({ seed: 1, terminal, now: T0, clock: T0, present: () => true, inOutage: () => false, relayOpen: () => false, readingDays: [1] });
const PNS = [1, 2, 3, 4, 5, 6, 7, 8];

/** A listening concentrator (its brain survives restarts of the channel, as a real one's parameters do). */
class ListeningTerminal {
  readonly device: SimulatedTerminal;
  session: TerminalSession | undefined;
  private listener: TcpListener | undefined;
  port = 0;

  constructor(id: { a1: string; a2: number }) {
    this.device = new SimulatedTerminal(id, { meterCount: 8, maxUserLength: 800 });
  }

  async listen(port = this.port): Promise<number> {
    this.session = new TerminalSession({ device: this.device, mode: 'listen', scheduler: fixedTime });
    this.listener = await listenForMaster(this.session, port);
    this.port = this.listener.port;
    return this.port;
  }

  /** Gone: the port is closed (calls are refused) and the open connection is dropped. */
  async away(): Promise<void> {
    await this.listener?.close();
    await this.session?.stop();
    this.listener = undefined;
  }
}

function waitFor<K extends keyof HesEvents>(bus: InProcessBus, topic: K, pred: (p: HesEvents[K]) => boolean = () => true, ms = 5000): Promise<HesEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${String(topic)} event within ${ms} ms`));
    }, ms);
    const off = bus.subscribe(topic, (p) => {
      if (!pred(p)) return;
      clearTimeout(timer);
      off();
      resolve(p);
    });
  });
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('FEP dial-out (in-process, manual clock)', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function setup() {
    const bus = new InProcessBus();
    const clock = new ManualClock(T0);
    // random 0.5: each wait is exactly ¾ of d = min(max, base·2^(n−1)).
    const fep = new Fep({ directory: new MemoryDirectory([{ id: KEY, ...ID }]), bus, clock, random: () => 0.5, config: { timeoutMs: 3000, retries: 0, dialOutBackoffMs: 1000, dialOutBackoffMaxMs: 8000 } });
    cleanups.push(() => fep.close());
    const terminal = new ListeningTerminal(ID);
    cleanups.push(() => terminal.away());
    const link = () => fep.dialOutLinks()[0]!;
    return { bus, clock, fep, terminal, link };
  }

  it('calls the terminal, serves call-ups, marks it offline when it goes away, backs off, and calls it again when it returns', async () => {
    const { bus, clock, fep, terminal, link } = setup();
    const port = await terminal.listen(0);

    const online = waitFor(bus, 'online');
    fep.setDialOutTargets([{ terminal: KEY, host: '127.0.0.1', port }]);
    clock.advance(0);
    expect(await online).toMatchObject({ terminal: KEY, via: 'dial-out', channel: 'tcp-out', replaced: false });
    expect(fep.isOnline(KEY)).toBe(true);
    expect(link()).toMatchObject({ terminal: KEY, endpoint: `tcp://127.0.0.1:${port}`, state: 'connected', attempts: 1, failures: 0 });
    expect(fep.sessions()[0]).toMatchObject({ terminal: KEY, online: true, session: { channel: 'tcp-out' }, dialOut: { state: 'connected' } });

    const ctx = ctxOf(KEY);
    const rt = await fep.readRealtime(KEY, 25, PNS);
    expect(rt.units.map((u) => [(u as KnownUnit).pn, (u as KnownUnit).data])).toEqual(PNS.map((pn) => [pn, f25Of(instantAt(profileOf(ctx, pn), T0), T0)]));

    // The terminal goes away: offline at once (socket closed), then calls are refused and back off.
    const offline = waitFor(bus, 'offline');
    await terminal.away();
    expect(await offline).toMatchObject({ terminal: KEY, reason: 'socket-closed', channel: 'tcp-out' });
    expect(fep.isOnline(KEY)).toBe(false);
    expect(link()).toMatchObject({ state: 'backoff', failures: 0, backoffMs: 750, nextAttemptAt: T0 + 750 });
    await expect(fep.readRealtime(KEY, 25, [1])).rejects.toThrow(/not online/);

    const waits: number[] = [];
    for (let i = 1; i <= 4; i++) {
      clock.advance(link().backoffMs!);
      await until(`refused call ${i}`, () => link().failures === i);
      expect(link()).toMatchObject({ state: 'backoff', attempts: i + 1, lastError: expect.stringMatching(/ECONNREFUSED/) });
      waits.push(link().backoffMs!);
    }
    // d = 2, 4, 8, then capped at 8 s; waited ¾ d.
    expect(waits).toEqual([1500, 3000, 6000, 6000]);
    expect(fep.isOnline(KEY)).toBe(false);

    // It returns on the same port: the next call brings it online again.
    await terminal.listen();
    const back = waitFor(bus, 'online');
    clock.advance(link().backoffMs!);
    expect(await back).toMatchObject({ terminal: KEY, via: 'dial-out' });
    expect(link()).toMatchObject({ state: 'connected', attempts: 6, failures: 0 });
    const date = { year: 2026, month: 11, day: 21 };
    const daily = await fep.readDaily(KEY, 161, PNS, date);
    for (const u of daily.units as KnownUnit[]) expect(u.data).toEqual(historyOf(161, u.pn, date, ctx));

    // No longer a dial-out terminal: the link is hung up and the terminal goes offline.
    const hungUp = waitFor(bus, 'offline');
    fep.setDialOutTargets([]);
    expect(await hungUp).toMatchObject({ terminal: KEY, reason: 'socket-closed' });
    expect(fep.dialOutLinks()).toEqual([]);
  }, 30_000);

  it('a terminal that accepts and hangs up at once is backed off too (no tight loop)', async () => {
    const { bus, clock, fep, terminal, link } = setup();
    const port = await terminal.listen(0);
    // The simulated channel refuses service until then: it accepts the TCP connection and closes it.
    terminal.session!.setFaults({ offlineUntil: T0 + 3_600_000 });
    fep.setDialOutTargets([{ terminal: KEY, host: '127.0.0.1', port }]);
    const offlines: HesEvents['offline'][] = [];
    bus.subscribe('offline', (p) => offlines.push(p));
    clock.advance(0);
    await until('the first hang-up', () => link().state === 'backoff');
    const waits = [link().backoffMs!];
    for (let i = 2; i <= 3; i++) {
      clock.advance(link().backoffMs!);
      await until(`hang-up ${i}`, () => link().attempts === i && link().state === 'backoff');
      waits.push(link().backoffMs!);
    }
    expect(waits).toEqual([750, 1500, 3000]);
    expect(link().failures).toBe(0);
    expect(offlines.length).toBe(3);
  }, 30_000);

  it('a target that is not in the directory is not called', () => {
    const { fep } = setup();
    fep.setDialOutTargets([{ terminal: '1101-00999', host: '127.0.0.1', port: 1 }]);
    expect(fep.dialOutLinks()).toEqual([]);
  });
});

describe('hes serve calls the archive terminals with channel tcp-out', () => {
  const key = '1101-00001';
  const root = mkdtempSync(path.join(tmpdir(), 'hes-dialout-'));
  const terminal = new ListeningTerminal({ a1: '1101', a2: 1 });
  let server: Awaited<ReturnType<typeof startCli>>;
  let url = '';
  const show = async (): Promise<TerminalDetail> => (await (await fetch(`${url}/v1/terminals/${key}`)).json()) as TerminalDetail;

  beforeAll(async () => {
    const port = await terminal.listen(0);
    const csv = path.join(root, 'archive');
    writeArchive(csv, { a1: '1101', terminals: 1, metersPerTerminal: 8, seed: 1 });
    // The terminal listens: channel tcp-out, endpoint = where the head-end calls it.
    const file = path.join(csv, 'terminals.csv');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/,tcp,[^,]*,8$/m, `,tcp-out,tcp://127.0.0.1:${port},8`));
    const data = path.join(root, 'data');
    const imp = await runCli('hes', ['archive', 'import', csv, '--data', data], 30_000);
    expect(imp.code).toBe(0);
    const config = path.join(root, 'config.json');
    writeFileSync(config, JSON.stringify({ fep: { dialOutBackoffMs: 200, dialOutBackoffMaxMs: 1000 } }));
    server = await startCli('hes', ['serve', '--config', config, '--data', data, '--terminal-port', '0', '--admin-port', '0', '--api-port', '0'], /admin (http:\/\/127\.0\.0\.1:\d+)/, 30_000, NO_SCHEDULER);
    url = server.match[1]!;
  }, 60_000);

  afterAll(async () => {
    await terminal.away();
    if (server && server.child.exitCode === null) await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('is online via dial-out, listed on channel tcp-out, and answers hes call with the model’s values', async () => {
    await until('the dial-out terminal online', async () => (await show()).state === 'online');
    const list = await runCli('hes', ['terminal', 'list', '--online', '--json', '--url', url], 30_000);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ terminal: key, state: 'online', channel: 'tcp-out', dialOut: expect.objectContaining({ state: 'connected' }) })]);
    const r = await runCli('hes', ['call', key, '0C/25', '--pn', '1-8', '--json', '--url', url], 30_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ctx = ctxOf(key);
    const units = (JSON.parse(r.stdout) as { units: { pn: number; data: unknown }[] }).units;
    expect(units.map((u) => u.pn)).toEqual(PNS);
    for (const u of units) expect(u.data).toEqual(JSON.parse(JSON.stringify(f25Of(instantAt(profileOf(ctx, u.pn), T0), T0))));
  }, 60_000);

  it('goes offline when the terminal goes away and comes back when it returns', async () => {
    await terminal.away();
    await until('offline, calling again', async () => {
      const t = await show();
      return t.state === 'offline' && t.dialOut !== undefined && t.dialOut.failures >= 1;
    });
    const t = await show();
    expect(t).toMatchObject({ lastOfflineReason: 'socket-closed', dialOut: { state: 'backoff', lastError: expect.stringMatching(/ECONNREFUSED/) } });
    const text = await runCli('hes', ['terminal', 'show', key, '--url', url], 30_000);
    expect(text.stdout).toMatch(/^ {2}dial-out to tcp:\/\/127\.0\.0\.1:\d+: (backoff|connecting), \d+ failure\(s\) in a row/m);
    await terminal.listen();
    await until('online again', async () => (await show()).state === 'online');
    expect((await show()).dialOut).toMatchObject({ state: 'connected', failures: 0 });
  }, 60_000);
});
