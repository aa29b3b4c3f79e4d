/**
 * Query plans of the embedded store: synchronous generators of pages. Each `next()` runs one short
 * statement to completion (`all()`), so no statement stays open across the consumer's awaits — writes
 * go on while a long export streams (better-sqlite3 refuses other statements while an iterator is
 * open). Keyset paging on the partition's key order, never OFFSET.
 */
import type Database from 'better-sqlite3';
import { QUANTITIES, quantityByCode } from '../quantities.js';
import type { EventQuery, Reading, ReadingQuery, StoredEvent } from '../store.js';
import { LAYOUTS, QUALITY_OF, type KindLayout } from './layout.js';
import type { Partition, PartitionCatalog } from './partitions.js';
import { unpackValues } from '../value-codec.js';
import type { Db } from './schema.js';

/** t, meter, q, f, ra, v */
export type ReadingRow = [number, number, number, number, number | null, Buffer];
/** t, terminal, erc, meter, imp, rec */
export type EventRow = [number, number, number, number, number, string];

export interface Page<R> {
  p: Partition;
  rows: R[];
}

/** Prepared statements by SQL text, in raw (array) mode. */
export class Statements {
  private readonly cache = new Map<string, Database.Statement<unknown[], unknown>>();
  constructor(private readonly db: Db) {}
  get(sql: string): Database.Statement<unknown[], unknown> {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql).raw(true);
      this.cache.set(sql, s);
    }
    return s;
  }
  /** The statement in pluck mode (first column only). */
  pluck(sql: string): Database.Statement<unknown[], unknown> {
    const key = `pluck:${sql}`;
    let s = this.cache.get(key);
    if (!s) {
      s = this.db.prepare(sql).pluck(true);
      this.cache.set(key, s);
    }
    return s;
  }
  clear(): void {
    this.cache.clear();
  }
}

export interface ReadContext {
  catalog: PartitionCatalog;
  stmts: Statements;
  pageRows: number;
}

const COLS = 't, meter, q, f, ra, v';

/** The [tFrom, tTo) key range of [from, to) inside a partition, or undefined when empty. */
function keyRange(p: Partition, l: KindLayout, from: number, to: number): [number, number] | undefined {
  const f = Math.max(from, p.start);
  const t = Math.min(to, p.end);
  if (!(t > f)) return undefined;
  const a = Math.ceil((f - p.start) / l.unitMs);
  const b = Math.ceil((t - p.start) / l.unitMs);
  return b > a ? [a, b] : undefined;
}

function* bulkPages(c: ReadContext, p: Partition, [a, b]: [number, number], q: number | undefined): Generator<Page<ReadingRow>> {
  const s = c.stmts.get(`SELECT ${COLS} FROM "${p.name}" WHERE (t, meter, q) > (?, ?, ?) AND t < ?${q === undefined ? '' : ' AND q = ?'} ORDER BY t, meter, q LIMIT ?`);
  let key: [number, number, number] = [a, 0, 0];
  for (;;) {
    const rows = (q === undefined ? s.all(...key, b, c.pageRows) : s.all(...key, b, q, c.pageRows)) as ReadingRow[];
    yield { p, rows };
    if (rows.length < c.pageRows) return;
    const last = rows[rows.length - 1]!;
    key = [last[0], last[1], last[2]];
  }
}

/** Time-major partitions: probe (day, meter) for each meter of a chunk and each day of the range. */
function* dayProbePages(c: ReadContext, p: Partition, [a, b]: [number, number], meters: readonly number[], q: number | undefined): Generator<Page<ReadingRow>> {
  const s = c.stmts.get(
    `SELECT r.t, r.meter, r.q, r.f, r.ra, r.v FROM json_each(?) m CROSS JOIN json_each(?) d CROSS JOIN "${p.name}" r WHERE r.t = d.value AND r.meter = m.value${q === undefined ? '' : ' AND r.q = ?'}`,
  );
  const days = JSON.stringify(Array.from({ length: b - a }, (_, i) => a + i));
  const m = JSON.stringify(meters);
  yield { p, rows: (q === undefined ? s.all(m, days) : s.all(m, days, q)) as ReadingRow[] };
}

/** Meter-major partitions: one meter's range, keyset-paged on (t, q). */
function* meterRangePages(c: ReadContext, p: Partition, [a, b]: [number, number], meter: number, q: number | undefined): Generator<Page<ReadingRow>> {
  const s = c.stmts.get(`SELECT ${COLS} FROM "${p.name}" WHERE meter = ? AND (t, q) > (?, ?) AND t < ?${q === undefined ? '' : ' AND q = ?'} ORDER BY t, q LIMIT ?`);
  let key: [number, number] = [a, 0];
  for (;;) {
    const rows = (q === undefined ? s.all(meter, ...key, b, c.pageRows) : s.all(meter, ...key, b, q, c.pageRows)) as ReadingRow[];
    yield { p, rows };
    if (rows.length < c.pageRows) return;
    const last = rows[rows.length - 1]!;
    key = [last[0], last[2]];
  }
}

/** Ascending, without duplicates (the list itself when it already is). */
export function sortedUnique(ids: readonly number[]): readonly number[] {
  let ok = true;
  for (let i = 1; i < ids.length && ok; i++) ok = ids[i - 1]! < ids[i]!;
  if (ok) return ids;
  const out = [...new Set(ids)];
  out.sort((x, y) => x - y);
  return out;
}

/** Pages of a readings query, in the contract's order. */
export function* readingPages(c: ReadContext, q: ReadingQuery): Generator<Page<ReadingRow>> {
  const l = LAYOUTS[q.kind];
  const parts = c.catalog.list(q.kind, q.from, q.to);
  const code = q.quantity === undefined ? undefined : QUANTITIES.get(q.quantity)!.code;
  const ranges = parts.map((p) => keyRange(p, l, q.from, q.to));
  if (q.meters === undefined) {
    for (let i = 0; i < parts.length; i++) if (ranges[i]) yield* bulkPages(c, parts[i]!, ranges[i]!, code);
    return;
  }
  const meters = sortedUnique(q.meters);
  if (meters.length === 0 || parts.length === 0) return;
  if (l.timeMajor && parts.length === 1) {
    // One partition: chunks of meters per statement, (meter, day) order from the nested probes.
    const r = ranges[0];
    if (!r) return;
    const chunk = Math.max(1, Math.floor(c.pageRows / (r[1] - r[0])));
    for (let i = 0; i < meters.length; i += chunk) yield* dayProbePages(c, parts[0]!, r, meters.slice(i, i + chunk), code);
    return;
  }
  for (const m of meters) {
    for (let i = 0; i < parts.length; i++) {
      const r = ranges[i];
      if (!r) continue;
      if (l.timeMajor) yield* dayProbePages(c, parts[i]!, r, [m], code);
      else yield* meterRangePages(c, parts[i]!, r, m, code);
    }
  }
}

export function decodeReading(l: KindLayout, p: Partition, row: ReadingRow): Reading {
  const [t, meter, q, f, ra, v] = row;
  const def = quantityByCode(q);
  if (!def) throw new Error(`${p.name}: unknown quantity code ${q} (written by a newer version?)`);
  const time = p.start + t * l.unitMs;
  const r: Reading = { meter, kind: l.kind, quantity: def.name as Reading['quantity'], time, values: unpackValues(v).values, quality: QUALITY_OF[f & 3]! };
  if (ra !== null) r.readAt = time + ra;
  return r;
}

/** Pages of an events query, time order. */
export function* eventPages(c: ReadContext, q: EventQuery): Generator<Page<EventRow>> {
  const parts = c.catalog.list('event', q.from, q.to);
  const filters: string[] = [];
  const args: string[] = [];
  const list = (col: string, ids: readonly number[] | undefined): boolean => {
    if (ids === undefined) return true;
    if (ids.length === 0) return false;
    filters.push(` AND ${col} IN (SELECT value FROM json_each(?))`);
    args.push(JSON.stringify(sortedUnique(ids)));
    return true;
  };
  if (!list('terminal', q.terminals) || !list('meter', q.meters) || !list('erc', q.erc)) return;
  for (const p of parts) {
    const from = Math.ceil(Math.max(q.from, p.start));
    const to = Math.min(q.to, p.end);
    if (!(to > from)) continue;
    const s = c.stmts.get(`SELECT t, terminal, erc, meter, imp, rec FROM "${p.name}" WHERE (t, terminal, erc, meter) > (?, ?, ?, ?) AND t < ?${filters.join('')} ORDER BY t, terminal, erc, meter LIMIT ?`);
    let key: [number, number, number, number] = [from, 0, 0, 0];
    for (;;) {
      const rows = s.all(...key, to, ...args, c.pageRows) as EventRow[];
      yield { p, rows };
      if (rows.length < c.pageRows) break;
      const last = rows[rows.length - 1]!;
      key = [last[0], last[1], last[2], last[3]];
    }
  }
}

export function decodeEvent(row: EventRow): StoredEvent {
  const [t, terminal, erc, meter, imp, rec] = row;
  const e: StoredEvent = { terminal, erc, time: t, important: imp === 1, record: JSON.parse(rec) as Record<string, unknown> };
  if (meter > 0) e.meter = meter;
  return e;
}
