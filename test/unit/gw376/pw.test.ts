/**
 * PW (§5.2.3.6.1) as 32 hex digits: decoded texts come from a direct-mapped cache, so the property tests
 * interleave many PWs, including ones that share a cache slot, and check every decode against the bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncodeError } from '../../../protocols/codec/errors.js';
import type { Gw376Message } from '../../../protocols/gw376/index.js';
import { ZERO_PW, builders, decodeFrame, decodeMessage, encodeMessage, pwText } from '../../../protocols/gw376/index.js';

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

/** An AFN01 F1 (hardware reset) request: the smallest frame that carries PW. */
function resetWith(pw: string): Gw376Message {
  return { ...builders.requestHeader(0x01, { a1: '1101', a2: 7, msa: 1 }, { seq: 3, tp: false, pw }), units: [{ pn: 0, fn: 1 }] };
}

/**
 * A PW whose four 32-bit words XOR to zero lands in the same cache slot as sixteen zero bytes: word `x`
 * in words i and j (i < j), zero elsewhere — so some slotmates agree with zero in every word but two.
 */
function slotmateOfZero(x: number, i = 0, j = 1): Uint8Array {
  const b = Buffer.alloc(16);
  b.writeInt32LE(x | 0, 4 * i);
  b.writeInt32LE(x | 0, 4 * j);
  return b;
}
const wordPair = fc.constantFrom([0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]);

describe('PW text', () => {
  it('decodes to upper-case hex of the wire bytes, whatever was decoded before (cache slots shared)', () => {
    const pool = fc.oneof(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.tuple(fc.integer(), wordPair).map(([x, [i, j]]) => slotmateOfZero(x, i, j)),
      fc.constant(new Uint8Array(16)),
      fc.constant(new Uint8Array(16).fill(0xff)),
    );
    fc.assert(
      fc.property(fc.array(pool, { minLength: 1, maxLength: 40 }), (pws) => {
        for (const pw of pws) {
          const padded = Buffer.concat([Buffer.from([0xaa, 0xbb]), pw, Buffer.from([0xcc])]);
          expect(pwText(padded, 2)).toBe(hexOf(pw));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('survives the frame round trip: text in, bytes on the wire, the same text out (frame view and message)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), (bytes, lower) => {
        const text = lower ? hexOf(bytes).toLowerCase() : hexOf(bytes);
        const frame = encodeMessage(resetWith(text));
        // PW sits right before CS 16 (no Tp).
        expect(hexOf(frame.subarray(frame.length - 18, frame.length - 2))).toBe(hexOf(bytes));
        expect(decodeFrame(frame).pw).toBe(hexOf(bytes));
        const msg = decodeMessage(frame);
        expect(msg.pw).toBe(hexOf(bytes));
        expect(encodeMessage(msg).equals(frame)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('PWs of one cache slot alternate without mixing up', () => {
    // The slot hash folds bytes 0, 1 and 2 of the XOR of the words: 01H in the top byte of one word leaves it unchanged.
    const topByte = [3, 7, 11, 15].map((at) => hexOf(Buffer.alloc(16).fill(1, at, at + 1)));
    const pws = [ZERO_PW, ...topByte, ...[[0, 1], [1, 2], [2, 3], [1, 3]].map(([i, j]) => hexOf(slotmateOfZero(0x12345678, i, j)))];
    const frames = pws.map((pw) => encodeMessage(resetWith(pw)));
    // Every ordered pair: the second decode finds the first one's words in the slot.
    for (let a = 0; a < pws.length; a++) {
      for (let b = 0; b < pws.length; b++) {
        expect(decodeMessage(frames[a]!).pw).toBe(pws[a]);
        expect(decodeMessage(frames[b]!).pw).toBe(pws[b]);
      }
    }
  });

  it('is absent on frames without PW (uplink, or an AFN that carries none)', () => {
    const read = encodeMessage({ ...builders.requestHeader(0x0c, { a1: '1101', a2: 7 }, { seq: 1, tp: false }), units: [{ pn: 0, fn: 2 }] });
    expect(decodeMessage(read).pw).toBeUndefined();
  });

  it.each([
    ['16 bytes instead of text', Buffer.alloc(16), /give the PW as hex text/],
    ['31 digits', '0'.repeat(31), /32 hex digits .*31 character/],
    ['a non-hex digit', `${'0'.repeat(20)}G${'0'.repeat(11)}`, /found 'G' at digit 21/],
    ['a full-width digit', `${'0'.repeat(31)}０`, /found '０' at digit 32/],
  ])('encoding refuses %s with EncodeError(pw)', (_what, pw, message) => {
    const msg = { ...resetWith(ZERO_PW), pw } as unknown as Gw376Message;
    let err: unknown;
    try {
      encodeMessage(msg);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EncodeError);
    expect((err as EncodeError).field).toBe('pw');
    expect((err as Error).message).toMatch(message);
  });
});
