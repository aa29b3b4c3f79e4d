/**
 * A simulated concentrator's session over real TCP against a test-side master (net.Server + codec):
 * dial-in login, heartbeats at the period, reads (multi-frame), reconnect after a drop, missed-heartbeat
 * drop, logout on shutdown; listen mode (head-end dial-out).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { builders, decodeMessage, Gw376Deframer, type KnownUnit } from '../../protocols/gw376/index.js';
import { listenForMaster, parseEndpoint, dialInFactory } from '../../simulators/concentrator/channels.js';
import { TerminalSession, newCounters } from '../../simulators/concentrator/session.js';
import { TcpMiniMaster } from '../helpers/mini-master.js';
import { MiniTerminal } from '../helpers/mini-terminal.js';

const ID = { a1: '1101', a2: 7 };
const T = { a1: ID.a1, a2: ID.a2, msa: 1 };
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: { heartbeatMs?: number; master?: ConstructorParameters<typeof TcpMiniMaster>[0]; session?: Partial<ConstructorParameters<typeof TerminalSession>[0]> } = {}) {
  const master = await TcpMiniMaster.start(opts.master);
  cleanups.push(() => master.close());
  const device = new MiniTerminal(ID, { heartbeatMs: opts.heartbeatMs ?? 300 });
  const session = new TerminalSession({
    device,
    connect: dialInFactory(parseEndpoint(`tcp://127.0.0.1:${master.port}`), ID),
    loginTimeoutMs: 500,
    backoff: { baseMs: 200, maxMs: 2000 },
    ...opts.session,
  });
  cleanups.push(() => session.stop());
  session.start();
  return { master, device, session };
}

describe('concentrator session over TCP (dial-in)', () => {
  it('logs in, is confirmed, and heartbeats at the period', async () => {
    const { master, session } = await setup({ heartbeatMs: 250 });
    const login = await master.waitFor((f) => f.link === 'login', 3000, 'login');
    expect(login.msg).toMatchObject({ dir: 'up', prm: true, func: 9, a1: '1101', a2: 7, afn: 2, con: true });
    for (let i = 0; i < 4; i++) await master.next((f) => f.link === 'heartbeat', 2000, `heartbeat ${i + 1}`);
    const beats = master.frames.filter((f) => f.link === 'heartbeat');
    const gaps = beats.slice(1).map((b, i) => b.t - beats[i]!.t);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(230);
      expect(g).toBeLessThan(450);
    }
    expect(beats[0]!.t - login.t).toBeGreaterThanOrEqual(230);
    expect(session.state).toBe('online');
    expect(session.counters).toMatchObject({ logins: 1, connected: 1, online: 1 });
    expect(session.counters.heartbeatsConfirmed).toBeGreaterThanOrEqual(3);
  });

  it('answers reads: AFN0C F2 and AFN0D F161 for 100 points over several frames (FIR/FIN, RSEQ+1)', async () => {
    const { master } = await setup({ heartbeatMs: 60_000 });
    const login = await master.waitFor((f) => f.link === 'login', 3000, 'login');
    master.send(login.conn, builders.readRealtime(T, 2, [0], { seq: 5 }));
    const clock = await master.next((f) => f.msg.afn === 0x0c, 2000, 'AFN0C answer');
    expect(clock.msg).toMatchObject({ dir: 'up', prm: false, seq: 5, a2: 7 });
    const pns = Array.from({ length: 100 }, (_, i) => i + 1);
    const [req] = builders.readDailyFrozen(T, pns, { year: 2024, month: 5, day: 3 }, { seq: 9 });
    master.send(login.conn, req!);
    await master.next((f) => f.msg.afn === 0x0d && f.msg.fin === true, 3000, 'last F161 frame');
    const parts = master.frames.filter((f) => f.msg.afn === 0x0d);
    expect(parts).toHaveLength(3);
    expect(parts.map((p) => [p.msg.fir, p.msg.fin, p.msg.seq])).toEqual([
      [true, false, 9],
      [false, false, 10],
      [false, true, 11],
    ]);
    const units = parts.flatMap((p) => p.msg.units as KnownUnit[]);
    expect(units.map((u) => u.pn)).toEqual(pns);
    expect((units[41]!.data as { values: number[] }).values[0]).toBe(42 * 100 + 3);
  });

  it('reconnects with back-off after the master drops the socket, and logs in again', async () => {
    const { master, session } = await setup({ heartbeatMs: 60_000 });
    await master.waitFor((f) => f.link === 'login', 3000, 'login');
    const dropAt = Date.now();
    master.dropAll();
    const second = await master.next((f) => f.link === 'login', 3000, 'second login');
    // first back-off: d = 200 ms, waited d/2 .. d
    expect(master.acceptTimes[1]! - dropAt).toBeGreaterThanOrEqual(95);
    expect(second.conn).toBe('1');
    await until(() => session.counters.logins === 2, 2000);
    expect(session.counters.reconnects).toBe(1);
  });

  it('back-off grows exponentially while the head-end is unreachable, then logs in', async () => {
    const port = await freePort();
    const device = new MiniTerminal(ID, { heartbeatMs: 60_000 });
    const states: { t: number; s: string; d?: string }[] = [];
    const session = new TerminalSession({
      device,
      connect: dialInFactory(parseEndpoint(`tcp://127.0.0.1:${port}`), ID),
      backoff: { baseMs: 100, maxMs: 10_000 },
      random: () => 1 - 1e-9,
      observer: { state: (s, d) => states.push({ t: Date.now(), s, ...(d ? { d } : {}) }) },
    });
    cleanups.push(() => session.stop());
    session.start();
    await sleep(1000);
    const retries = states.filter((s) => s.s === 'backoff').map((s) => Number(/retry in (\d+)/.exec(s.d ?? '')?.[1]));
    expect(retries.slice(0, 3)).toEqual([100, 200, 400]);
    const master = await TcpMiniMaster.startOn(port);
    cleanups.push(() => master.close());
    await master.waitFor((f) => f.link === 'login', 3000, 'login after the master came up');
    expect(session.counters.connectFailures).toBeGreaterThanOrEqual(3);
  });

  it('drops the link after 3 unconfirmed heartbeats and reconnects', async () => {
    const { master, session } = await setup({ heartbeatMs: 150, master: { confirmHeartbeat: false } });
    await master.waitFor((f) => f.link === 'login', 3000, 'login');
    await master.next((f) => f.link === 'login', 4000, 'login after the drop');
    expect(master.closedConns.some((c) => c.conn === '0')).toBe(true);
    expect(master.frames.filter((f) => f.conn === '0' && f.link === 'heartbeat')).toHaveLength(3);
    expect(session.counters.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('retries an unconfirmed login, then drops and reconnects', async () => {
    const { master } = await setup({ master: { confirmLogin: false }, session: { loginTimeoutMs: 150, loginRetries: 1 } });
    await master.waitFor((f) => f.conn === '1' && f.link === 'login', 4000, 'login on the second connection');
    expect(master.frames.filter((f) => f.conn === '0' && f.link === 'login')).toHaveLength(2);
  });

  it('sends F2 logout on shutdown, waits for the confirm, then closes', async () => {
    const { master, session } = await setup({ heartbeatMs: 60_000 });
    await master.waitFor((f) => f.link === 'login', 3000, 'login');
    await sleep(50);
    await session.stop();
    const logout = master.frames.find((f) => f.link === 'logout');
    expect(logout?.msg).toMatchObject({ afn: 2, con: true, a2: 7 });
    await sleep(100);
    expect(master.closedConns.map((c) => c.conn)).toContain('0');
    expect(session.state).toBe('stopped');
    expect(session.counters).toMatchObject({ connected: 0, online: 0 });
  });
});

describe('concentrator session in listen mode (head-end dial-out)', () => {
  it('answers the connection the head-end opens, without login', async () => {
    const device = new MiniTerminal(ID, { heartbeatMs: 60_000 });
    const counters = newCounters();
    const session = new TerminalSession({ device, mode: 'listen', counters });
    const listener = await listenForMaster(session, 0);
    cleanups.push(() => listener.close());
    cleanups.push(() => session.stop());
    expect(session.state).toBe('waiting');
    const sock = net.createConnection({ host: '127.0.0.1', port: listener.port });
    cleanups.push(() => void sock.destroy());
    await new Promise((r) => sock.once('connect', r));
    const got: Buffer[] = [];
    const d = new Gw376Deframer({ onFrame: (f) => got.push(Buffer.from(f.bytes())) });
    sock.on('data', (c: Buffer) => d.push(c));
    sock.write(builders.readRealtime(T, 2, [0], { seq: 3 }));
    await until(() => got.length >= 1, 2000);
    expect(decodeMessage(got[0]!)).toMatchObject({ afn: 0x0c, seq: 3, dir: 'up' });
    expect(session.state).toBe('online');
    expect(counters.connected).toBe(1);
    sock.destroy();
    await until(() => session.state === 'waiting', 2000);
    expect(counters.connected).toBe(0);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(pred: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}
