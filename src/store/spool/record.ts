/**
 * The spool's record framing. A segment file is a sequence of records:
 *
 *   header (12 bytes)   u32 LE magic 'HSPL' · u32 LE body length · u32 LE CRC-32 of the body
 *   body                u8 type (1 readings, 2 events) · u8 format (1) · u16 0 · u32 LE item count ·
 *                       f64 LE appendedAt (UTC ms) · payload (payload.ts)
 *
 * A record is whole or it is not there: a crash mid-append leaves a header or body cut short, or bytes
 * whose CRC does not match — `scanRecords` stops at the first such record and says where and why
 * (the caller warns and ignores the rest of that segment). The magic makes a misplaced offset (a stale
 * checkpoint) show at once.
 */
import { crc32 } from './crc32.js';

export const RECORD_MAGIC = 0x4c505348; // bytes 48 53 50 4C: "HSPL"
export const HEADER_BYTES = 12;
export const BODY_HEAD_BYTES = 16;
/** Bytes before the payload: what a payload encoder reserves. */
export const RECORD_PREFIX = HEADER_BYTES + BODY_HEAD_BYTES;
/** Larger bodies are not ours (a length field from torn bytes). */
export const MAX_BODY_BYTES = 1 << 30;
const FORMAT = 1;

export const READINGS = 1;
export const EVENTS = 2;
export type RecordType = typeof READINGS | typeof EVENTS;

export interface RecordInfo {
  type: RecordType;
  /** Readings or events in the record. */
  count: number;
  appendedAt: number;
}

export interface ScannedRecord extends RecordInfo {
  /** Offset of the record in its segment. */
  offset: number;
  /** Whole record, header included. */
  length: number;
}

export interface ScanProblem {
  offset: number;
  /** Bytes from `offset` to the end of the buffer, ignored. */
  bytes: number;
  reason: string;
}

/**
 * Completes a record in `buf`, whose payload was written from RECORD_PREFIX to `end`; returns the
 * record (a view of `buf`).
 */
export function sealRecord(buf: Buffer, end: number, info: RecordInfo): Buffer {
  const body = end - HEADER_BYTES;
  buf.writeUInt32LE(RECORD_MAGIC, 0);
  buf.writeUInt32LE(body, 4);
  buf[12] = info.type;
  buf[13] = FORMAT;
  buf.writeUInt16LE(0, 14);
  buf.writeUInt32LE(info.count, 16);
  buf.writeDoubleLE(info.appendedAt, 20);
  buf.writeUInt32LE(crc32(buf.subarray(HEADER_BYTES, end)), 8);
  return buf.subarray(0, end);
}

/** Why the record at `off` is not whole, or its info. */
function check(buf: Buffer, off: number): RecordInfo & { length: number } | string {
  const left = buf.length - off;
  if (left < HEADER_BYTES) return `record header cut short (${left} of ${HEADER_BYTES} bytes)`;
  if (buf.readUInt32LE(off) !== RECORD_MAGIC) return 'no record magic';
  const body = buf.readUInt32LE(off + 4);
  if (body < BODY_HEAD_BYTES || body > MAX_BODY_BYTES) return `implausible record length ${body}`;
  if (body > left - HEADER_BYTES) return `record cut short (${left - HEADER_BYTES} of ${body} body bytes)`;
  if (crc32(buf.subarray(off + HEADER_BYTES, off + HEADER_BYTES + body)) !== buf.readUInt32LE(off + 8)) return 'record CRC mismatch';
  const type = buf[off + 12]!;
  if (type !== READINGS && type !== EVENTS) return `unknown record type ${type}`;
  if (buf[off + 13] !== FORMAT) return `unknown record format ${buf[off + 13]}`;
  return { type, count: buf.readUInt32LE(off + 16), appendedAt: buf.readDoubleLE(off + 20), length: HEADER_BYTES + body };
}

/** The whole records of `buf` from `start`, and the first problem if the scan stopped early. */
export function scanRecords(buf: Buffer, start = 0): { records: ScannedRecord[]; end: number; problem?: ScanProblem } {
  const records: ScannedRecord[] = [];
  let off = start;
  while (off < buf.length) {
    const c = check(buf, off);
    if (typeof c === 'string') return { records, end: off, problem: { offset: off, bytes: buf.length - off, reason: c } };
    records.push({ type: c.type, count: c.count, appendedAt: c.appendedAt, offset: off, length: c.length });
    off += c.length;
  }
  return { records, end: off };
}

/** The payload of the whole record that `buf` holds exactly; throws when it is not whole. */
export function openRecord(buf: Buffer): { info: RecordInfo; payload: Buffer } {
  const c = check(buf, 0);
  if (typeof c === 'string') throw new RangeError(c);
  if (c.length !== buf.length) throw new RangeError(`record length ${c.length} ≠ ${buf.length} bytes read`);
  return { info: { type: c.type, count: c.count, appendedAt: c.appendedAt }, payload: buf.subarray(RECORD_PREFIX) };
}
