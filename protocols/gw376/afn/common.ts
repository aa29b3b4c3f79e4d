/**
 * Small layout helpers shared by the link-layer AFN files (00–03, 06, 09, 10): raw rest-of-unit payloads,
 * fixed-width ASCII, 6-byte addresses, and bounds-checked wrappers of the A.1/A.20 readers of `../formats.ts`.
 */
import { Buffer } from 'node:buffer';
import type { BinaryReader, BinaryWriter } from '../../codec/cursor.js';
import { EncodeError } from '../../codec/errors.js';
import { registerAfn, registerFns } from '../registry.js';
import type { AfnInfo, UnitLayout } from '../registry.js';
import type { DateA20, DateTimeA1 } from '../formats.js';
import { readA1 as fmtReadA1, readA20 as fmtReadA20, writeA1 as fmtWriteA1, writeA20 as fmtWriteA20 } from '../formats.js';

/** A unit whose data is everything up to the end of the data area (no length on the wire). */
export const restLayout: UnitLayout<Buffer> = {
  decode: (r) => Buffer.from(r.bytes(r.remaining)),
  encode: (w, v) => {
    w.raw(v);
  },
};

/**
 * Registers an AFN whose Fns all address p0 and keep their payload, both ways, as raw bytes (the rest of
 * the data area): `fns` lists [fn, English name, Chinese name].
 */
export function registerRawAfn(info: AfnInfo, fns: readonly (readonly [fn: number, name: string, nameZh: string])[]): void {
  registerAfn(info);
  registerFns(fns.map(([fn, name, nameZh]) => ({ afn: info.afn, fn, name, nameZh, p0Only: true, down: restLayout, up: restLayout })));
}

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

/** A.20 date (DD MM YY) and A.1 clock, as defined in ../formats.ts. */
export type YmdDate = DateA20;
export type ClockA1 = DateTimeA1;

/** A.20 (DD MM YY, BCD); null when not BCD (EEH = no data). */
export function readA20(r: BinaryReader, field: string): YmdDate | null {
  r.need(3, field);
  return fmtReadA20(r);
}

export function writeA20(w: BinaryWriter, d: YmdDate | null, field: string): void {
  fmtWriteA20(w, d, field);
}

/** A.1 clock: ss mm hh DD (weekday D7..D5 | month) YY; null when not BCD. */
export function readA1(r: BinaryReader, field: string): ClockA1 | null {
  r.need(6, field);
  return fmtReadA1(r);
}

export function writeA1(w: BinaryWriter, c: ClockA1 | null, field: string): void {
  fmtWriteA1(w, c, field);
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
