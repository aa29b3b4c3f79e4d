/**
 * 0002: customer name search by fragment. An FTS5 trigram index over customers.name (external
 * content, kept by triggers) answers `name contains X` for fragments of 3+ characters (Chinese names
 * included) without scanning a million rows; shorter fragments fall back to LIKE on the table.
 */
import type { Migration } from './index.js';

export const migration0002: Migration = {
  version: 2,
  name: 'customer name search (FTS5 trigram)',
  sql: `
CREATE VIRTUAL TABLE IF NOT EXISTS customers_name_fts USING fts5(name, content='customers', content_rowid='id', tokenize='trigram');
CREATE TRIGGER IF NOT EXISTS customers_name_ai AFTER INSERT ON customers BEGIN
  INSERT INTO customers_name_fts(rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER IF NOT EXISTS customers_name_ad AFTER DELETE ON customers BEGIN
  INSERT INTO customers_name_fts(customers_name_fts, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER IF NOT EXISTS customers_name_au AFTER UPDATE OF name ON customers BEGIN
  INSERT INTO customers_name_fts(customers_name_fts, rowid, name) VALUES ('delete', old.id, old.name);
  INSERT INTO customers_name_fts(rowid, name) VALUES (new.id, new.name);
END;
INSERT INTO customers_name_fts(customers_name_fts) VALUES ('rebuild');
`,
};
