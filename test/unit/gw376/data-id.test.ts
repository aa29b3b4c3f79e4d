import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncodeError } from '../../../protocols/codec/index.js';
import { PN_ALL, daOfPn, daOfPns, dtOfFn, dtOfFns, fnsOfDt, groupDataIds, pnsOfDa } from '../../../protocols/gw376/index.js';

const le = (b0: number, b1: number): number => b0 | (b1 << 8);

describe('DA/DT', () => {
  it('Fn ↔ DT as in the digest and vectors', () => {
    const table: [number, number, number][] = [[1, 0x01, 0], [3, 0x04, 0], [10, 0x02, 1], [25, 0x01, 3], [33, 0x01, 4], [129, 0x01, 0x10], [161, 0x01, 0x14], [177, 0x01, 0x16], [248, 0x80, 30]];
    for (const [fn, dt1, dt2] of table) {
      expect(dtOfFn(fn)).toBe(le(dt1, dt2));
      expect(fnsOfDt(le(dt1, dt2))).toEqual([fn]);
    }
  });
  it('Pn ↔ DA: p0, p1 (01 01), p2 (02 01), p9 (01 02), p2040 (80 FF), all points (FF 00)', () => {
    expect(daOfPn(0)).toBe(0);
    expect(daOfPn(1)).toBe(le(1, 1));
    expect(daOfPn(2)).toBe(le(2, 1));
    expect(daOfPn(9)).toBe(le(1, 2));
    expect(daOfPn(2040)).toBe(le(0x80, 0xff));
    expect(daOfPn(PN_ALL)).toBe(le(0xff, 0));
    expect(pnsOfDa(le(0xff, 0))).toEqual([PN_ALL]);
    expect(pnsOfDa(le(0xff, 0xff))).toEqual([PN_ALL]); // device variant
    expect(pnsOfDa(0)).toEqual([0]);
    expect(pnsOfDa(le(0x05, 0))).toEqual([]); // invalid: bits without a group
    expect(pnsOfDa(le(0x81, 2))).toEqual([9, 16]);
    expect(fnsOfDt(le(0x03, 0))).toEqual([1, 2]);
    expect(fnsOfDt(le(0x01, 31))).toEqual([]);
  });
  it('rejects out-of-range and mixed groups', () => {
    expect(() => daOfPn(2041)).toThrow(EncodeError);
    expect(() => dtOfFn(0)).toThrow(EncodeError);
    expect(() => dtOfFn(249)).toThrow(EncodeError);
    expect(() => daOfPns([1, 9])).toThrow(/group/);
    expect(() => daOfPns([0, 1])).toThrow(EncodeError);
    expect(() => dtOfFns([8, 9])).toThrow(/group/);
    expect(daOfPns([3, 1, 8])).toBe(le(0x85, 1));
  });
  it('property: DA and DT round-trip for every pn and fn', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2040 }), fc.integer({ min: 1, max: 248 }), (pn, fn) => {
      expect(pnsOfDa(daOfPn(pn))).toEqual([pn]);
      expect(fnsOfDt(dtOfFn(fn))).toEqual([fn]);
    }));
  });
  it('grouping: pn 1..8 x F1 is one unit; pn 1..200 x F161 is 25 units', () => {
    const ids = groupDataIds(Array.from({ length: 8 }, (_, i) => ({ pn: i + 1, fn: 1 })));
    expect(ids).toHaveLength(1);
    expect(ids[0]!.da).toBe(le(0xff, 1));
    expect(groupDataIds(Array.from({ length: 200 }, (_, i) => ({ pn: i + 1, fn: 161 })))).toHaveLength(25);
    // p0 F11 + p0 F13 -> one DT 14 01
    expect(groupDataIds([{ pn: 0, fn: 11 }, { pn: 0, fn: 13 }]).map((x) => x.dt)).toEqual([le(0x14, 1)]);
  });
  it('property: grouping covers exactly the requested pairs, never more units than distinct pairs', () => {
    const pair = fc.record({ pn: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })), fn: fc.integer({ min: 1, max: 24 }) });
    fc.assert(fc.property(fc.array(pair, { minLength: 1, maxLength: 60 }), (pairs) => {
      const ids = groupDataIds(pairs);
      const want = new Set(pairs.map((p) => `${p.pn}/${p.fn}`));
      const got: string[] = [];
      for (const id of ids) for (const pn of id.pns) for (const fn of id.fns) got.push(`${pn}/${fn}`);
      expect(new Set(got)).toEqual(want);
      expect(got.length).toBe(want.size); // no pair twice
      expect(ids.length).toBeLessThanOrEqual(want.size);
    }));
  });
});
