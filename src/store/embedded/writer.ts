/**
 * The embedded store's write path: readings and events → rows of their monthly partitions, with one
 * cached prepared `INSERT OR REPLACE` per partition (the idempotent upsert: a rewrite of a key replaces
 * the row; rows are applied in batch order, so the later of two duplicates wins). The caller runs it
 * inside a transaction.
 */
import type Database from 'better-sqlite3';
import { QUANTITIES } from '../quantities.js';
import type { Reading, StoredEvent } from '../store.js';
import { monthKeyOf } from '../time.js';
import { maxPackedSize, packValues, packedAllNull } from '../value-codec.js';
import { F_ALL_NULL, LAYOUTS, QUALITY_CODE, type PartitionKind } from './layout.js';
import type { Partition, PartitionCatalog } from './partitions.js';
import type { Db } from './schema.js';

type Insert = Database.Statement<unknown[], unknown>;

interface Current {
  p: Partition;
  insert: Insert;
}

export class RowWriter {
  private scratch = Buffer.allocUnsafe(256);
  private readonly inserts = new Map<string, Insert>();
  private readonly current = new Map<PartitionKind, Current>();

  constructor(
    private readonly db: Db,
    private readonly catalog: PartitionCatalog,
  ) {}

  /** Forgets cached partitions and statements (after a rollback or a partition drop). */
  reset(): void {
    this.inserts.clear();
    this.current.clear();
    this.catalog.forget();
  }

  private partition(kind: PartitionKind, time: number, sql: (name: string) => string): Current {
    let c = this.current.get(kind);
    if (c && time >= c.p.start && time < c.p.end) return c;
    const p = this.catalog.ensure(kind, monthKeyOf(time));
    let insert = this.inserts.get(p.name);
    if (!insert) {
      insert = this.db.prepare(sql(p.name));
      this.inserts.set(p.name, insert);
    }
    c = { p, insert };
    this.current.set(kind, c);
    return c;
  }

  /** Writes batch[from, to). */
  readings(batch: readonly Reading[], from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const r = batch[i]!;
      const l = LAYOUTS[r.kind];
      const c = this.partition(r.kind, r.time, readingInsert);
      const n = r.values.length;
      if (this.scratch.length < maxPackedSize(n)) this.scratch = Buffer.allocUnsafe(maxPackedSize(n) * 2);
      const end = packValues(r.values, this.scratch, 0);
      const f = QUALITY_CODE[r.quality] | (packedAllNull(this.scratch) ? F_ALL_NULL : 0);
      // better-sqlite3 copies bound buffers (SQLITE_TRANSIENT): the scratch can be reused at once.
      c.insert.run((r.time - c.p.start) / l.unitMs, r.meter, QUANTITIES.get(r.quantity)!.code, f, r.readAt === undefined ? null : r.readAt - r.time, this.scratch.subarray(0, end));
    }
  }

  events(batch: readonly StoredEvent[]): void {
    for (const e of batch) {
      const c = this.partition('event', e.time, eventInsert);
      c.insert.run(e.time, e.terminal, e.erc, e.meter ?? 0, e.important ? 1 : 0, JSON.stringify(e.record));
    }
  }
}

const readingInsert = (name: string): string => `INSERT OR REPLACE INTO "${name}" (t, meter, q, f, ra, v) VALUES (?, ?, ?, ?, ?, ?)`;
const eventInsert = (name: string): string => `INSERT OR REPLACE INTO "${name}" (t, terminal, erc, meter, imp, rec) VALUES (?, ?, ?, ?, ?, ?)`;
