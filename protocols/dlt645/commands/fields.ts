/** Fields shared by several commands: DI, password, operator code, error word. */
import { Buffer } from 'node:buffer';
import type { BinaryReader, BinaryWriter } from '../../codec/cursor.js';
import { DataError, EncodeError } from '../../codec/errors.js';
import { toHex } from '../../codec/hex.js';
import type { Dlt645Version } from '../control.js';
import { formatDi, parseDi } from '../di.js';
import { lookupDi } from '../registry/index.js';
import type { DiData, ErrorFlag, Password } from '../messages.js';

export function readDi(r: BinaryReader, version: Dlt645Version, what: string): number {
  const n = version === 2007 ? 4 : 2;
  r.need(n, `${what} DI`);
  return version === 2007 ? r.u32() : r.u16();
}

export function writeDi(w: BinaryWriter, di: string, version: Dlt645Version): void {
  const v = parseDi(di, version);
  if (version === 2007) w.u32(v);
  else w.u16(v);
}

/** PA then P0 P1 P2 (DL/T 645-2007 §7.4): printed as the 6 hex digits P2P1P0. */
export function readPassword(r: BinaryReader): Password {
  r.need(4, 'password');
  const level = r.u8();
  const p = r.bytes(3);
  return { level, code: hexReversed(p) };
}

export function writePassword(w: BinaryWriter, pw: Password): void {
  if (!Number.isInteger(pw.level) || pw.level < 0 || pw.level > 0xff) throw new EncodeError('password.level', `${pw.level} is not a byte`);
  w.u8(pw.level);
  writeHexReversed(w, pw.code, 3, 'password.code');
}

/** Operator code C0..C3, printed as 8 hex digits C3C2C1C0. */
export function readOperator(r: BinaryReader): string {
  r.need(4, 'operator code');
  return hexReversed(r.bytes(4));
}

export function writeOperator(w: BinaryWriter, op: string | undefined): void {
  writeHexReversed(w, op ?? '00000000', 4, 'operator');
}

export function hexReversed(b: Uint8Array): string {
  let s = '';
  for (let i = b.length - 1; i >= 0; i--) s += b[i]!.toString(16).toUpperCase().padStart(2, '0');
  return s;
}

export function writeHexReversed(w: BinaryWriter, text: string, n: number, field: string): void {
  if (!/^[0-9a-fA-F]*$/.test(text) || text.length > 2 * n) {
    throw new EncodeError(field, `'${text}' is not up to ${2 * n} hex digits`);
  }
  const t = text.padStart(2 * n, '0');
  for (let i = n - 1; i >= 0; i--) w.u8(parseInt(t.slice(2 * i, 2 * i + 2), 16));
}

/** Data under a DI: decoded through the registry when known, raw hex always. */
export function readDiData(r: BinaryReader, di: number, len: number, version: Dlt645Version): DiData {
  const start = r.pos;
  const raw = toHex(r.bytes(len));
  const entry = lookupDi(di, version);
  const text = formatDi(di, version);
  if (!entry) return { di: text, unknown: true, raw };
  r.pos = start;
  const value = entry.decode(r, len);
  return { di: text, value, unknown: false, raw };
}

/** Writes a DI's data from `value` (through the registry) or from raw hex when no value is given. */
export function writeDiData(w: BinaryWriter, di: string, data: { value?: DiData['value']; raw?: string }, version: Dlt645Version): void {
  if (data.value !== undefined) {
    const entry = lookupDi(parseDi(di, version), version);
    if (!entry) throw new EncodeError('value', `DI ${di} is not in the registry; give raw hex instead`);
    entry.encode(w, data.value);
    return;
  }
  const hex = (data.raw ?? '').replace(/\s/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new EncodeError('raw', `'${data.raw}' is not hex bytes`);
  w.raw(Buffer.from(hex, 'hex'));
}

/** ERR word bits, DL/T 645-2007 §8.1 表? (error information word), bit0..bit7. */
const ERR_BITS: ErrorFlag[] = [
  'other', 'noData', 'unauthorized', 'baudUnchangeable', 'yearZonesExceeded', 'daySlotsExceeded', 'tariffsExceeded', 'reserved',
];

export const ERR_TEXT: Record<ErrorFlag, string> = {
  other: 'other error (其他错误)',
  noData: 'no requested data (无请求数据)',
  unauthorized: 'password error / unauthorized (密码错/未授权)',
  baudUnchangeable: 'baud rate cannot be changed (通信速率不能更改)',
  yearZonesExceeded: 'year time-zone count exceeded (年时区数超)',
  daySlotsExceeded: 'day time-slot count exceeded (日时段数超)',
  tariffsExceeded: 'tariff count exceeded (费率数超)',
  reserved: 'reserved bit 7',
};

export function errorFlags(code: number): ErrorFlag[] {
  const out: ErrorFlag[] = [];
  for (let i = 0; i < 8; i++) if ((code >> i) & 1) out.push(ERR_BITS[i]!);
  return out;
}

export function errorCode(flags: readonly ErrorFlag[]): number {
  let c = 0;
  for (const f of flags) c |= 1 << ERR_BITS.indexOf(f);
  return c;
}

export function expectEnd(r: BinaryReader, what: string): void {
  if (r.remaining !== 0) {
    throw new DataError(what, `no more data (${r.remaining} extra byte(s))`, toHex(r.buf, r.pos, r.end));
  }
}
