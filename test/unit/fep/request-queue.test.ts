/**
 * RequestQueue and Session on a manual clock over an in-memory pipe: priority order, window, PSEQ
 * allocation and wrap, multi-frame reassembly with duplicates and gaps, timeouts/retries, deny, bounds,
 * heartbeat-silence and login deadlines.
 */
import { describe, expect, it } from 'vitest';
import { builders, decodeMessage, type Gw376Frame, Gw376Deframer, type Gw376Message, type KnownUnit } from '../../../protocols/gw376/index.js';
import { QueueFullError, TimeoutError } from '../../../drivers/errors.js';
import { ManualClock } from '../../../src/clock.js';
import { InProcessBus, type HesEvents } from '../../../src/bus.js';
import { DeniedError } from '../../../src/errors.js';
import { Fep } from '../../../src/fep/fep.js';
import { MemoryDirectory } from '../../../src/fep/directory.js';
import { Quarantine } from '../../../src/fep/quarantine.js';
import { RequestQueue, type RequestResult } from '../../../src/fep/request-queue.js';
import { PipeTransport } from '../../helpers/pipe-transport.js';

const ID = { a1: '1101', a2: 7 };
const T = { ...ID, msa: 1 };
const frameOf = (b: Buffer): Gw376Frame => new Gw376Deframer().feed(b)[0]!;

function queue(o: { window?: number; limit?: number; timeoutMs?: number; retries?: number } = {}) {
  const clock = new ManualClock();
  const sent: Gw376Message[] = [];
  const q = new RequestQueue(
    { terminal: '1101-00007', clock, send: (b) => (sent.push(decodeMessage(b)), true), timing: () => ({ timeoutMs: o.timeoutMs ?? 1000, retries: o.retries ?? 0 }) },
    { window: o.window ?? 1, limit: o.limit ?? 10 },
  );
  const read = (pn: number, priority: 'control' | 'callup' | 'scheduled' = 'callup') =>
    q.enqueue({ afn: 0x0c, what: `AFN0C F25 p${pn}`, priority, build: (seq) => builders.readRealtime(T, 25, [pn], { seq }) });
  return { clock, sent, q, read };
}

const reply = (req: Gw376Message, pns: number[], o: { fir?: boolean; fin?: boolean; seq?: number } = {}): Gw376Frame =>
  frameOf(builders.response(req, pns.map((pn) => ({ pn, fn: 2, data: { clock: builders.clockOf(new Date(Date.UTC(2024, 4, 1))) } }) as KnownUnit).map((u) => ({ ...u, pn: 0 })), o));

describe('RequestQueue', () => {
  it('sends in priority order with a window of 1, allocating PSEQ 0..15 with wrap', async () => {
    const { sent, q, read } = queue({ limit: 100 });
    const done: Promise<RequestResult>[] = [];
    done.push(read(1, 'scheduled'), read(2, 'scheduled'), read(3, 'callup'), read(4, 'control'));
    expect(sent).toHaveLength(1);
    for (let i = 0; i < 4; i++) q.onResponse(reply(sent[i]!, [0]));
    expect(sent.map((m) => (m.units[0] as KnownUnit).pn)).toEqual([1, 4, 3, 2]);
    await Promise.all(done);
    for (let i = 0; i < 20; i++) {
      const p = read(i + 10);
      q.onResponse(reply(sent.at(-1)!, [0]));
      await p;
    }
    expect(sent.map((m) => m.seq)).toEqual(Array.from({ length: 24 }, (_, i) => i & 15));
  });

  it('reassembles a multi-frame reply (RSEQ+1 per frame), ignores a duplicated part, and retries after a gap', async () => {
    const { clock, sent, q, read } = queue({ retries: 1 });
    const p = read(1);
    const req = sent[0]!;
    expect(q.onResponse(reply(req, [0], { fir: true, fin: false }))).toBe(true);
    expect(q.onResponse(reply(req, [0], { fir: false, fin: false, seq: (req.seq + 1) & 15 }))).toBe(true);
    expect(q.onResponse(reply(req, [0], { fir: false, fin: false, seq: (req.seq + 1) & 15 }))).toBe(true); // duplicate
    // Gap: frame +3 instead of +2 drops the parts; the timer then repeats the request with the same PSEQ.
    q.onResponse(reply(req, [0], { fir: false, fin: true, seq: (req.seq + 3) & 15 }));
    clock.advance(1000);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.seq).toBe(req.seq);
    q.onResponse(reply(req, [0], { fir: true, fin: false }));
    clock.advance(900); // each part restarts the reply timer
    q.onResponse(reply(req, [0], { fir: false, fin: false, seq: (req.seq + 1) & 15 }));
    clock.advance(900);
    q.onResponse(reply(req, [0], { fir: false, fin: true, seq: (req.seq + 2) & 15 }));
    const r = await p;
    expect(r).toMatchObject({ frames: 3, attempts: 2 });
    expect(r.units).toHaveLength(3);
  });

  it('times out after the retries with TimeoutError carrying the attempts and request hex', async () => {
    const { clock, sent, read } = queue({ timeoutMs: 500, retries: 2 });
    const p = read(1).catch((e: unknown) => e);
    clock.advance(1499);
    expect(sent).toHaveLength(3);
    clock.advance(1);
    const err = (await p) as TimeoutError;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.attempts).toBe(3);
    expect(err.requestHex).toMatch(/^68 /);
  });

  it('AFN00 F2 → DeniedError; F1 → confirm result; bounded queue → QueueFullError', async () => {
    const { sent, q, read } = queue({ limit: 1 });
    const a = read(1).catch((e: unknown) => e);
    const b = read(2);
    await expect(read(3)).rejects.toBeInstanceOf(QueueFullError);
    q.onResponse(frameOf(builders.terminalConfirm(sent[0]!, false)));
    expect(await a).toBeInstanceOf(DeniedError);
    q.onResponse(frameOf(builders.terminalConfirm(sent[1]!, true)));
    expect((await b).confirm).toEqual({ ok: true, fn: 1 });
    // A late or unknown reply matches nothing.
    expect(q.onResponse(frameOf(builders.terminalConfirm(sent[1]!, true)))).toBe(false);
  });

  it('window 2 keeps two requests in flight with distinct PSEQs, matched independently', async () => {
    const { sent, q, read } = queue({ window: 2 });
    const a = read(1);
    const b = read(2);
    expect(sent.map((m) => m.seq)).toEqual([0, 1]);
    q.onResponse(reply(sent[1]!, [0]));
    q.onResponse(reply(sent[0]!, [0]));
    expect((await a).attempts).toBe(1);
    expect((await b).attempts).toBe(1);
  });
});

describe('Session supervision on a manual clock', () => {
  function fep(config: ConstructorParameters<typeof Fep>[0]['config'] = {}) {
    const clock = new ManualClock();
    const bus = new InProcessBus();
    const f = new Fep({ directory: new MemoryDirectory([{ id: 'T7', ...ID, commParams: { timeoutS: 30, retries: 3, heartbeatMinutes: 1 } }]), bus, clock, sweepMs: 1000, config });
    const events: { topic: string; p: unknown }[] = [];
    for (const topic of ['online', 'offline', 'heartbeat'] as (keyof HesEvents)[]) bus.subscribe(topic, (p) => events.push({ topic, p }));
    return { clock, f, events };
  }

  it('heartbeat period from AFN04 F1 (1 min) × silencePeriods 3 → offline after 3 silent minutes', () => {
    const { clock, f, events } = fep();
    const t = new PipeTransport();
    t.isOpen = true;
    f.attach(t);
    t.deliver(builders.login(ID, 1));
    expect(t.written.map((b) => b.toString('hex'))).toEqual([builders.linkConfirm({ ...ID, msa: 0 }, 1).toString('hex')]);
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      t.deliver(builders.heartbeat(ID, (i + 2) & 15));
    }
    expect(events.filter((e) => e.topic === 'heartbeat')).toHaveLength(5);
    expect(events.filter((e) => e.topic === 'offline')).toEqual([]);
    clock.advance(179_000);
    expect(f.isOnline('1101-00007')).toBe(true);
    clock.advance(1000);
    expect(events.at(-1)).toMatchObject({ topic: 'offline', p: { reason: 'heartbeat-silence', at: clock.now() } });
    expect(t.isOpen).toBe(false);
  });

  it('a heartbeat carrying the terminal clock (A.1) gives the clock offset', () => {
    const { clock, f, events } = fep();
    const t = new PipeTransport();
    t.isOpen = true;
    f.attach(t);
    t.deliver(builders.login(ID, 1));
    // 2013-style heartbeat: DA/DT then A.1, terminal 90 s ahead.
    const base = builders.heartbeat(ID, 2);
    const clockBytes = Buffer.from([0x30, 0x01, 0x08, 0x01, 0x05 | (3 << 5), 0x24]); // 08:01:30 1 May 2024 (Wed) CST
    const hb = Buffer.concat([base.subarray(0, 18), clockBytes, Buffer.from([0, 0x16])]);
    const l = ((12 + 6) << 2) | 2;
    hb.writeUInt16LE(l, 1);
    hb.writeUInt16LE(l, 3);
    let cs = 0;
    for (let i = 6; i < hb.length - 2; i++) cs = (cs + hb[i]!) & 0xff;
    hb[hb.length - 2] = cs;
    clock.set(Date.UTC(2024, 4, 1, 0, 0, 0));
    t.deliver(hb);
    expect(events.at(-1)).toMatchObject({ topic: 'heartbeat', p: { clockOffsetMs: 90_000 } });
    expect(f.sessions()[0]!.session!.clockOffsetMs).toBe(90_000);
  });
});

describe('AFN04 F1 learned from the terminal', () => {
  it('an AFN0A F1 answer sets the timeout, retries and heartbeat period the FEP applies from then on', async () => {
    const clock = new ManualClock();
    const bus = new InProcessBus();
    const offline: HesEvents['offline'][] = [];
    bus.subscribe('offline', (p) => offline.push(p));
    // Directory without comm params: defaults 10 s, no retry, 15-minute heartbeat.
    const f = new Fep({ directory: new MemoryDirectory([{ id: 'T7', ...ID }]), bus, clock, sweepMs: 1000, config: { timeoutMs: 10_000, retries: 0, heartbeatS: 900 } });
    const t = new PipeTransport();
    t.isOpen = true;
    f.attach(t);
    t.deliver(builders.login(ID, 1));
    const query = f.request('1101-00007', { afn: 0x0a, units: [{ pn: 0, fn: 1 }] });
    const req = decodeMessage(t.written.at(-1)!);
    const f1 = { rts: 0, masterDelay: 0, wait: { timeout: 3, retries: 1 }, confirm: { class1: false, class2: false, class3: true }, heartbeat: 2 };
    t.deliver(builders.response(req, [{ pn: 0, fn: 1, data: f1 }]));
    expect(((await query).units[0] as KnownUnit).data).toMatchObject({ wait: { timeout: 3, retries: 1 }, heartbeat: 2 });

    // 3 s per attempt, one retry.
    const read = f.readRealtime('1101-00007', 25, [1]);
    const failed = read.catch((e: unknown) => e);
    const sent = t.written.length;
    clock.advance(3000);
    expect(t.written.length).toBe(sent + 1);
    clock.advance(3000);
    expect(await failed).toBeInstanceOf(TimeoutError);
    expect(await failed).toMatchObject({ attempts: 2 });
    // Silence supervision: 3 periods of 2 minutes since the last frame.
    clock.advance(2 * 60_000 * 3 - 6000 - 1000);
    expect(f.isOnline('1101-00007')).toBe(true);
    clock.advance(1000);
    expect(offline).toEqual([expect.objectContaining({ reason: 'heartbeat-silence' })]);
  });
});

describe('Quarantine', () => {
  it('keeps first/last seen and counts, bounded by evicting the entry seen longest ago', () => {
    const q = new Quarantine(2);
    q.record('1101', 1, { now: 1, remote: 'a', channel: 'tcp', login: true });
    q.record('1101', 2, { now: 2, remote: 'b', channel: 'tcp', login: true });
    q.record('1101', 1, { now: 3, remote: 'c', channel: 'tcp', login: false });
    q.record('1101', 3, { now: 4, remote: 'd', channel: 'tcp', login: true });
    expect(q.list().map((e) => [e.terminal, e.firstSeen, e.lastSeen, e.frames, e.logins, e.remote])).toEqual([
      ['1101-00001', 1, 3, 2, 1, 'c'],
      ['1101-00003', 4, 4, 1, 1, 'd'],
    ]);
  });
});
