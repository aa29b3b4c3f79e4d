/**
 * Row shapes of the billing exports: JSON objects and the documented CSV headers.
 *
 * Readings CSV (daily, monthly, meter-reading day), one row per meter:
 *   date | month, account_no, customer_id, meter_address, terminal, pn, reading_day, data_time, read_at,
 *   quality, source, then for each register ea_imp (forward active, kWh), er_imp (forward reactive,
 *   kvarh), ea_exp (reverse active), er_exp (reverse reactive): <reg>_total, <reg>_r1 … <reg>_r4
 *   (sharp, peak, flat, valley). quality is that of ea_imp (the billed register): collected,
 *   recollected, estimated, or missing (nothing usable stored: every value cell empty). An empty value
 *   cell is a value the terminal marked invalid or a register not stored — never a 0 in its place.
 *
 * Consumption CSV, one row per account:
 *   account_no, customer_id, meter_address, from, to, register, source, status, total, r1 … r4,
 *   multiplier, energy, start_time, start_value, end_time, end_value, rollovers, replaced_meters
 */
import { dateLabel, localIso, monthLabel } from '../../billing/dates.js';
import { EXPORT_RATES, REGISTERS, type ReadingRow } from '../../billing/readings.js';
import type { AccountConsumption } from '../../billing/service.js';
import type { Cell, CsvShape } from '../http.js';
import { ANY_OBJECT, ISO_TIME, NULLABLE_NUMBER } from '../schemas.js';

export const REGISTER_QUERY = { type: 'string', enum: ['ea_imp', 'er_imp', 'ea_exp', 'er_exp'], description: 'register (default ea_imp, forward active)' } as const;

const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : localIso(t));

const valueColumns = REGISTERS.flatMap((r) => [`${r}_total`, ...Array.from({ length: EXPORT_RATES }, (_, i) => `${r}_r${i + 1}`)]);

export type PeriodLabel = 'date' | 'month';

export function readingCsv(period: PeriodLabel): CsvShape<ReadingRow> {
  return {
    header: [period, 'account_no', 'customer_id', 'meter_address', 'terminal', 'pn', 'reading_day', 'data_time', 'read_at', 'quality', 'source', ...valueColumns],
    row: (r) => {
      const cells: Cell[] = [
        period === 'date' ? dateLabel(r.time) : monthLabel(r.time),
        r.meter.accountNo,
        r.meter.customerId,
        r.meter.address,
        r.meter.terminal,
        r.meter.pn,
        r.meter.readingDay,
        localIso(r.time),
        iso(r.readAt),
        r.quality,
        r.source,
      ];
      for (const reg of REGISTERS) {
        const v = r.registers[reg];
        cells.push(v?.total ?? null);
        for (let i = 0; i < EXPORT_RATES; i++) cells.push(v?.rates[i] ?? null);
      }
      return cells;
    },
  };
}

export function readingJson(period: PeriodLabel) {
  return (r: ReadingRow): Record<string, unknown> => {
    const registers: Record<string, unknown> = {};
    for (const reg of REGISTERS) {
      const v = r.registers[reg];
      if (v) registers[reg] = { total: v.total, rates: v.rates, quality: v.quality, ...(v.readAt !== undefined ? { readAt: localIso(v.readAt) } : {}) };
    }
    return {
      [period]: period === 'date' ? dateLabel(r.time) : monthLabel(r.time),
      ...(r.meter.accountNo !== undefined ? { account: r.meter.accountNo } : {}),
      ...(r.meter.customerId !== undefined ? { customerId: r.meter.customerId } : {}),
      meter: r.meter.address,
      meterId: r.meter.id,
      terminal: r.meter.terminal,
      pn: r.meter.pn,
      ...(r.meter.readingDay !== undefined ? { readingDay: r.meter.readingDay } : {}),
      dataTime: localIso(r.time),
      ...(r.readAt !== undefined ? { readAt: localIso(r.readAt) } : {}),
      quality: r.quality,
      ...(r.source ? { source: r.source } : {}),
      registers,
    };
  };
}

const REGISTER_VALUE = { type: 'object', properties: { total: NULLABLE_NUMBER, rates: { type: 'array', items: NULLABLE_NUMBER }, quality: { type: 'string' }, readAt: ISO_TIME } } as const;

export function readingSchema(period: PeriodLabel): object {
  return {
    type: 'object',
    properties: {
      [period]: { type: 'string' },
      account: { type: 'string' },
      customerId: { type: 'string' },
      meter: { type: 'string', description: 'meter address' },
      meterId: { type: 'integer' },
      terminal: { type: 'string' },
      pn: { type: 'integer' },
      readingDay: { type: 'integer' },
      dataTime: ISO_TIME,
      readAt: ISO_TIME,
      quality: { type: 'string', enum: ['collected', 'recollected', 'estimated', 'missing'] },
      source: { type: 'string', enum: ['day', 'billingDay', 'month'] },
      registers: { type: 'object', properties: Object.fromEntries(REGISTERS.map((r) => [r, REGISTER_VALUE])) },
    },
  };
}

const END = { type: 'object', properties: { meter: { type: 'integer' }, time: ISO_TIME, value: { type: 'number' } } } as const;

export const CONSUMPTION_SCHEMA = {
  type: 'object',
  properties: {
    account: { type: 'string' },
    customerId: { type: 'string' },
    meter: { type: 'string' },
    from: ISO_TIME,
    to: ISO_TIME,
    register: { type: 'string' },
    source: { type: 'string' },
    status: { type: 'string', enum: ['ok', 'replaced', 'missing-start', 'missing-end', 'missing', 'register-decreased'] },
    total: NULLABLE_NUMBER,
    rates: { type: 'array', items: NULLABLE_NUMBER },
    multiplier: { type: 'number' },
    energy: NULLABLE_NUMBER,
    start: END,
    end: END,
    rollovers: { type: 'integer' },
    replacements: { type: 'array', items: ANY_OBJECT },
    decrease: ANY_OBJECT,
    meters: { type: 'array', items: ANY_OBJECT },
  },
} as const;

const endJson = (e: { meter: number; time: number; value: number } | undefined): Record<string, unknown> | undefined => (e ? { meter: e.meter, time: localIso(e.time), value: e.value } : undefined);

export function consumptionJson(c: AccountConsumption): Record<string, unknown> {
  const out: Record<string, unknown> = {
    account: c.account,
    ...(c.customerId !== undefined ? { customerId: c.customerId } : {}),
    meter: c.meter.address,
    from: localIso(c.from),
    to: localIso(c.to),
    register: c.register,
    source: c.source,
    status: c.status,
    total: c.total.value,
    rates: c.rates.map((r) => r.value),
    multiplier: c.meter.multiplier,
    energy: c.energy,
    rollovers: c.total.rollovers,
    replacements: c.total.replacements.map((r) => ({ oldMeter: r.oldMeter, newMeter: r.newMeter, oldLast: endJson(r.oldLast), newFirst: endJson(r.newFirst) })),
    meters: c.meters.map((m) => ({ meter: m.meter, address: m.address, ...(m.since ? { since: localIso(m.since) } : {}), ...(m.until !== undefined ? { until: localIso(m.until) } : {}) })),
  };
  if (c.total.start) out.start = endJson(c.total.start);
  if (c.total.end) out.end = endJson(c.total.end);
  if (c.total.decrease) out.decrease = { meter: c.total.decrease.meter, from: endJson(c.total.decrease.from), to: endJson(c.total.decrease.to) };
  return out;
}

export const CONSUMPTION_CSV: CsvShape<AccountConsumption> = {
  header: ['account_no', 'customer_id', 'meter_address', 'from', 'to', 'register', 'source', 'status', 'total', ...Array.from({ length: EXPORT_RATES }, (_, i) => `r${i + 1}`), 'multiplier', 'energy', 'start_time', 'start_value', 'end_time', 'end_value', 'rollovers', 'replaced_meters'],
  row: (c) => [
    c.account,
    c.customerId,
    c.meter.address,
    dateLabel(c.from),
    dateLabel(c.to),
    c.register,
    c.source,
    c.status,
    c.total.value,
    ...Array.from({ length: EXPORT_RATES }, (_, i) => c.rates[i]?.value ?? null),
    c.meter.multiplier,
    c.energy,
    iso(c.total.start?.time),
    c.total.start?.value,
    iso(c.total.end?.time),
    c.total.end?.value,
    c.total.rollovers,
    c.total.replacements.map((r) => `${r.oldMeter}>${r.newMeter}`).join(' '),
  ],
};
