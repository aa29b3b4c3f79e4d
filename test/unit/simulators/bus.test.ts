import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeFrameMessage, Dlt645Deframer, type Dlt645Frame } from '../../../protocols/dlt645/index.js';
import { FrameError } from '../../../protocols/codec/errors.js';
import { MeterBus, type BusLink, type BusLogger, type Timers } from '../../../simulators/meter/bus.js';
import { parseFault, type FaultSpec } from '../../../simulators/meter/faults.js';
import { SimulatedMeter } from '../../../simulators/meter/meter.js';
import { energyAt, profileFor } from '../../../simulators/model.js';
import { frameOf, T } from './helpers.js';

const A = '000000000001';
const B = '000000000002';
const C = '123456789012';

function makeBus(faults: Record<string, string[]> = {}, opts: ConstructorParameters<typeof MeterBus>[1] = {}): MeterBus {
  const meters = [A, B, C].map((address) => ({
    meter: new SimulatedMeter({ address, seed: 9, now: () => T }),
    faults: (faults[address] ?? []).map(parseFault) as FaultSpec[],
  }));
  return new MeterBus(meters, opts);
}

/** Feeds raw bytes through a deframer and dispatches each frame, like a link would. */
function send(bus: MeterBus, bytes: Buffer): ReturnType<MeterBus['dispatch']>[] {
  const out: ReturnType<MeterBus['dispatch']>[] = [];
  const d = new Dlt645Deframer({ onFrame: (f) => out.push(bus.dispatch(f)) });
  d.push(bytes);
  return out;
}
const read = (address: string, di = '00010000'): Buffer => frameOf({ kind: 'read', di }, address);

function framesIn(bytes: Buffer): Dlt645Frame[] {
  const out: Dlt645Frame[] = [];
  const d = new Dlt645Deframer({ onFrame: (f) => out.push(f) });
  d.push(bytes);
  return out;
}

describe('MeterBus: addressing', () => {
  it('answers the addressed meter with its value, Td + wire time later', () => {
    const bus = makeBus();
    const [plan] = send(bus, read(C));
    const reply = decodeFrameMessage(decodeFrame(plan!.bytes));
    expect(reply.address).toBe(C);
    expect((reply.message as { value: number }).value).toBe(energyAt(profileFor(9, C), T).forwardActive.total);
    expect(plan!.bytes.length).toBe(20);
    expect(plan!.delayMs).toBe(30 + Math.ceil((20 * 11 * 1000) / 2400));
    expect(bus.counters).toMatchObject({ requests: 1, replies: 1 });
  });

  it('ignores other addresses, echoes (D7 = 1) and skips FE and junk before a request', () => {
    const bus = makeBus();
    expect(send(bus, read('000000000055'))).toEqual([null]);
    const echo = send(bus, read(C))[0]!.bytes; // a reply on the line
    expect(send(bus, echo)).toEqual([null]);
    const plans = send(bus, Buffer.concat([Buffer.from([0x00, 0xfe, 0xfe, 0x12]), read(A)]));
    expect(plans).toHaveLength(1);
    expect(decodeFrame(plans[0]!.bytes).address).toBe(A);
    expect(bus.counters.ignored).toBe(2);
  });

  it('AA wildcard: a single match answers with its real address; several matches → first answers, warning logged', () => {
    const warnings: object[] = [];
    const logger: BusLogger = { debug() {}, info() {}, warn: (o) => void warnings.push(o) };
    const bus = makeBus({}, { logger });
    const one = send(bus, frameOf({ kind: 'readAddress' }, 'AAAAAAAA9012'))[0]!;
    expect(decodeFrame(one.bytes).address).toBe(C);
    expect(warnings).toHaveLength(0);
    const all = send(bus, frameOf({ kind: 'readAddress' }, 'AAAAAAAAAAAA'))[0]!;
    expect(decodeFrame(all.bytes).address).toBe(A);
    expect(warnings).toHaveLength(1);
  });

  it('broadcast 999999999999: 08H and 16H reach every meter and are never answered; a broadcast read is ignored', () => {
    const bus = makeBus();
    expect(send(bus, frameOf({ kind: 'broadcastTime', time: '2024-05-15T12:09:00' }, '999999999999'))).toEqual([null]);
    expect(send(bus, frameOf({ kind: 'freeze', minute: null, hour: null, day: null, month: null }, '999999999999'))).toEqual([null]);
    for (const m of bus.meters) {
      expect(m.clock()).toBe(T + 90_000);
      expect(m.instantFreezes).toHaveLength(1);
    }
    expect(send(bus, read('999999999999'))).toEqual([null]);
    expect(bus.counters.broadcasts).toBe(2);
  });

  it('FE preamble on replies and per-meter Td; replies go out at the meter baud before a 17H change', () => {
    const bus = makeBus({}, { preamble: 4, tdMs: 50 });
    const plan = send(bus, frameOf({ kind: 'changeBaud', baud: 9600 }, C))[0]!;
    expect([...plan.bytes.subarray(0, 4)]).toEqual([0xfe, 0xfe, 0xfe, 0xfe]);
    expect(plan.delayMs).toBe(50 + Math.ceil((plan.bytes.length * 11 * 1000) / 2400));
    const next = send(bus, read(C))[0]!;
    expect(next.delayMs).toBe(50 + Math.ceil((next.bytes.length * 11 * 1000) / 9600));
  });

  it('an undecodable request (bad baud word) gets ERR 08', () => {
    const bus = makeBus();
    const f = frameOf({ kind: 'changeBaud', baud: 2400 }, C);
    f[f.length - 3] = 0x33 + 0x03; // Z with two bits set
    f[f.length - 2] = [...f.subarray(4, f.length - 2)].reduce((s, x) => s + x, 0) & 0xff;
    const reply = decodeFrameMessage(decodeFrame(send(bus, f)[0]!.bytes));
    expect(reply.control).toBe(0xd7);
    expect((reply.message as { code: number }).code).toBe(0x08);
  });
});

describe('MeterBus: faults on the wire', () => {
  it('silent: no reply and the request is not executed', () => {
    const bus = makeBus({ [C]: ['silent'] });
    expect(send(bus, frameOf({ kind: 'control', password: { level: 2, code: '000000' }, operator: '0', command: 'trip', n2: 0, validUntil: null }, C))).toEqual([null]);
    expect(bus.meter(C)!.relayOpen).toBe(false);
    expect(bus.counters.faults.silent).toBe(1);
  });

  it('slow: the delay replaces Td', () => {
    const bus = makeBus({ [C]: ['slow:800'] });
    const plan = send(bus, read(C))[0]!;
    expect(plan.delayMs).toBe(800 + Math.ceil((20 * 11 * 1000) / 2400));
    expect(plan.faults).toEqual(['slow']);
  });

  it('badChecksum: a master rejects the frame; first=1 recovers on the retry', () => {
    const bus = makeBus({ [C]: ['badChecksum:first=1'] });
    const bad = send(bus, read(C))[0]!.bytes;
    expect(() => decodeFrame(bad)).toThrow(FrameError);
    expect(() => decodeFrame(bad)).toThrow(/bad-checksum/);
    const good = send(bus, read(C))[0]!.bytes;
    expect(decodeFrame(good).control).toBe(0x91);
    expect(bad.subarray(0, -2)).toEqual(good.subarray(0, -2));
  });

  it('garbageBefore/After: random bytes (never 68H/FEH) around an intact frame', () => {
    const bus = makeBus({ [C]: ['garbageBefore:3', 'garbageAfter:5'] });
    const bytes = send(bus, read(C))[0]!.bytes;
    expect(bytes.length).toBe(20 + 8);
    expect(bytes.subarray(0, 3).includes(0x68)).toBe(false);
    expect(framesIn(bytes)).toHaveLength(1);
    expect(decodeFrame(bytes, 3, 23).control).toBe(0x91);
  });

  it('truncated: the reply is cut short and never completes a frame', () => {
    const bus = makeBus({ [C]: ['truncated:9'] });
    const bytes = send(bus, read(C))[0]!.bytes;
    expect(bytes.length).toBe(9);
    expect(framesIn(bytes)).toHaveLength(0);
  });

  it('abnormal: C = D1H with the chosen ERR', () => {
    const bus = makeBus({ [C]: ['abnormal:0x04'] });
    const reply = decodeFrameMessage(decodeFrame(send(bus, read(C))[0]!.bytes));
    expect(reply.control).toBe(0xd1);
    expect((reply.message as { code: number }).code).toBe(0x04);
  });

  it('wrongAddress: the reply comes from another address (default the neighbour)', () => {
    const bus = makeBus({ [C]: ['wrongAddress'], [A]: ['wrongAddress:000000000099'] });
    expect(decodeFrame(send(bus, read(C))[0]!.bytes).address).toBe('123456789013');
    expect(decodeFrame(send(bus, read(A))[0]!.bytes).address).toBe('000000000099');
  });

  it('faults apply to their meter only', () => {
    const bus = makeBus({ [C]: ['silent'] });
    expect(send(bus, read(A))[0]).not.toBeNull();
  });
});

describe('MeterBus: determinism and links', () => {
  it('same seed → same bytes for the same request sequence, probabilistic faults included', () => {
    const run = (): string[] => {
      const bus = makeBus({ [C]: ['garbageBefore:p=0.5', 'badChecksum:p=0.3'] });
      const out: string[] = [];
      for (const di of ['00010000', '0201FF00', '0001FF00', '02030000', '04000101', '00010000']) {
        for (const a of [A, C]) out.push(send(bus, read(a, di))[0]?.bytes.toString('hex') ?? 'none');
      }
      return out;
    };
    const a = run();
    expect(run()).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(6);
  });

  it('attach: writes the reply on the asking link after the planned delay; close cancels pending replies', () => {
    const pending: { fn: () => void; ms: number }[] = [];
    const timers: Timers = {
      setTimeout: (fn, ms) => { const h = { fn, ms }; pending.push(h); return h; },
      clearTimeout: (h) => { const i = pending.indexOf(h as never); if (i >= 0) pending.splice(i, 1); },
    };
    const bus = makeBus({}, { timers, echo: true });
    const written: Buffer[] = [];
    let listener: (b: Buffer) => void = () => {};
    const link: BusLink = { write: (b) => void written.push(b), onData: (l) => { listener = l; return () => {}; } };
    bus.attach(link);
    const req = read(C);
    listener(req.subarray(0, 7));
    listener(req.subarray(7));
    expect(written).toEqual([req.subarray(4)]); // the echo (frame without FE), at once
    expect(pending).toHaveLength(1);
    expect(pending[0]!.ms).toBe(122);
    pending.shift()!.fn();
    expect(decodeFrame(written[1]!).control).toBe(0x91);
    listener(read(C));
    expect(pending).toHaveLength(1);
    bus.close();
    expect(pending).toHaveLength(0);
  });
});
