import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteSum } from '../../../protocols/codec/checksum.js';

/** The definition: the plain byte sum mod 256. */
function simpleSum(buf: Uint8Array, from: number, to: number): number {
  let cs = 0;
  for (let i = from; i < to; i++) cs += buf[i]!;
  return cs % 256;
}

describe('byteSum', () => {
  it('is 0 for an empty range and sums mod 256', () => {
    expect(byteSum(Buffer.alloc(4), 2, 2)).toBe(0);
    expect(byteSum(Buffer.from([0xff, 0xff, 0x03]), 0, 3)).toBe(0x01);
  });

  it('equals the simple loop for every length 0..300 and offset 0..8 (pooled, unaligned Buffer)', () => {
    const buf = Buffer.allocUnsafe(320);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 197 + 0x5b) & 0xff;
    const view = buf.subarray(3); // odd byteOffset into the pool
    for (let off = 0; off <= 8; off++) {
      for (let len = 0; len <= 300 && off + len <= view.length; len++) {
        expect(byteSum(view, off, off + len)).toBe(simpleSum(view, off, off + len));
      }
    }
  });

  it('equals the simple loop for random buffers, lengths 0..300 and odd offsets', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 340 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 300 }),
        (bytes, k, len) => {
          const buf = Buffer.from(bytes);
          const from = Math.min(2 * k + 1, buf.length);
          const to = Math.min(from + len, buf.length);
          return byteSum(buf, from, to) === simpleSum(buf, from, to) && byteSum(bytes, 0, bytes.length) === simpleSum(bytes, 0, bytes.length);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is 0xff-safe: 300 bytes of FF', () => {
    const buf = Buffer.alloc(301, 0xff);
    expect(byteSum(buf, 1, 301)).toBe((300 * 255) % 256);
  });
});
