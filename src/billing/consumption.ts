/**
 * Consumption between two frozen readings — pure arithmetic, no I/O.
 *
 * Input: the frozen readings of one register (e.g. forward active energy, total and per rate) of every
 * meter the account had, each meter's readings in time order, meters in the order they served the account.
 * Rules (the billing system wants facts, never a silent guess):
 * - the period [from, to] needs a reading at `from` and one at `to` (the data times of the frozen days);
 *   when either is not stored the result is `missing-start` / `missing-end` / `missing` with no value,
 *   and the readings that do exist are returned so the caller can see what is there;
 * - a register that decreases between two readings of the same meter is a rollover when the wrapped
 *   difference (value + capacity − previous) is plausible (< 10 % of the capacity: a 6-digit register
 *   wraps at 1 000 000 kWh); otherwise it is `register-decreased` (a meter cleared or swapped without an
 *   archive change) and no value is given;
 * - a meter replacement (换表) adds the old meter's part (its reading at `from` to its last reading) and
 *   the new meter's part (its first reading to its reading at `to`); the energy between the old meter's
 *   last frozen reading and the new meter's first one is not measured by frozen data, so the result says
 *   `replaced` and names that interval (billing adds the 拆表/装表 readings of the work order).
 * Intermediate readings are used when present (each step is checked), so a rollover or reset is found
 * wherever it happened; missing intermediate days do not matter.
 */

export type ConsumptionStatus = 'ok' | 'replaced' | 'missing-start' | 'missing-end' | 'missing' | 'register-decreased';

export interface RegisterPoint {
  time: number;
  /** Field values in catalogue order (total, rate 1..n); null = not valid. */
  values: readonly (number | null)[];
}

export interface MeterSeries {
  /** Archive meter id. */
  meter: number;
  /** Readings in time order. */
  points: readonly RegisterPoint[];
}

export interface EndPoint {
  meter: number;
  time: number;
  value: number;
}

export interface Replacement {
  oldMeter: number;
  newMeter: number;
  /** Last frozen reading of the old meter / first of the new one: the energy between them is not measured. */
  oldLast: EndPoint;
  newFirst: EndPoint;
}

export interface FieldConsumption {
  status: ConsumptionStatus;
  /** Register difference (kWh), null unless status is ok or replaced. */
  value: number | null;
  start?: EndPoint;
  end?: EndPoint;
  rollovers: number;
  replacements: Replacement[];
  /** A register decrease that is not a rollover. */
  decrease?: { meter: number; from: EndPoint; to: EndPoint };
}

/** Register arithmetic at 4 decimals (A.14 XXXXXX.XXXX) without binary-float noise. */
export const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

/** Consumption of one field (0 = total, k = rate k) over [from, to]. */
export function fieldConsumption(series: readonly MeterSeries[], field: number, from: number, to: number, capacity: number): FieldConsumption {
  const segs = series
    .map((s) => ({ meter: s.meter, pts: s.points.filter((p) => p.time >= from && p.time <= to && typeof p.values[field] === 'number').map((p) => ({ time: p.time, value: p.values[field] as number })) }))
    .filter((s) => s.pts.length > 0);
  const out: FieldConsumption = { status: 'ok', value: null, rollovers: 0, replacements: [] };
  if (segs.length === 0) return { ...out, status: 'missing' };
  const first = segs[0]!.pts[0]!;
  const lastSeg = segs.at(-1)!;
  const last = lastSeg.pts.at(-1)!;
  if (first.time === from) out.start = { meter: segs[0]!.meter, ...first };
  if (last.time === to) out.end = { meter: lastSeg.meter, ...last };
  if (!out.start && !out.end) return { ...out, status: 'missing' };
  if (!out.start) return { ...out, status: 'missing-start' };
  if (!out.end) return { ...out, status: 'missing-end' };
  let sum = 0;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (i > 0) {
      const prev = segs[i - 1]!;
      out.replacements.push({ oldMeter: prev.meter, newMeter: s.meter, oldLast: { meter: prev.meter, ...prev.pts.at(-1)! }, newFirst: { meter: s.meter, ...s.pts[0]! } });
    }
    for (let k = 1; k < s.pts.length; k++) {
      const a = s.pts[k - 1]!;
      const b = s.pts[k]!;
      const d = b.value - a.value;
      if (d >= 0) sum += d;
      else if (d + capacity < capacity * 0.1) {
        sum += d + capacity;
        out.rollovers++;
      } else {
        out.decrease = { meter: s.meter, from: { meter: s.meter, ...a }, to: { meter: s.meter, ...b } };
        return { ...out, status: 'register-decreased', value: null };
      }
    }
  }
  out.value = round4(sum);
  if (out.replacements.length) out.status = 'replaced';
  return out;
}

export interface RegisterConsumption {
  /** Status of the total (the billed figure). */
  status: ConsumptionStatus;
  total: FieldConsumption;
  /** Rates 1..n (null value where that rate's own status is not ok/replaced). */
  rates: FieldConsumption[];
}

/** Total and every rate the meters report (`rateCount` rates). */
export function registerConsumption(series: readonly MeterSeries[], from: number, to: number, capacity: number, rateCount: number): RegisterConsumption {
  const total = fieldConsumption(series, 0, from, to, capacity);
  const rates: FieldConsumption[] = [];
  for (let k = 1; k <= rateCount; k++) rates.push(fieldConsumption(series, k, from, to, capacity));
  return { status: total.status, total, rates };
}
