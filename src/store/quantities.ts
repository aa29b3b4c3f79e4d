/**
 * What the head-end stores, named once: series kinds and quantities with their fields and units. The
 * scheduler maps 376.1 data units onto these (AFN0D F161 → day / ea_imp, F101 → curve / ea_imp, …);
 * the stores use the names as keys (InfluxDB: measurement = kind, tag quantity, fields = field names,
 * so Grafana can plot `curve.p.total` as is) and the small codes as compact keys (embedded store).
 */

/**
 * day: daily frozen (日冻结, data time = 00:00 of the day); billingDay: meter-reading-day frozen
 * (抄表日冻结); month: monthly frozen (月冻结, 00:00 of the 1st); curve: 15-min (or denser) points;
 * snapshot: real-time reads (AFN0C), data time = the terminal's read time.
 */
export type SeriesKind = 'day' | 'billingDay' | 'month' | 'curve' | 'snapshot';

export const SERIES_KINDS: readonly SeriesKind[] = ['day', 'billingDay', 'month', 'curve', 'snapshot'];

export interface QuantityDef {
  /** Stable compact code (never reuse or renumber: stored on disk). */
  readonly code: number;
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  /** Field names in value order. */
  readonly fields: readonly string[];
}

const RATES = ['total', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14'] as const;
const PHASES = ['a', 'b', 'c'] as const;
const TOTAL_PHASES = ['total', 'a', 'b', 'c'] as const;

const DEFS = [
  // Energy indications (电能示值): total + rates 1..M (A.14 / A.11).
  { code: 1, name: 'ea_imp', unit: 'kWh', description: 'forward active energy indication 正向有功电能示值', fields: RATES },
  { code: 2, name: 'er_imp', unit: 'kvarh', description: 'forward reactive energy indication 正向无功电能示值', fields: RATES },
  { code: 3, name: 'ea_exp', unit: 'kWh', description: 'reverse active energy indication 反向有功电能示值', fields: RATES },
  { code: 4, name: 'er_exp', unit: 'kvarh', description: 'reverse reactive energy indication 反向无功电能示值', fields: RATES },
  { code: 5, name: 'er_q1', unit: 'kvarh', description: 'Q1 reactive energy indication 一象限无功电能示值', fields: RATES },
  { code: 6, name: 'er_q2', unit: 'kvarh', description: 'Q2 reactive energy indication 二象限无功电能示值', fields: RATES },
  { code: 7, name: 'er_q3', unit: 'kvarh', description: 'Q3 reactive energy indication 三象限无功电能示值', fields: RATES },
  { code: 8, name: 'er_q4', unit: 'kvarh', description: 'Q4 reactive energy indication 四象限无功电能示值', fields: RATES },
  // Energy used (电能量, A.13): in the day (AFN0D F5–F8), month (F21–F24) or curve interval ending at the
  // point (F97–F100, total only) — what the meter itself counted, not a difference the head-end took.
  { code: 9, name: 'ea_imp_use', unit: 'kWh', description: 'forward active energy used 正向有功电能量', fields: RATES },
  { code: 10, name: 'er_imp_use', unit: 'kvarh', description: 'forward reactive energy used 正向无功电能量', fields: RATES },
  { code: 11, name: 'ea_exp_use', unit: 'kWh', description: 'reverse active energy used 反向有功电能量', fields: RATES },
  { code: 12, name: 'er_exp_use', unit: 'kvarh', description: 'reverse reactive energy used 反向无功电能量', fields: RATES },
  // Instantaneous values (AFN0C F25, curves F81–F95, F105–F108).
  { code: 20, name: 'p', unit: 'kW', description: 'active power 有功功率', fields: TOTAL_PHASES },
  { code: 21, name: 'q', unit: 'kvar', description: 'reactive power 无功功率', fields: TOTAL_PHASES },
  { code: 22, name: 's', unit: 'kVA', description: 'apparent power 视在功率', fields: TOTAL_PHASES },
  { code: 23, name: 'u', unit: 'V', description: 'phase voltage 电压', fields: PHASES },
  { code: 24, name: 'i', unit: 'A', description: 'phase current 电流', fields: PHASES },
  { code: 25, name: 'i0', unit: 'A', description: 'zero-sequence current 零序电流', fields: ['value'] },
  { code: 26, name: 'pf', unit: '%', description: 'power factor 功率因数', fields: TOTAL_PHASES },
  { code: 27, name: 'freq', unit: 'Hz', description: 'frequency 频率', fields: ['value'] },
] as const satisfies readonly QuantityDef[];

export type QuantityName = (typeof DEFS)[number]['name'];

export const QUANTITIES: ReadonlyMap<QuantityName, QuantityDef> = new Map(DEFS.map((d) => [d.name, d]));
const BY_CODE: ReadonlyMap<number, QuantityDef> = new Map(DEFS.map((d) => [d.code, d]));

export function quantity(name: QuantityName): QuantityDef {
  return QUANTITIES.get(name)!;
}

export function quantityByCode(code: number): QuantityDef | undefined {
  return BY_CODE.get(code);
}

export function isQuantityName(s: string): s is QuantityName {
  return QUANTITIES.has(s as QuantityName);
}
