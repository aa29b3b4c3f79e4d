/**
 * Curves (曲线数据) of AFN0D → store quantities (Q/GDW 376.1-2009 §5.13, groups 11–14). Each Fn is one
 * field of a quantity; the reply is Td_c (start A.15, density, n) then n values, point i at
 * start + i·density. The assembler joins the Fns of one quantity into one reading per point:
 *   F81–F84  p  total, a, b, c   (A.9 kW)        F85–F88  q  total, a, b, c (A.9 kvar)
 *   F89–F91  u  a, b, c          (A.7 V)         F92–F94  i  a, b, c        (A.25 A)
 *   F95      i0                  (A.25 A)        F96      freq (A.6 Hz; UNVERIFIED, see afn0d-history.ts)
 *   F97–F100 ea_imp_use, er_imp_use, ea_exp_use, er_exp_use: energy used in the interval ending at the
 *            point (A.13 kWh/kvarh)
 *   F101–F104 ea_imp, er_imp, ea_exp, er_exp totals (A.11 kWh/kvarh)
 *   F105–F108 pf total, a, b, c  (A.5 %)
 */
import type { QuantityName } from '../../store/quantities.js';
import { MINUTE_MS, densityMinutesOf } from '../time.js';
import type { UnitMapper, ValuePart } from './parts.js';
import { instantOf, isObj, num } from './parts.js';

/** Curve Fn → (quantity, field index). */
export const CURVE_FIELDS: ReadonlyMap<number, { quantity: QuantityName; field: number }> = new Map([
  [81, { quantity: 'p', field: 0 }],
  [82, { quantity: 'p', field: 1 }],
  [83, { quantity: 'p', field: 2 }],
  [84, { quantity: 'p', field: 3 }],
  [85, { quantity: 'q', field: 0 }],
  [86, { quantity: 'q', field: 1 }],
  [87, { quantity: 'q', field: 2 }],
  [88, { quantity: 'q', field: 3 }],
  [89, { quantity: 'u', field: 0 }],
  [90, { quantity: 'u', field: 1 }],
  [91, { quantity: 'u', field: 2 }],
  [92, { quantity: 'i', field: 0 }],
  [93, { quantity: 'i', field: 1 }],
  [94, { quantity: 'i', field: 2 }],
  [95, { quantity: 'i0', field: 0 }],
  [96, { quantity: 'freq', field: 0 }],
  [97, { quantity: 'ea_imp_use', field: 0 }],
  [98, { quantity: 'er_imp_use', field: 0 }],
  [99, { quantity: 'ea_exp_use', field: 0 }],
  [100, { quantity: 'er_exp_use', field: 0 }],
  [101, { quantity: 'ea_imp', field: 0 }],
  [102, { quantity: 'er_imp', field: 0 }],
  [103, { quantity: 'ea_exp', field: 0 }],
  [104, { quantity: 'er_exp', field: 0 }],
  [105, { quantity: 'pf', field: 0 }],
  [106, { quantity: 'pf', field: 1 }],
  [107, { quantity: 'pf', field: 2 }],
  [108, { quantity: 'pf', field: 3 }],
] as const);

/** Mapper of one curve Fn: `{ td: { start, density, points }, values }` → one part per point. */
export function curveMapper(quantity: QuantityName, field: number): UnitMapper {
  return (data, ctx) => {
    if (!isObj(data) || !isObj(data.td) || !Array.isArray(data.values)) return [];
    const start = instantOf(data.td.start, ctx.cal);
    const minutes = typeof data.td.density === 'number' ? densityMinutesOf(data.td.density) : undefined;
    if (start === undefined || minutes === undefined) return [];
    const step = minutes * MINUTE_MS;
    const out: ValuePart[] = [];
    data.values.forEach((v, i) => out.push({ quantity, time: start + i * step, offset: field, values: [num(v)] }));
    return out;
  };
}
