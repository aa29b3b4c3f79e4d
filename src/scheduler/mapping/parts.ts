/**
 * What the 376.1 data-group mappers produce, and how those pieces become store Readings.
 *
 * A mapper turns one decoded data unit (one Pn × one Fn) into value parts: a run of a quantity's fields
 * (catalogue order, src/store/quantities.ts) at one data time. Several Fns can make one reading — F81
 * (total) + F82–F84 (phases A–C) are the four fields of curve quantity `p` — so the assembler merges
 * the parts of one (meter, quantity, time) into one Reading. Invalid values (EEH/FFH) are null; a reading
 * whose every value is null (the terminal had not read the meter) is not written — 补采 asks again.
 */
import type { QuantityName, SeriesKind } from '../../store/quantities.js';
import { isUsable, type Quality, type Reading } from '../../store/store.js';
import type { LocalCalendar } from '../time.js';

export interface ValuePart {
  quantity: QuantityName;
  /** Data time, UTC epoch ms (terminal time label, never arrival time). */
  time: number;
  /** Catalogue index of the first field in `values`. */
  offset: number;
  values: readonly (number | null)[];
  /** The terminal's read time (终端抄表时间), when the unit carries one. */
  readAt?: number;
}

export interface MapContext {
  cal: LocalCalendar;
  /** Head-end time of the reply (fallback data time of real-time values without a read time). */
  now: number;
}

/** One data group's mapper: decoded unit data → value parts (empty when the unit carries nothing usable). */
export type UnitMapper = (data: unknown, ctx: MapContext) => ValuePart[];

/** Merges parts into readings of one meter and series kind. */
export class ReadingAssembler {
  private readonly byKey = new Map<string, { r: Reading; values: (number | null)[] }>();

  constructor(
    private readonly kind: SeriesKind,
    private readonly quality: Quality,
  ) {}

  add(meter: number, parts: readonly ValuePart[]): void {
    for (const p of parts) {
      const key = `${meter}|${p.quantity}|${p.time}`;
      let e = this.byKey.get(key);
      if (!e) {
        const values: (number | null)[] = [];
        const r: Reading = { meter, kind: this.kind, quantity: p.quantity, time: p.time, values, quality: this.quality };
        e = { r, values };
        this.byKey.set(key, e);
      }
      for (let i = 0; i < p.values.length; i++) {
        const at = p.offset + i;
        while (e.values.length < at) e.values.push(null);
        e.values[at] = p.values[i] ?? null;
      }
      if (p.readAt !== undefined && e.r.readAt === undefined) e.r.readAt = p.readAt;
    }
  }

  /** The readings with at least one value (all-null ones are left out). */
  readings(): Reading[] {
    const out: Reading[] = [];
    for (const { r } of this.byKey.values()) if (isUsable(r)) out.push(r);
    return out;
  }

  /** Readings that came back with every value null (the terminal had no data). */
  emptyCount(): number {
    let n = 0;
    for (const { r } of this.byKey.values()) if (!isUsable(r)) n++;
    return n;
  }
}

// ── small readers of decoded unit data ───────────────────────────────────────────────────────

export type Obj = Readonly<Record<string, unknown>>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A number, or null for anything else (EEH decodes to null). */
export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function nums(v: unknown): (number | null)[] {
  return Array.isArray(v) ? v.map(num) : [];
}

interface MinuteFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second?: number;
}

function isMinute(v: unknown): v is MinuteFields {
  return isObj(v) && typeof v.year === 'number' && typeof v.month === 'number' && typeof v.day === 'number' && typeof v.hour === 'number' && typeof v.minute === 'number';
}

/** UTC ms of an A.15 / A.1 value, undefined when absent or invalid. */
export function instantOf(v: unknown, cal: LocalCalendar): number | undefined {
  return isMinute(v) ? cal.fromParts(v) : undefined;
}

/** UTC ms of 00:00 of an A.20 day, undefined when invalid. */
export function dayOf(v: unknown, cal: LocalCalendar): number | undefined {
  return isObj(v) && typeof v.year === 'number' && typeof v.month === 'number' && typeof v.day === 'number' ? cal.dayStart({ year: v.year, month: v.month, day: v.day }) : undefined;
}

/** UTC ms of 00:00 of the 1st of an A.21 month, undefined when invalid. */
export function monthOf(v: unknown, cal: LocalCalendar): number | undefined {
  return isObj(v) && typeof v.year === 'number' && typeof v.month === 'number' ? cal.monthStart({ year: v.year, month: v.month }) : undefined;
}
