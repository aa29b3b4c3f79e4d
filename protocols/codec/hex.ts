/** Hex helpers: the digit tables the codecs build and parse hex texts with, and the (cold) helpers of error messages, the CLI and tests. */
import { Buffer } from 'node:buffer';
import { FrameError } from './errors.js';

/** Char codes of the upper-case hex digits 0–9, A–F. */
export const HEX_DIGIT_CODE: Uint8Array = Uint8Array.from('0123456789ABCDEF', (c) => c.charCodeAt(0));

/** Value of an ASCII hex digit (either case) by char code 0..127; -1 for anything else. */
export const HEX_DIGIT_VALUE: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) t[65 + i] = t[97 + i] = 10 + i;
  return t;
})();

/** Each byte value as two upper-case hex digits ('00' … 'FF'). */
export const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/** Spaced upper-case hex, e.g. `68 AA 16`. Long inputs are cut with an ellipsis so logs stay bounded. */
export function toHex(bytes: Uint8Array, start = 0, end = bytes.length, limit = 512): string {
  const stop = Math.min(end, start + limit);
  const parts: string[] = [];
  for (let i = start; i < stop; i++) parts.push(HEX_BYTE[bytes[i]!]!);
  return stop < end ? `${parts.join(' ')} …(+${end - stop} bytes)` : parts.join(' ');
}

/** Parses hex with optional spaces, colons, dashes or a 0x prefix per byte. Throws FrameError('bad-hex'). */
export function parseHex(text: string): Buffer {
  const cleaned = text.replace(/0x/gi, '').replace(/[\s:,-]/g, '');
  if (cleaned.length % 2 !== 0) {
    throw new FrameError('bad-hex', 'an even number of hex digits', text.trim());
  }
  if (!/^[0-9a-fA-F]*$/.test(cleaned)) {
    const bad = /[^0-9a-fA-F]/.exec(cleaned);
    throw new FrameError('bad-hex', `hex digits only (found '${bad?.[0] ?? '?'}')`, text.trim());
  }
  return Buffer.from(cleaned, 'hex');
}
