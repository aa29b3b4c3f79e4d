/**
 * FEP call-up against SimulatedTerminal over real TCP (the simulator's dial-in session): AFN0C F25 and
 * AFN0D F161 for 200 Pn answered in many frames (multi-frame reassembly, RSEQ wrap), values equal to the
 * model; control pre-empting queued reads; retries over injected frame loss; AFN00 deny → DeniedError;
 * a second login replacing the first session; AFN10 forwarding to a 645 meter; active event reports.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KnownUnit } from '../../protocols/gw376/index.js';
import { SimulatedTerminal, f25Of, historyOf, profileOf, type MeterContext, type TerminalOptions } from '../../simulators/concentrator/index.js';
import { dialInFactory, parseEndpoint } from '../../simulators/concentrator/channels.js';
import { TerminalSession } from '../../simulators/concentrator/session.js';
import { realScheduler, type Scheduler } from '../../simulators/concentrator/scheduler.js';
import { energyAt, instantAt } from '../../simulators/model.js';
import { InProcessBus, type HesEvents } from '../../src/bus.js';
import { DeniedError } from '../../src/errors.js';
import { Fep } from '../../src/fep/fep.js';
import { MemoryDirectory } from '../../src/fep/directory.js';

const ID = { a1: '1101', a2: 7 };
const KEY = '1101-00007';
/** Fixed simulator time (10:00 CST, 3 May 2024): every value is computable from the model. */
const T0 = Date.UTC(2024, 4, 3, 2, 0, 0);
const fixedTime: Scheduler = { now: () => T0, setTimer: (d, fn) => realScheduler.setTimer(d, fn), clearTimer: (h) => realScheduler.clearTimer(h) };
const PNS = Array.from({ length: 200 }, (_, i) => i + 1);

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

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

async function setup(o: { terminal?: TerminalOptions; fep?: ConstructorParameters<typeof Fep>[0]['config'] } = {}) {
  const bus = new InProcessBus();
  const directory = new MemoryDirectory([{ id: 'T7', ...ID }]);
  const fep = new Fep({ directory, bus, config: { timeoutMs: 3000, retries: 1, ...o.fep }, sweepMs: 100 });
  cleanups.push(() => fep.close());
  const { port } = await fep.listenTcp(0, '127.0.0.1');
  const online = waitFor(bus, 'online');
  const { device, session, inbound } = startTerminal(port, o.terminal);
  await online;
  return { bus, fep, device, session, port, inbound };
}

function startTerminal(port: number, opts: TerminalOptions = {}) {
  const device = new SimulatedTerminal(ID, { meterCount: 200, maxUserLength: 800, ...opts });
  const inbound: number[] = [];
  const session = new TerminalSession({
    device,
    scheduler: fixedTime,
    connect: dialInFactory(parseEndpoint(`tcp://127.0.0.1:${port}`), ID),
    loginTimeoutMs: 1000,
    backoff: { baseMs: 200, maxMs: 1000 },
    reportPollMs: 50,
    observer: { frame: (dir, bytes) => dir === 'in' && inbound.push(bytes[12]!) },
  });
  cleanups.push(() => session.stop());
  session.start();
  return { device, session, inbound };
}

const ctx: MeterContext = {
  seed: 1, terminal: KEY, now: T0, clock: T0, present: () => true, inOutage: () => false, relayOpen: () => false, readingDays: [1],
};

describe('FEP call-up with the simulated concentrator over TCP', () => {
  it('AFN0C F25 for 200 Pn: multi-frame reply reassembled, values equal to the model', async () => {
    const { fep } = await setup();
    const r = await fep.readRealtime(KEY, 25, PNS);
    expect(r.frames).toBeGreaterThan(16); // RSEQ wraps past 15 within one reply
    expect(r.messages[0]!.fir).toBe(true);
    expect(r.messages.at(-1)!.fin).toBe(true);
    const units = r.units as KnownUnit[];
    expect(units.map((u) => u.pn)).toEqual(PNS);
    for (const u of units) expect(u.data).toEqual(f25Of(instantAt(profileOf(ctx, u.pn), T0), T0));
    const m = fep.metrics();
    expect(m.counters.requestsOk).toBe(1);
    expect(m.latency.count).toBe(1);
  });

  it('AFN0D F161 for 200 Pn on a date: values equal to the model', async () => {
    const { fep } = await setup();
    const date = { year: 2024, month: 5, day: 2 };
    const r = await fep.readDaily(KEY, 161, PNS, date);
    expect(r.frames).toBeGreaterThan(1);
    const units = r.units as KnownUnit[];
    expect(units.map((u) => u.pn)).toEqual(PNS);
    for (const u of units) expect(u.data).toEqual(historyOf(161, u.pn, date, ctx));
  });

  it('a control command passes reads already queued (window 1)', async () => {
    const { fep, inbound } = await setup();
    const reads = [1, 2, 3].map((k) => fep.readRealtime(KEY, 25, [k]));
    const ctl = fep.control(KEY, [{ pn: 0, fn: 29 }]);
    const [c, ...rs] = await Promise.all([ctl, ...reads]);
    expect(c.confirm).toEqual({ ok: true, fn: 1 });
    expect(rs.every((x) => x.units.length === 1)).toBe(true);
    // The first read was in flight already; the control went next, before the two queued reads.
    expect(inbound.filter((afn) => afn === 0x0c || afn === 0x05)).toEqual([0x0c, 0x05, 0x0c, 0x0c]);
  });

  it('retries recover from injected frame loss', async () => {
    const { fep, device } = await setup({ fep: { timeoutMs: 200, retries: 8 } });
    device.faults.set({ dropPercent: 50 });
    let attempts = 0;
    for (let i = 0; i < 6; i++) {
      const r = await fep.readRealtime(KEY, 25, [i + 1]);
      expect((r.units[0] as KnownUnit).pn).toBe(i + 1);
      attempts += r.attempts;
    }
    expect(attempts).toBeGreaterThan(6);
    expect(device.faults.fired.dropped).toBe(attempts - 6);
  });

  it('AFN00 deny surfaces as DeniedError', async () => {
    const { fep, device } = await setup();
    device.faults.set({ denyAll: true });
    const err = await fep.readRealtime(KEY, 25, [1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeniedError);
    expect((err as DeniedError).code).toBe(2);
    expect((err as DeniedError).message).toMatch(/terminal 1101-00007 denied AFN0C F25/);
  });

  it('a second login of the same terminal replaces the first session', async () => {
    const { fep, bus, port, session: first } = await setup();
    const replaced = waitFor(bus, 'online', (p) => p.replaced);
    const offline: HesEvents['offline'][] = [];
    bus.subscribe('offline', (p) => offline.push(p));
    const { session: second } = startTerminal(port);
    const ev = await replaced;
    expect(ev).toMatchObject({ terminal: KEY, id: 'T7', via: 'login' });
    expect(fep.sessions({ online: true })).toHaveLength(1);
    expect(fep.metrics().counters.replaced).toBe(1);
    const r = await fep.readRealtime(KEY, 25, [5]);
    expect((r.units[0] as KnownUnit).pn).toBe(5);
    expect(offline).toEqual([]);
    // The first terminal saw its link dropped and reconnects: it replaces the second in turn.
    await waitFor(bus, 'online', (p) => p.replaced, 5000);
    expect(first.counters.reconnects + second.counters.reconnects).toBeGreaterThanOrEqual(1);
    await first.stop();
    await second.stop();
  });

  it('reads a 645 meter through AFN10 forwarding, like a direct read', async () => {
    const { fep } = await setup();
    const r = await fep.readMeter(KEY, { pn: 3, di: '00010000' });
    expect(r.address).toBe('101000070003');
    expect(r.di).toBe('00010000');
    expect(r.value).toBe(energyAt(profileOf(ctx, 3), T0).forwardActive.total);
    expect(r.name).toMatch(/forward active/i);
    expect(r.frames).toBe(1);
    const byAddr = await fep.readMeter(KEY, { address: '101000070004', di: '00010000' });
    expect(byAddr.value).toBe(energyAt(profileOf(ctx, 4), T0).forwardActive.total);
  });

  it('confirms active event reports (CON=1) and publishes their ERC records', async () => {
    const { bus, device } = await setup();
    const ev = waitFor(bus, 'event');
    device.faults.set({ powerOff: true }, T0);
    device.faults.set({ powerOff: false }, T0);
    const e = await ev;
    expect(e).toMatchObject({ terminal: KEY, important: true });
    expect(e.records.map((x) => x.erc)).toContain(14);
    // The master's AFN00 F1 cleared the terminal's wait: it does not resend.
    await new Promise((r) => setTimeout(r, 200));
    expect((device as unknown as { awaiting?: unknown }).awaiting).toBeUndefined();
  });
});

