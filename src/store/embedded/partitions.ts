/**
 * The catalog of monthly partitions (`store_partitions`): which `<prefix>_<yyyymm>` tables exist.
 * Writes create partitions on demand (inside their transaction); queries list the ones overlapping a
 * time range, read from the table each time (cheap: a few rows per month) so partitions created or
 * dropped by another connection on the same file are seen.
 */
import type Database from 'better-sqlite3';
import { monthKeyOf, monthStart, nextMonth, type MonthKey } from '../time.js';
import { partitionDdl, tableName, type PartitionKind } from './layout.js';
import type { Db } from './schema.js';

export interface Partition {
  readonly kind: PartitionKind;
  readonly month: MonthKey;
  readonly name: string;
  /** [start, end): UTC ms of the CST month. */
  readonly start: number;
  readonly end: number;
}

/** The Date range is ±8.64e15 ms; keep a day of margin for the CST offset. */
const T_MIN = -8.64e15 + 2 * 86_400_000;
const T_MAX = 8.64e15 - 2 * 86_400_000;

export function partitionOf(kind: PartitionKind, month: MonthKey): Partition {
  return { kind, month, name: tableName(kind, month), start: monthStart(month), end: monthStart(nextMonth(month)) };
}

export class PartitionCatalog {
  private readonly known = new Map<string, Partition>();
  private readonly listStmt: Database.Statement<[string, number, number], { month: number }>;
  private readonly insertStmt: Database.Statement<[string, number, string, number], unknown>;

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly onCreate: (p: Partition) => void = () => {},
  ) {
    this.listStmt = db.prepare('SELECT month FROM store_partitions WHERE kind = ? AND month BETWEEN ? AND ? ORDER BY month');
    this.insertStmt = db.prepare('INSERT OR IGNORE INTO store_partitions (kind, month, name, created_at) VALUES (?, ?, ?, ?)');
  }

  /** The partition of (kind, month), created when missing. Call inside a write transaction. */
  ensure(kind: PartitionKind, month: MonthKey): Partition {
    const key = `${kind}:${month}`;
    let p = this.known.get(key);
    if (p) return p;
    p = partitionOf(kind, month);
    this.db.exec(partitionDdl(kind, month));
    const created = this.insertStmt.run(kind, month, p.name, this.now()) as { changes: number };
    this.known.set(key, p);
    if (created.changes > 0) this.onCreate(p);
    return p;
  }

  /** Forgets what it created (after a failed transaction rolled DDL back, or a drop elsewhere). */
  forget(): void {
    this.known.clear();
  }

  /** Existing partitions of `kind` overlapping [from, to), ascending. */
  list(kind: PartitionKind, from: number, to: number): Partition[] {
    const f = Math.max(from, T_MIN);
    const t = Math.min(to, T_MAX);
    if (!(t > f)) return [];
    const rows = this.listStmt.all(kind, monthKeyOf(f), monthKeyOf(t - 1));
    return rows.map((r) => partitionOf(kind, r.month));
  }

  /** Every partition, oldest first. */
  all(): Partition[] {
    const rows = this.db.prepare('SELECT kind, month FROM store_partitions ORDER BY month, kind').all() as { kind: PartitionKind; month: number }[];
    return rows.map((r) => partitionOf(r.kind, r.month));
  }

  /** Drops a partition's table and its catalog row. Call inside a write transaction. */
  drop(p: Partition): void {
    this.db.exec(`DROP TABLE IF EXISTS "${p.name}"`);
    this.db.prepare('DELETE FROM store_partitions WHERE kind = ? AND month = ?').run(p.kind, p.month);
    this.known.delete(`${p.kind}:${p.month}`);
  }
}
