/**
 * FEP sessions over real TCP (and MQTT over an in-process aedes broker): login → online, heartbeats keep
 * it online, silence → offline with reason, logout, socket loss, unknown terminals quarantined and not
 * served, malformed bytes counted without harm, idle-socket eviction, the session limit.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { builders, Gw376Deframer, type Gw376Frame } from '../../protocols/gw376/index.js';
import { dialInFactory, parseEndpoint } from '../../simulators/concentrator/channels.js';
import { TerminalSession } from '../../simulators/concentrator/session.js';
import { ChannelClosedError } from '../../drivers/errors.js';
import { InProcessBus, type HesEvents } from '../../src/bus.js';
import { Fep, type FepOptions } from '../../src/fep/fep.js';
import { MemoryDirectory } from '../../src/fep/directory.js';
import { MiniTerminal } from '../helpers/mini-terminal.js';

const ID = { a1: '1101', a2: 7 };
const KEY = '1101-00007';
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function record<K extends keyof HesEvents>(bus: InProcessBus, topic: K): HesEvents[K][] {
  const out: HesEvents[K][] = [];
  bus.subscribe(topic, (p) => out.push(p));
  return out;
}

async function until(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startFep(config: FepOptions['config'] = {}) {
  const bus = new InProcessBus();
  const directory = new MemoryDirectory([{ id: 'T7', ...ID }]);
  const fep = new Fep({ directory, bus, config: { timeoutMs: 1000, retries: 0, ...config }, sweepMs: 50 });
  cleanups.push(() => fep.close());
  const { port } = await fep.listenTcp(0, '127.0.0.1');
  return { bus, fep, port, directory };
}

function startTerminal(port: number, id = ID, heartbeatMs = 200) {
  const device = new MiniTerminal(id, { heartbeatMs });
  const session = new TerminalSession({
    device,
    connect: dialInFactory(parseEndpoint(`tcp://127.0.0.1:${port}`), id),
    loginTimeoutMs: 300,
    loginRetries: 100,
    backoff: { baseMs: 100, maxMs: 500 },
  });
  cleanups.push(() => session.stop());
  session.start();
  return { device, session };
}

/** A test-side socket speaking the codec. */
async function rawSocket(port: number) {
  const sock = net.createConnection({ host: '127.0.0.1', port });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const frames: Gw376Frame[] = [];
  const d = new Gw376Deframer({ onFrame: (f) => frames.push(f) });
  sock.on('data', (c: Buffer) => d.push(c));
  let closed = false;
  sock.on('close', () => (closed = true));
  sock.on('error', () => undefined);
  cleanups.push(() => void sock.destroy());
  return { sock, frames, isClosed: () => closed };
}

describe('FEP sessions over TCP', () => {
  it('login → online event, confirmed with AFN00 (C=0BH, same SEQ); heartbeats keep it online; silence → offline', async () => {
    const { bus, fep, port } = await startFep({ heartbeatS: 1, silencePeriods: 2 });
    const online = record(bus, 'online');
    const offline = record(bus, 'offline');
    const beats = record(bus, 'heartbeat');
    const { session } = startTerminal(port, ID, 250);
    await until(() => online.length === 1, 3000, 'online');
    expect(online[0]).toMatchObject({ terminal: KEY, id: 'T7', a1: '1101', a2: 7, via: 'login', channel: 'tcp', replaced: false });
    await until(() => session.state === 'online', 2000, 'the terminal to accept the confirm');
    expect(fep.sessions()).toMatchObject([{ terminal: KEY, online: true }]);
    // 2.3 s > the 2 s silence limit: heartbeats every 250 ms keep it online.
    await new Promise((r) => setTimeout(r, 2300));
    expect(offline).toEqual([]);
    expect(beats.length).toBeGreaterThanOrEqual(6);
    expect(session.counters.heartbeatsConfirmed).toBeGreaterThanOrEqual(6);
    // The modem hangs: the socket stays open, nothing arrives.
    const hung = Date.now();
    session.setFaults({ halfOpen: true });
    await until(() => offline.length === 1, 4000, 'offline');
    expect(offline[0]).toMatchObject({ terminal: KEY, reason: 'heartbeat-silence' });
    expect(offline[0]!.detail).toMatch(/silent for \d+ ms/);
    expect(Date.now() - hung).toBeGreaterThanOrEqual(1500);
    expect(fep.isOnline(KEY)).toBe(false);
    expect(fep.metrics().counters.silenceOffline).toBe(1);
  });

  it('logout and socket loss mark the terminal offline with their reason; queued requests fail', async () => {
    const { bus, fep, port } = await startFep();
    const online = record(bus, 'online');
    const offline = record(bus, 'offline');
    const { session } = startTerminal(port);
    await until(() => online.length === 1);
    // A request to a terminal whose link drops fails with ChannelClosedError, not a timeout.
    const pending = fep.readRealtime(KEY, 25, [1], { timeoutMs: 5000 }).catch((e: unknown) => e);
    session.setFaults({ offlineUntil: Date.now() + 60_000 });
    await until(() => offline.length === 1);
    expect(offline[0]).toMatchObject({ reason: 'socket-closed' });
    expect(await pending).toBeInstanceOf(ChannelClosedError);
    await expect(fep.readRealtime(KEY, 25, [1])).rejects.toBeInstanceOf(ChannelClosedError);
    session.setFaults({ offlineUntil: 0 });
    await session.stop();
    const { session: s2 } = startTerminal(port);
    await until(() => online.length === 2 && s2.state === 'online');
    await s2.stop(); // sends F2 logout and waits for the confirm
    await until(() => offline.length === 2);
    expect(offline[1]).toMatchObject({ reason: 'logout' });
    expect(s2.state).toBe('stopped');
  });

  it('an unknown terminal is quarantined, not confirmed, not served', async () => {
    const { bus, fep, port } = await startFep();
    const unknown = record(bus, 'unknownTerminal');
    const online = record(bus, 'online');
    const stranger = { a1: '1101', a2: 999 };
    const { session } = startTerminal(port, stranger);
    await until(() => (fep.quarantine()[0]?.frames ?? 0) >= 2, 3000, 'two logins');
    const q = fep.quarantine();
    expect(q).toHaveLength(1);
    expect(q[0]).toMatchObject({ terminal: '1101-00999', a1: '1101', a2: 999, channel: 'tcp' });
    expect(q[0]!.logins).toBeGreaterThanOrEqual(2);
    expect(q[0]!.lastSeen).toBeGreaterThanOrEqual(q[0]!.firstSeen);
    expect(q[0]!.remote).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(unknown).toHaveLength(1);
    expect(online).toEqual([]);
    expect(session.state).not.toBe('online');
    await expect(fep.readRealtime('1101-00999', 25, [1])).rejects.toBeInstanceOf(ChannelClosedError);
    expect(fep.metrics().counters.unknownFrames).toBeGreaterThanOrEqual(2);
  });

  it('malformed bytes are counted and published with hex; the session carries on', async () => {
    const { bus, fep, port } = await startFep();
    const errors = record(bus, 'frameError');
    const online = record(bus, 'online');
    const raw = await rawSocket(port);
    const login = builders.login(ID, 3);
    const bad = Buffer.from(login);
    bad[bad.length - 2] = bad[bad.length - 2]! ^ 0xff; // wrong CS
    const downlink = builders.readRealtime({ ...ID, msa: 1 }, 25, [1], { seq: 1 });
    raw.sock.write(Buffer.concat([Buffer.from('0102030405', 'hex'), bad, downlink, Buffer.from('68ffff', 'hex')]));
    raw.sock.write(login);
    // The online event and the confirm's arrival at the terminal race: wait for both.
    await until(() => online.length === 1 && raw.frames.length >= 1);
    expect(raw.frames[0]).toMatchObject({ afn: 0, seq: 3, control: 0x0b });
    expect(errors.length).toBeGreaterThanOrEqual(3);
    // Garbage and the bad-CS frame are dropped (one span or several); the 3-byte false start waits as a
    // possible frame head until the login behind it resolves it.
    const dropped = errors.filter((e) => !/downlink/.test(e.reason)).reduce((n, e) => n + e.length, 0);
    expect(dropped).toBeGreaterThanOrEqual(5 + bad.length);
    expect(errors.some((e) => /downlink frame/.test(e.reason))).toBe(true);
    expect(errors.every((e) => /^[0-9A-F ]*$/.test(e.hex))).toBe(true);
    expect(fep.metrics().counters.frameErrors).toBe(errors.length);
    // Still served: a heartbeat is confirmed.
    raw.sock.write(builders.heartbeat(ID, 4));
    await until(() => raw.frames.length === 2);
    expect(raw.frames[1]).toMatchObject({ afn: 0, seq: 4 });
  });

  it('evicts sockets that never log in, and refuses sockets beyond maxSessions', async () => {
    const { fep, port } = await startFep({ loginTimeoutMs: 300, maxSessions: 2 });
    const a = await rawSocket(port);
    const b = await rawSocket(port);
    await until(() => fep.metrics().sessions === 2);
    const c = await rawSocket(port);
    await until(() => c.isClosed(), 2000, 'refused socket closed');
    expect(fep.metrics().counters.rejected).toBe(1);
    await until(() => a.isClosed() && b.isClosed(), 2000, 'idle sockets evicted');
    expect(fep.metrics()).toMatchObject({ sessions: 0, counters: { evicted: 2 } });
  });
});

describe('FEP sessions over MQTT (aedes in-process)', () => {
  it('login, heartbeat and a call-up through the topic pair', async () => {
    const broker = await Aedes.createBroker();
    const server = net.createServer(broker.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    cleanups.push(() => new Promise<void>((r) => broker.close(() => r())));
    const url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const { bus, fep } = await startFep();
    await fep.attachMqtt({ url });
    const online = record(bus, 'online');
    const beats = record(bus, 'heartbeat');
    const device = new MiniTerminal(ID, { heartbeatMs: 200 });
    const session = new TerminalSession({ device, connect: dialInFactory(parseEndpoint(url), ID), loginTimeoutMs: 500, backoff: { baseMs: 100, maxMs: 500 } });
    cleanups.push(() => session.stop());
    session.start();
    await until(() => online.length === 1);
    expect(online[0]).toMatchObject({ terminal: KEY, channel: 'mqtt' });
    await until(() => beats.length >= 2);
    const r = await fep.readDaily(KEY, 161, [1, 2, 3], { year: 2024, month: 5, day: 2 });
    expect(r.units.map((u) => (u.raw ? -1 : u.pn))).toEqual([1, 2, 3]);
    await session.stop();
  });
});
