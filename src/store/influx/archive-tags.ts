/**
 * The archive as the InfluxDB store's tag resolver: meter id → 645 address, terminal key, 台区, region
 * code; terminal id → terminal key, 台区, region code. One `IN (…)` query per batch of misses, results
 * cached (bounded; dropped when another connection commits to the archive — `PRAGMA data_version` — or
 * on `invalidate()`), so a write batch of 10 000 readings costs one map lookup per reading once warm.
 */
import type { Db, Stmt } from '../../archive/db.js';
import type { MeterTags, TagResolver, TerminalTags } from './tags.js';

const CHUNK = 500;

const METER_SQL = (n: number): string =>
  `SELECT m.id, m.meter_address AS meter, t.terminal_key AS terminal, q.taiqu_id AS taiqu, r.code AS region
   FROM meters m JOIN terminals t ON t.id = m.terminal JOIN taiqu q ON q.id = t.taiqu JOIN regions r ON r.id = t.region
   WHERE m.id IN (${Array.from({ length: n }, () => '?').join(',')})`;

const TERMINAL_SQL = (n: number): string =>
  `SELECT t.id, t.terminal_key AS terminal, q.taiqu_id AS taiqu, r.code AS region
   FROM terminals t JOIN taiqu q ON q.id = t.taiqu JOIN regions r ON r.id = t.region
   WHERE t.id IN (${Array.from({ length: n }, () => '?').join(',')})`;

class Cache<T> {
  readonly map = new Map<number, T | null>();
  constructor(private readonly max: number) {}
  set(id: number, v: T | null): void {
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(id, v);
  }
}

export class ArchiveTagResolver implements TagResolver {
  private readonly meterCache: Cache<MeterTags>;
  private readonly terminalCache: Cache<TerminalTags>;
  private readonly stmts = new Map<string, Stmt>();
  private version = -1;

  constructor(
    private readonly db: Db,
    o: { maxCached?: number } = {},
  ) {
    this.meterCache = new Cache(o.maxCached ?? 1_200_000);
    this.terminalCache = new Cache(Math.min(o.maxCached ?? 100_000, 100_000));
  }

  invalidate(): void {
    this.meterCache.map.clear();
    this.terminalCache.map.clear();
  }

  meters(ids: readonly number[]): ReadonlyMap<number, MeterTags> {
    return this.resolve(ids, this.meterCache, METER_SQL);
  }

  terminals(ids: readonly number[]): ReadonlyMap<number, TerminalTags> {
    return this.resolve(ids, this.terminalCache, TERMINAL_SQL);
  }

  private stmt(sql: string): Stmt {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare<unknown[]>(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private resolve<T>(ids: readonly number[], cache: Cache<T>, sql: (n: number) => string): Map<number, T> {
    const v = this.db.pragma('data_version', { simple: true }) as number;
    if (v !== this.version) {
      this.version = v;
      this.invalidate();
    }
    const out = new Map<number, T>();
    const misses: number[] = [];
    for (const id of ids) {
      if (out.has(id)) continue;
      const hit = cache.map.get(id);
      if (hit === undefined) misses.push(id);
      else if (hit !== null) out.set(id, hit);
    }
    const unique = [...new Set(misses)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const part = unique.slice(i, i + CHUNK);
      const found = new Set<number>();
      for (const row of this.stmt(sql(part.length)).all(...part) as (T & { id: number })[]) {
        const { id, ...tags } = row;
        out.set(id, tags as T);
        cache.set(id, tags as T);
        found.add(id);
      }
      for (const id of part) if (!found.has(id)) cache.set(id, null);
    }
    return out;
  }
}
