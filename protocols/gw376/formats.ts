/**
 * Q/GDW 376.1 appendix A data formats (数据格式 01…28) on the shared binary cursor.
 *
 * Naming: `A1`…`A28` are the standard's *data format* numbers (数据格式01…), which is how engineers
 * name them; for formats ≥ 03 the table holding the definition is one higher (A.3 is the G-code table).
 *
 * Representation (one rule for the whole codec):
 * - Numbers are JS numbers: the BCD integer divided once by a power of ten, so 242.7 V is exactly
 *   the literal `242.7`. Signs come from the format's sign bit.
 * - Timestamps are plain objects of wall-clock fields (`{ year, month, day, hour, minute, second }`,
 *   only the fields the format carries). Years are full (2000 + YY). No `Date`: a terminal clock has
 *   no time zone, and converting would shift it by the host's offset.
 * - Invalid data (EEH fill, any non-BCD nibble, including FFH) decodes to `null`, never to a number.
 *   Writers accept `null` and write EEH fill of the format's width.
 *
 * Readers do not check bounds: callers (the layout compiler in `layout.ts`) call `r.need()` once per
 * fixed-size run of fields. Writers throw EncodeError for values the format cannot hold.
 */
import type { BinaryReader, BinaryWriter } from '../codec/cursor.js';
import { BCD_TO_INT, INT_TO_BCD, POW10 } from '../codec/bcd.js';
import { EncodeError } from '../codec/errors.js';

/** Invalid-data fill byte of 376.1 (appendix A: "数据无效" is sent as EEH). */
export const FILL = 0xee;

// ---------------------------------------------------------------------------------------------
// Timestamp value types

/** A.1 (6 B): ss mm hh DD (week|MM) YY. `weekday` 1..7 = Monday..Sunday, 0 = not given. */
export interface DateTimeA1 {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}
/** A.15 (5 B): mm hh DD MM YY. */
export interface DateTimeA15 {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}
/** A.16 (4 B): ss mm hh DD (the Tp send time). */
export interface TimeA16 {
  day: number;
  hour: number;
  minute: number;
  second: number;
}
/** A.17 (4 B): mm hh DD MM. */
export interface TimeA17 {
  month: number;
  day: number;
  hour: number;
  minute: number;
}
/** A.18 (3 B): mm hh DD. */
export interface TimeA18 {
  day: number;
  hour: number;
  minute: number;
}
/** A.19 (2 B): mm hh. */
export interface TimeA19 {
  hour: number;
  minute: number;
}
/** A.20 (3 B): DD MM YY (the daily-frozen time label Td_d). */
export interface DateA20 {
  year: number;
  month: number;
  day: number;
}
/** A.21 (2 B): MM YY (the monthly-frozen time label Td_m). */
export interface MonthA21 {
  year: number;
  month: number;
}
/** A.24 (2 B): hh DD. */
export interface TimeA24 {
  day: number;
  hour: number;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function fill(w: BinaryWriter, n: number): void {
  w.fill(n, FILL);
}

// Day 0 is allowed: periodic settings (A.18 sync time in AFN04 F33) use it for "every day".
// The range is passed as numbers (no lookup by field name on the encode hot path).

/** A calendar/clock field as its BCD byte, refusing values no clock can show (month 13, minute 60). */
function timeByte(v: number, lo: number, hi: number, part: string, field: string): number {
  if (!(v >= lo && v <= hi && Number.isInteger(v))) throw new EncodeError(field, `${part} ${v} is not ${lo}..${hi}`);
  return INT_TO_BCD[v]!;
}
const month = (v: number, field: string): number => timeByte(v, 1, 12, 'month', field);
const day = (v: number, field: string): number => timeByte(v, 0, 31, 'day', field);
const hour = (v: number, field: string): number => timeByte(v, 0, 23, 'hour', field);
const minute = (v: number, field: string): number => timeByte(v, 0, 59, 'minute', field);
const second = (v: number, field: string): number => timeByte(v, 0, 59, 'second', field);

/** BCD byte of the two-digit year 20YY. */
function yearByte(y: number, field: string): number {
  if (!Number.isInteger(y) || y < 2000 || y > 2099) throw new EncodeError(field, `year ${y} is not 2000..2099`);
  return INT_TO_BCD[y - 2000]!;
}

/** Writes 2..6 already validated bytes at once (one capacity check), adding the writer's bias. */
function put(w: BinaryWriter, b0: number, b1: number, b2 = -1, b3 = -1, b4 = -1, b5 = -1): void {
  const n = b2 < 0 ? 2 : b3 < 0 ? 3 : b4 < 0 ? 4 : b5 < 0 ? 5 : 6;
  const at = w.reserve(n);
  const buf = w.buf;
  const k = w.bias;
  buf[at] = (b0 + k) & 0xff;
  buf[at + 1] = (b1 + k) & 0xff;
  if (n > 2) buf[at + 2] = (b2 + k) & 0xff;
  if (n > 3) buf[at + 3] = (b3 + k) & 0xff;
  if (n > 4) buf[at + 4] = (b4 + k) & 0xff;
  if (n > 5) buf[at + 5] = (b5 + k) & 0xff;
}

// ---------------------------------------------------------------------------------------------
// A.1 date-time with weekday

export function readA1(r: BinaryReader): DateTimeA1 | null {
  const ss = r.bcdByte();
  const mm = r.bcdByte();
  const hh = r.bcdByte();
  const dd = r.bcdByte();
  const wm = r.u8();
  const yy = r.bcdByte();
  const month = BCD_TO_INT[wm & 0x1f]!;
  if ((ss | mm | hh | dd | yy | month) < 0) return null;
  return { year: 2000 + yy, month, day: dd, hour: hh, minute: mm, second: ss, weekday: wm >> 5 };
}

export function writeA1(w: BinaryWriter, v: DateTimeA1 | null, field = 'A.1'): void {
  if (v === null) return fill(w, 6);
  if (!Number.isInteger(v.weekday) || v.weekday < 0 || v.weekday > 7) {
    throw new EncodeError(field, `weekday ${v.weekday} is not 0..7`);
  }
  if (!Number.isInteger(v.month) || v.month < 0 || v.month > 19) throw new EncodeError(field, `month ${v.month}`);
  const ss = second(v.second, field);
  const mm = minute(v.minute, field);
  const hh = hour(v.hour, field);
  const dd = day(v.day, field);
  put(w, ss, mm, hh, dd, (v.weekday << 5) | INT_TO_BCD[v.month]!, yearByte(v.year, field));
}

// ---------------------------------------------------------------------------------------------
// A.2: ±XXX × 10^k, 2 bytes. Byte 2: D7..D5 G3G2G1, D4 sign, D3..D0 hundreds.
// G = 0..7 ↔ exponent 4, 3, 2, 1, 0, -1, -2, -3 (i.e. exponent = 4 - G).

export function readA2(r: BinaryReader): number | null {
  const b1 = r.u8();
  return a2FromBytes(b1, r.u8());
}

/** A.2 from its two bytes (bias removed); shared by `readA2` and the generated layout decoders. */
export function a2FromBytes(b1: number, b2: number): number | null {
  const lo = BCD_TO_INT[b1]!;
  const hundreds = b2 & 0x0f;
  if (lo < 0 || hundreds > 9) return null;
  const v = a2Value(hundreds * 100 + lo, 4 - (b2 >> 5));
  return b2 & 0x10 ? -v : v;
}

/** Decodes an A.2 mantissa/exponent pair to the number `readA2` returns (for checks and generators). */
export function a2Value(mant: number, exp: number): number {
  return exp >= 0 ? mant * POW10[exp]! : mant / POW10[-exp]!;
}

/** Writes the smallest exponent that represents `v` exactly with ≤ 3 digits, else the nearest. */
export function writeA2(w: BinaryWriter, v: number | null, field = 'A.2'): void {
  if (v === null) return fill(w, 2);
  if (!Number.isFinite(v)) throw new EncodeError(field, `${v} is not finite`);
  const neg = v < 0;
  const mag = Math.abs(v);
  let chosen = 99;
  let mant = 0;
  for (let pass = 0; pass < 2 && chosen === 99; pass++) {
    for (let e = -3; e <= 4; e++) {
      const m = Math.round(e >= 0 ? mag / POW10[e]! : mag * POW10[-e]!);
      if (m > 999) continue;
      // Pass 0: exact representations only; pass 1: the finest exponent that fits (rounded).
      if (pass === 1 || a2Value(m, e) === mag) {
        chosen = e;
        mant = m;
        break;
      }
    }
  }
  if (chosen === 99) throw new EncodeError(field, `${v} exceeds 999 × 10^4`);
  const g = 4 - chosen;
  w.u8(INT_TO_BCD[mant % 100]!);
  w.u8((g << 5) | (neg && mant !== 0 ? 0x10 : 0) | ((mant / 100) | 0));
}

// ---------------------------------------------------------------------------------------------
// A.3: ±XXXXXXX kWh (G=0) or MWh (G=1), 4 bytes; the value is returned in the small unit
// (kWh, or 厘 for money fields) so that G=1 values are multiplied by 1000.
// Byte 4: D6 G, D4 sign, D3..D0 millions digit (D7, D5 reserved 0).

export function readA3(r: BinaryReader): number | null {
  const start = r.pos;
  r.pos = start + 4;
  return a3At(r.buf, start, r.bias);
}

/** A.3 from the 4 bytes at `at` of `buf` carrying `bias`; shared by `readA3` and the generated decoders. */
export function a3At(buf: Uint8Array, at: number, bias: number): number | null {
  const b4 = buf[at + 3]! - bias;
  let v = 0;
  for (let i = 2; i >= 0; i--) {
    const d = BCD_TO_INT[(buf[at + i]! - bias) & 0xff]!;
    if (d < 0) return null;
    v = v * 100 + d;
  }
  const top = b4 & 0x0f;
  if (top > 9 || (b4 & 0xa0) !== 0) return null;
  v += top * 1_000_000;
  if (b4 & 0x40) v *= 1000;
  return b4 & 0x10 ? -v : v;
}

/** Writes in the small unit when |v| ≤ 9 999 999, else in the large unit (v must then be a multiple of 1000). */
export function writeA3(w: BinaryWriter, v: number | null, field = 'A.3'): void {
  if (v === null) return fill(w, 4);
  if (!Number.isInteger(v)) throw new EncodeError(field, `${v} is not an integer`);
  const neg = v < 0;
  let mag = Math.abs(v);
  let g = 0;
  if (mag > 9_999_999) {
    if (mag % 1000 !== 0 || mag / 1000 > 9_999_999) throw new EncodeError(field, `${v} does not fit A.3`);
    mag /= 1000;
    g = 1;
  }
  w.bcd(mag % 1_000_000, 3, field);
  w.u8((g << 6) | (neg ? 0x10 : 0) | Math.floor(mag / 1_000_000));
}

// ---------------------------------------------------------------------------------------------
// A.4: floating coefficient ±XX %, 1 byte: D7 S0 (0 up/上浮, 1 down/下浮), D6..D4 tens, D3..D0 units.
// Returned as a signed number (down = negative).

export function readA4(r: BinaryReader): number | null {
  return a4FromByte(r.u8());
}

/** A.4 from its byte (bias removed); shared by `readA4` and the generated decoders. */
export function a4FromByte(b: number): number | null {
  const d = BCD_TO_INT[b & 0x7f]!;
  if (d < 0) return null;
  return b & 0x80 ? -d : d;
}

export function writeA4(w: BinaryWriter, v: number | null, field = 'A.4'): void {
  if (v === null) return fill(w, 1);
  const mag = Math.abs(v);
  if (!Number.isInteger(v) || mag > 79) throw new EncodeError(field, `${v} is not an integer in -79..79`);
  w.u8((v < 0 ? 0x80 : 0) | INT_TO_BCD[mag]!);
}

// ---------------------------------------------------------------------------------------------
// Plain BCD number formats (A.5 … A.27). Each is `bytes` BCD bytes with `decimals` fractional
// digits; signed ones carry the sign in D7 of the last byte.

export function readA5(r: BinaryReader): number | null {
  const v = r.bcdSigned(2);
  return v === null ? null : v / 10;
}
export function writeA5(w: BinaryWriter, v: number | null, field = 'A.5'): void {
  if (v === null) fill(w, 2);
  else w.bcdSignedScaled(v, 2, 1, field);
}

export function readA6(r: BinaryReader): number | null {
  const v = r.bcdSigned(2);
  return v === null ? null : v / 100;
}
export function writeA6(w: BinaryWriter, v: number | null, field = 'A.6'): void {
  if (v === null) fill(w, 2);
  else w.bcdSignedScaled(v, 2, 2, field);
}

export function readA7(r: BinaryReader): number | null {
  const v = r.bcd(2);
  return v === null ? null : v / 10;
}
export function writeA7(w: BinaryWriter, v: number | null, field = 'A.7'): void {
  if (v === null) fill(w, 2);
  else w.bcdScaled(v, 2, 1, field);
}

export function readA8(r: BinaryReader): number | null {
  return r.bcd(2);
}
export function writeA8(w: BinaryWriter, v: number | null, field = 'A.8'): void {
  if (v === null) fill(w, 2);
  else w.bcd(v, 2, field);
}

export function readA9(r: BinaryReader): number | null {
  const v = r.bcdSigned(3);
  return v === null ? null : v / 10000;
}
export function writeA9(w: BinaryWriter, v: number | null, field = 'A.9'): void {
  if (v === null) fill(w, 3);
  else w.bcdSignedScaled(v, 3, 4, field);
}

export function readA10(r: BinaryReader): number | null {
  return r.bcd(3);
}
export function writeA10(w: BinaryWriter, v: number | null, field = 'A.10'): void {
  if (v === null) fill(w, 3);
  else w.bcd(v, 3, field);
}

export function readA11(r: BinaryReader): number | null {
  const v = r.bcd(4);
  return v === null ? null : v / 100;
}
export function writeA11(w: BinaryWriter, v: number | null, field = 'A.11'): void {
  if (v === null) fill(w, 4);
  else w.bcdScaled(v, 4, 2, field);
}

/** A.12: 12-digit number (meter / collector addresses), returned as the digit string, most significant first. */
export function readA12(r: BinaryReader): string | null {
  return r.bcdDigits(6);
}
export function writeA12(w: BinaryWriter, v: string | null, field = 'A.12'): void {
  if (v === null) fill(w, 6);
  else w.bcdDigits(v, 6, field);
}

export function readA13(r: BinaryReader): number | null {
  const v = r.bcd(4);
  return v === null ? null : v / 10000;
}
export function writeA13(w: BinaryWriter, v: number | null, field = 'A.13'): void {
  if (v === null) fill(w, 4);
  else w.bcdScaled(v, 4, 4, field);
}

export function readA14(r: BinaryReader): number | null {
  const v = r.bcd(5);
  return v === null ? null : v / 10000;
}
export function writeA14(w: BinaryWriter, v: number | null, field = 'A.14'): void {
  if (v === null) fill(w, 5);
  else w.bcdScaled(v, 5, 4, field);
}

// ---------------------------------------------------------------------------------------------
// Time formats A.15 … A.21, A.24 (BCD, least significant field first).

export function readA15(r: BinaryReader): DateTimeA15 | null {
  const mm = r.bcdByte();
  const hh = r.bcdByte();
  const dd = r.bcdByte();
  const mo = r.bcdByte();
  const yy = r.bcdByte();
  if ((mm | hh | dd | mo | yy) < 0) return null;
  return { year: 2000 + yy, month: mo, day: dd, hour: hh, minute: mm };
}
export function writeA15(w: BinaryWriter, v: DateTimeA15 | null, field = 'A.15'): void {
  if (v === null) return fill(w, 5);
  const mm = minute(v.minute, field);
  const hh = hour(v.hour, field);
  const dd = day(v.day, field);
  const mo = month(v.month, field);
  put(w, mm, hh, dd, mo, yearByte(v.year, field));
}

export function readA16(r: BinaryReader): TimeA16 | null {
  const ss = r.bcdByte();
  const mm = r.bcdByte();
  const hh = r.bcdByte();
  const dd = r.bcdByte();
  if ((ss | mm | hh | dd) < 0) return null;
  return { day: dd, hour: hh, minute: mm, second: ss };
}
export function writeA16(w: BinaryWriter, v: TimeA16 | null, field = 'A.16'): void {
  if (v === null) return fill(w, 4);
  const ss = second(v.second, field);
  const mm = minute(v.minute, field);
  const hh = hour(v.hour, field);
  put(w, ss, mm, hh, day(v.day, field));
}

export function readA17(r: BinaryReader): TimeA17 | null {
  const mm = r.bcdByte();
  const hh = r.bcdByte();
  const dd = r.bcdByte();
  const mo = r.bcdByte();
  if ((mm | hh | dd | mo) < 0) return null;
  return { month: mo, day: dd, hour: hh, minute: mm };
}
export function writeA17(w: BinaryWriter, v: TimeA17 | null, field = 'A.17'): void {
  if (v === null) return fill(w, 4);
  const mm = minute(v.minute, field);
  const hh = hour(v.hour, field);
  const dd = day(v.day, field);
  put(w, mm, hh, dd, month(v.month, field));
}

export function readA18(r: BinaryReader): TimeA18 | null {
  const mm = r.bcdByte();
  const hh = r.bcdByte();
  const dd = r.bcdByte();
  if ((mm | hh | dd) < 0) return null;
  return { day: dd, hour: hh, minute: mm };
}
export function writeA18(w: BinaryWriter, v: TimeA18 | null, field = 'A.18'): void {
  if (v === null) return fill(w, 3);
  const mm = minute(v.minute, field);
  const hh = hour(v.hour, field);
  put(w, mm, hh, day(v.day, field));
}

export function readA19(r: BinaryReader): TimeA19 | null {
  const mm = r.bcdByte();
  const hh = r.bcdByte();
  if ((mm | hh) < 0) return null;
  return { hour: hh, minute: mm };
}
export function writeA19(w: BinaryWriter, v: TimeA19 | null, field = 'A.19'): void {
  if (v === null) return fill(w, 2);
  const mm = minute(v.minute, field);
  put(w, mm, hour(v.hour, field));
}

export function readA20(r: BinaryReader): DateA20 | null {
  const dd = r.bcdByte();
  const mo = r.bcdByte();
  const yy = r.bcdByte();
  if ((dd | mo | yy) < 0) return null;
  return { year: 2000 + yy, month: mo, day: dd };
}
export function writeA20(w: BinaryWriter, v: DateA20 | null, field = 'A.20'): void {
  if (v === null) return fill(w, 3);
  const dd = day(v.day, field);
  const mo = month(v.month, field);
  put(w, dd, mo, yearByte(v.year, field));
}

export function readA21(r: BinaryReader): MonthA21 | null {
  const mo = r.bcdByte();
  const yy = r.bcdByte();
  if ((mo | yy) < 0) return null;
  return { year: 2000 + yy, month: mo };
}
export function writeA21(w: BinaryWriter, v: MonthA21 | null, field = 'A.21'): void {
  if (v === null) return fill(w, 2);
  const mo = month(v.month, field);
  put(w, mo, yearByte(v.year, field));
}

/** A.22: X.X in one byte (high nibble units, low nibble tenths). */
export function readA22(r: BinaryReader): number | null {
  const v = r.bcd(1);
  return v === null ? null : v / 10;
}
export function writeA22(w: BinaryWriter, v: number | null, field = 'A.22'): void {
  if (v === null) fill(w, 1);
  else w.bcdScaled(v, 1, 1, field);
}

/** A.23: XX.XXXX unsigned, 3 bytes (kVA). */
export function readA23(r: BinaryReader): number | null {
  const v = r.bcd(3);
  return v === null ? null : v / 10000;
}
export function writeA23(w: BinaryWriter, v: number | null, field = 'A.23'): void {
  if (v === null) fill(w, 3);
  else w.bcdScaled(v, 3, 4, field);
}

/** A.24: hh DD (2 bytes). UNVERIFIED: absent from the C API source; order follows the other time formats. */
export function readA24(r: BinaryReader): TimeA24 | null {
  const hh = r.bcdByte();
  const dd = r.bcdByte();
  if ((hh | dd) < 0) return null;
  return { day: dd, hour: hh };
}
export function writeA24(w: BinaryWriter, v: TimeA24 | null, field = 'A.24'): void {
  if (v === null) return fill(w, 2);
  const hh = hour(v.hour, field);
  put(w, hh, day(v.day, field));
}

/** A.25: ±XXX.XXX current (A), 3 bytes, sign in D7 of byte 3. */
export function readA25(r: BinaryReader): number | null {
  const v = r.bcdSigned(3);
  return v === null ? null : v / 1000;
}
export function writeA25(w: BinaryWriter, v: number | null, field = 'A.25'): void {
  if (v === null) fill(w, 3);
  else w.bcdSignedScaled(v, 3, 3, field);
}

/** A.26: X.XXX, 2 bytes (UNVERIFIED length: one source comment says 3, its layout lists 2). */
export function readA26(r: BinaryReader): number | null {
  const v = r.bcd(2);
  return v === null ? null : v / 1000;
}
export function writeA26(w: BinaryWriter, v: number | null, field = 'A.26'): void {
  if (v === null) fill(w, 2);
  else w.bcdScaled(v, 2, 3, field);
}

/** A.27: XXXXXXXX, 4 bytes BCD integer. */
export function readA27(r: BinaryReader): number | null {
  return r.bcd(4);
}
export function writeA27(w: BinaryWriter, v: number | null, field = 'A.27'): void {
  if (v === null) fill(w, 4);
  else w.bcd(v, 4, field);
}

/**
 * A.28: 1376.1-2013 format; UNVERIFIED (not found in 2009 sources). Treated as 4-byte BCD
 * XXXX.XXXX like A.13 so that units using it round-trip; do not rely on its meaning.
 */
export const readA28 = readA13;
export const writeA28 = writeA13;

// ---------------------------------------------------------------------------------------------
// Binary helpers used by layouts (BIN fields of the data units).

export function readU8(r: BinaryReader): number {
  return r.u8();
}
export function writeU8(w: BinaryWriter, v: number, field = 'u8'): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new EncodeError(field, `${v} is not 0..255`);
  w.u8(v);
}
export function readU16(r: BinaryReader): number {
  return r.u16();
}
export function writeU16(w: BinaryWriter, v: number, field = 'u16'): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new EncodeError(field, `${v} is not 0..65535`);
  w.u16(v);
}
export function readU24(r: BinaryReader): number {
  return r.u24();
}
export function writeU24(w: BinaryWriter, v: number, field = 'u24'): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffff) throw new EncodeError(field, `${v} is not 0..2^24-1`);
  w.u24(v);
}
export function readU32(r: BinaryReader): number {
  return r.u32();
}
export function writeU32(w: BinaryWriter, v: number, field = 'u32'): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new EncodeError(field, `${v} is not 0..2^32-1`);
  w.u32(v);
}
/** IPv4 address as 4 bytes in dotted order (first octet first). */
export function readIp(r: BinaryReader): string {
  const a = r.u8();
  const b = r.u8();
  const c = r.u8();
  return `${a}.${b}.${c}.${r.u8()}`;
}
export function writeIp(w: BinaryWriter, v: string, field = 'ip'): void {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (!m) throw new EncodeError(field, `'${v}' is not a dotted IPv4 address`);
  for (let i = 1; i <= 4; i++) {
    const n = Number(m[i]);
    if (n > 255) throw new EncodeError(field, `'${v}' is not a dotted IPv4 address`);
    w.u8(n);
  }
}

// ---------------------------------------------------------------------------------------------
// The format table: every format as data, so layouts can be declared as `['ua', 'A7']`.

/** Value type of each named format. */
export interface FormatValues {
  A1: DateTimeA1 | null;
  A2: number | null;
  A3: number | null;
  A4: number | null;
  A5: number | null;
  A6: number | null;
  A7: number | null;
  A8: number | null;
  A9: number | null;
  A10: number | null;
  A11: number | null;
  A12: string | null;
  A13: number | null;
  A14: number | null;
  A15: DateTimeA15 | null;
  A16: TimeA16 | null;
  A17: TimeA17 | null;
  A18: TimeA18 | null;
  A19: TimeA19 | null;
  A20: DateA20 | null;
  A21: MonthA21 | null;
  A22: number | null;
  A23: number | null;
  A24: TimeA24 | null;
  A25: number | null;
  A26: number | null;
  A27: number | null;
  A28: number | null;
  u8: number;
  u16: number;
  u24: number;
  u32: number;
  ip: string;
}
export type FormatName = keyof FormatValues;

export interface FormatDef<T> {
  readonly name: FormatName;
  /** Size in bytes on the wire. */
  readonly size: number;
  /** Decimal places of numeric BCD formats (for generators/displays); -1 for non-numeric ones. */
  readonly decimals: number;
  /** Signed numeric format (sign bit in the top byte). */
  readonly signed: boolean;
  /** Largest magnitude of the integer mantissa (numeric formats), for generators and range checks. */
  readonly maxInt: number;
  read(r: BinaryReader): T;
  write(w: BinaryWriter, v: T, field?: string): void;
}

type FormatTable = { readonly [K in FormatName]: FormatDef<FormatValues[K]> };

const def = <K extends FormatName>(
  name: K,
  size: number,
  read: (r: BinaryReader) => FormatValues[K],
  write: (w: BinaryWriter, v: FormatValues[K], field?: string) => void,
  decimals = -1,
  signed = false,
  maxInt = 0,
): FormatDef<FormatValues[K]> => ({ name, size, decimals, signed, maxInt, read, write });

/** All formats by name. Numeric BCD entries state their decimals, sign and integer range. */
export const FORMATS: FormatTable = {
  A1: def('A1', 6, readA1, writeA1),
  A2: def('A2', 2, readA2, writeA2, -1, true, 999),
  A3: def('A3', 4, readA3, writeA3, 0, true, 9_999_999),
  A4: def('A4', 1, readA4, writeA4, 0, true, 79),
  A5: def('A5', 2, readA5, writeA5, 1, true, 7999),
  A6: def('A6', 2, readA6, writeA6, 2, true, 7999),
  A7: def('A7', 2, readA7, writeA7, 1, false, 9999),
  A8: def('A8', 2, readA8, writeA8, 0, false, 9999),
  A9: def('A9', 3, readA9, writeA9, 4, true, 799_999),
  A10: def('A10', 3, readA10, writeA10, 0, false, 999_999),
  A11: def('A11', 4, readA11, writeA11, 2, false, 99_999_999),
  A12: def('A12', 6, readA12, writeA12),
  A13: def('A13', 4, readA13, writeA13, 4, false, 99_999_999),
  A14: def('A14', 5, readA14, writeA14, 4, false, 9_999_999_999),
  A15: def('A15', 5, readA15, writeA15),
  A16: def('A16', 4, readA16, writeA16),
  A17: def('A17', 4, readA17, writeA17),
  A18: def('A18', 3, readA18, writeA18),
  A19: def('A19', 2, readA19, writeA19),
  A20: def('A20', 3, readA20, writeA20),
  A21: def('A21', 2, readA21, writeA21),
  A22: def('A22', 1, readA22, writeA22, 1, false, 99),
  A23: def('A23', 3, readA23, writeA23, 4, false, 999_999),
  A24: def('A24', 2, readA24, writeA24),
  A25: def('A25', 3, readA25, writeA25, 3, true, 799_999),
  A26: def('A26', 2, readA26, writeA26, 3, false, 9999),
  A27: def('A27', 4, readA27, writeA27, 0, false, 99_999_999),
  A28: def('A28', 4, readA28, writeA28, 4, false, 99_999_999),
  u8: def('u8', 1, readU8, writeU8, 0, false, 0xff),
  u16: def('u16', 2, readU16, writeU16, 0, false, 0xffff),
  u24: def('u24', 3, readU24, writeU24, 0, false, 0xffffff),
  u32: def('u32', 4, readU32, writeU32, 0, false, 0xffffffff),
  ip: def('ip', 4, readIp, writeIp),
};
