/**
 * PW, the 16-byte message authentication code of downlink AFN01/04/05/06/0F/10 frames (Q/GDW 376.1-2009
 * §5.2.3.6.1), as the text the rest of a head-end keeps it in: 32 hex digits, first wire byte first
 * (configuration `fep.pw`, the archive, ERC20's PW field). Decoding gives upper case; encoding takes either.
 *
 * A head-end or terminal sees few distinct PWs (usually one per deployment, often all zeros), so decoded
 * texts come from a small direct-mapped cache keyed by the 16 bytes as four 32-bit words: a hit costs the
 * 16 byte reads and four compares, not a new string (nor the 16-byte array a byte form would need).
 */
import { EncodeError } from '../codec/errors.js';
import { HEX_BYTE, HEX_DIGIT_VALUE } from '../codec/hex.js';

export const PW_LEN = 16;

/** Sixteen zero bytes: what test systems and terminals without a PW check send. */
export const ZERO_PW = '0'.repeat(2 * PW_LEN);

const SLOTS = 256; // pwText masks with 255 as a literal
const WORDS = new Int32Array(SLOTS * 4);
const TEXT: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

/** The PW at `at` (16 bytes, caller checked they exist) as 32 upper-case hex digits. */
export function pwText(buf: Uint8Array, at: number): string {
  const w0 = buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24);
  const w1 = buf[at + 4]! | (buf[at + 5]! << 8) | (buf[at + 6]! << 16) | (buf[at + 7]! << 24);
  const w2 = buf[at + 8]! | (buf[at + 9]! << 8) | (buf[at + 10]! << 16) | (buf[at + 11]! << 24);
  const w3 = buf[at + 12]! | (buf[at + 13]! << 8) | (buf[at + 14]! << 16) | (buf[at + 15]! << 24);
  let h = w0 ^ w1 ^ w2 ^ w3;
  h = (h ^ (h >>> 16) ^ (h >>> 8)) & 255; // SLOTS - 1 as a literal (see frame.ts locateAux)
  const k = h << 2;
  const t = TEXT[h];
  if (t !== undefined && WORDS[k] === w0 && WORDS[k + 1] === w1 && WORDS[k + 2] === w2 && WORDS[k + 3] === w3) return t;
  const s = buildText(buf, at);
  WORDS[k] = w0;
  WORDS[k + 1] = w1;
  WORDS[k + 2] = w2;
  WORDS[k + 3] = w3;
  TEXT[h] = s;
  return s;
}

function buildText(buf: Uint8Array, at: number): string {
  let s = '';
  for (let i = 0; i < PW_LEN; i++) s += HEX_BYTE[buf[at + i]!]!;
  return s;
}

/** Throws EncodeError('pw') unless `pw` is 32 hex digits. */
export function checkPw(pw: unknown): asserts pw is string {
  if (typeof pw !== 'string' || pw.length !== 2 * PW_LEN) {
    throw new EncodeError('pw', `${2 * PW_LEN} hex digits (${PW_LEN} bytes), got ${describe(pw)}`);
  }
  for (let i = 0; i < pw.length; i++) {
    const c = pw.charCodeAt(i);
    if (c > 0x7f || HEX_DIGIT_VALUE[c]! < 0) throw new EncodeError('pw', `32 hex digits, found '${pw[i]}' at digit ${i + 1}`);
  }
}

/** Writes the checked PW text `pw` as its 16 bytes at `at`. */
export function writePw(out: Uint8Array, at: number, pw: string): void {
  const v = HEX_DIGIT_VALUE;
  for (let i = 0; i < PW_LEN; i++) out[at + i] = (v[pw.charCodeAt(2 * i)]! << 4) | v[pw.charCodeAt(2 * i + 1)]!;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `${v.length} character(s)`;
  if (v instanceof Uint8Array) return `${v.length} bytes (give the PW as hex text)`;
  return typeof v;
}
