/**
 * Payloads of spool records: a batch of readings in a compact binary form (exact: times and ids as
 * written, values through value-codec.ts), a batch of events as JSON (few and irregular).
 *
 *   reading  u8 kind (SERIES_KINDS index) · u8 quantity code · u32 LE meter · f64 LE time ·
 *            u8 flags (bits 0–1 quality, bit 7 readAt follows) · [f64 LE readAt] · packed values
 */
import { QUANTITIES, SERIES_KINDS, quantityByCode, type QuantityName } from '../quantities.js';
import type { Quality, Reading, StoredEvent } from '../store.js';
import { maxPackedSize, packValues, unpackValues } from '../value-codec.js';
import { EVENTS, READINGS, RECORD_PREFIX, sealRecord } from './record.js';

const QUALITY_CODE: Readonly<Record<Quality, number>> = { collected: 0, recollected: 1, estimated: 2 };
const QUALITY_OF: readonly Quality[] = ['collected', 'recollected', 'estimated', 'collected'];
const KIND_INDEX = new Map(SERIES_KINDS.map((k, i) => [k, i]));
const HAS_READ_AT = 0x80;
const FIXED = 1 + 1 + 4 + 8 + 1 + 8;

/** A whole record (header and all) for a validated batch of readings. */
export function readingsRecord(batch: readonly Reading[], appendedAt: number): Buffer {
  let size = RECORD_PREFIX;
  for (const r of batch) size += FIXED + maxPackedSize(r.values.length);
  const buf = Buffer.allocUnsafe(size);
  let off = RECORD_PREFIX;
  for (const r of batch) {
    buf[off] = KIND_INDEX.get(r.kind)!;
    buf[off + 1] = QUANTITIES.get(r.quantity)!.code;
    buf.writeUInt32LE(r.meter, off + 2);
    buf.writeDoubleLE(r.time, off + 6);
    const flags = QUALITY_CODE[r.quality] | (r.readAt !== undefined ? HAS_READ_AT : 0);
    buf[off + 14] = flags;
    off += 15;
    if (r.readAt !== undefined) {
      buf.writeDoubleLE(r.readAt, off);
      off += 8;
    }
    off = packValues(r.values, buf, off);
  }
  return sealRecord(buf, off, { type: READINGS, count: batch.length, appendedAt });
}

export function decodeReadings(payload: Buffer, count: number): Reading[] {
  const out = new Array<Reading>(count);
  let off = 0;
  for (let i = 0; i < count; i++) {
    if (off + 15 > payload.length) throw new RangeError(`readings payload cut short at item ${i}`);
    const kind = SERIES_KINDS[payload[off]!];
    const def = quantityByCode(payload[off + 1]!);
    if (!kind || !def) throw new RangeError(`readings payload: unknown kind ${payload[off]} or quantity ${payload[off + 1]} at item ${i}`);
    const meter = payload.readUInt32LE(off + 2);
    const time = payload.readDoubleLE(off + 6);
    const flags = payload[off + 14]!;
    off += 15;
    let readAt: number | undefined;
    if (flags & HAS_READ_AT) {
      readAt = payload.readDoubleLE(off);
      off += 8;
    }
    const u = unpackValues(payload, off);
    off = u.end;
    const r: Reading = { meter, kind, quantity: def.name as QuantityName, time, values: u.values, quality: QUALITY_OF[flags & 3]! };
    if (readAt !== undefined) r.readAt = readAt;
    out[i] = r;
  }
  if (off !== payload.length) throw new RangeError(`readings payload: ${payload.length - off} bytes left after ${count} items`);
  return out;
}

/** A whole record for a validated batch of events. */
export function eventsRecord(batch: readonly StoredEvent[], appendedAt: number): Buffer {
  const json = Buffer.from(JSON.stringify(batch), 'utf8');
  const buf = Buffer.allocUnsafe(RECORD_PREFIX + json.length);
  json.copy(buf, RECORD_PREFIX);
  return sealRecord(buf, buf.length, { type: EVENTS, count: batch.length, appendedAt });
}

export function decodeEvents(payload: Buffer, count: number): StoredEvent[] {
  const v = JSON.parse(payload.toString('utf8')) as unknown;
  if (!Array.isArray(v) || v.length !== count) throw new RangeError(`events payload: expected ${count} events`);
  return v as StoredEvent[];
}
