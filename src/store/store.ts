/**
 * The time-series store contract (shared/docs/architecture.md: "Store is injected"). The scheduler
 * writes what terminals return; the APIs, completeness figures and 补采 read it back. Implementations
 * (embedded SQLite, InfluxDB) pass the same contract test suite; a write-ahead spool in front of either
 * makes acknowledged data survive a store outage or a crash.
 *
 * Value semantics (issue 7): engineering units; the terminal's data time (the frozen day's 00:00, the
 * curve point), never arrival time; an invalid marker (EEH/FFH) is stored as null — never as 0.
 *
 * Data rules (validate.ts, shared by every implementation and the spool): ids are integers ≥ 1; times are
 * aligned to their kind (day / billingDay 00:00 CST, month 00:00 CST of the 1st, curve whole minutes,
 * snapshot whole seconds); 1 … catalogue-length values, each finite or null. A write breaking them is
 * refused whole with a permanent error (errors.ts `isPermanentStoreError`: retrying cannot help, a spool
 * sets such a batch aside); any other rejection of a write is transient (the spool retries it).
 */
import type { QuantityName, SeriesKind } from './quantities.js';

/** Where a value came from; the billing export shows it per reading. */
export type Quality = 'collected' | 'recollected' | 'estimated';

/** One stored reading: one quantity of one meter at one data time. */
export interface Reading {
  /** Archive meter id (meters.id: the compact key). */
  meter: number;
  kind: SeriesKind;
  quantity: QuantityName;
  /** Data time, UTC epoch ms: 00:00 China time of the frozen day / month / reading day, or the curve point. */
  time: number;
  /**
   * The quantity's fields in catalogue order (e.g. total, rate 1..4 for energies; a, b, c for phase values);
   * null where the terminal sent an invalid marker. Shorter than the catalogue when the meter has fewer rates.
   */
  values: readonly (number | null)[];
  quality: Quality;
  /** When the terminal read the meter (终端抄表时间, F161…), UTC epoch ms, if the frame carries it. */
  readAt?: number;
}

/** One stored terminal event (ERC record). */
export interface StoredEvent {
  /** Archive terminal id. */
  terminal: number;
  /** Archive meter id when the record names a measuring point the archive knows. */
  meter?: number;
  erc: number;
  /** Event time from the record (UTC epoch ms). */
  time: number;
  important: boolean;
  /** The decoded ERC record as JSON-safe data. */
  record: Readonly<Record<string, unknown>>;
}

export interface ReadingQuery {
  kind: SeriesKind;
  /** One quantity, or all of the kind. */
  quantity?: QuantityName;
  /** Archive meter ids; all meters when absent (bulk exports: a day's readings of everyone). */
  meters?: readonly number[];
  /** Data time range [from, to), UTC epoch ms. */
  from: number;
  to: number;
}

export interface EventQuery {
  terminals?: readonly number[];
  meters?: readonly number[];
  erc?: readonly number[];
  from: number;
  to: number;
}

/** Which (meter, time) points should exist: the expected grid of a collection task. */
export interface GapQuery {
  kind: SeriesKind;
  quantity: QuantityName;
  meters: readonly number[];
  /** Expected data times (e.g. one day's 00:00, or its 96 curve points). */
  times: readonly number[];
}

export interface Gap {
  meter: number;
  time: number;
}

export interface StoreHealth {
  ok: boolean;
  /** What is wrong, or the backend's version when ok. */
  detail: string;
}

/**
 * Whether a reading is usable: at least one value not null. An all-null reading (the terminal had not read
 * the meter yet) is a gap for `missing()` in every store, and 补采 asks again.
 */
export function isUsable(r: Pick<Reading, 'values'>): boolean {
  return r.values.some((v) => v !== null);
}

export interface ReadingStore {
  /** 'embedded', 'influxdb-1.x', … — shown by `hes serve` and /health. */
  readonly name: string;
  /**
   * Writes a batch; resolves once it is durable in this store. Idempotent per (meter, kind, quantity,
   * time): a rewrite replaces the earlier reading whole (re-collection, duplicated answers) — so the
   * scheduler asks for all the Fns of one quantity together (F81–F84 make curve `p`). Within one batch
   * the later of two readings with the same key wins.
   */
  writeReadings(batch: readonly Reading[]): Promise<void>;
  /**
   * Idempotent per (terminal, erc, time, meter): a rewrite (a duplicated report, a spool replay) replaces
   * the earlier event; within one batch the later wins.
   */
  writeEvents(batch: readonly StoredEvent[]): Promise<void>;
  /**
   * Readings in (meter, time) order for a meter list (meters ascending, each once, whatever the list's
   * order), time order for bulk scans. Streams: a consumer may stop early (break) at any point.
   */
  readings(q: ReadingQuery): AsyncIterable<Reading>;
  /** Events in time order. */
  events(q: EventQuery): AsyncIterable<StoredEvent>;
  /**
   * The points of the grid with no usable reading: not stored, or stored with every value null (the
   * terminal had not read the meter yet — 补采 asks again). Partly-null readings count as present.
   * In (meter, time) order, each point once.
   */
  missing(q: GapQuery): Promise<Gap[]>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}
