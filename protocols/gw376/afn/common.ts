/**
 * Small layout helpers shared by the link-layer AFN files (00–03, 06, 09, 10): raw rest-of-unit payloads,
 * fixed-width ASCII, A.1 and A.20 dates. Appendix-A formats proper live in `../formats.ts`.
 */
import type { BinaryReader, BinaryWriter } from '../../codec/cursor.js';
import { EncodeError } from '../../codec/errors.js';
import type { UnitLayout } from '../registry.js';

/** A unit whose data is everything up to the end of the data area (no length on the wire). */
export const restLayout: UnitLayout<Buffer> = {
  decode: (r) => Buffer.from(r.bytes(r.remaining)),
  encode: (w, v) => {
    w.raw(v);
  },
};

/** `n` bytes as a latin1 string (lossless for any byte). */
export function readAscii(r: BinaryReader, n: number, field: string): string {
  r.need(n, field);
  return r.bytes(n).toString('latin1');
}

/** A string of at most `n` characters, padded with spaces (padding UNVERIFIED; decoded strings are exact). */
export function writeAscii(w: BinaryWriter, s: string, n: number, field: string): void {
  const b = Buffer.from(s, 'latin1');
  if (b.length > n || Buffer.byteLength(s, 'latin1') !== s.length) throw new EncodeError(field, `'${s}' is longer than ${n} characters`);
  w.raw(b).fill(n - b.length, 0x20);
}

export interface YmdDate {
  year: number;
  month: number;
  day: number;
}

/** A.20 (DD MM YY, BCD); null when not BCD (EEH = no data). Year is 2000 + YY. */
export function readA20(r: BinaryReader, field: string): YmdDate | null {
  r.need(3, field);
  const day = r.bcdByte();
  const month = r.bcdByte();
  const yy = r.bcdByte();
  return day < 0 || month < 0 || yy < 0 ? null : { year: 2000 + yy, month, day };
}

export function writeA20(w: BinaryWriter, d: YmdDate | null, field: string): void {
  if (!d) {
    w.fill(3, 0xee);
    return;
  }
  if (d.year < 2000 || d.year > 2099) throw new EncodeError(field, `year ${d.year} is not 2000..2099`);
  w.bcd(d.day, 1, field).bcd(d.month, 1, field).bcd(d.year - 2000, 1, field);
}

/** A.1 clock: ss mm hh DD (weekday D7..D5 | month) YY. */
export interface ClockA1 {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 1..7 (Monday..Sunday), 0 = not given. */
  weekday: number;
}

export function readA1(r: BinaryReader, field: string): ClockA1 | null {
  r.need(6, field);
  const second = r.bcdByte();
  const minute = r.bcdByte();
  const hour = r.bcdByte();
  const day = r.bcdByte();
  const wm = r.u8();
  const yy = r.bcdByte();
  const month = ((wm >> 4) & 1) * 10 + (wm & 0x0f);
  if (second < 0 || minute < 0 || hour < 0 || day < 0 || yy < 0 || (wm & 0x0f) > 9) return null;
  return { year: 2000 + yy, month, day, hour, minute, second, weekday: wm >> 5 };
}

export function writeA1(w: BinaryWriter, c: ClockA1 | null, field: string): void {
  if (!c) {
    w.fill(6, 0xee);
    return;
  }
  if (c.month < 1 || c.month > 12 || !Number.isInteger(c.month)) throw new EncodeError(field, `month ${c.month}`);
  if (c.weekday < 0 || c.weekday > 7 || !Number.isInteger(c.weekday)) throw new EncodeError(field, `weekday ${c.weekday}`);
  if (c.year < 2000 || c.year > 2099) throw new EncodeError(field, `year ${c.year} is not 2000..2099`);
  w.bcd(c.second, 1, field).bcd(c.minute, 1, field).bcd(c.hour, 1, field).bcd(c.day, 1, field);
  w.u8((c.weekday << 5) | (c.month >= 10 ? 0x10 : 0) | c.month % 10);
  w.bcd(c.year - 2000, 1, field);
}

/** A.12-style 6-byte address as printed (most significant byte first, hex so AAH wildcards survive). */
export function readAddr6(r: BinaryReader, field: string): string {
  r.need(6, field);
  const b = r.bytes(6);
  let s = '';
  for (let i = 5; i >= 0; i--) s += b[i]!.toString(16).toUpperCase().padStart(2, '0');
  return s;
}

export function writeAddr6(w: BinaryWriter, s: string, field: string): void {
  if (!/^[0-9A-Fa-f]{12}$/.test(s)) throw new EncodeError(field, `'${s}' is not 12 hex digits`);
  for (let i = 5; i >= 0; i--) w.u8(parseInt(s.slice(2 * i, 2 * i + 2), 16));
}
