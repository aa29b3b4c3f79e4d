/**
 * The 376.1 data items the scheduler collects: for each (AFN, Fn) its time label, the store quantities
 * it fills and its mapper (one module per data group under mapping/). What a task may be configured
 * with is checked against this table.
 */
import type { QuantityName } from '../store/quantities.js';
import { CURVE_FIELDS, curveMapper } from './mapping/curve.js';
import { AMOUNT_ORDER, INDICATION_ORDER, amountMapper, energySetMapper, energySetQuantities, indicationMapper, type FrozenTd } from './mapping/frozen.js';
import type { UnitMapper } from './mapping/parts.js';
import { F25_QUANTITIES, f25Mapper, realtimeIndicationMapper, realtimeSetMapper, realtimeSetQuantities } from './mapping/realtime.js';

/** Time label a request carries per (Pn, Fn): Td_d, Td_m, Td_c, or none (AFN0C). */
export type TdKind = 'd' | 'm' | 'c' | 'none';

/** Request bytes of each time label (A.20 3, A.21 2, Td_c 5 + 1 + 1). */
export const TD_BYTES: Record<TdKind, number> = { d: 3, m: 2, c: 7, none: 0 };

export interface FnDef {
  afn: number;
  fn: number;
  td: TdKind;
  quantities: readonly QuantityName[];
  map: UnitMapper;
  /** Td names the period BEFORE the data time (energy used in the day/month that the freeze closes). */
  tdBefore?: boolean;
}

const DEFS = new Map<number, FnDef>();
const key = (afn: number, fn: number): number => (afn << 8) | fn;
function def(afn: number, fn: number, td: TdKind, quantities: readonly QuantityName[], map: UnitMapper, tdBefore = false): void {
  DEFS.set(key(afn, fn), { afn, fn, td, quantities, map, tdBefore });
}

// AFN0D frozen sets and indications (§5.13 groups 1–3, 21–23).
for (const [td, fwd, rev] of [['d', 1, 2], ['d', 9, 10], ['m', 17, 18]] as const) {
  def(0x0d, fwd, td, energySetQuantities(false), energySetMapper(td, false));
  def(0x0d, rev, td, energySetQuantities(true), energySetMapper(td, true));
}
INDICATION_ORDER.forEach((q, k) => {
  for (const [base, td] of [[161, 'd'], [169, 'd'], [177, 'm']] as [number, FrozenTd][]) def(0x0d, base + k, td, [q], indicationMapper(td, q));
});
// AFN0D energy used in the day (F5–F8) and month (F21–F24), §5.13 groups 1 and 3.
AMOUNT_ORDER.forEach((q, k) => {
  def(0x0d, 5 + k, 'd', [q], amountMapper('d', q), true);
  def(0x0d, 21 + k, 'm', [q], amountMapper('m', q), true);
});
// AFN0D curves (groups 11–14).
for (const [fn, { quantity, field }] of CURVE_FIELDS) def(0x0d, fn, 'c', [quantity], curveMapper(quantity, field));
// AFN0C real-time (§5.12).
def(0x0c, 25, 'none', F25_QUANTITIES, f25Mapper);
def(0x0c, 33, 'none', realtimeSetQuantities(false), realtimeSetMapper(false));
def(0x0c, 34, 'none', realtimeSetQuantities(true), realtimeSetMapper(true));
for (let k = 0; k < 8; k++) def(0x0c, 129 + k, 'none', [INDICATION_ORDER[k]!], realtimeIndicationMapper(k));

export function fnDef(afn: number, fn: number): FnDef | undefined {
  return DEFS.get(key(afn, fn));
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** Fns each collection task may be configured with. */
export const TASK_FNS = {
  daily: { afn: 0x0d, fns: [1, 2, ...range(5, 8), ...range(161, 168)] },
  billingDay: { afn: 0x0d, fns: [9, 10, ...range(169, 176)] },
  monthly: { afn: 0x0d, fns: [17, 18, ...range(21, 24), ...range(177, 184)] },
  curve: { afn: 0x0d, fns: range(81, 108) },
  snapshot: { afn: 0x0c, fns: [25, 33, 34, ...range(129, 136)] },
} as const;

export type SeriesTaskName = 'daily' | 'billingDay' | 'monthly' | 'curve';

/** Quantities filled by a list of Fns, in first-seen order. */
export function quantitiesOf(afn: number, fns: readonly number[]): QuantityName[] {
  const out: QuantityName[] = [];
  for (const fn of fns) for (const q of fnDef(afn, fn)?.quantities ?? []) if (!out.includes(q)) out.push(q);
  return out;
}

/** The Fns of `fns` that fill quantity `q` (all of them are asked together: a rewrite replaces a reading whole). */
export function fnsFilling(afn: number, fns: readonly number[], q: QuantityName): number[] {
  return fns.filter((fn) => fnDef(afn, fn)?.quantities.includes(q));
}
