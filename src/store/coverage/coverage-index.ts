/**
 * Which (meter, data time) points a time-series store holds a usable reading for, kept by the head-end
 * itself: one set of meters per (kind, quantity, data time) in a small SQLite file of its own
 * (`<data>/coverage.db`), as roaring-style chunks of 4096 meters (chunk.ts). With it, 补采 and the
 * completeness figures never query the time-series store: a day of 1 M meters is ≈ 125 KB per quantity
 * here, against a scan of 1 M series in InfluxDB (minutes, and gigabytes of influxd memory).
 *
 * Derived data, safe in one direction only: a point is marked after the store has accepted it (so the
 * index never claims what the store lacks); a crash between the two loses the mark, and 补采 asks that
 * point again — a harmless rewrite. Deleting the file is safe: points before the new file's
 * `authoritativeFrom` are answered by the store itself until `hes store reindex` fills them in.
 *
 * Snapshots (real-time reads, a data time per read) are not indexed: nothing computes gaps of them.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { QUANTITIES, type QuantityName, type SeriesKind } from '../quantities.js';
import { isUsable, type Gap, type GapQuery, type Reading } from '../store.js';
import { CoverageIndexError } from '../errors.js';
import { CoverageChunk } from './chunk.js';

export const COVERAGE_FILE = 'coverage.db';
const FORMAT = 1;

/** Stable on-disk codes of the indexed kinds. */
const KIND_CODES: Partial<Record<SeriesKind, number>> = { day: 1, billingDay: 2, month: 3, curve: 4 };

export interface CoverageIndexOptions {
  /** Memory for cached chunks, MiB (default 64; a day of 1 M meters is 0.13 MiB a quantity). */
  cacheMiB?: number;
  /** Wait for a lock held by another process, ms (default 5000). */
  busyTimeoutMs?: number;
}

/** The chunks of one (kind, quantity, time), as cached. */
interface KeyEntry {
  chunks: Map<number, CoverageChunk>;
  bytes: number;
}

interface KeyParts {
  k: number;
  q: number;
  t: number;
}

const keyOf = (k: number, q: number, t: number): string => `${k}:${q}:${t}`;

export class CoverageIndex {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly cacheBytes: number;
  /** LRU by Map order: a read moves the key to the end. */
  private readonly cache = new Map<string, KeyEntry>();
  private cachedBytes = 0;
  private from: number;
  /** Retention boundary per kind code (meta `kept_from_<k>`): earlier data times were pruned. */
  private readonly kept = new Map<number, number>();
  private readonly stmt: {
    load: Database.Statement<[number, number, number]>;
    upsert: Database.Statement<[number, number, number, number, Buffer]>;
    remove: Database.Statement<[number, number, number, number]>;
    setMeta: Database.Statement<[string, number]>;
  };
  /** True when the file had no index yet (the caller decides `authoritativeFrom`). */
  readonly created: boolean;

  /** Opens (creating) the index file; `:memory:` for tests. */
  static open(file: string, o: CoverageIndexOptions = {}): CoverageIndex {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    try {
      return new CoverageIndex(db, file, o);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Whether points of `kind` are kept here (snapshots are not). */
  static indexes(kind: SeriesKind): boolean {
    return KIND_CODES[kind] !== undefined;
  }

  private constructor(db: Database.Database, file: string, o: CoverageIndexOptions) {
    this.db = db;
    this.file = file;
    this.cacheBytes = Math.max(1, o.cacheMiB ?? 64) * 1024 * 1024;
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(o.busyTimeoutMs ?? 5000))}`);
    if (file !== ':memory:') db.pragma('journal_mode = WAL');
    // NORMAL: a mark lost to a power cut only makes 补采 ask that point again.
    db.pragma('synchronous = NORMAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS coverage_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS coverage (
        k INTEGER NOT NULL, q INTEGER NOT NULL, t INTEGER NOT NULL, c INTEGER NOT NULL, bits BLOB NOT NULL,
        PRIMARY KEY (k, q, t, c)) WITHOUT ROWID;`);
    const meta = new Map((db.prepare('SELECT key, value FROM coverage_meta').all() as { key: string; value: number }[]).map((r) => [r.key, r.value]));
    const format = meta.get('format');
    if (format !== undefined && format !== FORMAT) throw new CoverageIndexError(file, `format ${format}, this head-end reads format ${FORMAT}`);
    this.stmt = {
      load: db.prepare('SELECT c, bits FROM coverage WHERE k = ? AND q = ? AND t = ?'),
      upsert: db.prepare('INSERT OR REPLACE INTO coverage (k, q, t, c, bits) VALUES (?, ?, ?, ?, ?)'),
      remove: db.prepare('DELETE FROM coverage WHERE k = ? AND q = ? AND t = ? AND c = ?'),
      setMeta: db.prepare('INSERT OR REPLACE INTO coverage_meta (key, value) VALUES (?, ?)'),
    };
    this.created = format === undefined;
    if (this.created) this.stmt.setMeta.run('format', FORMAT);
    // A new index answers nothing until the caller says from when it is complete.
    this.from = meta.get('authoritative_from') ?? Number.MAX_SAFE_INTEGER;
    if (this.created) this.stmt.setMeta.run('authoritative_from', this.from);
    for (const [key, value] of meta) {
      const m = /^kept_from_(\d+)$/.exec(key);
      if (m) this.kept.set(Number(m[1]), value);
    }
  }

  /** Data times from this one on are answered here; earlier ones by the store (see the header). */
  get authoritativeFrom(): number {
    return this.from;
  }

  /** The first data time of `kind` this index still holds (retention: `prune`). */
  keptFrom(kind: SeriesKind): number {
    return this.kept.get(KIND_CODES[kind] ?? 0) ?? Number.MIN_SAFE_INTEGER;
  }

  /** The first data time of `kind` answered here: the later of the index's start and what pruning kept. */
  answersFrom(kind: SeriesKind): number {
    return Math.max(this.from, this.keptFrom(kind));
  }

  /**
   * Retention: forgets the points of `kind` with data times before `before`; from then on the store answers
   * for them (as for times before the index's start). Never moves the boundary back. Returns rows deleted.
   */
  prune(kind: SeriesKind, before: number): number {
    const k = KIND_CODES[kind];
    if (k === undefined) throw new RangeError(`${kind} points are not indexed`);
    if (before <= this.keptFrom(kind)) return 0;
    const deleted = this.db.transaction(() => {
      const n = this.db.prepare('DELETE FROM coverage WHERE k = ? AND t < ?').run(k, before).changes;
      this.stmt.setMeta.run(`kept_from_${k}`, before);
      return n;
    })();
    this.kept.set(k, before);
    for (const [key, e] of this.cache) {
      const [kk, , tt] = key.split(':').map(Number);
      if (kk === k && tt! < before) {
        this.cache.delete(key);
        this.cachedBytes -= e.bytes;
      }
    }
    return deleted;
  }

  setAuthoritativeFrom(t: number): void {
    this.stmt.setMeta.run('authoritative_from', t);
    this.from = t;
  }

  /**
   * Records what the store has just accepted: a reading with a value marks its point, an all-null one
   * clears it (a rewrite replaces the reading whole). Later readings of a batch win. Returns how many
   * points changed. `addOnly`: all-null readings clear nothing (a reindex scan, which may see a reading
   * older than a concurrent write).
   */
  mark(batch: readonly Reading[], o: { addOnly?: boolean } = {}): number {
    const dirty = new Map<string, { parts: KeyParts; chunks: Set<number> }>();
    let changed = 0;
    // Batches come grouped by key (a terminal's day, a curve point): look a key up once per run of it.
    let last: { kind: SeriesKind; quantity: QuantityName; time: number; q: number; key: string; entry: KeyEntry } | undefined;
    for (const r of batch) {
      const k = KIND_CODES[r.kind];
      if (k === undefined) continue;
      if (!last || last.kind !== r.kind || last.quantity !== r.quantity || last.time !== r.time) {
        const q = QUANTITIES.get(r.quantity)!.code;
        const key = keyOf(k, q, r.time);
        last = { kind: r.kind, quantity: r.quantity, time: r.time, q, key, entry: this.entry(key, k, q, r.time) };
      }
      const { key, entry, q } = last;
      const c = CoverageChunk.chunkOf(r.meter);
      let chunk = entry.chunks.get(c);
      const present = isUsable(r);
      if (!present && o.addOnly) continue;
      if (!chunk) {
        if (!present) continue;
        chunk = new CoverageChunk();
        entry.chunks.set(c, chunk);
      }
      const before = chunk.bytes;
      if (!chunk.set(CoverageChunk.offsetOf(r.meter), present)) continue;
      changed++;
      entry.bytes += chunk.bytes - before;
      this.cachedBytes += chunk.bytes - before;
      let d = dirty.get(key);
      if (!d) dirty.set(key, (d = { parts: { k, q, t: r.time }, chunks: new Set() }));
      d.chunks.add(c);
    }
    if (dirty.size > 0) {
      this.db.transaction(() => {
        for (const [key, { parts, chunks }] of dirty) {
          const entry = this.cache.get(key)!;
          for (const c of chunks) {
            const chunk = entry.chunks.get(c)!;
            if (chunk.size === 0) {
              entry.chunks.delete(c);
              entry.bytes -= chunk.bytes;
              this.cachedBytes -= chunk.bytes;
              this.stmt.remove.run(parts.k, parts.q, parts.t, c);
            } else this.stmt.upsert.run(parts.k, parts.q, parts.t, c, chunk.toBlob());
          }
        }
      })();
      this.evict();
    }
    return changed;
  }

  /** Whether the index holds a usable reading of `meter` at `time`. */
  has(kind: SeriesKind, quantity: QuantityName, meter: number, time: number): boolean {
    const k = KIND_CODES[kind];
    if (k === undefined) throw new RangeError(`${kind} points are not indexed`);
    const q = QUANTITIES.get(quantity)!.code;
    return this.entry(keyOf(k, q, time), k, q, time).chunks.get(CoverageChunk.chunkOf(meter))?.has(CoverageChunk.offsetOf(meter)) ?? false;
  }

  /** The grid's points not marked, in (meter, time) order, each once (the store contract's missing()). */
  missing(q: GapQuery): Gap[] {
    const k = KIND_CODES[q.kind];
    if (k === undefined) throw new RangeError(`${q.kind} points are not indexed`);
    const qc = QUANTITIES.get(q.quantity)!.code;
    const meters = [...new Set(q.meters)].sort((a, b) => a - b);
    const times = [...new Set(q.times)].sort((a, b) => a - b);
    const entries = times.map((t) => this.entry(keyOf(k, qc, t), k, qc, t));
    const out: Gap[] = [];
    for (const meter of meters) {
      const c = CoverageChunk.chunkOf(meter);
      const off = CoverageChunk.offsetOf(meter);
      for (let i = 0; i < times.length; i++) {
        if (!entries[i]!.chunks.get(c)?.has(off)) out.push({ meter, time: times[i]! });
      }
    }
    this.evict();
    return out;
  }

  close(): void {
    this.cache.clear();
    this.cachedBytes = 0;
    if (this.db.open) this.db.close();
  }

  /** The cached chunks of a key, loaded on first use; moves the key to the LRU end. */
  private entry(key: string, k: number, q: number, t: number): KeyEntry {
    let e = this.cache.get(key);
    if (e) {
      this.cache.delete(key);
      this.cache.set(key, e);
      return e;
    }
    e = { chunks: new Map(), bytes: 64 };
    for (const row of this.stmt.load.all(k, q, t) as { c: number; bits: Buffer }[]) {
      let chunk: CoverageChunk;
      try {
        chunk = CoverageChunk.fromBlob(row.bits);
      } catch (err) {
        throw new CoverageIndexError(this.file, `chunk (k ${k}, q ${q}, t ${t}, chunk ${row.c}) is damaged: ${(err as Error).message}`);
      }
      e.chunks.set(row.c, chunk);
      e.bytes += chunk.bytes;
    }
    this.cache.set(key, e);
    this.cachedBytes += e.bytes;
    return e;
  }

  /** Drops least recently used keys past the memory bound (everything cached is already on disk). */
  private evict(): void {
    for (const [key, e] of this.cache) {
      if (this.cachedBytes <= this.cacheBytes || this.cache.size <= 1) break;
      this.cache.delete(key);
      this.cachedBytes -= e.bytes;
    }
  }
}
