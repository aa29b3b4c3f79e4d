import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError, FrameError, parseHex } from '../../../protocols/codec/index.js';
import type { Direction, Gw376Message, KnownUnit, RawUnit } from '../../../protocols/gw376/index.js';
import { ZERO_PW, allFns, decodeFrame, decodeMessage, encodeFrame, encodeMessage } from '../../../protocols/gw376/index.js';
import type { AnyNode } from '../../../protocols/gw376/layout.js';
import { arbNode } from './formats-arb.js';
import { OWN_AFNS, bytesOf, vectors } from './vectors.js';

const known = (m: Gw376Message, i = 0): KnownUnit => {
  const u = m.units[i]!;
  if (u.raw) throw new Error(`unit ${i} is raw (${u.reason})`);
  return u;
};

/** Frame-layer round trip: header fields + data bytes + AUX back to the same bytes. */
function frameRoundTrip(b: Buffer): Buffer {
  const f = decodeFrame(b);
  return encodeFrame(
    { dir: f.dir, prm: f.prm, fcbAcd: f.fcbAcd, fcv: f.fcv, func: f.func, a1: f.a1, a2: f.a2, msa: f.msa, group: f.group, afn: f.afn, seq: f.seq, fir: f.fir, fin: f.fin, con: f.con, pw: f.pw, ec: f.ec, tp: f.tp, protocolId: f.protocolId },
    f.data,
  );
}

describe('every vector round-trips at the frame layer', () => {
  for (const [i, v] of vectors.entries()) {
    it(`#${i} AFN${v.afn} ${v.direction}`, () => {
      expect(frameRoundTrip(bytesOf(v)).toString('hex').toUpperCase()).toBe(v.hex);
    });
  }
});

describe('message: vectors of the link-layer AFNs decode and re-encode byte for byte', () => {
  for (const [i, v] of vectors.entries()) {
    const afn = parseInt(v.afn, 16);
    if (!OWN_AFNS.has(afn)) continue;
    it(`#${i} AFN${v.afn} ${v.direction} F${v.fns.join(',')}`, () => {
      const m = decodeMessage(bytesOf(v));
      expect(encodeMessage(m).toString('hex').toUpperCase()).toBe(v.hex);
      const knownUnits = m.units.filter((u): u is KnownUnit => !u.raw);
      expect(knownUnits.map((u) => u.fn)).toEqual(v.fns);
      expect([...new Set(knownUnits.map((u) => u.pn))]).toEqual(v.pn);
    });
  }
});

describe('message: decoded values of own AFNs', () => {
  it('login / heartbeat / logout are AFN02 F1 / F3 / F2 with no data', () => {
    for (const [i, fn] of [[0, 1], [1, 3], [2, 2]] as const) {
      const m = decodeMessage(bytesOf(vectors[i]!));
      expect(m.units).toEqual([{ pn: 0, fn, data: undefined, block: 0 }]);
      expect(m.con).toBe(true);
    }
  });
  it('AFN00 F3 per-item confirm of a heartbeat (vector 39)', () => {
    const m = decodeMessage(bytesOf(vectors[39]!));
    expect(known(m).data).toEqual({ afn: 2, items: [{ pns: [0], fns: [3], err: 0 }] });
  });
  it('AFN00 F1 with 6 trailing zero bytes (non-standard confirm): F1 then a raw rest, no error', () => {
    const m = decodeMessage(bytesOf(vectors[3]!));
    expect(known(m).fn).toBe(1);
    const raw = m.units[1] as RawUnit;
    expect(raw.raw).toBe(true);
    expect(raw.reason).toBe('invalid-data-id');
    expect(raw.bytes.toString('hex')).toBe('000000000000');
  });
  it('separate-confirm quirk (DT1=03): F1+F2 by the bit rule, then the F3-shaped body as raw', () => {
    const m = decodeMessage(bytesOf(vectors[4]!));
    expect(m.units.slice(0, 2).map((u) => (u.raw ? 'raw' : u.fn))).toEqual([1, 2]);
    expect((m.units[2] as RawUnit).bytes.toString('hex')).toBe('020000010000');
  });
  it('AFN10 F1 down: port 31, 2400 8E1, 60 s, 100 ms, embedded DL/T 645 read of meter 151230011061 (the vector note says 150312011061: bytes 61 10 01 30 12 15 reversed are 15 12 30 01 10 61)', () => {
    const d = known(decodeMessage(bytesOf(vectors[27]!))).data as { port: number; control: unknown; frameTimeout: unknown; byteTimeout10ms: number; content: Buffer; meterFrame?: { address: string; control: number } };
    expect(d.port).toBe(31);
    expect(d.control).toEqual({ baudCode: 3, stopBits: 1, parity: 'even', dataBits: 8 });
    expect(d.frameTimeout).toEqual({ value: 60, unit: 's' });
    expect(d.byteTimeout10ms).toBe(10);
    expect(d.content.toString('hex').toUpperCase()).toBe('68611001301215681104333334337B16');
    expect(d.meterFrame?.address).toBe('151230011061');
    expect(d.meterFrame?.control).toBe(0x11);
  });
  it('AFN10 F1 up: port 31, DL/T 645 reply 0x91 inside, EC 79/0', () => {
    const m = decodeMessage(bytesOf(vectors[63]!));
    const d = known(m).data as { port: number; content: Buffer; meterFrame?: { control: number } };
    expect(d.port).toBe(31);
    expect(d.content.length).toBe(18);
    expect(d.meterFrame?.control).toBe(0x91);
    expect(m.ec).toEqual({ important: 79, normal: 0 });
  });
  it('a known Fn whose bytes are too short is a DataError carrying the frame hex', () => {
    // AFN09 F1 uplink with 10 bytes instead of 41
    const data = Buffer.concat([parseHex('00 00 01 00'), Buffer.alloc(10, 0x41)]);
    const b = encodeFrame({ dir: 'up', prm: false, func: 8, a1: '0171', a2: 1, afn: 0x09, seq: 1 }, data);
    let err: unknown;
    try {
      decodeMessage(b);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).field).toContain('AFN09 F1 p0');
    expect((err as DataError).hex).toBe(decodeFrame(b).hex);
  });
  it('an unknown Fn keeps the rest raw with its DA/DT (AFN0B task data is not registered): not an error', () => {
    const data = Buffer.from('0101011001020304', 'hex');
    const m = decodeMessage(encodeFrame({ dir: 'up', prm: false, func: 8, a1: '0171', a2: 1, afn: 0x0b, seq: 1 }, data));
    expect(m.units).toHaveLength(1);
    expect(m.units[0]).toMatchObject({ raw: true, reason: 'unknown-fn', pns: [1], fns: [129], da: 0x0101, dt: 0x1001 });
    expect((m.units[0] as RawUnit).bytes.equals(data)).toBe(true);
  });
  it('multi-unit grouping is kept: p0 F11 and p0 F13 as two DA/DT on re-encode', () => {
    const v = vectors[45]!;
    expect(encodeMessage(decodeMessage(bytesOf(v))).toString('hex').toUpperCase()).toBe(v.hex);
  });
  it('units without block numbers are grouped compactly', () => {
    const b = encodeMessage({ dir: 'down', prm: true, func: 1, a1: '0171', a2: 1, msa: 1, afn: 0x01, seq: 0, pw: ZERO_PW, units: [{ pn: 0, fn: 1 }, { pn: 0, fn: 2 }] });
    expect(decodeFrame(b).data.toString('hex')).toBe('00000300');
  });
  it('a first one-point one-Fn unit followed by more DA/DTs: every unit, in order, with its block', () => {
    const time = { year: 2024, month: 5, day: 6, hour: 7, minute: 8 };
    const f25 = (p: number) => ({
      time, p, pa: 0.4, pb: 0.4, pc: 0.4345, q: 0.1, qa: 0.03, qb: 0.03, qc: 0.04, pf: 99.9, pfa: 99.5, pfb: 99, pfc: 98,
      ua: 220.1, ub: 219.9, uc: 221.3, ia: 1.5, ib: 1.6, ic: 1.7, i0: 0.01, s: 1.3, sa: 0.5, sb: 0.4, sc: 0.4,
    });
    const h = { dir: 'up' as const, prm: false, func: 8, a1: '0171', a2: 1, afn: 0x0c, seq: 1 };
    const one = (pn: number) => decodeFrame(encodeMessage({ ...h, units: [{ pn, fn: 25, data: f25(pn) }] })).data;
    const two = encodeFrame(h, Buffer.concat([one(1), one(2)]));
    const m = decodeMessage(two);
    expect(m.units).toEqual([
      { pn: 1, fn: 25, data: f25(1), block: 0 },
      { pn: 2, fn: 25, data: f25(2), block: 1 },
    ]);
    expect(decodeMessage(decodeFrame(two))).toEqual(m);
    expect(encodeMessage(m).equals(two)).toBe(true);
    // An unknown Fn after it: the rest is raw, block 1.
    const rest = Buffer.from('0101011E01020304', 'hex'); // p1 F241: not registered in AFN0C
    const m2 = decodeMessage(encodeFrame(h, Buffer.concat([one(1), rest])));
    expect(m2.units[0]).toEqual({ pn: 1, fn: 25, data: f25(1), block: 0 });
    expect(m2.units[1]).toMatchObject({ raw: true, reason: 'unknown-fn', block: 1 });
    expect((m2.units[1] as RawUnit).bytes.equals(rest)).toBe(true);
  });
  it('truncated bytes raise a FrameError, not a crash', () => {
    expect(() => decodeMessage(bytesOf(vectors[27]!).subarray(0, 40))).toThrow(FrameError);
  });
});

// ---------------------------------------------------------------- property round trips
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b));
const ascii = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('latin1'));
const ymd = fc.option(fc.record({ year: fc.integer({ min: 2000, max: 2099 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 31 }) }), { nil: null });
const addr = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Buffer.from(b).toString('hex').toUpperCase());
const serial = fc.record({
  baudCode: fc.integer({ min: 0, max: 7 }),
  stopBits: fc.constantFrom(1 as const, 2 as const),
  parity: fc.constantFrom('none' as const, 'even' as const, 'odd' as const),
  dataBits: fc.constantFrom(5 as const, 6 as const, 7 as const, 8 as const),
});

const ARBS: Record<string, fc.Arbitrary<unknown>> = {
  '0/3': fc.record({ afn: fc.integer({ min: 0, max: 255 }), items: fc.array(fc.record({ pns: fc.integer({ min: 0, max: 2040 }).map((p) => [p]), fns: fc.integer({ min: 1, max: 248 }).map((f) => [f]), err: fc.integer({ min: 0, max: 255 }) }), { maxLength: 10 }) }),
  '2/3': fc.constant(undefined),
  '3/*': bytes(0, 40),
  '6/*': bytes(0, 40),
  '9/1': fc.record({ vendor: ascii(4), deviceNumber: ascii(8), softwareVersion: ascii(4), softwareDate: ymd, capacityCode: ascii(11), protocolVersion: ascii(4), hardwareVersion: ascii(4), hardwareDate: ymd }),
  '16/1/down': fc.record({ port: fc.integer({ min: 0, max: 255 }), control: serial, frameTimeout: fc.record({ value: fc.integer({ min: 0, max: 127 }), unit: fc.constantFrom('s' as const, '10ms' as const) }), byteTimeout10ms: fc.integer({ min: 0, max: 255 }), content: bytes(0, 60) }),
  '16/1/up': fc.record({ port: fc.integer({ min: 0, max: 255 }), content: bytes(0, 60) }),
  '16/9/down': fc.integer({ min: 0, max: 4 }).chain((n) =>
    fc.record({ port: fc.integer({ min: 0, max: 255 }), relayDepth: fc.constant(n), relays: fc.array(addr, { minLength: n, maxLength: n }), target: addr, diType: fc.integer({ min: 0, max: 1 }), di: fc.integer({ min: 0, max: 0xffffffff }).map((x) => x.toString(16).toUpperCase().padStart(8, '0')) }),
  ),
  '16/9/up': fc.record({ port: fc.integer({ min: 0, max: 255 }), target: addr, result: fc.integer({ min: 0, max: 255 }), content: bytes(0, 60) }),
  '16/*/up': fc.record({ port: fc.integer({ min: 0, max: 255 }), target: addr, result: fc.integer({ min: 0, max: 255 }), flag: fc.integer({ min: 0, max: 255 }) }),
  '16/*/down': fc.integer({ min: 0, max: 3 }).chain((n) =>
    fc.record({ port: fc.integer({ min: 0, max: 255 }), relayDepth: fc.constantFrom(n, 255).map((d) => (n === 0 ? d : n)), relays: fc.array(addr, { minLength: n, maxLength: n }), target: addr, flag: fc.integer({ min: 0, max: 255 }), password: bytes(0, 8).map((b) => b.toString('hex').toUpperCase()) }),
  ),
};

/** A compiled layout's values come from its node tree; hand-written layouts from ARBS. */
function arbFor(afn: number, fn: number, dir: Direction, layout: object): fc.Arbitrary<unknown> | undefined {
  if ('node' in layout) return arbNode(layout.node as AnyNode);
  return ARBS[`${afn}/${fn}/${dir}`] ?? ARBS[`${afn}/${fn}`] ?? ARBS[`${afn}/*/${dir}`] ?? ARBS[`${afn}/*`];
}

function strip(v: unknown): unknown {
  if (v && typeof v === 'object' && 'meterFrame' in v) {
    const { meterFrame: _m, ...rest } = v as Record<string, unknown>;
    return rest;
  }
  return v;
}

describe('property: every registered Fn of the link-layer AFNs round-trips', () => {
  const own = allFns().filter((e) => OWN_AFNS.has(e.afn));
  it('covers AFN 00 01 02 03 06 09 10', () => {
    expect(new Set(own.map((e) => e.afn))).toEqual(OWN_AFNS);
  });
  for (const e of own) {
    for (const dir of ['down', 'up'] as const) {
      const layout = dir === 'down' ? e.down : e.up;
      it(`AFN${e.afn.toString(16)} F${e.fn} ${dir}${layout ? '' : ' (DA/DT only)'}`, () => {
        const arb = layout ? arbFor(e.afn, e.fn, dir, layout) : fc.constant(undefined);
        expect(arb, 'an arbitrary exists for this layout').toBeDefined();
        fc.assert(
          fc.property(arb!, fc.integer({ min: 0, max: 15 }), fc.boolean(), (data, seq, withTp) => {
            const msg: Gw376Message = {
              dir, prm: dir === 'down', func: dir === 'down' ? 11 : 8, a1: '0171', a2: 0x0822, msa: 1, afn: e.afn, seq,
              units: [{ pn: 0, fn: e.fn, data }],
            };
            if (dir === 'down' && (e.afn === 1 || e.afn === 6 || e.afn === 0x10)) msg.pw = '5A'.repeat(16);
            if (withTp) msg.tp = { pfc: seq, sendTime: { day: 1, hour: 2, minute: 3, second: 4 }, delayMinutes: 5 };
            const wire = encodeMessage(msg);
            const back = decodeMessage(wire);
            const u = known(back);
            expect(u.fn).toBe(e.fn);
            expect(strip(u.data)).toEqual(data);
            expect(back.units).toHaveLength(1);
            expect(encodeMessage(back).equals(wire)).toBe(true);
          }),
          { numRuns: 60 },
        );
      });
    }
  }
  it('AFN09 F2–F8: requests are DA/DT only (one DA/DT for all seven Fns)', () => {
    const req = decodeMessage(encodeFrame({ dir: 'down', prm: true, func: 11, a1: '0171', a2: 1, afn: 0x09, seq: 2 }, Buffer.from('0000FE00', 'hex')));
    expect(req.units).toEqual([2, 3, 4, 5, 6, 7, 8].map((fn) => ({ pn: 0, fn, block: 0 })));
  });
  it('AFN02 F3 heartbeat carries the clock in revision 2013 only', () => {
    const clock = { year: 2024, month: 11, day: 23, hour: 8, minute: 1, second: 2, weekday: 6 };
    const wire = encodeMessage({ dir: 'up', prm: true, func: 9, a1: '0171', a2: 1, afn: 2, seq: 1, con: true, revision: 2013, units: [{ pn: 0, fn: 3, data: { clock } }] });
    expect(known(decodeMessage(wire, { revision: 2013 })).data).toEqual({ clock });
    // read as 2009 the 6 bytes are not a unit: they stay raw
    const as2009 = decodeMessage(wire);
    expect(as2009.units[1]?.raw).toBe(true);
  });
});
