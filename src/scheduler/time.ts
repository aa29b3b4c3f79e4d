/**
 * Local (terminal) calendar arithmetic. Terminals, meters and the frozen-data time labels keep local
 * time — China Standard Time, UTC+8, no DST — so "the day" of a daily freeze, a curve point or a
 * meter-reading day is a local day; the store keeps UTC epoch ms of the local instants.
 *
 * - Td_d (A.20 DD MM YY) names a day; its data time is that day's 00:00 local (Q/GDW 376.1-2009
 *   §5.13 日冻结类数据时标).
 * - Td_m (A.21 MM YY) names a month; data time = 00:00 local of its 1st (月冻结类数据时标).
 * - Td_c start (A.15 mm hh DD MM YY) + density + points: the curve points (曲线类数据时标).
 */

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface LocalMonth {
  year: number;
  month: number;
}

export interface LocalMinute extends LocalDate {
  hour: number;
  minute: number;
}

export interface LocalSecond extends LocalMinute {
  second: number;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Curve density minutes ↔ Td_c density code (1 = 15 min, 2 = 30, 3 = 60, 254 = 5, 255 = 1; codes UNVERIFIED, digest §8.7). */
const DENSITY_CODE: ReadonlyMap<number, number> = new Map([
  [15, 1],
  [30, 2],
  [60, 3],
  [5, 254],
  [1, 255],
]);
const DENSITY_MINUTES: ReadonlyMap<number, number> = new Map([...DENSITY_CODE].map(([m, c]) => [c, m]));

export function densityCodeOf(minutes: number): number {
  const c = DENSITY_CODE.get(minutes);
  if (c === undefined) throw new RangeError(`curve density ${minutes} min is not one of 1, 5, 15, 30, 60`);
  return c;
}

export function densityMinutesOf(code: number): number | undefined {
  return DENSITY_MINUTES.get(code);
}

export class LocalCalendar {
  readonly offsetMs: number;

  /** `offsetMinutes` east of UTC (480 = China Standard Time). */
  constructor(readonly offsetMinutes = 480) {
    this.offsetMs = offsetMinutes * MINUTE_MS;
  }

  /** UTC ms of a local wall-clock time (fields may overflow: day 0, month 13 … normalise like Date.UTC). */
  at(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
    return Date.UTC(year, month - 1, day, hour, minute, second) - this.offsetMs;
  }

  /** 00:00 local of a day. */
  dayStart(d: LocalDate): number {
    return this.at(d.year, d.month, d.day);
  }

  /** 00:00 local of the 1st of a month. */
  monthStart(m: LocalMonth): number {
    return this.at(m.year, m.month, 1);
  }

  /** The local date of an instant. */
  dateOf(t: number): LocalDate {
    const l = new Date(t + this.offsetMs);
    return { year: l.getUTCFullYear(), month: l.getUTCMonth() + 1, day: l.getUTCDate() };
  }

  /** The local wall-clock time of an instant (to the second). */
  partsOf(t: number): LocalSecond {
    const l = new Date(t + this.offsetMs);
    return { year: l.getUTCFullYear(), month: l.getUTCMonth() + 1, day: l.getUTCDate(), hour: l.getUTCHours(), minute: l.getUTCMinutes(), second: l.getUTCSeconds() };
  }

  /** The local minute of an instant (A.15 fields). */
  minuteOf(t: number): LocalMinute {
    const { second: _s, ...m } = this.partsOf(t);
    return m;
  }

  /** 00:00 local of the day holding `t`. */
  startOfDayAt(t: number): number {
    return this.dayStart(this.dateOf(t));
  }

  addDays(d: LocalDate, n: number): LocalDate {
    return this.dateOf(this.dayStart(d) + n * DAY_MS);
  }

  addMonths(m: LocalMonth, n: number): LocalMonth {
    const k = m.year * 12 + (m.month - 1) + n;
    return { year: Math.floor(k / 12), month: (k % 12) + 1 };
  }

  /** Days from `from` to `to` inclusive (empty when `to` is before `from`). */
  daysBetween(from: LocalDate, to: LocalDate): LocalDate[] {
    const out: LocalDate[] = [];
    const end = this.dayStart(to);
    for (let t = this.dayStart(from); t <= end; t += DAY_MS) out.push(this.dateOf(t));
    return out;
  }

  /** UTC ms of A.15 / A.1 fields read from a terminal. */
  fromParts(p: LocalMinute & { second?: number }): number {
    return this.at(p.year, p.month, p.day, p.hour, p.minute, p.second ?? 0);
  }
}

export const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD`. */
export function formatDate(d: LocalDate): string {
  return `${d.year}-${pad2(d.month)}-${pad2(d.day)}`;
}

/** `YYYY-MM`. */
export function formatMonth(m: LocalMonth): string {
  return `${m.year}-${pad2(m.month)}`;
}

export function sameDate(a: LocalDate, b: LocalDate): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day;
}

/** Curve point times of one local day: `00:00 + i·density` for i in 0 … 24 h / density − 1. */
export function curvePointsOfDay(cal: LocalCalendar, d: LocalDate, densityMinutes: number): number[] {
  const start = cal.dayStart(d);
  const step = densityMinutes * MINUTE_MS;
  const n = Math.round(DAY_MS / step);
  return Array.from({ length: n }, (_, i) => start + i * step);
}
