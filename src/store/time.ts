/**
 * Store time arithmetic. Data times are UTC epoch ms of China Standard Time instants (UTC+8, no DST):
 * a frozen day is its 00:00 CST, a month its 1st at 00:00 CST. Partitions (embedded store) are CST
 * calendar months, so a day's readings never straddle two partitions.
 */

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
/** China Standard Time, east of UTC. */
export const CST_OFFSET_MS = 8 * 3_600_000;

/** A CST calendar month as a number: year × 100 + month (202405). */
export type MonthKey = number;

/** The CST month holding `t`. */
export function monthKeyOf(t: number): MonthKey {
  const d = new Date(t + CST_OFFSET_MS);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
}

/** 00:00 CST of the 1st of a month, UTC ms. */
export function monthStart(m: MonthKey): number {
  return Date.UTC(Math.floor(m / 100), (m % 100) - 1, 1) - CST_OFFSET_MS;
}

export function nextMonth(m: MonthKey): MonthKey {
  return m % 100 === 12 ? (Math.floor(m / 100) + 1) * 100 + 1 : m + 1;
}

/** True when `t` is 00:00 CST of some day. */
export function isCstMidnight(t: number): boolean {
  return (((t + CST_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS === 0;
}

/** True when `t` is 00:00 CST of the 1st of a month. */
export function isCstMonthStart(t: number): boolean {
  return isCstMidnight(t) && new Date(t + CST_OFFSET_MS).getUTCDate() === 1;
}

/** The CST months overlapping [from, to), ascending. */
export function monthsOverlapping(from: number, to: number): MonthKey[] {
  const out: MonthKey[] = [];
  if (!(to > from)) return out;
  for (let m = monthKeyOf(from); monthStart(m) < to; m = nextMonth(m)) out.push(m);
  return out;
}

/** `2024-05-01T00:00+08:00`-style label for messages. */
export function cstLabel(t: number): string {
  if (!Number.isFinite(t)) return String(t);
  return `${new Date(t + CST_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}
