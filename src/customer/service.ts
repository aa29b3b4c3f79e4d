/**
 * Customer service (95598 agents): find a customer by account, meter address or name fragment; the
 * account's summary (meter, 站-线-变 chain, terminal state, last readings, relay, prepayment balance, open
 * alarms, outage status); usage per day or month from frozen-reading differences; curves; events.
 * Reads the archive, the store and the outage view; writes nothing.
 */
import { lookupErc } from '../../protocols/gw376/erc/registry.js';
import type { Archive, CustomerChain, CustomerInfo } from '../archive/archive.js';
import { registerConsumption, type ConsumptionStatus, type MeterSeries } from '../billing/consumption.js';
import { nextMonthStart } from '../billing/dates.js';
import type { MeterHistory } from '../billing/meter-history.js';
import type { OutageService, CustomerOutage } from '../outage/outage-service.js';
import type { RelayState } from '../outage/relay-state.js';
import { NotFoundError } from '../service/errors.js';
import { QUANTITIES, type QuantityName, type SeriesKind } from '../store/quantities.js';
import { isUsable, type Quality, type Reading, type ReadingStore, type StoredEvent } from '../store/store.js';

const DAY_MS = 86_400_000;

export interface PrepayBalance {
  balanceYuan: number;
  state: string;
  alarmYuan?: number;
}

export interface CustomerServiceOptions {
  archive: Archive;
  store?: ReadingStore;
  outage?: OutageService;
  history: MeterHistory;
  /** Prepayment balances (src/control/prepayment.ts), when the head-end keeps them. */
  prepayBalance?: (account: string) => PrepayBalance | undefined;
  rolloverKwh: number;
  eventLookbackDays: number;
  now: () => number;
}

export interface LookupQuery {
  account?: string;
  meter?: string;
  name?: string;
  limit: number;
}

export interface LastReading {
  kind: SeriesKind;
  quantity: QuantityName;
  unit: string;
  fields: readonly string[];
  time: number;
  values: readonly (number | null)[];
  quality: Quality;
  readAt?: number;
}

export interface OpenAlarm {
  erc: number;
  name: string;
  nameZh: string;
  /** When it started (the record's time). */
  since: number;
  level: 'meter' | 'terminal';
  record: Readonly<Record<string, unknown>>;
}

export interface AccountSummary {
  chain: CustomerChain;
  lastReadings: LastReading[];
  relay?: RelayState;
  prepayment?: PrepayBalance;
  openAlarms: OpenAlarm[];
  outage?: CustomerOutage;
}

export interface UsageItem {
  /** Start of the day / month (data time of the first freeze). */
  from: number;
  to: number;
  status: ConsumptionStatus;
  /** kWh of the register (null unless measured). */
  total: number | null;
  rates: (number | null)[];
}

export interface CurveSeries {
  quantity: QuantityName;
  unit: string;
  fields: readonly string[];
  points: { time: number; values: readonly (number | null)[]; quality: Quality }[];
}

export interface EventItem extends StoredEvent {
  name: string;
  nameZh: string;
}

function ercName(erc: number): { name: string; nameZh: string } {
  const e = lookupErc(erc);
  return { name: e?.name ?? `ERC${erc}`, nameZh: e?.nameZh ?? `ERC${erc}` };
}

/** D15 start flag of "pn and flag" (appendix C), when the record has one. */
function startFlag(record: Readonly<Record<string, unknown>>): boolean | undefined {
  const d = record.data as Record<string, unknown> | null | undefined;
  const pn = d?.pn as Record<string, unknown> | undefined;
  return typeof pn?.start === 'boolean' ? pn.start : undefined;
}

export class CustomerService {
  constructor(private readonly o: CustomerServiceOptions) {}

  private store(): ReadingStore {
    if (!this.o.store) throw new NotFoundError('store', 'this head-end runs without a reading store');
    return this.o.store;
  }

  chain(account: string): CustomerChain {
    const c = this.o.archive.chainOf(account);
    if (!c || c.customer.accountNo !== account) throw new NotFoundError('account', `account ${account} is not in the archive`);
    return c;
  }

  lookup(q: LookupQuery): CustomerInfo[] {
    const a = this.o.archive;
    const out = new Map<string, CustomerInfo>();
    const add = (c: CustomerInfo | undefined): void => {
      if (c && out.size < q.limit) out.set(c.accountNo, c);
    };
    if (q.account !== undefined) add(a.account(q.account));
    if (q.meter !== undefined) {
      const m = a.meter(q.meter);
      if (m?.accountNo) add(a.account(m.accountNo));
    }
    if (q.name !== undefined) for (const c of a.findByName(q.name, q.limit)) add(c);
    return [...out.values()];
  }

  async summary(account: string): Promise<AccountSummary> {
    const chain = this.chain(account);
    const s: AccountSummary = { chain, lastReadings: [], openAlarms: [] };
    if (this.o.store) {
      s.lastReadings = await this.lastReadings(chain.meter.id);
      s.openAlarms = await this.openAlarms(chain);
    }
    if (this.o.outage) {
      s.outage = this.o.outage.customer(account);
      if (s.outage.relay) s.relay = s.outage.relay;
    }
    const p = this.o.prepayBalance?.(account);
    if (p) s.prepayment = p;
    return s;
  }

  private async lastReadings(meter: number): Promise<LastReading[]> {
    const now = this.o.now();
    const latest = new Map<string, Reading>();
    const scan = async (kind: SeriesKind, back: number): Promise<void> => {
      for await (const r of this.store().readings({ kind, meters: [meter], from: now - back, to: now + DAY_MS })) {
        if (!isUsable(r)) continue;
        const k = `${kind}/${r.quantity}`;
        const prev = latest.get(k);
        if (!prev || prev.time <= r.time) latest.set(k, r);
      }
    };
    await scan('day', 40 * DAY_MS);
    await scan('month', 400 * DAY_MS);
    await scan('snapshot', 2 * DAY_MS);
    return [...latest.values()].map((r) => {
      const q = QUANTITIES.get(r.quantity)!;
      const x: LastReading = { kind: r.kind, quantity: r.quantity, unit: q.unit, fields: q.fields.slice(0, r.values.length), time: r.time, values: r.values, quality: r.quality };
      if (r.readAt !== undefined) x.readAt = r.readAt;
      return x;
    });
  }

  private async openAlarms(chain: CustomerChain): Promise<OpenAlarm[]> {
    const now = this.o.now();
    const latest = new Map<string, StoredEvent>();
    for await (const e of this.store().events({ terminals: [chain.terminal.id], from: now - this.o.eventLookbackDays * DAY_MS, to: now + 1 })) {
      if (e.meter !== undefined && e.meter !== chain.meter.id) continue;
      const key = `${e.erc}/${e.meter ?? 0}`;
      const prev = latest.get(key);
      if (!prev || prev.time <= e.time) latest.set(key, e);
    }
    const out: OpenAlarm[] = [];
    for (const e of latest.values()) {
      const data = e.record.data as Record<string, unknown> | null | undefined;
      const open = e.erc === 14 ? data !== null && data !== undefined && data.powerOn === null : startFlag(e.record) === true;
      if (open) out.push({ erc: e.erc, ...ercName(e.erc), since: e.time, level: e.meter !== undefined ? 'meter' : 'terminal', record: e.record });
    }
    return out.sort((a, b) => a.since - b.since);
  }

  /**
   * Energy per day (daily freezes at 00:00 of each day and of the next) or per month (monthly freezes,
   * or the daily freeze of the 1st when a monthly one is missing), from `from` to `to` (exclusive).
   */
  async usage(account: string, o: { from: number; to: number; granularity: 'day' | 'month'; register: QuantityName }): Promise<{ items: UsageItem[]; meters: number[] }> {
    const chain = this.chain(account);
    const meters = this.o.history.metersOf(account).map((m) => m.meter);
    if (!meters.includes(chain.meter.id)) meters.push(chain.meter.id);
    const bounds: number[] = [];
    if (o.granularity === 'day') for (let t = o.from; t <= o.to; t += DAY_MS) bounds.push(t);
    else for (let t = o.from; t <= o.to; t = nextMonthStart(t)) bounds.push(t);
    const points = new Map<number, Map<number, Reading>>();
    const add = (r: Reading): void => {
      let m = points.get(r.meter);
      if (!m) points.set(r.meter, (m = new Map()));
      if (!m.has(r.time)) m.set(r.time, r);
    };
    const first = bounds[0]!;
    const last = bounds.at(-1)!;
    for await (const r of this.store().readings({ kind: o.granularity === 'day' ? 'day' : 'month', quantity: o.register, meters, from: first, to: last + 1 })) add(r);
    if (o.granularity === 'month') {
      // The daily freeze of the 1st is the same register at the same instant.
      const firsts = new Set(bounds);
      for await (const r of this.store().readings({ kind: 'day', quantity: o.register, meters, from: first, to: last + 1 })) if (firsts.has(r.time)) add(r);
    }
    const series = (a: number, b: number): MeterSeries[] =>
      meters
        .map((m) => ({ meter: m, points: [...(points.get(m)?.values() ?? [])].filter((r) => r.time === a || r.time === b).sort((x, y) => x.time - y.time).map((r) => ({ time: r.time, values: r.values })) }))
        .filter((s) => s.points.length > 0)
        .sort((x, y) => x.points[0]!.time - y.points[0]!.time);
    const rateCount = Math.min(4, chain.meter.tariffCount);
    const items: UsageItem[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const c = registerConsumption(series(bounds[i]!, bounds[i + 1]!), bounds[i]!, bounds[i + 1]!, this.o.rolloverKwh, rateCount);
      items.push({ from: bounds[i]!, to: bounds[i + 1]!, status: c.status, total: c.total.value, rates: c.rates.map((r) => r.value) });
    }
    return { items, meters };
  }

  async curves(account: string, o: { from: number; to: number; quantities: readonly QuantityName[] }): Promise<CurveSeries[]> {
    const chain = this.chain(account);
    const out = new Map<QuantityName, CurveSeries>();
    for (const name of o.quantities) {
      const q = QUANTITIES.get(name)!;
      out.set(name, { quantity: name, unit: q.unit, fields: q.fields, points: [] });
    }
    // One query per quantity: the store reads only the quantities asked for, not every curve of the meter.
    for (const s of out.values()) {
      let n = 0;
      for await (const r of this.store().readings({ kind: 'curve', quantity: s.quantity, meters: [chain.meter.id], from: o.from, to: o.to })) {
        s.points.push({ time: r.time, values: r.values, quality: r.quality });
        if (r.values.length > n) n = r.values.length;
      }
      s.fields = s.fields.slice(0, n || s.fields.length);
    }
    return [...out.values()];
  }

  /** Events of the account's meter and its terminal's own (terminal-level) events, in time order. */
  async *events(account: string, o: { from: number; to: number; erc?: readonly number[] }): AsyncGenerator<EventItem> {
    const chain = this.chain(account);
    for await (const e of this.store().events({ terminals: [chain.terminal.id], from: o.from, to: o.to, ...(o.erc ? { erc: o.erc } : {}) })) {
      if (e.meter !== undefined && e.meter !== chain.meter.id) continue;
      yield { ...e, ...ercName(e.erc) };
    }
  }
}
