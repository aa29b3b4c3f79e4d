/**
 * Event records (ERC, Q/GDW 376.1-2009 appendix C; AFN0E §5.14 and active reports) → StoredEvent.
 * - Event time: the record's own time (A.15 `time`; ERC14 power-off time); the arrival time only for
 *   records without one (vendor ERCs kept raw).
 * - Meter: the measuring point of "pn and flag" (D11..D0, appendix C) when the archive knows it.
 * - The record is stored as JSON-safe data (byte fields as hex).
 */
import type { ErcRecord } from '../../../protocols/gw376/erc/registry.js';
import type { StoredEvent } from '../../store/store.js';
import type { LocalCalendar } from '../time.js';
import { instantOf, isObj } from './parts.js';

export interface EventContext {
  cal: LocalCalendar;
  /** Archive terminal id. */
  terminal: number;
  /** Archive meter id of a Pn of this terminal. */
  meterOf(pn: number): number | undefined;
  important: boolean;
  /** Arrival time (fallback event time). */
  now: number;
}

/** Measuring point named by a record, if any (`pn: { pn, start }` or a plain number). */
export function pnOfRecord(rec: ErcRecord): number | undefined {
  const d = rec.data;
  if (!d) return undefined;
  const p = d.pn;
  if (typeof p === 'number') return p;
  if (isObj(p) && typeof p.pn === 'number') return p.pn;
  return undefined;
}

export function eventTimeOf(rec: ErcRecord, cal: LocalCalendar): number | undefined {
  const d = rec.data;
  if (!d) return undefined;
  return instantOf(d.time, cal) ?? instantOf(d.powerOff, cal) ?? instantOf(d.powerOn, cal);
}

/** Byte arrays → hex, recursively: the record as plain JSON data. */
export function jsonSafe(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex').toUpperCase();
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]));
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

export function storedEventOf(rec: ErcRecord, ctx: EventContext): StoredEvent {
  const e: StoredEvent = {
    terminal: ctx.terminal,
    erc: rec.erc,
    time: eventTimeOf(rec, ctx.cal) ?? ctx.now,
    important: ctx.important,
    record: jsonSafe({ erc: rec.erc, data: rec.data, ...(rec.raw !== undefined ? { raw: rec.raw } : {}) }) as Record<string, unknown>,
  };
  const pn = pnOfRecord(rec);
  const meter = pn !== undefined && pn > 0 ? ctx.meterOf(pn) : undefined;
  if (meter !== undefined) e.meter = meter;
  return e;
}
