/**
 * Archive import (docs/archive-format.md): a directory holding any of the six CSV files, or one entity
 * file (recognised by its name or its header). All or nothing:
 *
 * 1. every file is streamed through the CSV reader; each row is checked field by field (types, ranges,
 *    12-digit addresses, enumerations) and staged in TEMP tables — all inside one IMMEDIATE transaction;
 * 2. set checks run in SQL over staging + the existing archive: unique keys (within the import and
 *    against rows already stored under another key), references (to rows of the same import or already
 *    in the archive), and agreement of the two cyclic relations (taiqu ↔ terminal, meter ↔ customer);
 * 3. any problem → ROLLBACK and `ArchiveImportError` listing them as `file:line: column: what was wrong`
 *    (capped, with the number left out); else upsert by natural key (counts inserted / updated /
 *    unchanged) and COMMIT, or ROLLBACK for a dry run.
 *
 * Rows absent from the import are kept (no deletion). Re-importing the same files changes nothing.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './db.js';
import { CsvEncodingError, readCsvFile, type CsvRecord } from './csv.js';
import { ENTITIES, FILE_ENTITY, FieldProblem, SPECS, columnNames, dialOutEndpoint, type Entity, type EntitySpec, type Value } from './entities.js';
import { InputError } from '../errors.js';

export interface ImportOptions {
  /** Validate and count, then roll back. */
  dryRun?: boolean;
  /** Problems listed before "… and N more" (default 100). */
  maxProblems?: number;
  /** Called every `progressEvery` rows of a file (default 50 000) and at its end. */
  onProgress?: (p: { file: string; rows: number; done: boolean }) => void;
  progressEvery?: number;
}

export interface EntityCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface ImportResult {
  dryRun: boolean;
  files: { file: string; entity: Entity; rows: number }[];
  counts: Partial<Record<Entity, EntityCounts>>;
  /** Files of the directory that are not archive files. */
  ignored: string[];
  elapsedMs: number;
}

/** The import was rejected; nothing was applied. */
export class ArchiveImportError extends InputError {
  /** `file:line: column: what was wrong`, at most `maxProblems`. */
  readonly problems: readonly string[];
  /** All problems found (problems.length + the ones left out). */
  readonly total: number;
  constructor(source: string, problems: readonly string[], total: number) {
    const more = total > problems.length ? `\n  … and ${total - problems.length} more` : '';
    super(source, `rejected, ${total} problem${total === 1 ? '' : 's'}, nothing imported:\n  ${problems.join('\n  ')}${more}`);
    this.name = 'ArchiveImportError';
    this.problems = problems;
    this.total = total;
  }
}

interface Problem {
  order: number;
  line: number;
  text: string;
}

class Problems {
  readonly list: Problem[] = [];
  total = 0;
  constructor(readonly max: number) {}
  add(entityOrder: number, line: number, text: string): void {
    this.total++;
    if (this.list.length < this.max) this.list.push({ order: entityOrder, line, text });
  }
  /** Room left in the list. */
  get room(): number {
    return Math.max(0, this.max - this.list.length);
  }
  sorted(): string[] {
    return [...this.list].sort((a, b) => a.order - b.order || a.line - b.line).map((p) => p.text);
  }
}

interface Source {
  file: string;
  /** Name used in messages (the file's base name). */
  name: string;
  entity: Entity;
}

/** Resolves `input` (directory or file) to the archive files to read. */
export function resolveSources(input: string): { sources: Source[]; ignored: string[] } {
  let st;
  try {
    st = statSync(input);
  } catch {
    throw new InputError(input, 'no such file or directory');
  }
  if (st.isDirectory()) {
    const names = readdirSync(input).sort();
    const sources: Source[] = [];
    const ignored: string[] = [];
    for (const n of names) {
      const e = FILE_ENTITY.get(n);
      if (e) sources.push({ file: path.join(input, n), name: n, entity: e });
      else if (n.toLowerCase().endsWith('.csv')) ignored.push(n);
    }
    if (!sources.length) throw new InputError(input, `no archive files in the directory (expected any of ${[...FILE_ENTITY.keys()].join(', ')})`);
    sources.sort((a, b) => ENTITIES.indexOf(a.entity) - ENTITIES.indexOf(b.entity));
    return { sources, ignored };
  }
  const name = path.basename(input);
  const e = FILE_ENTITY.get(name) ?? entityByHeader(input);
  if (!e) throw new InputError(input, `not an archive file: name is not one of ${[...FILE_ENTITY.keys()].join(', ')} and the header matches none of them`);
  return { sources: [{ file: input, name, entity: e }], ignored: [] };
}

function entityByHeader(file: string): Entity | undefined {
  let header: string[] | undefined;
  try {
    readCsvFile(file, (r) => {
      header ??= r.fields;
      if (header) throw new StopRead();
    }, 64 * 1024);
  } catch (e) {
    if (!(e instanceof StopRead)) return undefined;
  }
  const h = header?.join(',');
  return ENTITIES.find((e) => columnNames(e).join(',') === h);
}

class StopRead extends Error {}

const stg = (e: Entity): string => `temp.stg_${e}`;
const q = (name: string): string => `"${name}"`;

function createStaging(db: Db): void {
  // Staging of a 1 M-row file: a larger temp cache avoids spilling to temporary files.
  db.pragma('temp.cache_size = -131072');
  for (const e of ENTITIES) {
    const spec = SPECS[e];
    db.exec(`DROP TABLE IF EXISTS ${stg(e)}`);
    db.exec(`CREATE TEMP TABLE stg_${e} (line INTEGER NOT NULL, ${spec.columns.map((c) => `${q(c.name)} ${c.type}`).join(', ')})`);
  }
  db.exec('DROP TABLE IF EXISTS temp.stg_bad');
  // Keys of rows that failed row checks: references to them are not reported again.
  db.exec('CREATE TEMP TABLE stg_bad (entity TEXT NOT NULL, key TEXT NOT NULL)');
}

function dropStaging(db: Db): void {
  for (const e of ENTITIES) db.exec(`DROP TABLE IF EXISTS ${stg(e)}`);
  db.exec('DROP TABLE IF EXISTS temp.stg_bad');
}

/** Streams one file into its staging table; row problems go to `problems`. Returns rows read. */
function stageFile(db: Db, src: Source, problems: Problems, o: ImportOptions, unreadable: Set<Entity>): number {
  const spec = SPECS[src.entity];
  const order = ENTITIES.indexOf(src.entity);
  const names = columnNames(src.entity);
  const insert = db.prepare(`INSERT INTO ${stg(src.entity)} VALUES (${['?', ...names.map(() => '?')].join(', ')})`);
  const bad = db.prepare('INSERT INTO temp.stg_bad (entity, key) VALUES (?, ?)');
  const keyIndex = names.indexOf(spec.key);
  const every = o.progressEvery ?? 50_000;
  let rows = 0;
  let headerOk: boolean | undefined;
  const p = (line: number, what: string): void => problems.add(order, line, `${src.name}:${line}: ${what}`);
  try {
    readCsvFile(src.file, (r: CsvRecord) => {
      if (headerOk === undefined) {
        headerOk = r.fields.join(',') === names.join(',') && !r.error;
        if (!headerOk) {
          unreadable.add(src.entity);
          p(r.line, `header: expected "${names.join(',')}", got "${r.fields.join(',').slice(0, 200)}"`);
        }
        return;
      }
      if (!headerOk) return;
      rows++;
      if (rows % every === 0) o.onProgress?.({ file: src.name, rows, done: false });
      if (r.error) {
        p(r.line, `${names[r.error.column] ?? `column ${r.error.column + 1}`}: ${r.error.message}`);
        const k = r.fields[keyIndex];
        if (k) bad.run(src.entity, k);
        return;
      }
      if (r.fields.length !== names.length) {
        p(r.line, r.fields.length === 1 && r.fields[0] === '' ? 'row: empty line' : `row: expected ${names.length} fields, got ${r.fields.length}`);
        const k = r.fields[keyIndex];
        if (k) bad.run(src.entity, k);
        return;
      }
      const values: Value[] = [r.line];
      let ok = true;
      for (let i = 0; i < names.length; i++) {
        try {
          values.push(spec.columns[i]!.parse(r.fields[i]!));
        } catch (e) {
          if (!(e instanceof FieldProblem)) throw e;
          ok = false;
          p(r.line, `${names[i]}: ${e.message}`);
        }
      }
      if (ok) ok = rowChecks(src, r, values, p);
      if (ok) insert.run(values);
      else bad.run(src.entity, r.fields[keyIndex]!);
    });
  } catch (e) {
    if (!(e instanceof CsvEncodingError)) throw e;
    unreadable.add(src.entity);
    p(e.line, `file: not valid UTF-8 (save the file as UTF-8)`);
    headerOk ??= false;
  }
  if (headerOk === undefined) {
    unreadable.add(src.entity);
    p(1, 'header: the file is empty');
  }
  o.onProgress?.({ file: src.name, rows, done: true });
  return rows;
}

/** Checks across the fields of one row. */
function rowChecks(src: Source, r: CsvRecord, v: Value[], p: (line: number, what: string) => void): boolean {
  if (src.entity === 'terminals') {
    // values[0] is the line: columns are shifted by one.
    const [key, a1, a2] = [v[1] as string, v[2] as string, v[3] as number];
    const expected = `${a1}-${String(a2).padStart(5, '0')}`;
    if (key !== expected) {
      p(r.line, `terminal_key: "${key}" does not match a1 ${a1} and a2 ${a2} (expected "${expected}")`);
      return false;
    }
    // The head-end calls a tcp-out terminal: it needs the address the terminal listens on.
    const [channel, endpoint] = [v[6] as string, v[7] as string];
    if (channel === 'tcp-out' && !dialOutEndpoint(endpoint)) {
      p(r.line, `endpoint: channel tcp-out needs the address the terminal listens on, tcp://host:port (got ${JSON.stringify(endpoint)})`);
      return false;
    }
  }
  return true;
}

interface SqlProblem {
  line: number;
  msg: string;
}

/** Runs a check query (rows of `line`, `msg`), adding at most the room left and counting the rest. */
function check(db: Db, problems: Problems, e: Entity, sql: string, params: Value[] = []): void {
  const order = ENTITIES.indexOf(e);
  const file = SPECS[e].file;
  const count = (db.prepare(`SELECT count(*) AS n FROM (${sql})`).get(...params) as { n: number }).n;
  if (!count) return;
  const shown = problems.room ? (db.prepare(`${sql} ORDER BY line LIMIT ${problems.room}`).all(...params) as SqlProblem[]) : [];
  for (const r of shown) problems.add(order, r.line, `${file}:${r.line}: ${r.msg}`);
  problems.total += count - shown.length;
}

function setChecks(db: Db, problems: Problems, present: Set<Entity>, unreadable: Set<Entity>): void {
  for (const e of ENTITIES) db.exec(`CREATE INDEX temp.stg_${e}_key ON stg_${e}(${q(SPECS[e].key)})`);
  db.exec('CREATE INDEX temp.stg_bad_key ON stg_bad(entity, key)');

  const before = problems.total;

  // 1. Unique keys within the import.
  for (const e of present) {
    const spec = SPECS[e];
    for (const cols of [[spec.key], ...spec.unique]) {
      const list = cols.map(q).join(', ');
      const shown = cols.length === 1 ? q(cols[0]!) : cols.map(q).join(" || '/' || ");
      check(
        db,
        problems,
        e,
        `SELECT line, '${cols.join('+')}: duplicate ' || ${shown} || ' (first on line ' || first || ')' AS msg FROM (SELECT line, ${list}, min(line) OVER (PARTITION BY ${list}) AS first FROM ${stg(e)} WHERE ${cols.map((c) => `${q(c)} IS NOT NULL`).join(' AND ')}) WHERE line <> first`,
      );
    }
  }

  const duplicates = problems.total - before;

  // 2. Unique attributes already held by another row of the archive (one that this import does not rewrite).
  if (present.has('taiqu'))
    check(
      db,
      problems,
      'taiqu',
      `SELECT s.line, 'terminal_key: terminal ' || s.terminal_key || ' is already the terminal of taiqu ' || o.taiqu_id || ' in the archive' AS msg
       FROM stg_taiqu s JOIN terminals t ON t.terminal_key = s.terminal_key JOIN taiqu o ON o.terminal = t.id
       WHERE o.taiqu_id <> s.taiqu_id AND o.taiqu_id NOT IN (SELECT taiqu_id FROM stg_taiqu)`,
    );
  if (present.has('meters'))
    check(
      db,
      problems,
      'meters',
      `SELECT s.line, 'pn: Pn ' || s.pn || ' of terminal ' || s.terminal_key || ' is already meter ' || o.meter_address || ' in the archive' AS msg
       FROM stg_meters s JOIN terminals t ON t.terminal_key = s.terminal_key JOIN meters o ON o.terminal = t.id AND o.pn = s.pn
       WHERE o.meter_address <> s.meter_address AND o.meter_address NOT IN (SELECT meter_address FROM stg_meters)`,
    );
  if (present.has('customers')) {
    check(
      db,
      problems,
      'customers',
      `SELECT s.line, 'account_no: ' || s.account_no || ' is already the account of customer ' || o.customer_id || ' in the archive' AS msg
       FROM stg_customers s JOIN customers o ON o.account_no = s.account_no
       WHERE o.customer_id <> s.customer_id AND o.customer_id NOT IN (SELECT customer_id FROM stg_customers)`,
    );
    check(
      db,
      problems,
      'customers',
      `SELECT s.line, 'meter_address: meter ' || s.meter_address || ' already belongs to customer ' || o.customer_id || ' in the archive' AS msg
       FROM stg_customers s JOIN meters m ON m.meter_address = s.meter_address JOIN customers o ON o.meter = m.id
       WHERE o.customer_id <> s.customer_id AND o.customer_id NOT IN (SELECT customer_id FROM stg_customers)`,
    );
  }

  // 3. References: to a row of this import or of the archive.
  for (const e of present) {
    for (const ref of SPECS[e].references) {
      if (unreadable.has(ref.parent)) continue;
      const pk = q(SPECS[ref.parent].key);
      const c = q(ref.column);
      check(
        db,
        problems,
        e,
        `SELECT s.line, '${ref.column}: ' || s.${c} || ' is not in ${SPECS[ref.parent].file} nor in the archive' AS msg FROM ${stg(e)} s
         WHERE s.${c} IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM ${stg(ref.parent)} p WHERE p.${pk} = s.${c})
           AND NOT EXISTS (SELECT 1 FROM main.${ref.parent} m WHERE m.${pk} = s.${c})
           AND NOT EXISTS (SELECT 1 FROM stg_bad b WHERE b.entity = '${ref.parent}' AND b.key = s.${c})`,
      );
    }
  }

  // 4. The cyclic relations agree: a taiqu's terminal is in that taiqu; a meter's customer has that meter.
  // Only meaningful once keys are unique: skipped when duplicates were found.
  if (duplicates) return;
  if (present.has('taiqu') && !unreadable.has('terminals'))
    check(
      db,
      problems,
      'taiqu',
      `SELECT line, 'terminal_key: terminal ' || terminal_key || ' is in taiqu ' || other || ' (' || src || '), not in ' || taiqu_id AS msg FROM (
         SELECT s.line, s.terminal_key, s.taiqu_id,
           CASE WHEN st.terminal_key IS NOT NULL THEN st.taiqu_id ELSE (SELECT q.taiqu_id FROM terminals t JOIN taiqu q ON q.id = t.taiqu WHERE t.terminal_key = s.terminal_key) END AS other,
           CASE WHEN st.terminal_key IS NOT NULL THEN 'terminals.csv:' || st.line ELSE 'archive' END AS src
         FROM stg_taiqu s LEFT JOIN stg_terminals st ON st.terminal_key = s.terminal_key WHERE s.terminal_key IS NOT NULL)
       WHERE other IS NOT NULL AND other <> taiqu_id`,
    );
  if (present.has('terminals') && !unreadable.has('taiqu'))
    check(
      db,
      problems,
      'terminals',
      `SELECT s.line, 'taiqu_id: taiqu ' || s.taiqu_id || ' has terminal ' || t.terminal_key || ' in the archive' AS msg
       FROM stg_terminals s JOIN taiqu q ON q.taiqu_id = s.taiqu_id JOIN terminals t ON t.id = q.terminal
       WHERE t.terminal_key <> s.terminal_key AND NOT EXISTS (SELECT 1 FROM stg_taiqu sq WHERE sq.taiqu_id = s.taiqu_id)`,
    );
  if (present.has('meters') && !unreadable.has('customers'))
    check(
      db,
      problems,
      'meters',
      `SELECT line, 'customer_id: customer ' || customer_id || ' has meter ' || other || ' (' || src || '), not ' || meter_address AS msg FROM (
         SELECT s.line, s.customer_id, s.meter_address,
           CASE WHEN sc.customer_id IS NOT NULL THEN sc.meter_address ELSE (SELECT m.meter_address FROM customers c JOIN meters m ON m.id = c.meter WHERE c.customer_id = s.customer_id) END AS other,
           CASE WHEN sc.customer_id IS NOT NULL THEN 'customers.csv:' || sc.line ELSE 'archive' END AS src
         FROM stg_meters s LEFT JOIN stg_customers sc ON sc.customer_id = s.customer_id WHERE s.customer_id IS NOT NULL)
       WHERE other IS NOT NULL AND other <> meter_address`,
    );
  if (present.has('customers') && !unreadable.has('meters'))
    check(
      db,
      problems,
      'customers',
      `SELECT s.line, 'meter_address: meter ' || s.meter_address || ' belongs to customer ' || c.customer_id || ' in the archive' AS msg
       FROM stg_customers s JOIN meters m ON m.meter_address = s.meter_address JOIN customers c ON c.id = m.customer
       WHERE c.customer_id <> s.customer_id AND NOT EXISTS (SELECT 1 FROM stg_meters sm WHERE sm.meter_address = s.meter_address)`,
    );
}

// ---------------------------------------------------------------- apply

/** Main-table columns and the staged expression that fills each (references resolved to ids). */
const APPLY: Record<Entity, { cols: [string, string][]; joins: string }> = {
  substations: { cols: [['substation_id', 's.substation_id'], ['name', 's.name'], ['voltage_kv', 's.voltage_kv']], joins: '' },
  lines: {
    cols: [['line_id', 's.line_id'], ['substation', 'p.id'], ['name', 's.name'], ['voltage_kv', 's.voltage_kv']],
    joins: 'JOIN main.substations p ON p.substation_id = s.substation_id',
  },
  taiqu: {
    cols: [['taiqu_id', 's.taiqu_id'], ['line', 'l.id'], ['name', 's.name'], ['transformer_kva', 's.transformer_kva'], ['terminal', 't.id']],
    joins: 'JOIN main.lines l ON l.line_id = s.line_id LEFT JOIN main.terminals t ON t.terminal_key = s.terminal_key',
  },
  terminals: {
    cols: [
      ['terminal_key', 's.terminal_key'],
      ['a1', 's.a1'],
      ['a2', 's.a2'],
      ['region', 'r.id'],
      ['taiqu', 'q.id'],
      ['protocol', 's.protocol'],
      ['channel', 's.channel'],
      ['endpoint', 's.endpoint'],
      ['meter_count', 's.meter_count'],
    ],
    joins: 'JOIN main.regions r ON r.code = s.a1 JOIN main.taiqu q ON q.taiqu_id = s.taiqu_id',
  },
  meters: {
    cols: [
      ['meter_address', 's.meter_address'],
      ['terminal', 't.id'],
      ['pn', 's.pn'],
      ['port', 's.port'],
      ['protocol', 's.protocol'],
      ['baud', 's.baud'],
      ['wiring', 's.wiring'],
      ['ct_ratio', 's.ct_ratio'],
      ['pt_ratio', 's.pt_ratio'],
      ['customer', 'c.id'],
    ],
    joins: 'JOIN main.terminals t ON t.terminal_key = s.terminal_key LEFT JOIN main.customers c ON c.customer_id = s.customer_id',
  },
  customers: {
    cols: [
      ['customer_id', 's.customer_id'],
      ['account_no', 's.account_no'],
      ['name', 's.name'],
      ['taiqu', 'q.id'],
      ['meter', 'm.id'],
      ['reading_day', 's.reading_day'],
      ['tariff_class', 's.tariff_class'],
    ],
    joins: 'JOIN main.taiqu q ON q.taiqu_id = s.taiqu_id JOIN main.meters m ON m.meter_address = s.meter_address',
  },
};

/** Counts how the staged rows of `e` relate to the archive (compared as file rows). */
function countsOf(db: Db, e: Entity): EntityCounts {
  const spec = SPECS[e];
  const names = columnNames(e);
  const total = (db.prepare(`SELECT count(*) AS n FROM ${stg(e)}`).get() as { n: number }).n;
  const existing = (db.prepare(`SELECT count(*) AS n FROM ${stg(e)} s JOIN main.${e} m ON m.${q(spec.key)} = s.${q(spec.key)}`).get() as { n: number }).n;
  const same = names.map((c) => (c === 'terminal_key' && e === 'taiqu') || (c === 'customer_id' && e === 'meters') ? `x.${q(c)} IS coalesce(s.${q(c)}, '')` : `x.${q(c)} IS s.${q(c)}`).join(' AND ');
  const unchanged = (db.prepare(`SELECT count(*) AS n FROM ${stg(e)} s JOIN (${spec.exportSql.replace(/ ORDER BY .*$/, '')}) x ON x.${q(spec.key)} = s.${q(spec.key)} WHERE ${same}`).get() as { n: number }).n;
  return { inserted: total - existing, updated: existing - unchanged, unchanged };
}

function applyEntity(db: Db, e: Entity): void {
  const a = APPLY[e];
  const key = SPECS[e].key;
  const cols = a.cols.map(([c]) => q(c)).join(', ');
  const exprs = a.cols.map(([, x]) => x).join(', ');
  const set = a.cols.filter(([c]) => c !== key).map(([c]) => `${q(c)} = excluded.${q(c)}`).join(', ');
  const changed = a.cols.filter(([c]) => c !== key).map(([c]) => `${q(c)} IS NOT excluded.${q(c)}`).join(' OR ');
  db.exec(`INSERT INTO main.${e} (${cols}) SELECT ${exprs} FROM ${stg(e)} s ${a.joins} WHERE true ORDER BY s.line ON CONFLICT(${q(key)}) DO UPDATE SET ${set} WHERE ${changed}`);
}

function apply(db: Db, present: Set<Entity>): void {
  if (present.has('terminals')) db.exec('INSERT INTO main.regions (code) SELECT DISTINCT a1 FROM temp.stg_terminals WHERE true ON CONFLICT(code) DO NOTHING');
  for (const e of ENTITIES) if (present.has(e)) applyEntity(db, e);
  // Back references to rows inserted after their referrer.
  if (present.has('taiqu'))
    db.exec(`UPDATE main.taiqu SET terminal = t.id FROM temp.stg_taiqu s JOIN main.terminals t ON t.terminal_key = s.terminal_key
             WHERE taiqu.taiqu_id = s.taiqu_id AND taiqu.terminal IS NOT t.id`);
  if (present.has('meters'))
    db.exec(`UPDATE main.meters SET customer = c.id FROM temp.stg_meters s JOIN main.customers c ON c.customer_id = s.customer_id
             WHERE meters.meter_address = s.meter_address AND meters.customer IS NOT c.id`);
}

/** Imports a directory of archive files or one file into `db`. Throws `ArchiveImportError` when rejected. */
export function importArchive(db: Db, input: string, o: ImportOptions = {}): ImportResult {
  const t0 = performance.now();
  const { sources, ignored } = resolveSources(input);
  const problems = new Problems(o.maxProblems ?? 100);
  const present = new Set(sources.map((s) => s.entity));
  const unreadable = new Set<Entity>();
  const files: ImportResult['files'] = [];
  const counts: ImportResult['counts'] = {};
  createStaging(db);
  db.exec('BEGIN IMMEDIATE');
  let done = false;
  try {
    for (const src of sources) files.push({ file: src.name, entity: src.entity, rows: stageFile(db, src, problems, o, unreadable) });
    setChecks(db, problems, present, unreadable);
    if (problems.total) throw new ArchiveImportError(input, problems.sorted(), problems.total);
    for (const e of ENTITIES) if (present.has(e)) counts[e] = countsOf(db, e);
    try {
      apply(db, present);
    } catch (e) {
      // A constraint the checks above do not foresee (e.g. two rows swapping a unique value).
      throw new ArchiveImportError(input, [`archive: ${(e as Error).message}`], 1);
    }
    if (o.dryRun) db.exec('ROLLBACK');
    else db.exec('COMMIT');
    done = true;
  } finally {
    if (!done && db.inTransaction) db.exec('ROLLBACK');
    dropStaging(db);
  }
  return { dryRun: o.dryRun ?? false, files, counts, ignored, elapsedMs: Math.round(performance.now() - t0) };
}

export type { EntitySpec };
