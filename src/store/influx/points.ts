/**
 * Readings and events ↔ InfluxDB points (line protocol built with @influxdata/influxdb-client's `Point`).
 *
 * Reading point: measurement = series kind; tags mid (archive meter id), meter (645 address), terminal,
 * taiqu, region, quantity; fields = the quantity's non-null values by catalogue field name (float), plus
 * - `valid` (integer): how many values are non-null (0: the terminal had no value yet — a gap for 补采);
 * - `nulls` (integer): bit i set ⇔ value i is null (an invalid marker EEH/FFH): the field is omitted;
 * - `quality` (string), `read_at` (integer, UTC ms of the terminal's read; 0 when the frame has none).
 * The reading has `valid + popcount(nulls)` values: a reader takes exactly those fields and ignores any
 * other. That is what makes a rewrite exact: InfluxDB merges the fields of a rewritten point (same series
 * and time) into the old one, so a value that was present before and is null now would survive as a
 * leftover field — `valid`/`nulls` are always rewritten and say it is null.
 *
 * Event point: measurement `event`; tags tid (archive terminal id), terminal, taiqu, region, erc, and
 * mid/meter when the record names a meter; fields important (boolean), record (JSON string); timestamp
 * the event time (ms). The contract's event identity (terminal, erc, time, meter) is InfluxDB's series +
 * time identity, so a rewrite replaces the event (both fields are always written: nothing is left over).
 *
 * Data rules are the contract's (../validate.ts), checked before anything is sent.
 */
import { Point } from '@influxdata/influxdb-client';
import { QUANTITIES, isQuantityName, quantity, type QuantityName, type SeriesKind } from '../quantities.js';
import type { Quality, Reading, StoredEvent } from '../store.js';
import type { MeterTags, TerminalTags } from './tags.js';

export const EVENT_MEASUREMENT = 'event';
export const META_FIELDS = ['valid', 'nulls', 'quality', 'read_at'] as const;
export const READING_TAGS = ['mid', 'meter', 'terminal', 'taiqu', 'region', 'quantity'] as const;
export const EVENT_TAGS = ['tid', 'terminal', 'taiqu', 'region', 'erc', 'mid', 'meter'] as const;

/** Every field name of every quantity, in catalogue order (the columns a mixed read selects). */
export const ALL_VALUE_FIELDS: readonly string[] = [...new Set([...QUANTITIES.values()].flatMap((d) => d.fields))];

export function describeReading(r: Pick<Reading, 'kind' | 'quantity' | 'meter' | 'time'>): string {
  const t = Number.isFinite(r.time) ? new Date(r.time).toISOString() : String(r.time);
  return `${r.kind} ${r.quantity} meter ${r.meter} at ${t}`;
}

export function describeEvent(e: Pick<StoredEvent, 'terminal' | 'erc' | 'time'>): string {
  const t = Number.isFinite(e.time) ? new Date(e.time).toISOString() : String(e.time);
  return `ERC${e.erc} terminal ${e.terminal} at ${t}`;
}

/** One reading as a line (ms timestamp). Assumes validateReadings passed. */
export function readingLine(r: Reading, tags: MeterTags): string {
  const fields = quantity(r.quantity).fields;
  const p = new Point(r.kind)
    .tag('mid', String(r.meter))
    .tag('meter', tags.meter)
    .tag('terminal', tags.terminal)
    .tag('taiqu', tags.taiqu)
    .tag('region', tags.region)
    .tag('quantity', r.quantity);
  let valid = 0;
  let nulls = 0;
  for (let i = 0; i < r.values.length; i++) {
    const v = r.values[i];
    if (v === null || v === undefined) nulls |= 1 << i;
    else {
      p.floatField(fields[i]!, v);
      valid++;
    }
  }
  p.intField('valid', valid).intField('nulls', nulls).stringField('quality', r.quality).intField('read_at', r.readAt ?? 0).timestamp(r.time);
  return p.toLineProtocol()!;
}

/** One event as a line (ms timestamp). Assumes validateEvents passed; `recordJson` is JSON.stringify(record). */
export function eventLine(e: StoredEvent, recordJson: string, terminal: TerminalTags, meter: MeterTags | undefined): string {
  const p = new Point(EVENT_MEASUREMENT)
    .tag('tid', String(e.terminal))
    .tag('terminal', terminal.terminal)
    .tag('taiqu', terminal.taiqu)
    .tag('region', terminal.region)
    .tag('erc', String(e.erc));
  if (e.meter !== undefined) {
    p.tag('mid', String(e.meter));
    if (meter) p.tag('meter', meter.meter);
  }
  p.booleanField('important', e.important).stringField('record', recordJson).timestamp(e.time);
  return p.toLineProtocol()!;
}

/** A row of an InfluxQL answer, addressed by column (or GROUP BY tag) name. */
export interface Row {
  get(name: string): unknown;
}

const bitCount = (n: number): number => {
  let c = 0;
  for (let x = n >>> 0; x; x &= x - 1) c++;
  return c;
};

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** A row (time in ms, the columns of `readingColumns`) back into the Reading that was written. */
export function rowToReading(kind: SeriesKind, row: Row): Reading {
  const q = row.get('quantity');
  if (typeof q !== 'string' || !isQuantityName(q)) throw new Error(`stored point without a known quantity tag: ${String(q)}`);
  const fields = quantity(q as QuantityName).fields;
  const valid = num(row.get('valid')) ?? 0;
  const nulls = num(row.get('nulls')) ?? 0;
  const n = Math.min(fields.length, valid + bitCount(nulls));
  const values: (number | null)[] = new Array<number | null>(n);
  for (let i = 0; i < n; i++) values[i] = nulls & (1 << i) ? null : num(row.get(fields[i]!));
  const r: Reading = {
    meter: Number(row.get('mid')),
    kind,
    quantity: q as QuantityName,
    time: Number(row.get('time')),
    values,
    quality: (row.get('quality') as Quality | null) ?? 'collected',
  };
  const readAt = num(row.get('read_at'));
  if (readAt) r.readAt = readAt;
  return r;
}

export function rowToEvent(row: Row): StoredEvent {
  const e: StoredEvent = {
    terminal: Number(row.get('tid')),
    erc: Number(row.get('erc')),
    time: Number(row.get('time')),
    important: row.get('important') === true,
    record: JSON.parse(String(row.get('record') ?? '{}')) as Record<string, unknown>,
  };
  const mid = row.get('mid');
  if (typeof mid === 'string' && mid !== '') e.meter = Number(mid);
  return e;
}

/** The columns a reading query selects: tags, meta fields and the value fields of one quantity or all. */
export function readingColumns(q?: QuantityName): string[] {
  return [...READING_TAGS, ...META_FIELDS, ...(q ? quantity(q).fields : ALL_VALUE_FIELDS)];
}
