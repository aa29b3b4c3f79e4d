/**
 * The one binary cursor shared by the DL/T 645 and Q/GDW 376.1 codecs.
 *
 * `BinaryReader` reads little-endian integers and BCD numbers from a window of a Buffer without copying.
 * A byte `bias` is subtracted from every byte read: DL/T 645 scrambles its data field by +33H
 * (DL/T 645-2007 §4.3.3 / -1997 §4.3), so its decoders read the wire bytes in place with bias 0x33
 * instead of copying an unscrambled buffer. Q/GDW 376.1 uses bias 0.
 *
 * BCD reads return `null` when any nibble is not a decimal digit: that is how both standards mark
 * "no data" (FFH fill in 645 meters, EEH in 376.1 appendix A), and such a value must never become a number.
 * Multi-byte numbers are least-significant byte first in both standards.
 */
// Buffer is imported in every codec module rather than used as the global: in Node 20 the global is an
// accessor property, so each use in hot code is a getter call (≈ 4 % of an AFN0D F161 request encode).
import { Buffer } from 'node:buffer';
import { BCD_TO_INT, INT_TO_BCD, POW10, TWO_DIGITS } from './bcd.js';
import { DataError, EncodeError } from './errors.js';
import { toHex } from './hex.js';

const BIASED_TABLES = new Map<number, Int8Array>([[0, BCD_TO_INT]]);

/** BCD_TO_INT re-indexed for bytes that carry `bias` (e.g. +33H in DL/T 645): one lookup per byte. */
export function biasedBcdTable(bias: number): Int8Array {
  let t = BIASED_TABLES.get(bias);
  if (!t) {
    t = new Int8Array(256);
    for (let b = 0; b < 256; b++) t[b] = BCD_TO_INT[(b - bias) & 0xff]!;
    BIASED_TABLES.set(bias, t);
  }
  return t;
}

export class BinaryReader {
  readonly buf: Buffer;
  /** Absolute position of the next byte to read. */
  pos: number;
  /** Absolute end (exclusive) of the readable window. */
  readonly end: number;
  /** Subtracted (mod 256) from every byte read. */
  readonly bias: number;
  /**
   * BCD_TO_INT with the bias folded in: indexed by the raw wire byte (0..99, or -1 when not BCD).
   * Generated decoders (gw376 layouts) read it to convert bytes in place.
   */
  readonly bcdTable: Int8Array;

  constructor(buf: Buffer, start = 0, end = buf.length, bias = 0) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.bias = bias;
    this.bcdTable = bias === 0 ? BCD_TO_INT : biasedBcdTable(bias);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws a DataError naming `field` unless `n` more bytes are available. */
  need(n: number, field: string): void {
    if (this.pos + n > this.end) {
      throw new DataError(field, `${n} byte(s), ${this.end - this.pos} left`, toHex(this.buf, this.pos, this.end));
    }
  }

  skip(n: number): void {
    this.pos += n;
  }

  u8(): number {
    return (this.buf[this.pos++]! - this.bias) & 0xff;
  }

  u16(): number {
    const p = this.pos;
    const buf = this.buf;
    const bias = this.bias;
    this.pos = p + 2;
    return ((buf[p]! - bias) & 0xff) | (((buf[p + 1]! - bias) & 0xff) << 8);
  }

  u24(): number {
    const p = this.pos;
    const buf = this.buf;
    const bias = this.bias;
    this.pos = p + 3;
    return ((buf[p]! - bias) & 0xff) | (((buf[p + 1]! - bias) & 0xff) << 8) | (((buf[p + 2]! - bias) & 0xff) << 16);
  }

  u32(): number {
    const lo = this.u16();
    return lo + this.u16() * 0x10000;
  }

  /** The next `n` bytes, bias removed, as a new Buffer (copies only when a bias applies). */
  bytes(n: number): Buffer {
    const start = this.pos;
    this.pos += n;
    if (this.bias === 0) return this.buf.subarray(start, start + n);
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = (this.buf[start + i]! - this.bias) & 0xff;
    return out;
  }

  /** Unsigned BCD integer of `n` bytes (LSB first); null if any nibble is not a digit. */
  bcd(n: number): number | null {
    const buf = this.buf;
    const table = this.bcdTable;
    let v = 0;
    const start = this.pos;
    for (let i = start + n - 1; i >= start; i--) {
      const d = table[buf[i]!]!;
      if (d < 0) {
        this.pos = start + n;
        return null;
      }
      v = v * 100 + d;
    }
    this.pos = start + n;
    return v;
  }

  /**
   * Signed BCD integer of `n` bytes: the top bit of the most significant (last) byte is the sign,
   * 1 = negative (DL/T 645-2007 appendix A; 376.1 A.5/A.6/A.9/A.25 use the same rule).
   */
  bcdSigned(n: number): number | null {
    const buf = this.buf;
    const bias = this.bias;
    const start = this.pos;
    const last = start + n - 1;
    const top = (buf[last]! - bias) & 0xff;
    const msd = BCD_TO_INT[top & 0x7f]!;
    this.pos = start + n;
    if (msd < 0) return null;
    let v = msd;
    const table = this.bcdTable;
    for (let i = last - 1; i >= start; i--) {
      const d = table[buf[i]!]!;
      if (d < 0) return null;
      v = v * 100 + d;
    }
    return top & 0x80 ? -v : v;
  }

  /** Unsigned BCD scaled by 10^-decimals (exact decimal: integer divided once by a power of ten). */
  bcdScaled(n: number, decimals: number): number | null {
    const v = this.bcd(n);
    return v === null ? null : v / POW10[decimals]!;
  }

  bcdSignedScaled(n: number, decimals: number): number | null {
    const v = this.bcdSigned(n);
    return v === null ? null : v / POW10[decimals]!;
  }

  /** One BCD byte as 0..99, or -1 when it is not BCD. */
  bcdByte(): number {
    return this.bcdTable[this.buf[this.pos++]!]!;
  }

  /** `n` BCD bytes as a digit string, most significant first (e.g. meter addresses); null if not BCD. */
  bcdDigits(n: number): string | null {
    let s = '';
    const start = this.pos;
    const buf = this.buf;
    const table = this.bcdTable;
    this.pos = start + n;
    for (let i = start + n - 1; i >= start; i--) {
      const d = table[buf[i]!]!;
      if (d < 0) return null;
      s += TWO_DIGITS[d]!;
    }
    return s;
  }

  /** True when every one of the next `n` bytes equals `fill` after bias removal (without consuming). */
  isFill(n: number, fill: number): boolean {
    return this.isFillAt(this.pos, n, fill);
  }

  /** True when the `n` bytes at absolute position `at` all equal `fill` after bias removal. */
  isFillAt(at: number, n: number, fill: number): boolean {
    for (let i = 0; i < n; i++) if (((this.buf[at + i]! - this.bias) & 0xff) !== fill) return false;
    return true;
  }
}

/**
 * Growable little-endian writer. `bias` is added to every byte written (+33H for DL/T 645 data).
 * Encoders that know their size write into an exact buffer; others let it grow.
 */
export class BinaryWriter {
  buf: Buffer;
  pos: number;
  bias: number;

  constructor(capacity = 64, bias = 0) {
    this.buf = Buffer.allocUnsafe(capacity);
    this.pos = 0;
    this.bias = bias;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /**
   * Makes room for `n` bytes and advances past them; returns the offset of the first one in `buf`, for
   * callers that write several bytes at once (they add `bias` themselves).
   */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.pos = at + n;
    return at;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = (v + this.bias) & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    const p = this.pos;
    this.buf[p] = ((v & 0xff) + this.bias) & 0xff;
    this.buf[p + 1] = (((v >>> 8) & 0xff) + this.bias) & 0xff;
    this.pos = p + 2;
    return this;
  }

  u24(v: number): this {
    return this.u16(v & 0xffff).u8((v >>> 16) & 0xff);
  }

  u32(v: number): this {
    return this.u16(v & 0xffff).u16(Math.floor(v / 0x10000) & 0xffff);
  }

  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.buf[this.pos++] = (bytes[i]! + this.bias) & 0xff;
    return this;
  }

  fill(n: number, value: number): this {
    this.ensure(n);
    const b = (value + this.bias) & 0xff;
    for (let i = 0; i < n; i++) this.buf[this.pos++] = b;
    return this;
  }

  /** Unsigned BCD of `n` bytes, LSB first. Throws EncodeError if `v` is negative, fractional or too wide. */
  bcd(v: number, n: number, field = 'value'): this {
    if (!Number.isInteger(v) || v < 0 || v >= POW10[2 * n]!) {
      throw new EncodeError(field, `${v} does not fit ${2 * n} BCD digits`);
    }
    this.ensure(n);
    const buf = this.buf;
    const bias = this.bias;
    let p = this.pos;
    if (v <= 0x7fffffff) {
      // Up to 9 digits: int32 arithmetic (the usual case; exact like the double path below).
      let x = v | 0;
      for (let i = 0; i < n; i++) {
        const q = (x / 100) | 0;
        buf[p++] = (INT_TO_BCD[x - q * 100]! + bias) & 0xff;
        x = q;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const pair = v % 100;
        buf[p++] = (INT_TO_BCD[pair]! + bias) & 0xff;
        v = (v - pair) / 100;
      }
    }
    this.pos = p;
    return this;
  }

  /** Signed BCD of `n` bytes with the sign in the top bit of the last byte (so at most 2n-1 digits). */
  bcdSigned(v: number, n: number, field = 'value'): this {
    const mag = Math.abs(v);
    // The last byte keeps 7 bits for digits, so its BCD pair is at most 79.
    if (!Number.isInteger(v) || mag >= 80 * POW10[2 * n - 2]!) {
      throw new EncodeError(field, `${v} does not fit signed BCD of ${n} bytes`);
    }
    const start = this.pos;
    this.bcd(mag, n, field);
    if (v < 0) this.buf[start + n - 1] = (((this.buf[start + n - 1]! - this.bias) | 0x80) + this.bias) & 0xff;
    return this;
  }

  /** A decimal value as BCD with `decimals` fractional digits (rounded to the nearest unit). */
  bcdScaled(v: number, n: number, decimals: number, field = 'value'): this {
    return this.bcd(Math.round(v * POW10[decimals]!), n, field);
  }

  bcdSignedScaled(v: number, n: number, decimals: number, field = 'value'): this {
    return this.bcdSigned(Math.round(v * POW10[decimals]!), n, field);
  }

  /** A digit string (most significant first, even length ≤ 2n) as `n` BCD bytes LSB first. */
  bcdDigits(digits: string, n: number, field = 'value'): this {
    if (!/^\d*$/.test(digits) || digits.length > 2 * n) {
      throw new EncodeError(field, `'${digits}' is not up to ${2 * n} decimal digits`);
    }
    const padded = digits.padStart(2 * n, '0');
    this.ensure(n);
    for (let i = n - 1; i >= 0; i--) {
      const pair = Number(padded.slice(2 * i, 2 * i + 2));
      this.buf[this.pos++] = (INT_TO_BCD[pair]! + this.bias) & 0xff;
    }
    return this;
  }

  /** The bytes written so far (a view, not a copy). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
