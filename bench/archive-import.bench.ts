/**
 * Archive import at scale: the fleet writer's archive for T terminals × M meters (default 5 000 × 200 =
 * 1 M meters and 1 M customers) imported into a fresh database file (WAL), then re-imported (all
 * unchanged), exported, and a few lookups timed. Reports rows/s, phase times, database size and RSS.
 * Bounded: T × M ≤ 2 M, files and database in a temporary directory removed at the end; the whole run
 * stops after `limitS` seconds (default 600) between phases.
 * Run: npx tsx bench/archive-import.bench.ts [terminals=5000] [meters=200] [limitS=600]
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeArchive } from '../simulators/fleet/archive-writer.js';
import { Archive } from '../src/archive/archive.js';
import { dbPath } from '../src/archive/db.js';
import { exportArchive } from '../src/archive/export.js';
import { importArchive } from '../src/archive/import.js';
import { fmt, header } from './harness.js';

const T = Number(process.argv[2] ?? 5000);
const M = Number(process.argv[3] ?? 200);
const LIMIT_S = Number(process.argv[4] ?? 600);
if (T * M > 2_000_000) throw new Error('at most 2 M meters');
const MB = 1024 * 1024;
const t0 = performance.now();
const elapsed = (): number => (performance.now() - t0) / 1000;
const guard = (phase: string): void => {
  if (elapsed() > LIMIT_S) {
    console.log(`stopped before ${phase}: over ${LIMIT_S} s`);
    cleanup();
    process.exit(1);
  }
};
const dir = mkdtempSync(path.join(os.tmpdir(), 'hes-archive-bench-'));
const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
const sizeOf = (d: string): number => readdirSync(d).reduce((n, f) => n + statSync(path.join(d, f)).size, 0);

header(`archive import: ${T} terminals × ${M} meters`);
try {
  const csv = path.join(dir, 'csv');
  let t = performance.now();
  const rows = writeArchive(csv, { a1: '1101', terminals: T, metersPerTerminal: M, seed: 1 });
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  console.log(`write CSV: ${total} rows, ${(sizeOf(csv) / MB).toFixed(1)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  guard('import');
  const data = path.join(dir, 'data');
  const a = Archive.open(data);
  t = performance.now();
  const r1 = importArchive(a.db, csv, { onProgress: (p) => p.done && console.log(`  ${p.file}: ${p.rows} rows at ${((performance.now() - t) / 1000).toFixed(1)} s`) });
  const s1 = (performance.now() - t) / 1000;
  console.log(`import (fresh): ${s1.toFixed(1)} s, ${fmt(total / s1)} rows/s; RSS ${(process.memoryUsage().rss / MB).toFixed(0)} MB`);
  consume(r1);
  a.db.pragma('wal_checkpoint(TRUNCATE)');
  console.log(`database: ${(statSync(dbPath(data)).size / MB).toFixed(1)} MB (${((statSync(dbPath(data)).size / (T * M)) | 0)} B per meter incl. customer)`);

  guard('re-import');
  t = performance.now();
  const r2 = importArchive(a.db, csv);
  const s2 = (performance.now() - t) / 1000;
  console.log(`re-import (all unchanged: ${r2.counts.meters?.unchanged === T * M}): ${s2.toFixed(1)} s, ${fmt(total / s2)} rows/s`);

  guard('export');
  t = performance.now();
  exportArchive(a.db, path.join(dir, 'out'));
  const s3 = (performance.now() - t) / 1000;
  console.log(`export: ${s3.toFixed(1)} s, ${fmt(total / s3)} rows/s`);

  guard('lookups');
  const n = 20_000;
  t = performance.now();
  for (let i = 0; i < n; i++) {
    const a2 = 1 + (i % T);
    const pn = 1 + (i % M);
    consume(a.account(`1101${String(a2).padStart(5, '0')}${String(pn).padStart(4, '0')}`));
  }
  console.log(`account lookups: ${fmt((n / (performance.now() - t)) * 1000)} /s`);
  t = performance.now();
  for (let i = 0; i < 200; i++) consume(a.findByName(`${String(1 + (i % T)).padStart(5, '0')}-0001`, 10));
  console.log(`name fragment search (trigram): ${((performance.now() - t) / 200).toFixed(2)} ms each`);
  t = performance.now();
  consume(a.countCustomersOf('substation', 'SS1101-001'));
  console.log(`customers of a substation (count): ${(performance.now() - t).toFixed(1)} ms`);
  a.close();
} finally {
  cleanup();
}

function consume(v: unknown): void {
  if (v === Symbol.for('never')) console.log(v);
}
