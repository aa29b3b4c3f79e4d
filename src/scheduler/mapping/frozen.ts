/**
 * Frozen energy indications (冻结电能示值) of AFN0D → store quantities (Q/GDW 376.1-2009 §5.13):
 *
 * - F161–F168 daily (日冻结), F169–F176 meter-reading-day (抄表日冻结), F177–F184 monthly (月冻结):
 *   Td, read time A.15, M, (M+1) values — total then rates 1..M — of one register each, in the order
 *   forward active, forward reactive (combined 1), reverse active, reverse reactive (combined 2), Q1–Q4.
 *   A.14 kWh for active, A.11 kvarh for reactive (engineering units as decoded).
 * - F1/F2, F9/F10, F17/F18: the same day/reading-day/month as four-register sets: forward (active,
 *   reactive, Q1, Q4) or reverse (active, reactive, Q2, Q3).
 * - F5–F8 daily, F21–F24 monthly energy used (电能量): Td, M, (M+1) A.13 values, no read time, in the
 *   order forward active, forward reactive, reverse active, reverse reactive. Td names the day (month)
 *   in which the energy was used; it is stored at the END of that period — 00:00 of the next day (1st
 *   of the next month), the instant of the freeze that closes it, as curve F97–F100 points are — so the
 *   daily campaign of D (registers at D 00:00) also holds the energy used on D − 1.
 * Data time: 00:00 local of the Td_d day, or of the 1st of the Td_m month.
 */
import type { QuantityName } from '../../store/quantities.js';
import type { UnitMapper, ValuePart } from './parts.js';
import { dayOf, instantOf, isObj, monthOf, nums } from './parts.js';

export type FrozenTd = 'd' | 'm';

/** Registers of F161+k / F169+k / F177+k (k = 0..7). */
export const INDICATION_ORDER: readonly QuantityName[] = ['ea_imp', 'er_imp', 'ea_exp', 'er_exp', 'er_q1', 'er_q2', 'er_q3', 'er_q4'];

/** Quantities of F5+k (daily) and F21+k (monthly), k = 0..3. */
export const AMOUNT_ORDER: readonly QuantityName[] = ['ea_imp_use', 'er_imp_use', 'ea_exp_use', 'er_exp_use'];

/** Fields of the four-register sets F1/F9/F17 (forward) and F2/F10/F18 (reverse). */
const SET_FORWARD: readonly [string, QuantityName][] = [['active', 'ea_imp'], ['reactive', 'er_imp'], ['quadrantX', 'er_q1'], ['quadrantY', 'er_q4']];
const SET_REVERSE: readonly [string, QuantityName][] = [['active', 'ea_exp'], ['reactive', 'er_exp'], ['quadrantX', 'er_q2'], ['quadrantY', 'er_q3']];

function dataTime(td: FrozenTd, v: unknown, cal: Parameters<UnitMapper>[1]['cal']): number | undefined {
  return td === 'd' ? dayOf(v, cal) : monthOf(v, cal);
}

/** Mapper of one-register Fns (F161–F184 `{ td, time, m, values }`; F5–F8, F21–F24 `{ td, m, values }`). */
export function indicationMapper(td: FrozenTd, quantity: QuantityName): UnitMapper {
  return (data, ctx) => {
    if (!isObj(data)) return [];
    const time = dataTime(td, data.td, ctx.cal);
    if (time === undefined) return [];
    const part: ValuePart = { quantity, time, offset: 0, values: nums(data.values) };
    const readAt = instantOf(data.time, ctx.cal);
    if (readAt !== undefined) part.readAt = readAt;
    return [part];
  };
}

/** Mapper of the energy-used Fns (F5–F8 daily, F21–F24 monthly): `{ td, m, values }` at the period's end. */
export function amountMapper(td: FrozenTd, quantity: QuantityName): UnitMapper {
  return (data, ctx) => {
    if (!isObj(data) || !isObj(data.td)) return [];
    const next = nextPeriod(td, data.td);
    const time = next && dataTime(td, next, ctx.cal);
    return time === undefined ? [] : [{ quantity, time, offset: 0, values: nums(data.values) }];
  };
}

/** The Td after `v` (day + 1 or month + 1), in the same shape; calendar overflow is left to the calendar. */
function nextPeriod(td: FrozenTd, v: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  if (typeof v.year !== 'number' || typeof v.month !== 'number') return undefined;
  if (td === 'm') return v.month >= 12 ? { year: v.year + 1, month: 1 } : { year: v.year, month: v.month + 1 };
  return typeof v.day === 'number' ? { ...v, day: v.day + 1 } : undefined;
}

/** Mapper of the four-register sets (F1/F2, F9/F10, F17/F18): `{ td, time, m, active, reactive, quadrantX, quadrantY }`. */
export function energySetMapper(td: FrozenTd, reverse: boolean): UnitMapper {
  const fields = reverse ? SET_REVERSE : SET_FORWARD;
  return (data, ctx) => {
    if (!isObj(data)) return [];
    const time = dataTime(td, data.td, ctx.cal);
    if (time === undefined) return [];
    const readAt = instantOf(data.time, ctx.cal);
    return fields.map(([field, quantity]) => {
      const part: ValuePart = { quantity, time, offset: 0, values: nums(data[field]) };
      if (readAt !== undefined) part.readAt = readAt;
      return part;
    });
  };
}

export function energySetQuantities(reverse: boolean): QuantityName[] {
  return (reverse ? SET_REVERSE : SET_FORWARD).map(([, q]) => q);
}
