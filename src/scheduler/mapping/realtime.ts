/**
 * Real-time data (AFN0C, 请求1类数据, Q/GDW 376.1-2009 §5.12) → snapshot readings. Data time is the
 * terminal's read time (终端抄表时间 A.15 at the head of each unit); the head-end time is used only when
 * a unit carries none.
 * - F25: P/Q (A.9 kW/kvar, total + a, b, c), PF (A.5 %), U (A.7 V), I (A.25 A), I0, S (A.9 kVA).
 * - F33 / F34: current forward (active, reactive 1, Q1, Q4) / reverse (active, reactive 2, Q2, Q3) sets.
 * - F129–F136: current indications, one register each (same order as AFN0D F161–F168).
 */
import type { QuantityName } from '../../store/quantities.js';
import { INDICATION_ORDER } from './frozen.js';
import type { UnitMapper, ValuePart } from './parts.js';
import { instantOf, isObj, num, nums } from './parts.js';

const F25_GROUPS: readonly [QuantityName, readonly string[]][] = [
  ['p', ['p', 'pa', 'pb', 'pc']],
  ['q', ['q', 'qa', 'qb', 'qc']],
  ['pf', ['pf', 'pfa', 'pfb', 'pfc']],
  ['u', ['ua', 'ub', 'uc']],
  ['i', ['ia', 'ib', 'ic']],
  ['i0', ['i0']],
  ['s', ['s', 'sa', 'sb', 'sc']],
];

/** Snapshot times are whole seconds (store rule); a read time A.15 is a whole minute anyway. */
const wholeSecond = (t: number): number => t - (((t % 1000) + 1000) % 1000);

export const F25_QUANTITIES: readonly QuantityName[] = F25_GROUPS.map(([q]) => q);

export const f25Mapper: UnitMapper = (data, ctx) => {
  if (!isObj(data)) return [];
  const time = instantOf(data.time, ctx.cal) ?? wholeSecond(ctx.now);
  return F25_GROUPS.map(([quantity, fields]) => ({ quantity, time, offset: 0, values: fields.map((f) => num(data[f])), readAt: time }));
};

const SETS: Record<'forward' | 'reverse', readonly [string, QuantityName][]> = {
  forward: [['active', 'ea_imp'], ['reactive', 'er_imp'], ['quadrantX', 'er_q1'], ['quadrantY', 'er_q4']],
  reverse: [['active', 'ea_exp'], ['reactive', 'er_exp'], ['quadrantX', 'er_q2'], ['quadrantY', 'er_q3']],
};

export function realtimeSetQuantities(reverse: boolean): QuantityName[] {
  return SETS[reverse ? 'reverse' : 'forward'].map(([, q]) => q);
}

/** F33 (forward) / F34 (reverse). */
export function realtimeSetMapper(reverse: boolean): UnitMapper {
  const fields = SETS[reverse ? 'reverse' : 'forward'];
  return (data, ctx) => {
    if (!isObj(data)) return [];
    const time = instantOf(data.time, ctx.cal) ?? wholeSecond(ctx.now);
    return fields.map(([f, quantity]): ValuePart => ({ quantity, time, offset: 0, values: nums(data[f]), readAt: time }));
  };
}

/** F129+k (k = 0..7): one register, total + rates. */
export function realtimeIndicationMapper(k: number): UnitMapper {
  const quantity = INDICATION_ORDER[k]!;
  return (data, ctx) => {
    if (!isObj(data)) return [];
    const time = instantOf(data.time, ctx.cal) ?? wholeSecond(ctx.now);
    return [{ quantity, time, offset: 0, values: nums(data.values), readAt: time }];
  };
}
