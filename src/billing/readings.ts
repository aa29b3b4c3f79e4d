/**
 * Frozen readings for billing, one row per meter (and account): the daily freeze of a date, the monthly
 * freeze of a month, or the meter-reading-day (抄表日) freeze. Meters come from the archive in id pages
 * (MeterSelection), their readings from the store one page at a time (a meter-list query), so a 1 M-meter
 * export holds one page in memory and every selected meter gets a row — `missing` when nothing usable is
 * stored, never left out and never filled in.
 */
import type { QuantityName, SeriesKind } from '../store/quantities.js';
import type { Quality, Reading, ReadingStore } from '../store/store.js';
import type { MeterFilter, MeterSelection, SelectedMeter } from './selection.js';

/** The energy registers billing reads (forward/reverse active and reactive, total + rates). */
export const REGISTERS = ['ea_imp', 'er_imp', 'ea_exp', 'er_exp'] as const satisfies readonly QuantityName[];
export type RegisterName = (typeof REGISTERS)[number];
/** Rates exported per register (sharp, peak, flat, valley). */
export const EXPORT_RATES = 4;

export type RowQuality = Quality | 'missing';

export interface RegisterValue {
  total: number | null;
  /** Rates 1..n as stored (null = invalid on the wire). */
  rates: (number | null)[];
  quality: Quality;
  readAt?: number;
}

export interface ReadingRow {
  meter: SelectedMeter;
  /** Data time of the freeze (UTC ms of 00:00 China time). */
  time: number;
  registers: Partial<Record<RegisterName, RegisterValue>>;
  /** Quality of the forward active register (the billed one); `missing` when it is not stored. */
  quality: RowQuality;
  /** Which freeze the values come from (reading day: `billingDay`, or the same day's daily freeze). */
  source?: SeriesKind;
  readAt?: number;
}

function valueOf(r: Reading): RegisterValue {
  const v: RegisterValue = { total: r.values[0] ?? null, rates: r.values.slice(1).map((x) => x ?? null), quality: r.quality };
  if (r.readAt !== undefined) v.readAt = r.readAt;
  return v;
}

const isRegister = (q: string): q is RegisterName => (REGISTERS as readonly string[]).includes(q);
const usable = (r: Reading): boolean => r.values.some((x) => x !== null);

export interface FrozenQuery {
  kind: 'day' | 'month' | 'billingDay';
  /** Data time of the freeze. */
  time: number;
  filter: MeterFilter;
  /** Resume after this meter id (cursor). */
  after?: number;
  /** For billingDay: use the same instant's daily freeze for meters without a reading-day freeze. */
  fallback?: 'day';
}

export class FrozenReadings {
  constructor(
    private readonly selection: MeterSelection,
    private readonly store: ReadingStore,
    private readonly pageSize = 500,
  ) {}

  private async byMeter(kind: SeriesKind, time: number, ids: number[]): Promise<Map<number, Reading[]>> {
    const out = new Map<number, Reading[]>();
    for await (const r of this.store.readings({ kind, meters: ids, from: time, to: time + 1 })) {
      if (!isRegister(r.quantity) || !usable(r)) continue;
      let list = out.get(r.meter);
      if (!list) out.set(r.meter, (list = []));
      list.push(r);
    }
    return out;
  }

  /** One row per selected meter, in meter id order. */
  async *rows(q: FrozenQuery): AsyncGenerator<ReadingRow> {
    for await (const page of this.selection.all(q.filter, q.after ?? 0, this.pageSize)) {
      const ids = page.map((m) => m.id);
      const main = await this.byMeter(q.kind, q.time, ids);
      const lacking = q.fallback ? ids.filter((id) => !main.get(id)?.some((r) => r.quantity === 'ea_imp')) : [];
      const fb = lacking.length ? await this.byMeter(q.fallback!, q.time, lacking) : new Map<number, Reading[]>();
      for (const m of page) {
        let list = main.get(m.id);
        let source: SeriesKind | undefined = list ? q.kind : undefined;
        if (!list?.some((r) => r.quantity === 'ea_imp') && fb.has(m.id)) {
          list = fb.get(m.id);
          source = q.fallback;
        }
        yield rowOf(m, q.time, list ?? [], source);
      }
    }
  }
}

export function rowOf(meter: SelectedMeter, time: number, readings: readonly Reading[], source: SeriesKind | undefined): ReadingRow {
  const registers: Partial<Record<RegisterName, RegisterValue>> = {};
  for (const r of readings) if (isRegister(r.quantity)) registers[r.quantity] = valueOf(r);
  const main = registers.ea_imp;
  const row: ReadingRow = { meter, time, registers, quality: main?.quality ?? 'missing' };
  if (source && Object.keys(registers).length) row.source = source;
  const readAt = main?.readAt ?? Object.values(registers).find((x) => x.readAt !== undefined)?.readAt;
  if (readAt !== undefined) row.readAt = readAt;
  return row;
}
