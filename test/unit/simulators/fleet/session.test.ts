/** TerminalSession on a manual clock over an in-memory pipe: exact timing of back-off, heartbeats and faults. */
import { describe, expect, it } from 'vitest';
import { builders, decodeFrame, decodeMessage } from '../../../../protocols/gw376/index.js';
import { ManualClock } from '../../../../simulators/concentrator/scheduler.js';
import { TerminalSession, corruptFrame, type SessionOptions } from '../../../../simulators/concentrator/session.js';
import { MiniTerminal } from '../../../helpers/mini-terminal.js';
import { PipeTransport } from '../../../helpers/pipe-transport.js';

const ID = { a1: '1101', a2: 3 };
const T = { a1: ID.a1, a2: ID.a2, msa: 1 };
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function rig(o: Partial<SessionOptions> = {}, failOpen = () => false) {
  const clock = new ManualClock(Date.UTC(2024, 4, 1), 10);
  const device = new MiniTerminal(ID, { heartbeatMs: 1000 });
  const pipes: PipeTransport[] = [];
  const session = new TerminalSession({
    device,
    scheduler: clock.wheel,
    random: () => 0.5,
    backoff: { baseMs: 1000, maxMs: 8000 },
    loginTimeoutMs: 500,
    connect: () => {
      const p = new PipeTransport(failOpen());
      pipes.push(p);
      return p;
    },
    ...o,
  });
  const pipe = (): PipeTransport => pipes[pipes.length - 1]!;
  const msgs = (p = pipe()) => p.written.map((b) => decodeMessage(b));
  const confirmLast = (p = pipe()) => p.deliver(builders.linkConfirm(T, decodeMessage(p.written[p.written.length - 1]!).seq));
  return { clock, device, session, pipes, pipe, msgs, confirmLast };
}

describe('TerminalSession (manual clock)', () => {
  it('back-off: 0.75·d with d = 1, 2, 4, 8, 8 s while connections fail', async () => {
    const times: number[] = [];
    const r = rig({}, () => true);
    const t0 = r.clock.time;
    r.session.start();
    for (let k = 0; k < 1800; k++) {
      await flush();
      if (r.pipes.length > times.length) times.push(r.clock.time - t0);
      r.clock.advance(10);
    }
    expect(times.slice(0, 6)).toEqual([0, 750, 2250, 5250, 11250, 17250]);
    expect(r.session.counters.connectFailures).toBeGreaterThanOrEqual(5);
  });

  it('login → confirm → heartbeats exactly every period; period re-read each beat', async () => {
    const r = rig();
    r.session.start();
    await flush();
    expect(r.msgs()[0]).toMatchObject({ afn: 2, units: [{ fn: 1 }] });
    r.confirmLast();
    expect(r.session.state).toBe('online');
    r.clock.advance(1000);
    expect(r.msgs()).toHaveLength(2);
    expect(r.msgs()[1]).toMatchObject({ afn: 2, units: [{ fn: 3 }] });
    r.confirmLast();
    r.device.heartbeatMs = 2000;
    r.clock.advance(1000);
    expect(r.msgs()).toHaveLength(3); // the beat armed with the old period
    r.confirmLast();
    r.clock.advance(1990);
    expect(r.msgs()).toHaveLength(3);
    r.clock.advance(10);
    expect(r.msgs()).toHaveLength(4);
  });

  it('ignores frames for another terminal; answers its own', async () => {
    const r = rig();
    r.session.start();
    await flush();
    r.confirmLast();
    r.pipe().deliver(builders.readRealtime({ ...T, a2: 4 }, 2, [0], { seq: 1 }));
    r.pipe().deliver(builders.readRealtime(T, 2, [0], { seq: 2 }));
    expect(r.msgs().slice(1).map((m) => [m.afn, m.seq])).toEqual([[0x0c, 2]]);
  });

  it('faults: loss 100 % sends nothing; duplicate 100 % sends twice; corrupt breaks the CS; slow delays', async () => {
    const r = rig();
    r.session.start();
    await flush();
    r.confirmLast();
    const out = () => r.pipe().written.length;
    const ask = (seq: number) => r.pipe().deliver(builders.readRealtime(T, 2, [0], { seq }));
    r.session.setFaults({ lossPct: 100 });
    ask(1);
    expect(out()).toBe(1);
    r.session.setFaults({ lossPct: 0, duplicatePct: 100 });
    ask(2);
    expect(out()).toBe(3);
    expect(r.pipe().written[1]).toEqual(r.pipe().written[2]);
    r.session.setFaults({ duplicatePct: 0, corruptPct: 100 });
    ask(3);
    expect(() => decodeFrame(r.pipe().written[3]!)).toThrow();
    r.session.setFaults({ corruptPct: 0, slowMs: 700 });
    ask(4);
    expect(out()).toBe(4);
    r.clock.advance(690);
    expect(out()).toBe(4);
    r.clock.advance(20);
    expect(out()).toBe(5);
    expect(r.session.counters.faultsInjected).toBe(4);
  });

  it('half-open: socket stays open, no heartbeats and no answers; heals when cleared', async () => {
    const r = rig();
    r.session.start();
    await flush();
    r.confirmLast();
    r.session.setFaults({ halfOpen: true });
    r.clock.advance(5000);
    r.pipe().deliver(builders.readRealtime(T, 2, [0], { seq: 5 }));
    expect(r.pipe().written).toHaveLength(1);
    expect(r.pipe().isOpen).toBe(true);
    r.session.setFaults({ halfOpen: false });
    r.clock.advance(1000);
    expect(r.msgs()[1]).toMatchObject({ afn: 2, units: [{ fn: 3 }] });
  });

  it('offline: drops the link and makes no attempt before the end of the period', async () => {
    const r = rig();
    r.session.start();
    await flush();
    r.confirmLast();
    const t0 = r.clock.time;
    r.session.setFaults({ offlineUntil: t0 + 30_000 });
    expect(r.pipes[0]!.isOpen).toBe(false);
    r.clock.advance(29_990);
    await flush();
    expect(r.pipes).toHaveLength(1);
    r.clock.advance(20);
    await flush();
    expect(r.pipes).toHaveLength(2);
    expect(r.msgs()[0]).toMatchObject({ afn: 2, units: [{ fn: 1 }] });
  });

  it('clock offset and drift shift the time the device is given', async () => {
    const r = rig();
    r.session.start();
    await flush();
    r.confirmLast();
    r.session.setFaults({ clockOffsetMs: 300_000, clockDriftPpm: 1000 });
    const t0 = r.clock.time;
    r.clock.advance(10_000);
    expect(r.session.terminalNow() - r.clock.time).toBe(300_000 + 10);
    expect(r.clock.time - t0).toBe(10_000);
  });

  it('corruptFrame flips exactly one byte between C and CS', () => {
    const f = builders.heartbeat(T, 1);
    for (let k = 0; k < 50; k++) {
      const c = corruptFrame(f);
      const diff = [...c].map((b, i) => (b !== f[i] ? i : -1)).filter((i) => i >= 0);
      expect(diff).toHaveLength(1);
      expect(diff[0]).toBeGreaterThanOrEqual(6);
      expect(diff[0]).toBeLessThan(f.length - 2);
    }
  });
});
