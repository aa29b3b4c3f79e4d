/**
 * The simulated concentrator (`SimulatedTerminal` driven by its dial-in session) served by the head-end's
 * FEP over real channels — MQTT through an in-process aedes broker and TCP — with frames built by the
 * codec: parameter set and query, curve reads, remote trip with its ERC5 active report, and forwarding to
 * a DL/T 645 meter. Values are checked against the simulator's model at a fixed simulator time.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import type { KnownUnit } from '../../protocols/gw376/index.js';
import { SimulatedTerminal, curvePoint, profileOf, meterAddress, type MeterContext } from '../../simulators/concentrator/index.js';
import { dialInFactory, parseEndpoint } from '../../simulators/concentrator/channels.js';
import { TerminalSession } from '../../simulators/concentrator/session.js';
import { realScheduler, type Scheduler } from '../../simulators/concentrator/scheduler.js';
import { energyAt } from '../../simulators/model.js';
import { InProcessBus, type HesEvents } from '../../src/bus.js';
import { Fep } from '../../src/fep/fep.js';
import { MemoryDirectory } from '../../src/fep/directory.js';

const ID = { a1: '1101', a2: 21 };
const KEY = '1101-00021';
/** 10:00 CST, 3 May 2024. */
const T0 = Date.UTC(2024, 4, 3, 2, 0, 0);
const fixedTime: Scheduler = { now: () => T0, setTimer: (d, fn) => realScheduler.setTimer(d, fn), clearTimer: (h) => realScheduler.clearTimer(h) };
const ctx: MeterContext = { seed: 1, terminal: KEY } as MeterContext;

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function once<K extends keyof HesEvents>(bus: InProcessBus, topic: K, pred: (p: HesEvents[K]) => boolean = () => true, ms = 5000): Promise<HesEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`no ${String(topic)} within ${ms} ms`))), ms);
    const off = bus.subscribe(topic, (p) => {
      if (!pred(p)) return;
      clearTimeout(timer);
      off();
      resolve(p);
    });
  });
}

async function serve(channel: 'tcp' | 'mqtt'): Promise<{ fep: Fep; bus: InProcessBus }> {
  const bus = new InProcessBus();
  const fep = new Fep({ directory: new MemoryDirectory([{ id: 'T21', ...ID }]), bus, config: { timeoutMs: 3000, retries: 1 }, sweepMs: 100 });
  cleanups.push(() => fep.close());
  let url: string;
  if (channel === 'mqtt') {
    const broker = await Aedes.createBroker();
    const server = net.createServer(broker.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    cleanups.push(() => new Promise<void>((r) => broker.close(() => r())));
    url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    await fep.attachMqtt({ url });
  } else {
    const { port } = await fep.listenTcp(0, '127.0.0.1');
    url = `tcp://127.0.0.1:${port}`;
  }
  const online = once(bus, 'online');
  const device = new SimulatedTerminal(ID, { meterCount: 8 });
  const session = new TerminalSession({
    device,
    scheduler: fixedTime,
    connect: dialInFactory(parseEndpoint(url), ID),
    loginTimeoutMs: 1000,
    backoff: { baseMs: 200, maxMs: 1000 },
    reportPollMs: 50,
  });
  cleanups.push(() => session.stop());
  session.start();
  await online;
  return { fep, bus };
}

for (const channel of ['mqtt', 'tcp'] as const) {
  describe(`simulated concentrator through the FEP over ${channel === 'mqtt' ? 'MQTT (aedes)' : 'TCP'}`, () => {
    it('AFN04 F1 set is confirmed and AFN0A F1 returns it', async () => {
      const { fep } = await serve(channel);
      const f1 = { rts: 0, masterDelay: 5, wait: { timeout: 30, retries: 2 }, confirm: { class1: true, class2: false, class3: true }, heartbeat: 2 };
      const set = await fep.request(KEY, { afn: 0x04, units: [{ pn: 0, fn: 1, data: f1 }], priority: 'control' });
      expect(set.units[0]).toMatchObject({ fn: 1 }); // AFN00 F1: all confirmed
      const q = await fep.request(KEY, { afn: 0x0a, units: [{ pn: 0, fn: 1 }] });
      expect((q.units[0] as KnownUnit).data).toMatchObject(f1);
    });

    it('a 15-minute power curve (AFN0D F81) equals the model', async () => {
      const { fep } = await serve(channel);
      const start = { year: 2024, month: 5, day: 3, hour: 8, minute: 0 };
      const r = await fep.request(KEY, { afn: 0x0d, units: [{ pn: 3, fn: 81, data: { td: { start, density: 1, points: 8 } } }] });
      const data = (r.units[0] as KnownUnit).data as { values: (number | null)[] };
      const t0 = Date.UTC(2024, 4, 3, 0, 0, 0); // 08:00 CST
      expect(data.values).toEqual(Array.from({ length: 8 }, (_, i) => curvePoint(81, profileOf(ctx, 3), t0 + i * 900_000, 900_000)));
    });

    it('remote trip is confirmed, and the ERC5 active report reaches the bus', async () => {
      const { fep, bus } = await serve(channel);
      const event = once(bus, 'event', (e) => e.records.some((x) => x.erc === 5));
      const r = await fep.control(KEY, [{ pn: 1, fn: 1, data: { turn: { alarmDelay: 0, limitTime: 0 } } }]);
      expect(r.confirm).toEqual({ ok: true, fn: 1 });
      const e = await event;
      expect(e).toMatchObject({ terminal: KEY, important: true });
      expect(e.records.find((x) => x.erc === 5)).toMatchObject({ erc: 5, data: { rounds: [1], powerAfter2Min: 0 } });
    });

    it('a DL/T 645 read forwarded through AFN10 returns the meter model’s register', async () => {
      const { fep } = await serve(channel);
      const m = await fep.readMeter(KEY, { pn: 2, di: '0001FF00' });
      expect(m.address).toBe(meterAddress(ID, 2));
      expect(m.value).toEqual(energyAt(profileOf(ctx, 2), T0).forwardActive);
    });
  });
}
