/**
 * The embedded default store: readings and events in SQLite (better-sqlite3, WAL), sized for 1 M meters
 * × years of daily frozen data plus curves of a few thousand key meters. Details and size estimates in
 * docs/store.md.
 *
 * File. `<data>/store.db`, a sibling of the archive's `<data>/openhes.db` in the head-end's data
 * directory (the class also runs on any handle, e.g. the archive's own connection — tables are prefixed
 * `store_`). A file of its own because SQLite has one writer per file: a 1 M-meter archive import is one
 * long transaction that would stall ingest past any busy timeout (and 10 000-reading ingest
 * transactions would stall archive edits); the store grows by tens of GB a year while the archive stays
 * around 1 GB, so backups, VACUUM and retention differ; and the store commits with synchronous=FULL
 * (a commit survives power loss, which the spool relies on before it drops a record) without slowing the
 * archive. Joins with the archive, when a tool wants them, are one `ATTACH`.
 *
 * Partitions. One table per (kind, CST calendar month), `store_day_202405`, created on demand and listed
 * in `store_partitions`; dropping a month is `DROP TABLE` (`dropBefore`). Keys are compact integers:
 * meter = archive meter id, q = the quantity's stable code, t = time relative to the month start in the
 * kind's unit (days for day/billingDay/month, minutes for curves, seconds for snapshots), so a key is
 * 5–8 bytes. WITHOUT ROWID tables clustered on the primary key (layout.ts):
 *   - day kinds (t, meter, q): one day of every meter is contiguous (ingest of a day touches one slice,
 *     a day scan reads it in order); one meter's year is 365 probes;
 *   - curves and snapshots (meter, t, q) + INDEX (t): one meter's curve is contiguous; bulk scans in
 *     time order go through the index.
 * Row: f = quality (2 bits) + "all null" (bit 2, for `missing()`), ra = readAt − time in ms (NULL when
 * absent), v = the values packed by value-codec.ts (scaled-integer varints with a null bitmap, exact;
 * nulls stay null, never 0).
 *
 * Writes. Validated whole first (validate.ts: a bad batch writes nothing), then `INSERT OR REPLACE` with
 * one prepared statement per partition inside one IMMEDIATE transaction per ≤ `maxTransactionRows`
 * readings; larger batches are split, yielding the event loop between transactions. A write blocks the
 * loop for its transaction (~10 µs a reading); a worker thread would lift that (not done).
 *
 * Reads. Keyset-paged statements run to completion one page at a time (read.ts), so streams do not hold
 * the connection and writes interleave with a long export; pages are not one snapshot.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { realClock, type Clock } from '../../clock.js';
import { silentLogger, type Logger } from '../../logger.js';
import { StoreClosedError, StoreUnavailableError, isPermanentStoreError } from '../errors.js';
import type { EventQuery, Gap, GapQuery, Reading, ReadingQuery, ReadingStore, StoreHealth, StoredEvent } from '../store.js';
import { validateEventQuery, validateEvents, validateGapQuery, validateReadingQuery, validateReadings } from '../validate.js';
import { LAYOUTS } from './layout.js';
import { findMissing } from './missing.js';
import { PartitionCatalog, type Partition } from './partitions.js';
import { Statements, decodeEvent, decodeReading, eventPages, readingPages, type ReadContext } from './read.js';
import { initSchema, type Db } from './schema.js';
import { RowWriter } from './writer.js';

export const STORE_FILE = 'store.db';

export interface EmbeddedStoreOptions {
  logger?: Logger;
  clock?: Clock;
  /** Readings per transaction; a larger batch is split, the event loop runs in between (default 10 000). */
  maxTransactionRows?: number;
  /** Rows per query page (default 2048). */
  pageRows?: number;
  /** close() closes the database handle (default: only when the store opened it). */
  ownsDb?: boolean;
}

export interface EmbeddedOpenOptions extends EmbeddedStoreOptions {
  /** File name inside the data directory (default `store.db`). */
  file?: string;
  /** `full` (default): a commit survives power loss; `normal`: survives a process crash only. */
  synchronous?: 'full' | 'normal';
  /** Page cache, MiB (default 64). */
  cacheMiB?: number;
  /** Wait for a lock held by another connection, ms (default 5000). */
  busyTimeoutMs?: number;
}

const yieldLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

export class EmbeddedStore implements ReadingStore {
  readonly name = 'embedded';
  readonly db: Db;
  private readonly log: Logger;
  private readonly catalog: PartitionCatalog;
  private readonly writer: RowWriter;
  private readonly stmts: Statements;
  private readonly ctx: ReadContext;
  private readonly maxTx: number;
  private readonly pageRows: number;
  private readonly ownsDb: boolean;
  private readonly txReadings: (batch: readonly Reading[], from: number, to: number) => void;
  private readonly txEvents: (batch: readonly StoredEvent[]) => void;
  private closed = false;

  /** Opens `<dataDir>/store.db` (creating directory and file), WAL, or an in-memory database for ':memory:'. */
  static open(dataDir: string, o: EmbeddedOpenOptions = {}): EmbeddedStore {
    const file = dataDir === ':memory:' ? ':memory:' : path.join(dataDir, o.file ?? STORE_FILE);
    if (file !== ':memory:') mkdirSync(dataDir, { recursive: true });
    const db = new Database(file);
    try {
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(o.busyTimeoutMs ?? 5000))}`);
      if (file !== ':memory:') db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${o.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      db.pragma(`cache_size = ${-Math.floor((o.cacheMiB ?? 64) * 1024)}`);
      return new EmbeddedStore(db, { ...o, ownsDb: o.ownsDb ?? true });
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** The store on an open handle (its pragmas are the opener's business). */
  constructor(db: Db, o: EmbeddedStoreOptions = {}) {
    this.db = db;
    this.log = o.logger ?? silentLogger;
    const clock = o.clock ?? realClock;
    this.maxTx = Math.max(1, o.maxTransactionRows ?? 10_000);
    this.pageRows = Math.max(16, o.pageRows ?? 2048);
    this.ownsDb = o.ownsDb ?? false;
    initSchema(db, clock.now());
    this.catalog = new PartitionCatalog(db, () => clock.now(), (p) => this.log.info({ event: 'store-partition', table: p.name }, `store partition ${p.name} created`));
    this.writer = new RowWriter(db, this.catalog);
    this.stmts = new Statements(db);
    this.ctx = { catalog: this.catalog, stmts: this.stmts, pageRows: this.pageRows };
    this.txReadings = db.transaction((batch: readonly Reading[], from: number, to: number) => this.writer.readings(batch, from, to)).immediate;
    this.txEvents = db.transaction((batch: readonly StoredEvent[]) => this.writer.events(batch)).immediate;
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreClosedError('the embedded store');
  }

  /** SQLite failures (busy, I/O, full) → StoreUnavailableError; our own typed errors pass. */
  private wrap(e: unknown): Error {
    if (isPermanentStoreError(e) || e instanceof StoreClosedError || e instanceof StoreUnavailableError) return e as Error;
    if (this.closed || !this.db.open) return new StoreClosedError('the embedded store');
    return new StoreUnavailableError(this.name, e instanceof Error ? e.message : String(e), { cause: e });
  }

  private write(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      // The transaction rolled back, partitions created in it too.
      this.writer.reset();
      this.stmts.clear();
      throw this.wrap(e);
    }
  }

  async writeReadings(batch: readonly Reading[]): Promise<void> {
    this.checkOpen();
    validateReadings(batch);
    for (let i = 0; i < batch.length; i += this.maxTx) {
      if (i > 0) {
        await yieldLoop();
        this.checkOpen();
      }
      const end = Math.min(batch.length, i + this.maxTx);
      this.write(() => this.txReadings(batch, i, end));
    }
  }

  async writeEvents(batch: readonly StoredEvent[]): Promise<void> {
    this.checkOpen();
    validateEvents(batch);
    if (batch.length > 0) this.write(() => this.txEvents(batch));
  }

  async *readings(q: ReadingQuery): AsyncGenerator<Reading> {
    this.checkOpen();
    validateReadingQuery(q);
    const l = LAYOUTS[q.kind];
    const pages = readingPages(this.ctx, q);
    let work = 0;
    for (;;) {
      this.checkOpen();
      let next: IteratorResult<{ p: Partition; rows: Parameters<typeof decodeReading>[2][] }>;
      try {
        next = pages.next();
      } catch (e) {
        throw this.wrap(e);
      }
      if (next.done) return;
      const { p, rows } = next.value;
      for (const row of rows) yield decodeReading(l, p, row);
      // Let timers and sockets run between pages (and between runs of empty probes).
      work += rows.length + 16;
      if (work >= this.pageRows) {
        work = 0;
        await yieldLoop();
      }
    }
  }

  async *events(q: EventQuery): AsyncGenerator<StoredEvent> {
    this.checkOpen();
    validateEventQuery(q);
    const pages = eventPages(this.ctx, q);
    for (;;) {
      this.checkOpen();
      let next: IteratorResult<{ rows: Parameters<typeof decodeEvent>[0][] }>;
      try {
        next = pages.next();
      } catch (e) {
        throw this.wrap(e);
      }
      if (next.done) return;
      for (const row of next.value.rows) yield decodeEvent(row);
      await yieldLoop();
    }
  }

  async missing(q: GapQuery): Promise<Gap[]> {
    this.checkOpen();
    validateGapQuery(q);
    try {
      return findMissing(this.ctx, q);
    } catch (e) {
      throw this.wrap(e);
    }
  }

  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, detail: 'closed' };
    try {
      const v = (this.db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
      const n = (this.db.prepare('SELECT count(*) AS n FROM store_partitions').get() as { n: number }).n;
      return { ok: true, detail: `SQLite ${v}, ${n} partitions, ${this.db.name}` };
    } catch (e) {
      return { ok: false, detail: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Existing partitions, oldest first. */
  partitions(): Partition[] {
    this.checkOpen();
    return this.catalog.all();
  }

  /**
   * Retention: drops every partition (readings and events) of the CST months that end at or before
   * `time`. Returns the dropped table names.
   */
  dropBefore(time: number): string[] {
    this.checkOpen();
    const old = this.catalog.all().filter((p) => p.end <= time);
    if (old.length === 0) return [];
    this.write(() =>
      this.db.transaction(() => {
        for (const p of old) this.catalog.drop(p);
      }).immediate(),
    );
    this.writer.reset();
    this.stmts.clear();
    for (const p of old) this.log.info({ event: 'store-partition-dropped', table: p.name }, `store partition ${p.name} dropped`);
    return old.map((p) => p.name);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsDb) this.db.close();
  }
}
