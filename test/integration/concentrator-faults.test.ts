/** Each channel-level fault of the catalogue, observed by a master on real TCP. */
import { afterEach, describe, expect, it } from 'vitest';
import { builders, decodeFrame } from '../../protocols/gw376/index.js';
import { dialInFactory, parseEndpoint } from '../../simulators/concentrator/channels.js';
import { TerminalSession } from '../../simulators/concentrator/session.js';
import { mulberry32 } from '../../simulators/model.js';
import { TcpMiniMaster } from '../helpers/mini-master.js';
import { MiniTerminal } from '../helpers/mini-terminal.js';

const ID = { a1: '1101', a2: 9 };
const T = { ...ID, msa: 1 };
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function online(heartbeatMs = 60_000) {
  const master = await TcpMiniMaster.start();
  cleanups.push(() => master.close());
  const device = new MiniTerminal(ID, { heartbeatMs });
  const session = new TerminalSession({
    device,
    connect: dialInFactory(parseEndpoint(`tcp://127.0.0.1:${master.port}`), ID),
    backoff: { baseMs: 100, maxMs: 400 },
    random: mulberry32(7),
  });
  cleanups.push(() => session.stop());
  session.start();
  const login = await master.waitFor((f) => f.link === 'login', 3000, 'login');
  await sleep(30);
  const read = (seq: number) => master.send(login.conn, builders.readRealtime(T, 2, [0], { seq }));
  const answers = () => master.frames.filter((f) => f.msg.afn === 0x0c);
  return { master, session, device, conn: login.conn, read, answers };
}

describe('channel faults on the wire (TCP)', () => {
  it('offline: the master sees the socket close, no connection during the period, then a new login', async () => {
    const r = await online();
    const t0 = Date.now();
    r.session.setFaults({ offlineUntil: t0 + 600 });
    const again = await r.master.next((f) => f.link === 'login', 3000, 'login after offline');
    expect(r.master.closedConns[0]!.t - t0).toBeLessThan(200);
    expect(r.master.acceptTimes[1]! - t0).toBeGreaterThanOrEqual(590);
    expect(again.conn).toBe('1');
  });

  it('half-open: socket stays open, heartbeats stop, requests go unanswered', async () => {
    const r = await online(150);
    await r.master.next((f) => f.link === 'heartbeat', 1000, 'heartbeat');
    r.session.setFaults({ halfOpen: true });
    const t0 = Date.now();
    r.read(1);
    await sleep(700);
    expect(r.master.frames.filter((f) => f.t > t0 + 20)).toHaveLength(0);
    expect(r.master.sockets.has(r.conn)).toBe(true);
    expect(r.session.state).toBe('online');
  });

  it('slow: the answer arrives after the delay', async () => {
    const r = await online();
    r.session.setFaults({ slowMs: 400 });
    const t0 = Date.now();
    r.read(2);
    const a = await r.master.next((f) => f.msg.afn === 0x0c, 2000, 'slow answer');
    expect(a.t - t0).toBeGreaterThanOrEqual(390);
  });

  it('loss: 100 % → no answers; 50 % → some of 40 answered', async () => {
    const r = await online();
    r.session.setFaults({ lossPct: 100 });
    for (let i = 0; i < 5; i++) r.read(i);
    await sleep(200);
    expect(r.answers()).toHaveLength(0);
    r.session.setFaults({ lossPct: 50 });
    for (let i = 0; i < 40; i++) r.read(i & 15);
    await sleep(300);
    const n = r.answers().length;
    expect(n).toBeGreaterThan(3);
    expect(n).toBeLessThan(37);
  });

  it('corruption: the master deframer rejects every answer (bad checksum or header)', async () => {
    const r = await online();
    r.session.setFaults({ corruptPct: 100 });
    const seen: Buffer[] = [];
    const sock = r.master.sockets.get(r.conn)!;
    sock.on('data', (c: Buffer) => seen.push(c));
    for (let i = 0; i < 5; i++) r.read(i);
    await sleep(200);
    expect(r.answers()).toHaveLength(0);
    // five answers of equal length, each with one flipped byte: none decodes
    const raw = Buffer.concat(seen);
    expect(raw.length % 5).toBe(0);
    const len = raw.length / 5;
    for (let i = 0; i < 5; i++) expect(() => decodeFrame(raw.subarray(i * len, (i + 1) * len))).toThrow();
    r.session.setFaults({ corruptPct: 0 });
  });

  it('duplication: every answer arrives twice', async () => {
    const r = await online();
    r.session.setFaults({ duplicatePct: 100 });
    r.read(3);
    r.read(4);
    await sleep(200);
    expect(r.answers().map((a) => a.msg.seq)).toEqual([3, 3, 4, 4]);
  });

  it('clock offset: the terminal clock in AFN0C F2 is ahead by the offset', async () => {
    const r = await online();
    r.session.setFaults({ clockOffsetMs: 3_600_000 });
    r.read(6);
    const a = await r.master.next((f) => f.msg.afn === 0x0c, 2000, 'clock answer');
    const c = (a.msg.units[0] as { data: { clock: { year: number; month: number; day: number; hour: number; minute: number; second: number } } }).data.clock;
    const shown = Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second) - 8 * 3600_000;
    expect(Math.abs(shown - (Date.now() + 3_600_000))).toBeLessThan(3000);
  });
});
