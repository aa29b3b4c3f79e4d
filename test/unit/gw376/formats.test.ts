import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinaryReader, BinaryWriter } from '../../../protocols/codec/cursor.js';
import { EncodeError } from '../../../protocols/codec/errors.js';
import { FORMATS } from '../../../protocols/gw376/formats.js';
import type { FormatName } from '../../../protocols/gw376/formats.js';
import { array, bits, bitset, bytes, compile, struct } from '../../../protocols/gw376/layout.js';
import { genFormat } from './formats-arb.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const dec = (name: FormatName, s: string) => {
  const r = new BinaryReader(hex(s));
  const v = FORMATS[name].read(r);
  expect(r.pos).toBe(FORMATS[name].size);
  return v;
};
const enc = (name: FormatName, v: unknown) => {
  const w = new BinaryWriter();
  (FORMATS[name].write as (w: BinaryWriter, v: unknown) => void)(w, v);
  return w.finish().toString('hex').toUpperCase();
};

describe('appendix A formats', () => {
  it('A.1 date-time with weekday (vector: 2015-03-12 Thu)', () => {
    expect(dec('A1', '55 30 10 12 83 15')).toEqual({ year: 2015, month: 3, day: 12, hour: 10, minute: 30, second: 55, weekday: 4 });
    expect(dec('A1', '49 48 11 15 52 15')).toEqual({ year: 2015, month: 12, day: 15, hour: 11, minute: 48, second: 49, weekday: 2 });
    expect(enc('A1', { year: 2015, month: 12, day: 15, hour: 11, minute: 48, second: 49, weekday: 2 })).toBe('494811155215');
  });
  it('A.2 exponent from G (exp = 4 - G), sign D4', () => {
    expect(dec('A2', '23 81')).toBe(123); // G=100 → 10^0
    expect(dec('A2', '23 01')).toBe(1230000); // G=000 → 10^4
    expect(dec('A2', '23 F1')).toBe(-0.123); // G=111 → 10^-3, sign
    expect(dec('A2', '50 A0')).toBe(5); // 050 × 10^-1
    expect(enc('A2', 5)).toBe('00C5'); // finest exact exponent: 500 × 10^-2
    expect(enc('A2', -0.123)).toBe('23F1');
    expect(enc('A2', 1230000)).toBe('2301');
  });
  it('A.3 kWh/MWh unit bit and sign', () => {
    expect(dec('A3', '67 45 23 01')).toBe(1234567);
    expect(dec('A3', '67 45 23 51')).toBe(-1234567000); // G=1 (MWh) → kWh, sign
    expect(enc('A3', -1234567000)).toBe('67452351');
    expect(enc('A3', 9999999)).toBe('99999909');
    expect(() => enc('A3', 12345678)).toThrow(EncodeError);
  });
  it('A.4 float coefficient: D7 = down', () => {
    expect(dec('A4', '25')).toBe(25);
    expect(dec('A4', 'A5')).toBe(-25);
    expect(enc('A4', -79)).toBe('F9');
  });
  it('A.5/A.6/A.9/A.25 signed, A.7/A.11/A.14/A.22/A.23/A.26 unsigned', () => {
    expect(dec('A5', '15 89')).toBe(-91.5);
    expect(dec('A6', '99 79')).toBe(79.99);
    expect(dec('A7', '27 24')).toBe(242.7);
    expect(dec('A7', '00 22')).toBe(220);
    expect(dec('A9', '56 34 92')).toBe(-12.3456);
    expect(dec('A25', '00 15 00')).toBe(1.5);
    expect(dec('A25', '00 15 80')).toBe(-1.5);
    expect(dec('A11', '12 56 34 12')).toBe(123456.12);
    expect(dec('A14', '00 01 00 00 00')).toBe(0.01);
    expect(dec('A14', '99 99 99 99 99')).toBe(999999.9999);
    expect(dec('A22', '15')).toBe(1.5);
    expect(dec('A23', '00 00 50')).toBe(50);
    expect(dec('A26', '23 10')).toBe(1.023);
    expect(dec('A13', '78 56 34 12')).toBe(1234.5678);
    expect(dec('A27', '78 56 34 12')).toBe(12345678);
  });
  it('time formats', () => {
    expect(dec('A15', '18 16 28 08 18')).toEqual({ year: 2018, month: 8, day: 28, hour: 16, minute: 18 });
    expect(dec('A16', '39 19 16 28')).toEqual({ day: 28, hour: 16, minute: 19, second: 39 });
    expect(dec('A17', '45 12 16 04')).toEqual({ month: 4, day: 16, hour: 12, minute: 45 });
    expect(dec('A18', '00 00 01')).toEqual({ day: 1, hour: 0, minute: 0 });
    expect(dec('A19', '00 23')).toEqual({ hour: 23, minute: 0 });
    expect(dec('A20', '27 08 18')).toEqual({ year: 2018, month: 8, day: 27 });
    expect(dec('A21', '07 18')).toEqual({ year: 2018, month: 7 });
    expect(dec('A24', '13 05')).toEqual({ day: 5, hour: 13 });
    expect(enc('A15', { year: 2018, month: 8, day: 28, hour: 16, minute: 18 })).toBe('1816280818');
    expect(() => enc('A15', { year: 1999, month: 8, day: 28, hour: 16, minute: 18 })).toThrow(EncodeError);
  });
  it('A.12 address digits', () => {
    expect(dec('A12', '11 11 11 11 11 11')).toBe('111111111111');
    expect(dec('A12', '01 02 03 04 05 06')).toBe('060504030201');
    expect(enc('A12', '060504030201')).toBe('010203040506');
  });
  it('EE fill (and FF, any non-BCD nibble) decodes to null for every BCD format; null encodes as EE', () => {
    for (const name of Object.keys(FORMATS) as FormatName[]) {
      if (name.startsWith('u') || name === 'ip') continue;
      const size = FORMATS[name].size;
      expect(dec(name, 'EE'.repeat(size))).toBeNull();
      expect(dec(name, 'FF'.repeat(size))).toBeNull();
      expect(enc(name, null)).toBe('EE'.repeat(size));
    }
    expect(dec('A14', '00 EE EE EE EE')).toBeNull();
    expect(dec('A7', '1A 00')).toBeNull();
  });
  it('rejects out-of-range values', () => {
    expect(() => enc('A7', 1000)).toThrow(EncodeError);
    expect(() => enc('A7', -1)).toThrow(EncodeError);
    expect(() => enc('A9', 80)).toThrow(EncodeError);
    expect(() => enc('A25', -800)).toThrow(EncodeError);
    expect(() => enc('A2', 1e8)).toThrow(EncodeError);
    expect(() => enc('u8', 256)).toThrow(EncodeError);
    expect(() => enc('ip', '1.2.3.256')).toThrow(EncodeError);
  });
  it('property: every format round-trips', () => {
    for (const name of Object.keys(FORMATS) as FormatName[]) {
      fc.assert(
        fc.property(fc.gen(), (g) => {
          const v = genFormat(g, name);
          const w = new BinaryWriter(1);
          (FORMATS[name].write as (w: BinaryWriter, v: unknown) => void)(w, v);
          const b = w.finish();
          expect(b.length).toBe(FORMATS[name].size);
          const r = new BinaryReader(Buffer.from(b));
          expect(FORMATS[name].read(r)).toEqual(v);
        }),
        { numRuns: 200 },
      );
    }
  });
});

describe('declarative layouts', () => {
  const L = compile(
    struct({ m: 'u8', vals: array('A14', 'm', 1), flags: bits(1, { a: 0, n: [4, 3] }), set: bitset(2, 1) }),
    'test',
  );
  const ctx = { afn: 0, fn: 0, pn: 0, dir: 'up' as const, revision: 2009 as const };
  it('decodes counted arrays, bit fields and bitsets', () => {
    const r = new BinaryReader(hex('01 00 01 00 00 00 EE EE EE EE EE 51 05 80'));
    expect(L.decode(r, ctx)).toEqual({ m: 1, vals: [0.01, null], flags: { a: true, n: 5 }, set: [1, 3, 16] });
  });
  it('throws DataError when bytes are short, EncodeError on count mismatch', () => {
    expect(() => L.decode(new BinaryReader(hex('02 00 01')), ctx)).toThrow(/test.vals/);
    const w = new BinaryWriter();
    expect(() => L.encode(w, { m: 2, vals: [1], flags: { a: false, n: 0 }, set: [] }, ctx)).toThrow(EncodeError);
  });
  it('counted bitsets: the length comes from an earlier field', () => {
    const C = compile(struct({ n: 'u8', fns: bitset('n', 1) }), 'counted');
    expect(C.decode(new BinaryReader(hex('02 81 01')), ctx)).toEqual({ n: 2, fns: [1, 8, 9] });
    expect(() => C.decode(new BinaryReader(hex('03 81 01')), ctx)).toThrow(/counted.fns/);
  });
  it('6-byte texts (A.12, bytes(6)) stay right through cache evictions', () => {
    const S = compile(struct({ a: 'A12', h: bytes(6) }), 'six');
    // 3000 distinct values through 1024 slots, twice: every read equals the format reader's / the hex.
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < 3000; i++) {
        const a = hex(String(i * 7919).padStart(12, '0')).reverse();
        const h = Buffer.from([i & 255, i >> 8, 0xee, pass, 0, i % 7]);
        const b = Buffer.concat([i % 5 === 0 ? Buffer.from('EE0000000000', 'hex') : a, h]);
        expect(S.decode(new BinaryReader(b), ctx)).toEqual({ a: FORMATS.A12.read(new BinaryReader(b)), h: h.toString('hex').toUpperCase() });
      }
    }
  });
});
