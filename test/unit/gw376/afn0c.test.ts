import { describe, expect, it } from 'vitest';
import { AFN0C_FNS } from '../../../protocols/gw376/afn/afn0c-realtime.js';
import { decodeMessage, encodeMessage } from '../../../protocols/gw376/message.js';
import type { KnownUnit } from '../../../protocols/gw376/message.js';
import { checkAllRoundTrip, firstData, roundTrip, vectorsOf } from './formats-arb.js';

describe('AFN0C class-1 data', () => {
  it('every Fn has names', () => {
    for (const e of AFN0C_FNS) expect(e.name && e.nameZh).toBeTruthy();
  });

  it('F129 reply (qgdw376.1.ksy rafn12f129): read time, M=4, total 0.01 kWh, rates EE', () => {
    const v = vectorsOf(0x0c, 'up').find((x) => x.fns[0] === 129)!;
    expect(firstData(v.hex)).toEqual({
      time: { year: 2018, month: 8, day: 28, hour: 16, minute: 18 },
      m: 4,
      values: [0.01, null, null, null, null],
    });
  });

  it('F33 / F34 replies (91 bytes with M=4)', () => {
    const f33 = firstData(vectorsOf(0x0c, 'up').find((x) => x.fns[0] === 33)!.hex) as Record<string, unknown>;
    expect(f33.time).toEqual({ year: 2018, month: 8, day: 28, hour: 16, minute: 48 });
    expect(f33.active).toEqual([0.01, null, null, null, null]);
    expect(f33.quadrantY).toEqual([null, null, null, null, null]);
    const f34 = firstData(vectorsOf(0x0c, 'up').find((x) => x.fns[0] === 34)!.hex) as Record<string, unknown>;
    expect(f34.m).toBe(4);
    expect(f34.active).toEqual([null, null, null, null, null]); // 00 EE EE EE EE: partially invalid → null
  });

  it('F2 clock replies', () => {
    const clocks = vectorsOf(0x0c, 'up')
      .filter((x) => x.fns[0] === 2)
      .map((x) => firstData(x.hex));
    expect(clocks).toContainEqual({ clock: { year: 2015, month: 3, day: 17, hour: 7, minute: 39, second: 0, weekday: 2 } });
    expect(clocks).toContainEqual({ clock: { year: 2015, month: 12, day: 15, hour: 11, minute: 48, second: 49, weekday: 2 } });
  });

  it('replies re-encode byte-exact (F2, F33, F129; F34 has a partially-EE value that re-encodes as full EE)', () => {
    for (const v of vectorsOf(0x0c, 'up').filter((x) => [2, 33, 129].includes(x.fns[0]!))) {
      const msg = decodeMessage(Buffer.from(v.hex, 'hex'));
      expect(encodeMessage(msg).toString('hex').toUpperCase(), v.source).toBe(v.hex.toUpperCase());
    }
  });

  it('requests carry only DA/DT', () => {
    for (const v of vectorsOf(0x0c, 'down')) {
      const msg = decodeMessage(Buffer.from(v.hex, 'hex'));
      for (const u of msg.units) if (u.raw !== true) expect((u as KnownUnit).data, v.source).toBeUndefined();
    }
  });

  it('F25 is 67 bytes and decodes the field order of the standard', () => {
    const f25 = AFN0C_FNS.find((e) => e.fn === 25)!.up!;
    const ctx = { afn: 0x0c, fn: 25, pn: 1, dir: 'up' as const, revision: 2009 as const };
    const value = {
      time: { year: 2024, month: 5, day: 6, hour: 7, minute: 8 },
      p: 1.2345, pa: 0.4, pb: 0.4, pc: -0.4345,
      q: 0.1, qa: null, qb: 0, qc: 0,
      pf: 99.9, pfa: -50.5, pfb: 100, pfc: 0,
      ua: 220.1, ub: 219.9, uc: 242.7,
      ia: 1.5, ib: -1.5, ic: 799.999, i0: 0,
      s: 1.3, sa: 0.5, sb: 0.5, sc: 0.5,
    };
    const bytes = roundTrip(f25, value, ctx);
    expect(bytes.length).toBe(67);
    expect(bytes.subarray(5, 8).toString('hex')).toBe('452301'); // P total A.9
    expect(bytes.subarray(41, 43).toString('hex')).toBe('2724'); // Uc A.7 242.7
  });

  it('property: every AFN0C layout round-trips', () => {
    checkAllRoundTrip(AFN0C_FNS, 40);
  });
});
