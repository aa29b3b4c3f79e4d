import { describe, expect, it } from 'vitest';
import { parseHex, toHex } from '../../../protocols/codec/hex.js';
import { FrameError } from '../../../protocols/codec/errors.js';
import { decodeFrame, encodeFrame, formatAddress, parseAddress, decodeFrameMessage, encodeMessage } from '../../../protocols/dlt645/index.js';
import { vectors } from './vectors.js';

describe('DL/T 645 frames against the shared vectors', () => {
  for (const [i, v] of vectors.entries()) {
    const label = `#${i + 1} ${v.version} ${v.control} ${v.di ?? ''} (${v.source.slice(0, 50)})`;
    if (!v.checksum_ok) {
      it(`${label}: rejected with a checksum error`, () => {
        const err = (() => {
          try {
            decodeFrame(parseHex(v.hex));
          } catch (e) {
            return e;
          }
        })();
        expect(err).toBeInstanceOf(FrameError);
        expect((err as FrameError).fault).toBe('bad-checksum');
        expect((err as FrameError).hex).toContain('68');
      });
      continue;
    }
    it(`${label}: link fields decode and re-encode byte for byte`, () => {
      const bytes = parseHex(v.hex);
      const f = decodeFrame(bytes);
      expect(f.address).toBe(v.address);
      expect(f.control).toBe(Number(v.control));
      expect(f.preamble).toBe(v.wake_up_fe);
      expect(f.dataLength).toBe(v.length_L);
      expect(toHex(f.data)).toBe(v.data_unscrambled);
      expect(f.isResponse).toBe(v.direction === 'response');
      const again = encodeFrame({ address: f.address, control: f.control, data: f.data, preamble: f.preamble });
      expect(toHex(again)).toBe(toHex(bytes));
    });
  }
});

describe('DL/T 645 messages against the shared vectors', () => {
  const decodable = vectors.filter((v) => v.checksum_ok && !(v.notes ?? '').includes('framing tests'));
  for (const [i, v] of decodable.entries()) {
    it(`#${i + 1} ${v.control} ${v.di ?? ''}: message round-trips`, () => {
      const bytes = parseHex(v.hex);
      const d = decodeFrameMessage(decodeFrame(bytes), { version: Number(v.version) as 2007 | 1997 });
      if (v.di && 'di' in d.message) expect(d.message.di).toBe(v.di);
      const re = encodeMessage({ address: d.address, message: d.message, version: d.version, preamble: d.preamble });
      expect(toHex(re)).toBe(toHex(bytes));
    });
  }

  it('decodes the forward-active block reply to exact decimals', () => {
    const v = vectors.find((x) => x.control === '0x91' && x.di === '0001FF00' && x.checksum_ok)!;
    const d = decodeFrameMessage(decodeFrame(parseHex(v.hex)));
    expect(d.message).toMatchObject({ kind: 'readReply', di: '0001FF00', value: { total: 36.3, rates: [2.56, 0.19, 0.38, 33.17] } });
  });

  it('decodes abnormal replies into named error flags', () => {
    const v = vectors.find((x) => x.control === '0xD1' && (x.decoded as { err?: string }).err === '0x06')!;
    const d = decodeFrameMessage(decodeFrame(parseHex(v.hex)));
    expect(d.message).toEqual({ kind: 'error', func: 0x11, code: 6, flags: ['noData', 'unauthorized'] });
  });

  it('decodes a 1CH trip with password, operator and command', () => {
    const v = vectors.find((x) => x.control === '0x1C' && (x.decoded as { N1?: string }).N1 === '1A')!;
    const d = decodeFrameMessage(decodeFrame(parseHex(v.hex)));
    expect(d.message).toMatchObject({ kind: 'control', command: 'trip', password: { level: 2, code: '020637' }, operator: '00000001' });
  });

  it('tells 1997 from 2007 by the function code', () => {
    const v = vectors.find((x) => x.version === '1997' && x.direction === 'response')!;
    expect(decodeFrameMessage(decodeFrame(parseHex(v.hex))).version).toBe(1997);
  });
});

describe('DL/T 645 frame errors name the fault', () => {
  const good = parseHex('68 00 36 19 00 00 00 68 93 06 33 69 4C 33 33 33 39 16');
  const cases: [string, string, string][] = [
    ['no start', '00 11 22 33 44 55 66 77 88 99 AA BB CC', 'no-start'],
    ['second 68 missing', '68 00 36 19 00 00 00 67 93 06 33 69 4C 33 33 33 39 16', 'bad-second-start'],
    ['truncated', '68 00 36 19 00 00 00 68 93 06 33 69 4C', 'truncated'],
    ['bad end', '68 00 36 19 00 00 00 68 93 06 33 69 4C 33 33 33 39 17', 'bad-end'],
    ['too short', '68 00 36', 'too-short'],
  ];
  for (const [name, hex, fault] of cases) {
    it(name, () => {
      try {
        decodeFrame(parseHex(hex));
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(FrameError);
        expect((e as FrameError).fault).toBe(fault);
        expect((e as FrameError).message).toContain('expected');
      }
    });
  }
  it('trailing bytes after 16H are reported', () => {
    expect(() => decodeFrame(Buffer.concat([good, Buffer.from([0x00])]))).toThrow(/extra byte/);
  });
});

describe('addresses', () => {
  it('parse and format are inverse, wildcards kept', () => {
    for (const a of ['123456789012', 'AAAAAAAAAAAA', 'AAAA56789012', '999999999999']) {
      expect(formatAddress(parseAddress(a), 0)).toBe(a);
    }
    expect(toHex(parseAddress('123456789012'))).toBe('12 90 78 56 34 12');
    expect(formatAddress(parseAddress('193600'), 0)).toBe('000000193600');
  });
  it('rejects what is not an address', () => {
    expect(() => parseAddress('12345678901X')).toThrow(/not up to 12 digits/);
    expect(() => parseAddress('1234567890123')).toThrow();
    expect(() => parseAddress('A23456789012')).toThrow(/two digits or AA/);
  });
});
