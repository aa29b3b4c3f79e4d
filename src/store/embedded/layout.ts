/**
 * How each series kind is laid out in the embedded store's monthly partitions (see embedded-store.ts
 * for the why): table prefix, time unit of the month-relative key `t`, and the clustering.
 *
 * - time-major  PRIMARY KEY (t, meter, q): day, billingDay, month. A day's readings of every meter are
 *   contiguous — ingest of one day touches only that day's slice, day scans and `missing()` walk it in
 *   order; one meter's days are one probe per day.
 * - meter-major PRIMARY KEY (meter, t, q) + INDEX (t): curve, snapshot. One meter's points (a terminal
 *   answers a whole curve of one Pn at once) are contiguous; the time index serves bulk scans.
 */
import type { SeriesKind } from '../quantities.js';
import type { Quality } from '../store.js';
import { DAY_MS, MINUTE_MS, type MonthKey } from '../time.js';

export interface KindLayout {
  readonly kind: SeriesKind;
  /** Table name prefix: `<prefix>_<yyyymm>`. */
  readonly prefix: string;
  /** ms per unit of `t` (the key is (time − month start) / unit). */
  readonly unitMs: number;
  readonly timeMajor: boolean;
}

export const LAYOUTS: Readonly<Record<SeriesKind, KindLayout>> = {
  day: { kind: 'day', prefix: 'store_day', unitMs: DAY_MS, timeMajor: true },
  billingDay: { kind: 'billingDay', prefix: 'store_bday', unitMs: DAY_MS, timeMajor: true },
  month: { kind: 'month', prefix: 'store_month', unitMs: DAY_MS, timeMajor: true },
  curve: { kind: 'curve', prefix: 'store_curve', unitMs: MINUTE_MS, timeMajor: false },
  snapshot: { kind: 'snapshot', prefix: 'store_snap', unitMs: 1000, timeMajor: false },
};

export const EVENT_PREFIX = 'store_ev';

/** Partition kinds: the series kinds and the events. */
export type PartitionKind = SeriesKind | 'event';

export function tableName(kind: PartitionKind, month: MonthKey): string {
  return `${kind === 'event' ? EVENT_PREFIX : LAYOUTS[kind].prefix}_${month}`;
}

/** Flags column `f`: bits 0–1 quality, bit 2 every value null. */
export const F_ALL_NULL = 4;
export const QUALITY_CODE: Readonly<Record<Quality, number>> = { collected: 0, recollected: 1, estimated: 2 };
export const QUALITY_OF: readonly Quality[] = ['collected', 'recollected', 'estimated', 'collected'];

/** DDL of one partition (idempotent). */
export function partitionDdl(kind: PartitionKind, month: MonthKey): string {
  const name = tableName(kind, month);
  if (kind === 'event') {
    return `CREATE TABLE IF NOT EXISTS "${name}" (
  t INTEGER NOT NULL, terminal INTEGER NOT NULL, erc INTEGER NOT NULL, meter INTEGER NOT NULL,
  imp INTEGER NOT NULL, rec TEXT NOT NULL,
  PRIMARY KEY (t, terminal, erc, meter)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS "${name}_terminal" ON "${name}" (terminal, t);
CREATE INDEX IF NOT EXISTS "${name}_meter" ON "${name}" (meter, t) WHERE meter > 0;`;
  }
  const l = LAYOUTS[kind];
  const cols = `t INTEGER NOT NULL, meter INTEGER NOT NULL, q INTEGER NOT NULL, f INTEGER NOT NULL, ra INTEGER, v BLOB NOT NULL`;
  if (l.timeMajor) return `CREATE TABLE IF NOT EXISTS "${name}" (${cols}, PRIMARY KEY (t, meter, q)) WITHOUT ROWID;`;
  return `CREATE TABLE IF NOT EXISTS "${name}" (${cols}, PRIMARY KEY (meter, t, q)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS "${name}_t" ON "${name}" (t);`;
}
