/**
 * A ReadingStore in front of another whose gap questions are expensive (InfluxDB: a scan of the grid's
 * series per question, minutes and gigabytes at 1 M meters): `missing()` is answered from the
 * head-end's own coverage index (coverage-index.ts), everything else passes through. The index is
 * marked after the inner store accepted a batch, so it never claims a point the store lacks.
 *
 * With the spool in front (open.ts: spool → covered → InfluxDB), readings the spool holds but has not
 * forwarded yet are subtracted by the spool itself, as with any store.
 */
import { silentLogger, type Logger } from '../../logger.js';
import { StoreClosedError } from '../errors.js';
import type { EventQuery, Gap, GapQuery, Reading, ReadingQuery, ReadingStore, StoreHealth, StoredEvent } from '../store.js';
import { validateGapQuery } from '../validate.js';
import type { SeriesKind } from '../quantities.js';
import { CoverageIndex } from './coverage-index.js';

/** A store that can say whether it holds any reading (a new index over an empty store is complete). */
export interface KnowsIfEmpty {
  holdsReadings(): Promise<boolean | undefined>;
}

const knowsIfEmpty = (s: ReadingStore): s is ReadingStore & KnowsIfEmpty => typeof (s as Partial<KnowsIfEmpty>).holdsReadings === 'function';

export interface CoverageRetention {
  /** Days of day, billing-day and month points kept in the index (older ones: the store answers). */
  days: number;
  /** Days of curve points kept. */
  curveDays: number;
}

export interface CoveredStoreOptions {
  logger?: Logger;
  /** Now, UTC ms (the clock's): the start of a new index over a store that holds data; retention. */
  now?: () => number;
  /** Forget older points (checked at most hourly, on write); default: keep everything. */
  retention?: CoverageRetention;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Margin after "now" from which a new index over a non-empty store answers: a point with a data time
 * after it cannot have been written before the index existed unless the terminal's clock was more than
 * this ahead (the clock patrol corrects 5 s).
 */
const NEW_INDEX_MARGIN_MS = 3_600_000;

const INDEXED_KINDS = ['day', 'billingDay', 'month', 'curve'] as const;

export interface ReindexProgress {
  /** The kind being scanned. */
  kind: SeriesKind;
  /** Readings indexed so far, all kinds. */
  readings: number;
}

/** Merges two gap lists, each in (meter, time) order. */
function mergeGaps(a: readonly Gap[], b: readonly Gap[]): Gap[] {
  if (a.length === 0) return [...b];
  if (b.length === 0) return [...a];
  const out: Gap[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x.meter < y.meter || (x.meter === y.meter && x.time < y.time)) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

export class CoveredStore implements ReadingStore {
  readonly name: string;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly retention: CoverageRetention | undefined;
  private nextPruneAt = 0;
  private closed = false;

  constructor(
    readonly inner: ReadingStore,
    readonly index: CoverageIndex,
    o: CoveredStoreOptions = {},
  ) {
    this.name = inner.name;
    this.log = (o.logger ?? silentLogger).child({ component: 'coverage' });
    this.now = o.now ?? Date.now;
    this.retention = o.retention;
  }

  /**
   * Puts an index in front of `inner`. A new index over a store known to be empty answers everything;
   * over one that holds (or may hold) readings, data times from an hour after now — earlier ones go to
   * the store until `reindex` fills them in.
   */
  static async open(inner: ReadingStore, index: CoverageIndex, o: CoveredStoreOptions = {}): Promise<CoveredStore> {
    const store = new CoveredStore(inner, index, o);
    if (index.created) {
      const holds = knowsIfEmpty(inner) ? await inner.holdsReadings() : undefined;
      const from = holds === false ? Number.MIN_SAFE_INTEGER : store.now() + NEW_INDEX_MARGIN_MS;
      index.setAuthoritativeFrom(from);
      store.log.info(
        { event: 'coverage-index-created', file: index.file, authoritativeFrom: from },
        holds === false
          ? `new coverage index ${index.file} over an empty store: gaps are answered from it`
          : `new coverage index ${index.file}: gaps of data times before ${new Date(from).toISOString()} are asked of the store (run \`hes store reindex\` to index them)`,
      );
    }
    return store;
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreClosedError('the covered store');
  }

  async writeReadings(batch: readonly Reading[]): Promise<void> {
    this.checkOpen();
    await this.inner.writeReadings(batch);
    this.markAccepted(batch);
    this.pruneIfDue();
  }

  /** Applies the retention at most once an hour (a day's boundary moves slowly; a delete is one statement). */
  private pruneIfDue(): void {
    const now = this.now();
    if (!this.retention || now < this.nextPruneAt) return;
    this.nextPruneAt = now + HOUR_MS;
    try {
      this.prune(now);
    } catch (err) {
      this.log.error({ event: 'coverage-prune-failed', file: this.index.file, err: err instanceof Error ? err.message : String(err) }, 'the coverage index could not apply its retention; it retries in an hour');
    }
  }

  /** Forgets points older than the retention as of `now` (whole days); returns the rows deleted. */
  prune(now: number): number {
    const r = this.retention;
    if (!r) return 0;
    let deleted = 0;
    for (const kind of INDEXED_KINDS) {
      const days = kind === 'curve' ? r.curveDays : r.days;
      const before = Math.floor((now - days * DAY_MS) / DAY_MS) * DAY_MS;
      const n = this.index.prune(kind, before);
      if (n > 0) this.log.info({ event: 'coverage-pruned', kind, before: new Date(before).toISOString(), rows: n }, `coverage index: ${kind} points before ${new Date(before).toISOString()} forgotten (${n} rows); the store answers for them`);
      deleted += n;
    }
    return deleted;
  }

  /** Marks what the store accepted; a failing index only costs re-collection, never the write. */
  private markAccepted(batch: readonly Reading[]): void {
    try {
      this.index.mark(batch);
    } catch (err) {
      this.log.error({ event: 'coverage-mark-failed', file: this.index.file, readings: batch.length, err: err instanceof Error ? err.message : String(err) }, `the coverage index could not record ${batch.length} readings: 补采 will ask for them again`);
    }
  }

  writeEvents(batch: readonly StoredEvent[]): Promise<void> {
    this.checkOpen();
    return this.inner.writeEvents(batch);
  }

  readings(q: ReadingQuery): AsyncIterable<Reading> {
    this.checkOpen();
    return this.inner.readings(q);
  }

  events(q: EventQuery): AsyncIterable<StoredEvent> {
    this.checkOpen();
    return this.inner.events(q);
  }

  /** Indexed data times from the index, earlier ones (and snapshots) from the store. */
  async missing(q: GapQuery): Promise<Gap[]> {
    this.checkOpen();
    validateGapQuery(q);
    if (!CoverageIndex.indexes(q.kind)) return this.inner.missing(q);
    const from = this.index.answersFrom(q.kind);
    const older = q.times.filter((t) => t < from);
    const indexed = older.length === 0 ? q.times : q.times.filter((t) => t >= from);
    const fromIndex = indexed.length > 0 ? this.index.missing({ ...q, times: indexed }) : [];
    if (older.length === 0) return fromIndex;
    return mergeGaps(await this.inner.missing({ ...q, times: older }), fromIndex);
  }

  /**
   * Indexes what the store holds with data times in [from, to) (a bulk scan of each indexed kind), then
   * moves the index's start back to `from` when the range reaches it. For an index created over an
   * existing store, or after the file was deleted.
   */
  async reindex(from: number, to: number, onProgress?: (p: ReindexProgress) => void): Promise<{ readings: number; authoritativeFrom: number }> {
    this.checkOpen();
    let total = 0;
    for (const kind of INDEXED_KINDS) {
      // Nothing to index before the retention boundary: the store answers there anyway.
      const q: ReadingQuery = { kind, from: Math.max(from, this.index.keptFrom(kind)), to };
      if (q.from >= to) continue;
      let batch: Reading[] = [];
      let n = 0;
      for await (const r of this.inner.readings(q)) {
        batch.push(r);
        if (batch.length >= 10_000) {
          this.index.mark(batch, { addOnly: true });
          n += batch.length;
          batch = [];
          onProgress?.({ kind, readings: total + n });
        }
      }
      this.index.mark(batch, { addOnly: true });
      n += batch.length;
      onProgress?.({ kind, readings: total + n });
      total += n;
    }
    if (from < this.index.authoritativeFrom && to >= this.index.authoritativeFrom) this.index.setAuthoritativeFrom(from);
    return { readings: total, authoritativeFrom: this.index.authoritativeFrom };
  }

  async health(): Promise<StoreHealth> {
    const h = await this.inner.health();
    return { ok: h.ok && !this.closed, detail: `${h.detail}; coverage index ${this.index.file}` };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.inner.close();
    } finally {
      this.index.close();
    }
  }
}
