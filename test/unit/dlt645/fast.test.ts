import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinaryReader } from '../../../protocols/codec/cursor.js';
import { DataError, FrameError } from '../../../protocols/codec/errors.js';
import {
  allDis, decodeFrame, decodeFrameMessage, decodeReadReply, decodeReadReplyBytes, decodeReadReplyScaled, encodeMessage, encodeReadRequest, parseAddress,
} from '../../../protocols/dlt645/index.js';

const scrambled = (bytes: number[]): Buffer => Buffer.from(bytes.map((b) => (b + 0x33) & 0xff));

describe('DL/T 645 fast paths agree with the generic codec', () => {
  it('decodeRaw gives exactly what decode gives, for every BCD-only entry and any bytes', () => {
    const entries = [...allDis(2007), ...allDis(1997)].filter((e) => e.decodeRaw);
    expect(entries.length).toBeGreaterThan(500);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: entries.length - 1 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 0x99 }), fc.constant(0xff), fc.integer({ min: 0x80, max: 0x99 })), { maxLength: 40 }),
        (i, seed) => {
          const e = entries[i]!;
          const len = e.repeat ? e.size * (1 + (seed.length % 5)) : e.size;
          const bytes = Array.from({ length: len }, (_, k) => seed[k % Math.max(1, seed.length)] ?? 0);
          const buf = scrambled(bytes);
          let generic: unknown;
          let fast: unknown;
          try {
            generic = e.decode(new BinaryReader(buf, 0, buf.length, 0x33), len);
          } catch (err) {
            generic = err instanceof DataError ? 'DataError' : err;
          }
          try {
            fast = e.decodeRaw!(buf, 0, len, 0x33);
          } catch (err) {
            fast = err instanceof DataError ? 'DataError' : err;
          }
          expect(fast).toEqual(generic);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('the scaled path gives every value of decode as an exact integer of 10^-decimals units', () => {
    const entries = [...allDis(2007), ...allDis(1997)].filter((e) => e.scaled);
    expect(entries.length).toBeGreaterThan(400);
    const flat = (v: unknown): (number | null)[] => {
      if (v === null || typeof v === 'number') return [v];
      if (Array.isArray(v)) return v.flatMap(flat);
      const o = v as Record<string, unknown>;
      return 'total' in o && 'rates' in o ? [...flat(o.total), ...flat(o.rates)] : Object.values(o).flatMap(flat);
    };
    const out = new Float64Array(64);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: entries.length - 1 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 0x99 }), fc.constant(0xee), fc.integer({ min: 0x80, max: 0x99 })), { maxLength: 40 }),
        (i, seed) => {
          const e = entries[i]!;
          const len = e.repeat ? e.size * (1 + (seed.length % 5)) : e.size;
          const buf = scrambled(Array.from({ length: len }, (_, k) => seed[k % Math.max(1, seed.length)] ?? 0));
          const generic = flat(e.decode(new BinaryReader(buf, 0, buf.length, 0x33), len));
          const count = e.scaled!.decode(buf, 0, len, 0x33, out);
          expect(count).toBe(generic.length);
          const scale = 10 ** e.scaled!.decimals;
          for (let k = 0; k < count; k++) {
            const g = generic[k];
            if (g === null) expect(out[k]).toBeNaN();
            else {
              expect(Number.isInteger(out[k])).toBe(true);
              expect(out[k]! / scale).toBe(g);
            }
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('decodeReadReplyScaled reads a 0001FF00 block into integer hundredths of kWh and refuses non-numeric DIs', () => {
    const reply = encodeMessage({
      address: '000000193600',
      message: { kind: 'readReply', more: false, di: '0001FF00', value: { total: 36.3, rates: [2.56, 0.19, 0.38, 33.17] }, unknown: false, raw: '' },
    });
    const out = new Float64Array(8);
    const r = decodeReadReplyScaled(reply, out);
    expect(r).toEqual({ di: 0x0001ff00, count: 5, decimals: 2 });
    expect([...out.subarray(0, 5)]).toEqual([3630, 256, 19, 38, 3317]);
    expect(() => decodeReadReplyScaled(reply, new Float64Array(2))).toThrow(/room for 5 values/);
    expect(() => decodeReadReplyScaled(reply, out, undefined, 0, reply.length, parseAddress('000000193601'))).toThrow(/a reply from meter/);
    const clock = encodeMessage({
      address: '000000193600',
      message: { kind: 'readReply', more: false, di: '04000102', value: '12:30:00', unknown: false, raw: '' },
    });
    expect(() => decodeReadReplyScaled(clock, out)).toThrow(/BCD numbers with one scale/);
  });

  it('encodeReadRequest builds the same bytes as the message encoder, into a caller buffer too', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{12}$/), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 4 }), (addr, di, pre) => {
        const diText = di.toString(16).toUpperCase().padStart(8, '0');
        const expected = encodeMessage({ address: addr, message: { kind: 'read', di: diText }, preamble: pre });
        expect(encodeReadRequest(parseAddress(addr), di, pre)).toEqual(expected);
        const out = Buffer.alloc(expected.length + 3);
        encodeReadRequest(parseAddress(addr), di, pre, out, 3);
        expect(out.subarray(3)).toEqual(expected);
      }),
    );
  });

  it('decodeReadReply returns the value decodeFrameMessage returns', () => {
    const reply = encodeMessage({
      address: '000000193600',
      message: { kind: 'readReply', more: false, di: '0001FF00', value: { total: 36.3, rates: [2.56, 0.19, 0.38, 33.17] }, unknown: false, raw: '' },
    });
    const f = decodeFrame(reply);
    const generic = decodeFrameMessage(f).message as { value: unknown };
    expect(decodeReadReply(f)).toEqual({ di: 0x0001ff00, value: generic.value });
  });

  it('decodeReadReplyBytes validates the link layer and the sender, and equals the frame path', () => {
    const reply = encodeMessage({
      address: '000000193600',
      message: { kind: 'readReply', more: false, di: '0001FF00', value: { total: 36.3, rates: [2.56, 0.19, 0.38, 33.17] }, unknown: false, raw: '' },
      preamble: 2,
    });
    expect(decodeReadReplyBytes(reply, 0, reply.length, parseAddress('000000193600'))).toEqual(decodeReadReply(decodeFrame(reply)));
    expect(() => decodeReadReplyBytes(reply, 0, reply.length, parseAddress('000000193601'))).toThrow(/a reply from meter 000000193601/);
    const bad = Buffer.from(reply);
    bad[bad.length - 2] = bad[bad.length - 2]! ^ 1;
    expect(() => decodeReadReplyBytes(bad)).toThrow(FrameError);
  });

  it('decodeReadReply refuses abnormal replies and unknown DIs with typed errors', () => {
    const abnormal = encodeMessage({ address: '000000193600', message: { kind: 'error', func: 0x11, code: 2, flags: ['noData'] } });
    expect(() => decodeReadReply(decodeFrame(abnormal))).toThrow(DataError);
    const unknown = encodeMessage({ address: '000000193600', message: { kind: 'readReply', more: false, di: 'EEEEEEEE', unknown: true, raw: '01 02' } });
    expect(() => decodeReadReply(decodeFrame(unknown))).toThrow(/known to the registry/);
  });
});
