/**
 * Dates of the northbound API: local (China Standard Time) calendar days and months as `YYYY-MM-DD` /
 * `YYYY-MM`, and their data times in the store (UTC ms of 00:00 CST; src/store/time.ts).
 */
import { InputError } from '../errors.js';
import { CST_OFFSET_MS, DAY_MS } from '../store/time.js';

export const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';
export const MONTH_PATTERN = '^\\d{4}-\\d{2}$';
export const DATETIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2})?)?$';

/** 00:00 CST of a `YYYY-MM-DD` date; InputError naming `field` for a non-date. */
export function dayOf(text: string, field: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(t) || new Date(t).getUTCDate() !== Number(m[3]) || new Date(t).getUTCMonth() + 1 !== Number(m[2]) || Number(m[1]) < 2000) throw new InputError(field, `'${text}' is not a date YYYY-MM-DD`);
  return t - CST_OFFSET_MS;
}

/** 00:00 CST of the 1st of a `YYYY-MM` month. */
export function monthOf(text: string, field: string): number {
  const m = /^(\d{4})-(\d{2})$/.exec(text);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12 || Number(m[1]) < 2000) throw new InputError(field, `'${text}' is not a month YYYY-MM`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, 1) - CST_OFFSET_MS;
}

/** A local date or date-time (`YYYY-MM-DD[THH:mm[:ss]]`, China time) as UTC ms. */
export function instantOf(text: string, field: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!m) throw new InputError(field, `'${text}' is not a date YYYY-MM-DD or a time YYYY-MM-DDTHH:mm (China time)`);
  const day = dayOf(`${m[1]}-${m[2]}-${m[3]}`, field);
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const s = Number(m[6] ?? 0);
  if (h > 23 || mi > 59 || s > 59) throw new InputError(field, `'${text}' is not a valid time`);
  return day + ((h * 60 + mi) * 60 + s) * 1000;
}

/** Day of month (1..31) of a CST day start. */
export function dayOfMonth(t: number): number {
  return new Date(t + CST_OFFSET_MS).getUTCDate();
}

/** `YYYY-MM-DD` of the CST day holding `t`. */
export function dateLabel(t: number): string {
  return new Date(t + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** `YYYY-MM` of the CST month holding `t`. */
export function monthLabel(t: number): string {
  return new Date(t + CST_OFFSET_MS).toISOString().slice(0, 7);
}

/** `2024-05-03T00:15:00+08:00`: a time as China local time with its offset. */
export function localIso(t: number): string {
  return `${new Date(t + CST_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** 00:00 CST of the day holding `t`. */
export function dayStartOf(t: number): number {
  return Math.floor((t + CST_OFFSET_MS) / DAY_MS) * DAY_MS - CST_OFFSET_MS;
}

/** The 1st of the next month after the month starting at `m`. */
export function nextMonthStart(m: number): number {
  const d = new Date(m + CST_OFFSET_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - CST_OFFSET_MS;
}

/** Checks from < to and a bounded span (days); InputError naming the field. */
export function checkRange(from: number, to: number, maxDays: number, fields: [string, string] = ['from', 'to']): void {
  if (!(to > from)) throw new InputError(fields[1], `must be after ${fields[0]}`);
  if (to - from > maxDays * DAY_MS) throw new InputError(fields[1], `the range may span at most ${maxDays} days`);
}
