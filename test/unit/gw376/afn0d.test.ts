import { describe, expect, it } from 'vitest';
import { AFN0D_FNS } from '../../../protocols/gw376/afn/afn0d-history.js';
import '../../../protocols/gw376/afn/afn0c-realtime.js';
import { decodeMessage, encodeMessage } from '../../../protocols/gw376/message.js';
import type { KnownUnit } from '../../../protocols/gw376/message.js';
import { checkAllRoundTrip, firstData, vectorsOf } from './formats-arb.js';

describe('AFN0D class-2 data', () => {
  it('requests carry Td: Td_d (F1/F2) and Td_m (F17/F18)', () => {
    const byFn = new Map(vectorsOf(0x0d, 'down').map((v) => [v.fns[0], firstData(v.hex)]));
    expect(byFn.get(1)).toEqual({ td: { year: 2018, month: 8, day: 27 } });
    expect(byFn.get(2)).toEqual({ td: { year: 2018, month: 8, day: 27 } });
    expect(byFn.get(17)).toEqual({ td: { year: 2018, month: 7 } });
    expect(byFn.get(18)).toEqual({ td: { year: 2018, month: 7 } });
  });

  it('F1 reply (rafn13f1): Td_d, read time, M=4, total 0.01 kWh', () => {
    const v = vectorsOf(0x0d, 'up').find((x) => x.fns[0] === 1 && x.source.includes('rafn13f1'))!;
    const d = firstData(v.hex) as Record<string, unknown>;
    expect(d.td).toEqual({ year: 2018, month: 8, day: 27 });
    expect(d.time).toEqual({ year: 2018, month: 8, day: 27, hour: 23, minute: 59 });
    expect(d.m).toBe(4);
    expect(d.active).toEqual([0.01, null, null, null, null]);
  });

  it('F1 reply with a synthetic 88/77/66/55 payload (C3761Protocol)', () => {
    const v = vectorsOf(0x0d, 'up').find((x) => x.source.includes('C3761Protocol'))!;
    const d = firstData(v.hex) as Record<string, unknown>;
    expect(d.td).toEqual({ year: 2014, month: 1, day: 15 });
    expect(d.time).toEqual({ year: 2014, month: 1, day: 15, hour: 15, minute: 20 });
    expect(d.active).toEqual([888888.8888, 888888.8888, 888888.8888, 888888.8888, 888888.8888]);
  });

  it('20-unit curve reply: Td_c and point widths (A.9 / A.7 / A.25 / 2-byte F96 / A.5)', () => {
    const v = vectorsOf(0x0d, 'up').find((x) => x.fns.length === 20)!;
    const msg = decodeMessage(Buffer.from(v.hex, 'hex'));
    expect(msg.units).toHaveLength(20);
    const by = new Map(msg.units.map((u) => [(u as KnownUnit).fn, (u as KnownUnit).data as { td: unknown; values: unknown[] }]));
    expect(by.get(81)!.td).toEqual({ start: { year: 2015, month: 4, day: 16, hour: 12, minute: 45 }, density: 1, points: 1 });
    expect(by.get(81)!.values).toEqual([null]);
    expect(by.get(89)!.values).toEqual([220]);
    expect(by.get(92)!.values).toEqual([1.5]);
    expect(by.get(108)!.values).toEqual([null]);
  });

  it('AFN0D vectors re-encode byte-exact (except rafn13f2, whose first value is partially EE)', () => {
    for (const v of vectorsOf(0x0d).filter((x) => !x.source.includes('rafn13f2'))) {
      const msg = decodeMessage(Buffer.from(v.hex, 'hex'));
      expect(msg.units.every((u) => u.raw !== true), v.source).toBe(true);
      expect(encodeMessage(msg).toString('hex').toUpperCase(), v.source).toBe(v.hex.toUpperCase());
    }
  });

  it('property: every AFN0D layout (request Td and reply) round-trips', () => {
    checkAllRoundTrip(AFN0D_FNS, 25);
  });
});
