/**
 * The concentrator session over MQTT (one topic pair per terminal, binary frame payloads, QoS 1): against
 * aedes in-process and against an external Mosquitto started for the test (fails, never skips, when
 * Mosquitto cannot be found).
 */
import net from 'node:net';
import { Aedes, type Client } from 'aedes';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoHandle } from '../../drivers/mosquitto.js';
import { parseTerminalTopic, terminalTopics } from '../../drivers/mqtt.js';
import { builders, type KnownUnit } from '../../protocols/gw376/index.js';
import { dialInFactory, parseEndpoint } from '../../simulators/concentrator/channels.js';
import { TerminalSession } from '../../simulators/concentrator/session.js';
import { Fleet } from '../../simulators/fleet/fleet.js';
import { MqttMiniMaster } from '../helpers/mini-master.js';
import { MiniTerminal } from '../helpers/mini-terminal.js';
import { requireMosquitto } from '../helpers/system.js';

const ID = { a1: '1101', a2: 7 };
const T = { ...ID, msa: 1 };
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function session(url: string, heartbeatMs = 300) {
  const device = new MiniTerminal(ID, { heartbeatMs });
  const s = new TerminalSession({ device, connect: dialInFactory(parseEndpoint(url), ID), loginTimeoutMs: 1000, backoff: { baseMs: 200, maxMs: 1000 } });
  cleanups.push(() => s.stop());
  s.start();
  return s;
}

async function loginHeartbeatReadLogout(url: string) {
  const master = await MqttMiniMaster.start(url);
  cleanups.push(() => master.close());
  const s = await session(url);
  const login = await master.waitFor((f) => f.link === 'login', 5000, 'login');
  expect(login.conn).toBe('hes/1101/7');
  expect(login.msg).toMatchObject({ afn: 2, a1: '1101', a2: 7 });
  await master.next((f) => f.link === 'heartbeat', 3000, 'heartbeat');
  const hb = await master.next((f) => f.link === 'heartbeat', 3000, 'second heartbeat');
  expect(s.counters.heartbeatsConfirmed).toBeGreaterThanOrEqual(1);
  const pns = Array.from({ length: 60 }, (_, i) => i + 1);
  master.send(login.conn, builders.readDailyFrozen(T, pns, { year: 2024, month: 5, day: 2 }, { seq: 4 })[0]!);
  await master.next((f) => f.msg.afn === 0x0d && f.msg.fin === true, 3000, 'F161 answer');
  const parts = master.frames.filter((f) => f.msg.afn === 0x0d);
  expect(parts.map((p) => p.msg.seq)).toEqual([4, 5]);
  expect(parts.flatMap((p) => (p.msg.units as KnownUnit[]).map((u) => u.pn))).toEqual(pns);
  expect(hb.t - login.t).toBeGreaterThanOrEqual(500);
  await s.stop();
  expect(master.frames.some((f) => f.link === 'logout')).toBe(true);
  return { master, s };
}

describe('MQTT channel over aedes (in-process)', () => {
  let broker: Aedes;
  let server: net.Server;
  let url = '';
  const clients = new Map<string, Client>();
  beforeAll(async () => {
    broker = await Aedes.createBroker();
    broker.on('client', (c) => clients.set(c.id, c));
    server = net.createServer(broker.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => broker.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('topics: hes/<A1>/<A2>/up and /down, parsed back', () => {
    expect(terminalTopics('1101', 7)).toEqual({ up: 'hes/1101/7/up', down: 'hes/1101/7/down' });
    expect(parseTerminalTopic('hes/1101/65535/down')).toEqual({ a1: '1101', a2: 65535, dir: 'down' });
    expect(parseTerminalTopic('hes/1101/x/up')).toBeUndefined();
  });

  it('login, heartbeats, multi-frame F161 read, logout', async () => {
    await loginHeartbeatReadLogout(url);
  });

  it('reconnects and logs in again after the broker drops the terminal', async () => {
    const master = await MqttMiniMaster.start(url);
    cleanups.push(() => master.close());
    const s = await session(url, 60_000);
    await master.waitFor((f) => f.link === 'login', 5000, 'login');
    clients.get('hes-sim-1101-7')!.close();
    await master.next((f) => f.link === 'login', 5000, 'second login');
    expect(s.counters.reconnects).toBe(1);
  });

  it('a fleet of 30 terminals sharing 3 MQTT connections logs in', async () => {
    const master = await MqttMiniMaster.start(url);
    cleanups.push(() => master.close());
    const fleet = new Fleet({
      terminals: 30,
      metersPerTerminal: 4,
      endpoint: parseEndpoint(url),
      makeDevice: ({ id }) => new MiniTerminal(id, { heartbeatMs: 60_000 }),
      mqttConnections: 3,
      progressMs: 0,
    });
    cleanups.push(() => fleet.stop());
    await fleet.start();
    await fleet.waitOnline(30, 10_000);
    expect(new Set(master.frames.filter((f) => f.link === 'login').map((f) => f.conn)).size).toBe(30);
    master.send('hes/1101/12', builders.readRealtime({ a1: '1101', a2: 12, msa: 1 }, 2, [0], { seq: 2 }));
    const a = await master.next((f) => f.msg.afn === 0x0c, 3000, 'answer of terminal 12');
    expect(a.conn).toBe('hes/1101/12');
  });
});

describe('MQTT channel over Mosquitto (external broker)', () => {
  let mosq: MosquittoHandle;
  beforeAll(async () => {
    requireMosquitto();
    mosq = await startMosquitto();
  });
  afterAll(async () => {
    await mosq?.stop();
  });

  it('login, heartbeats, multi-frame F161 read, logout', async () => {
    await loginHeartbeatReadLogout(mosq.url);
  });
});
