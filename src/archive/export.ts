/**
 * Archive export: the six CSV files of docs/archive-format.md, rows in archive order (the order they
 * were first imported), fields quoted only when needed. An archive imported from the fleet writer's
 * files exports byte-identical files.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './db.js';
import { csvLine } from './csv.js';
import { ENTITIES, SPECS, columnNames, type Entity } from './entities.js';

export interface ExportResult {
  dir: string;
  rows: Record<Entity, number>;
  elapsedMs: number;
}

/** Writes `<dir>/<entity>.csv` for every entity (created or truncated). */
export function exportArchive(db: Db, dir: string, o: { entities?: readonly Entity[] } = {}): ExportResult {
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  const rows = {} as Record<Entity, number>;
  for (const e of o.entities ?? ENTITIES) {
    const names = columnNames(e);
    const fd = openSync(path.join(dir, SPECS[e].file), 'w');
    try {
      let buf = csvLine(names);
      let n = 0;
      const stmt = db.prepare(SPECS[e].exportSql).raw(true);
      for (const row of stmt.iterate() as Iterable<(string | number)[]>) {
        buf += csvLine(row.slice(1));
        n++;
        if (buf.length > 1 << 20) {
          writeSync(fd, buf);
          buf = '';
        }
      }
      if (buf) writeSync(fd, buf);
      rows[e] = n;
    } finally {
      closeSync(fd);
    }
  }
  return { dir, rows, elapsedMs: Math.round(performance.now() - t0) };
}
