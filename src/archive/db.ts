/**
 * The head-end's embedded database: one SQLite file `<data>/openhes.db` (better-sqlite3), WAL mode,
 * foreign keys on. Opening runs the pending migrations (src/archive/migrations) in one transaction and
 * records them in `schema_version`; a database newer than this code is refused.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export type Db = Database.Database;
export type Stmt = Database.Statement<unknown[], unknown>;

export const DB_FILE = 'openhes.db';

export interface OpenOptions {
  /** Open read-only (no migrations; the file must exist and be current). */
  readonly?: boolean;
  /** Wait for a lock held by another process, ms (default 5000). */
  busyTimeoutMs?: number;
  /** Migrations to apply (tests); default all. */
  migrations?: readonly Migration[];
}

/** The database file in a data directory. */
export function dbPath(dataDir: string): string {
  return path.join(dataDir, DB_FILE);
}

/** Opens (creating the directory and file when needed) `<dataDir>/openhes.db`, or `:memory:`. */
export function openDatabase(dataDir: string, o: OpenOptions = {}): Db {
  const file = dataDir === ':memory:' ? ':memory:' : dbPath(dataDir);
  if (file !== ':memory:' && !o.readonly) mkdirSync(dataDir, { recursive: true });
  const db = new Database(file, { readonly: o.readonly ?? false, fileMustExist: o.readonly ?? false });
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(o.busyTimeoutMs ?? 5000))}`);
    if (!o.readonly) {
      if (file !== ':memory:') db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // 64 MiB page cache (default 2 MiB): imports and topology scans of a 1 M-meter archive stay in memory.
      db.pragma('cache_size = -65536');
    }
    db.pragma('foreign_keys = ON');
    if (o.readonly) checkVersion(db, o.migrations ?? MIGRATIONS);
    else migrate(db, o.migrations ?? MIGRATIONS);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

export function schemaVersion(db: Db): number {
  const t = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!t) return 0;
  const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

function latest(migrations: readonly Migration[]): number {
  return migrations.reduce((m, x) => Math.max(m, x.version), 0);
}

function checkVersion(db: Db, migrations: readonly Migration[]): void {
  const v = schemaVersion(db);
  if (v !== latest(migrations)) throw new Error(`database schema version ${v}, this code needs ${latest(migrations)}: open it read-write once to migrate`);
}

/** Applies the pending migrations in one transaction; returns the versions applied. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const applied: number[] = [];
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const current = schemaVersion(db);
    if (current > latest(sorted)) throw new Error(`database schema version ${current} is newer than this code (${latest(sorted)})`);
    const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of sorted) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
      applied.push(m.version);
    }
  }).immediate();
  return applied;
}
