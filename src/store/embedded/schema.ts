/**
 * The embedded store's fixed tables: `store_meta` (schema version) and `store_partitions` (the catalog
 * of monthly partitions, created on demand). Versioned on its own — the store may live in its own file
 * or share the archive's — and refused when written by a newer version.
 */
import type Database from 'better-sqlite3';
import { StoreSchemaError } from '../errors.js';

export type Db = Database.Database;

export const STORE_SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS store_partitions (
  kind TEXT NOT NULL,
  -- CST calendar month, yyyymm
  month INTEGER NOT NULL,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (kind, month)
) WITHOUT ROWID;`;

/** Creates the fixed tables when missing, checks the version; returns it. */
export function initSchema(db: Db, now: number): number {
  db.transaction(() => {
    db.exec(DDL);
    const row = db.prepare("SELECT value FROM store_meta WHERE key = 'schema'").get() as { value: string } | undefined;
    const found = row ? Number(row.value) : 0;
    if (found > STORE_SCHEMA_VERSION) throw new StoreSchemaError(found, STORE_SCHEMA_VERSION);
    if (found < STORE_SCHEMA_VERSION) {
      db.prepare("INSERT OR REPLACE INTO store_meta (key, value) VALUES ('schema', ?)").run(String(STORE_SCHEMA_VERSION));
      db.prepare("INSERT OR IGNORE INTO store_meta (key, value) VALUES ('created_at', ?)").run(new Date(now).toISOString());
    }
  }).immediate();
  return STORE_SCHEMA_VERSION;
}
