import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AFN0E_FNS } from '../../../protocols/gw376/afn/afn0e-events.js';
import { BinaryReader, BinaryWriter } from '../../../protocols/codec/cursor.js';
import { allErcs, decodeErcRecord, encodeErcRecord, isErc } from '../../../protocols/gw376/erc/registry.js';
import { decodeMessage, encodeMessage } from '../../../protocols/gw376/message.js';
import { ERC14_2013 } from '../../../protocols/gw376/erc/terminal.js';
import { checkAllRoundTrip, firstData, genErcRecord, genNode, vectorsOf } from './formats-arb.js';

const ctx = { afn: 0x0e, fn: 1, pn: 0, dir: 'up' as const, revision: 2009 as const };
const rec = (hex: string) => decodeErcRecord(new BinaryReader(Buffer.from(hex.replace(/\s+/g, ''), 'hex')), ctx);

describe('AFN0E events and the ERC registry', () => {
  it('registers ERC1..36 with names; typed ones listed in the brief are typed', () => {
    const ercs = allErcs();
    expect(ercs.map((e) => e.erc)).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
    for (const n of [1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 17, 19, 20, 21, 24, 25, 27, 28, 29, 30, 31, 33]) {
      expect(ercs.find((e) => e.erc === n)!.typed, `ERC${n}`).toBe(true);
    }
  });

  it('ERC1 (digest example) decodes and re-encodes', () => {
    const hex = '010E351016011402' + Buffer.from('2.012.02').toString('hex');
    const r = rec(hex);
    expect(r).toEqual({
      erc: 1,
      data: { time: { year: 2014, month: 1, day: 16, hour: 10, minute: 35 }, flags: { dataInit: false, versionChange: true }, oldVersion: '2.01', newVersion: '2.02' },
    });
    const w = new BinaryWriter();
    encodeErcRecord(w, r, ctx);
    expect(w.finish().toString('hex').toUpperCase()).toBe(hex.toUpperCase());
  });

  it('ERC14 power off/on with power-on still EE; ERC9 type and pn flag', () => {
    const r14 = rec('0E0A 3010160114 EEEEEEEEEE');
    expect(isErc(r14, 14) && r14.data.powerOn).toBeNull();
    const r9 = rec('091C 0010160114 0180 81 0022 0022 0022 000100 000100 000100 0000000100');
    expect(isErc(r9, 9)).toBe(true);
    if (isErc(r9, 9)) {
      expect(r9.data.pn).toEqual({ pn: 1, start: true });
      expect(r9.data.flags).toEqual({ a: true, b: false, c: false, type: 2 });
      expect(r9.data.ua).toBe(220);
      expect(r9.data.ia).toBe(0.1);
      expect(r9.data.activeEnergy).toBe(100);
    }
  });

  it('ERC14 in 1376.1-2013 (Le 11, attribute byte): typed in revision 2013, raw in 2009', () => {
    const hex = '0E0B 3010160114 4511160114 03'.replace(/\s+/g, '');
    const ctx13 = { ...ctx, revision: 2013 as const };
    const r13 = decodeErcRecord(new BinaryReader(Buffer.from(hex, 'hex')), ctx13);
    expect(r13).toEqual({
      erc: 14,
      data: { powerOff: { year: 2014, month: 1, day: 16, hour: 10, minute: 30 }, powerOn: { year: 2014, month: 1, day: 16, hour: 11, minute: 45 }, attribute: 3 },
    });
    const w = new BinaryWriter();
    encodeErcRecord(w, r13, ctx13);
    expect(w.finish().toString('hex').toUpperCase()).toBe(hex);
    expect(rec(hex)).toEqual({ erc: 14, data: null, raw: '3010160114451116011403' });
    // a 2009-shaped record (Le 10) still decodes in a 2013 frame
    const r = decodeErcRecord(new BinaryReader(Buffer.from('0E0A3010160114EEEEEEEEEE', 'hex')), ctx13);
    expect(isErc(r, 14) && r.data.powerOn).toBeNull();
  });

  it('property: ERC14 2013 records round-trip in revision 2013', () => {
    const ctx13 = { ...ctx, revision: 2013 as const };
    fc.assert(
      fc.property(fc.gen(), (g) => {
        const r = { erc: 14, data: genNode(g, ERC14_2013) as Record<string, unknown> };
        const w = new BinaryWriter();
        encodeErcRecord(w, r, ctx13);
        const b = Buffer.from(w.finish());
        expect(b[1]).toBe(11);
        const rd = new BinaryReader(b);
        expect(decodeErcRecord(rd, ctx13)).toEqual(r);
        expect(rd.pos).toBe(b.length);
      }),
      { numRuns: 200 },
    );
  });

  it('unknown or misfit records are kept raw (vendor ERC52 capture)', () => {
    const v = vectorsOf(0x0e)[0]!;
    const d = firstData(v.hex) as { ec1: number; ec2: number; pm: number; pn: number; records: unknown[] };
    expect(d).toMatchObject({ ec1: 20, ec2: 11, pm: 19, pn: 20 });
    expect(d.records).toEqual([{ erc: 52, data: null, raw: '3609150415020001020303030303034444111122223333444444555555666666' }]);
    expect(encodeMessage(decodeMessage(Buffer.from(v.hex, 'hex'))).toString('hex').toUpperCase()).toBe(v.hex.toUpperCase());
    expect(rec('0C03 010203')).toEqual({ erc: 12, data: null, raw: '010203' });
  });

  it('property: every ERC record round-trips', () => {
    fc.assert(
      fc.property(fc.gen(), (g) => {
        const r = genErcRecord(g);
        const w = new BinaryWriter();
        encodeErcRecord(w, r, ctx);
        const b = Buffer.from(w.finish());
        const rd = new BinaryReader(b);
        expect(decodeErcRecord(rd, ctx)).toEqual(r);
        expect(rd.pos).toBe(b.length);
      }),
      { numRuns: 500 },
    );
  });

  it('property: AFN0E request and reply round-trip', () => {
    checkAllRoundTrip(AFN0E_FNS, 100);
  });
});
