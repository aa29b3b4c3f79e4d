/**
 * DL/T 645 addresses: 6 bytes, 12 BCD digits, least significant byte first on the wire
 * (DL/T 645-2007 §4.3.2). AAH in a byte is a wildcard (缩位寻址): a meter answers when its
 * non-AA bytes match; 99 99 99 99 99 99 is the broadcast address, valid for broadcast time (08H)
 * and freeze (16H) only, and never answered.
 *
 * The printed form is 12 characters, most significant first: digits, with `AA` for a wildcard byte.
 */
import { Buffer } from 'node:buffer';
import { BCD_TO_INT, INT_TO_BCD, TWO_DIGITS } from '../codec/bcd.js';
import { EncodeError } from '../codec/errors.js';
import { HEX_BYTE } from '../codec/hex.js';

export const BROADCAST_ADDRESS = '999999999999';
export const WILDCARD_ADDRESS = 'AAAAAAAAAAAA';

/** Formats the 6 address bytes at `offset` (LSB first) as the printed 12-character form. */
export function formatAddress(buf: Uint8Array, offset: number): string {
  let s = '';
  for (let i = offset + 5; i >= offset; i--) {
    const b = buf[i]!;
    const d = BCD_TO_INT[b]!;
    s += d >= 0 ? TWO_DIGITS[d]! : HEX_BYTE[b]!;
  }
  return s;
}

/**
 * Parses a printed address (1..12 digits, left-padded with 0; `A` pairs allowed as wildcards)
 * into its 6 wire bytes. Throws EncodeError naming what is wrong.
 */
export function parseAddress(text: string): Buffer {
  const t = text.trim().toUpperCase();
  if (!/^[0-9A]{1,12}$/.test(t)) {
    throw new EncodeError('address', `'${text}' is not up to 12 digits (AA allowed as wildcard bytes)`);
  }
  const padded = t.padStart(12, '0');
  const out = Buffer.allocUnsafe(6);
  for (let i = 0; i < 6; i++) {
    const pair = padded.slice(10 - 2 * i, 12 - 2 * i);
    if (pair === 'AA') out[i] = 0xaa;
    else if (/^\d\d$/.test(pair)) out[i] = INT_TO_BCD[Number(pair)]!;
    else throw new EncodeError('address', `'${text}': byte '${pair}' must be two digits or AA`);
  }
  return out;
}

/** Builds the wildcard address that matches a meter whose low `digits` are given (缩位寻址). */
export function wildcardAddress(lowDigits: string): string {
  if (!/^\d*$/.test(lowDigits) || lowDigits.length % 2 !== 0 || lowDigits.length > 12) {
    throw new EncodeError('address', `'${lowDigits}' must be an even number (≤ 12) of digits`);
  }
  return 'A'.repeat(12 - lowDigits.length) + lowDigits;
}

/**
 * Whether a meter with address `meter` (6 wire bytes) must act on a frame sent to `target`
 * (6 wire bytes at `offset`): exact match, or every non-AA byte equal. Broadcast is handled by callers
 * because its validity depends on the control code.
 */
export function addressMatches(meter: Uint8Array, target: Uint8Array, offset = 0): boolean {
  for (let i = 0; i < 6; i++) {
    const t = target[offset + i]!;
    if (t !== 0xaa && t !== meter[i]) return false;
  }
  return true;
}

export function isBroadcast(buf: Uint8Array, offset = 0): boolean {
  for (let i = 0; i < 6; i++) if (buf[offset + i] !== 0x99) return false;
  return true;
}
