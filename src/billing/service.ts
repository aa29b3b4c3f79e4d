/**
 * The billing service behind the billing routes: daily and monthly frozen readings, the meter-reading-day
 * (抄表日) export and consumption between two dates per account (src/billing/consumption.ts rules).
 */
import type { Db } from '../archive/db.js';
import { NotFoundError } from '../service/errors.js';
import type { SeriesKind } from '../store/quantities.js';
import type { Reading, ReadingStore } from '../store/store.js';
import { registerConsumption, type MeterSeries, type RegisterConsumption } from './consumption.js';
import { dayOfMonth } from './dates.js';
import { MeterHistory, type AccountMeter } from './meter-history.js';
import { EXPORT_RATES, FrozenReadings, type ReadingRow, type RegisterName } from './readings.js';
import { MeterSelection, type MeterFilter, type SelectedMeter } from './selection.js';

export interface ConsumptionQuery {
  /** Data times of the two freezes (00:00 CST of the dates, or of the 1st of the months). */
  from: number;
  to: number;
  register: RegisterName;
  /** Which freezes: daily (default) or monthly. */
  source: 'day' | 'month';
  filter: MeterFilter;
  after?: number;
}

export interface AccountConsumption extends RegisterConsumption {
  account: string;
  customerId?: string;
  /** The account's current meter. */
  meter: SelectedMeter;
  /** Every meter the account had that has readings in the period (replacements). */
  meters: AccountMeter[];
  from: number;
  to: number;
  register: RegisterName;
  source: 'day' | 'month';
  /** Primary energy: register difference × CT × PT of the current meter (null when no difference). */
  energy: number | null;
}

export interface BillingOptions {
  db: Db;
  store: ReadingStore;
  /** Register capacity (rollover), kWh. */
  rolloverKwh: number;
  now?: () => number;
  pageSize?: number;
}

export class BillingService {
  readonly selection: MeterSelection;
  readonly frozen: FrozenReadings;
  readonly history: MeterHistory;

  constructor(private readonly o: BillingOptions) {
    this.selection = new MeterSelection(o.db);
    this.frozen = new FrozenReadings(this.selection, o.store, o.pageSize ?? 500);
    this.history = new MeterHistory(o.db, o.now ?? Date.now);
  }

  /** NotFoundError naming unknown areas / accounts of a filter. */
  checkFilter(f: MeterFilter): void {
    const unknown = this.selection.unknown(f);
    if (unknown.length) throw new NotFoundError('filter', `not in the archive: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ` and ${unknown.length - 10} more` : ''}`);
  }

  daily(day: number, filter: MeterFilter, after?: number): AsyncGenerator<ReadingRow> {
    return this.frozen.rows({ kind: 'day', time: day, filter, ...(after !== undefined ? { after } : {}) });
  }

  monthly(month: number, filter: MeterFilter, after?: number): AsyncGenerator<ReadingRow> {
    return this.frozen.rows({ kind: 'month', time: month, filter, ...(after !== undefined ? { after } : {}) });
  }

  /** Every account whose 抄表日 is the day of `day`, with its reading-day freeze (or that day's daily freeze). */
  readingDay(day: number, filter: MeterFilter, after?: number): AsyncGenerator<ReadingRow> {
    return this.frozen.rows({ kind: 'billingDay', time: day, filter: { ...filter, readingDay: dayOfMonth(day), withAccount: true }, fallback: 'day', ...(after !== undefined ? { after } : {}) });
  }

  async *consumption(q: ConsumptionQuery): AsyncGenerator<AccountConsumption> {
    this.history.refresh();
    for await (const page of this.selection.all({ ...q.filter, withAccount: true }, q.after ?? 0)) {
      const metersOf = new Map<string, AccountMeter[]>();
      const ids = new Set<number>();
      for (const m of page) {
        const list = this.history.metersOf(m.accountNo!);
        const all = list.some((x) => x.meter === m.id) ? list : [...list, { meter: m.id, address: m.address, since: 0 }];
        metersOf.set(m.accountNo!, all);
        for (const x of all) ids.add(x.meter);
      }
      const points = await this.series(q.source, q.register, [...ids], q.from, q.to);
      for (const m of page) yield this.accountResult(m, metersOf.get(m.accountNo!)!, points, q);
    }
  }

  /** One account's consumption (NotFoundError for an unknown account). */
  async accountConsumption(account: string, q: Omit<ConsumptionQuery, 'filter' | 'after'>): Promise<AccountConsumption> {
    const m = this.selection.ofAccount(account);
    if (!m) throw new NotFoundError('account', `account ${account} is not in the archive`);
    for await (const r of this.consumption({ ...q, filter: { accounts: [account] } })) return r;
    throw new NotFoundError('account', `account ${account} is not in the archive`);
  }

  private async series(source: SeriesKind, register: RegisterName, ids: number[], from: number, to: number): Promise<Map<number, Reading[]>> {
    const out = new Map<number, Reading[]>();
    if (ids.length === 0) return out;
    for await (const r of this.o.store.readings({ kind: source, quantity: register, meters: ids, from, to: to + 1 })) {
      let list = out.get(r.meter);
      if (!list) out.set(r.meter, (list = []));
      list.push(r);
    }
    return out;
  }

  private accountResult(m: SelectedMeter, meters: AccountMeter[], points: Map<number, Reading[]>, q: ConsumptionQuery): AccountConsumption {
    // Meters in the order they served the account: by their first reading in the period.
    const series: MeterSeries[] = meters
      .map((x) => ({ meter: x.meter, points: (points.get(x.meter) ?? []).map((r) => ({ time: r.time, values: r.values })) }))
      .filter((s) => s.points.length > 0)
      .sort((a, b) => a.points[0]!.time - b.points[0]!.time);
    const c = registerConsumption(series, q.from, q.to, this.o.rolloverKwh, Math.min(EXPORT_RATES, Math.max(m.tariffCount, 0)));
    const used = new Set(series.map((s) => s.meter));
    const out: AccountConsumption = {
      ...c,
      account: m.accountNo!,
      meter: m,
      meters: meters.filter((x) => used.has(x.meter) || x.meter === m.id),
      from: q.from,
      to: q.to,
      register: q.register,
      source: q.source,
      energy: c.total.value === null ? null : Math.round(c.total.value * m.multiplier * 10_000) / 10_000,
    };
    if (m.customerId !== undefined) out.customerId = m.customerId;
    return out;
  }
}
