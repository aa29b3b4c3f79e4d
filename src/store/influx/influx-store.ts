/**
 * The InfluxDB store (ReadingStore on InfluxDB 1.x, 2.x, 3.x). Point layout in points.ts; README
 * "Time-series store: InfluxDB" has the design for Grafana users.
 *
 * - API from the server's version (/ping → X-Influxdb-Version): 1.x → POST /write through the `influx`
 *   package; 2.x/3.x → /api/v2/write through @influxdata/influxdb-client. Reads and gaps use InfluxQL
 *   (/query) on every version (2.x needs a DBRP mapping of the bucket; 3.x answers InfluxQL natively).
 *   Only the 1.x paths are tested here (Debian's influxd 1.6).
 * - Writes: validated whole (../validate.ts) and tagged through the injected TagResolver before anything
 *   is sent; serialised (one write at a time, in call order, so a later rewrite always wins); sent in
 *   requests of `batchLines` lines, each retried with exponential back-off on 5xx and connection
 *   errors (retry.ts, injected clock); a 4xx is an InfluxWriteError naming the batch items concerned.
 * - Reads: chunked InfluxQL answers streamed row by row. Bulk scans come in the server's time order;
 *   meter-list scans are read `readMeterChunk` meters at a time and sorted (meter, time, quantity).
 * - missing(): `count(valid)` grouped by meter for one-time grids (daily, monthly); the stored times of
 *   the meters that have any point for multi-time grids (curves); `gapMeterChunk` meters per query.
 */
import { realClock, type Clock } from '../../clock.js';
import { silentLogger, type Logger } from '../../logger.js';
import { StoreClosedError, StoreInputError } from '../errors.js';
import { QUANTITIES } from '../quantities.js';
import type { EventQuery, Gap, GapQuery, Reading, ReadingQuery, ReadingStore, StoreHealth, StoredEvent } from '../store.js';
import { validateEventQuery, validateEvents, validateGapQuery, validateReadingQuery, validateReadings } from '../validate.js';
import { InfluxVersionError, InfluxWriteError } from './errors.js';
import { HttpStatusError, PoolClient, V2Writer, isRetryable, type Connection } from './http.js';
import { anyOf, chunks, ident, lit, selectList, timeRange } from './influxql.js';
import { EVENT_MEASUREMENT, describeEvent, describeReading, eventLine, readingColumns, readingLine, rowToEvent, rowToReading, type Row } from './points.js';
import { DEFAULT_RETRY, withRetry, type RetryContext, type RetryPolicy } from './retry.js';
import type { MeterTags, TagResolver, TerminalTags } from './tags.js';

export interface InfluxStoreOptions {
  /** e.g. http://127.0.0.1:8086 */
  url: string;
  /** 1.x database; 2.x/3.x bucket (3.x: database). */
  database: string;
  /** 1.x retention policy (default: the database's default). */
  retentionPolicy?: string;
  /** 1.x credentials when auth is enabled. */
  username?: string;
  password?: string;
  /** 2.x/3.x API token (required there). */
  token?: string;
  /** 2.x organisation (required there; 3.x ignores it). */
  org?: string;
  /** Skip version detection (e.g. a proxy that strips X-Influxdb-Version). */
  apiVersion?: 1 | 2 | 3;
  /** 1.x: `CREATE DATABASE` at open (idempotent). Default true. */
  createDatabase?: boolean;
  tags: TagResolver;
  logger?: Logger;
  clock?: Clock;
  /** Lines per HTTP write request. Default 5 000. */
  batchLines?: number;
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout (ms; idle time for streamed answers). Default 60 000. */
  requestTimeoutMs?: number;
  /** Meters per query of a meter-list scan (each chunk is sorted in memory). Default 200. */
  readMeterChunk?: number;
  /** Meters per missing() query. Default 500. */
  gapMeterChunk?: number;
}

interface Writer {
  write(lines: readonly string[], precision: 'ms'): Promise<void>;
}

/** Major version from an X-Influxdb-Version header ("1.6.7~rc0", "v2.7.4", "3.0.1"), if any. */
export function parseMajorVersion(version: string | undefined): number | undefined {
  const m = /^v?(\d+)\./.exec(version?.trim() ?? '');
  return m ? Number(m[1]) : undefined;
}

const code = (r: Reading): number => QUANTITIES.get(r.quantity)!.code;

/** Opens the store: detects the server's version, creates the 1.x database, picks the write API. */
export async function openInfluxStore(o: InfluxStoreOptions): Promise<InfluxStore> {
  const clock = o.clock ?? realClock;
  const logger = (o.logger ?? silentLogger).child({ store: 'influxdb' });
  const conn: Connection = {
    url: o.url.replace(/\/+$/, ''),
    database: o.database,
    requestTimeoutMs: o.requestTimeoutMs ?? 60_000,
  };
  if (o.retentionPolicy) conn.retentionPolicy = o.retentionPolicy;
  if (o.username !== undefined) conn.username = o.username;
  if (o.password !== undefined) conn.password = o.password;
  if (o.token !== undefined) conn.token = o.token;
  const pool = new PoolClient(conn);
  const retry: RetryContext = { clock, logger, policy: { ...DEFAULT_RETRY, ...o.retry }, url: conn.url, retryable: isRetryable };
  const ping = await withRetry(
    'ping',
    async () => {
      const p = await pool.ping(Math.min(conn.requestTimeoutMs, 5000));
      if (!p.online) throw new HttpStatusError(503, 'no answer to /ping');
      return p;
    },
    retry,
  );
  const major = o.apiVersion ?? parseMajorVersion(ping.version);
  let writer: Writer;
  if (major === 1) {
    if (o.createDatabase !== false) await withRetry('CREATE DATABASE', () => pool.query(`CREATE DATABASE ${ident(o.database)}`), retry);
    writer = { write: (lines, precision) => pool.write(lines.join('\n'), precision) };
  } else if (major === 2 || major === 3) {
    if (!o.token) throw new InfluxVersionError(conn.url, ping.version, `InfluxDB ${major}.x needs an API token (store option token)`);
    if (major === 2 && !o.org) throw new InfluxVersionError(conn.url, ping.version, 'InfluxDB 2.x needs an organisation (store option org)');
    writer = new V2Writer(conn, o.org ?? '');
  } else {
    throw new InfluxVersionError(conn.url, ping.version, 'cannot tell the major version (1.x, 2.x or 3.x) from X-Influxdb-Version: set apiVersion');
  }
  logger.info({ url: conn.url, version: ping.version, database: o.database }, `InfluxDB ${ping.version ?? `${major}.x`} store`);
  return new InfluxStore(o, conn, pool, writer, major, ping.version ?? `${major}.x`, retry);
}

export class InfluxStore implements ReadingStore {
  readonly name: string;
  private readonly log: Logger;
  private readonly batchLines: number;
  private readonly readMeterChunk: number;
  private readonly gapMeterChunk: number;
  private readonly tags: TagResolver;
  /** The tail of the serialised writes. */
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    o: InfluxStoreOptions,
    private readonly conn: Connection,
    private readonly pool: PoolClient,
    private readonly writer: Writer,
    readonly major: number,
    readonly version: string,
    private readonly retry: RetryContext,
  ) {
    this.name = `influxdb-${major}.x`;
    this.log = retry.logger;
    this.tags = o.tags;
    this.batchLines = Math.max(1, o.batchLines ?? 5000);
    this.readMeterChunk = Math.max(1, o.readMeterChunk ?? 200);
    this.gapMeterChunk = Math.max(1, o.gapMeterChunk ?? 500);
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreClosedError(`the InfluxDB store (${this.conn.url})`);
  }

  /** Runs `fn` after every write queued before it (call order = write order). */
  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  async writeReadings(batch: readonly Reading[]): Promise<void> {
    this.checkOpen();
    validateReadings(batch);
    if (batch.length === 0) return;
    const tags = this.tags.meters([...new Set(batch.map((r) => r.meter))]);
    // The later of two readings with the same key wins (InfluxDB would merge their fields).
    const last = new Map<string, number>();
    batch.forEach((r, i) => last.set(`${r.kind}|${r.quantity}|${r.meter}|${r.time}`, i));
    const lines: string[] = [];
    const index: number[] = [];
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      const t = tags.get(r.meter);
      if (!t) throw new StoreInputError(i, 'meter', `meter id ${r.meter} is not in the archive: no tags for InfluxDB (${describeReading(r)})`);
      if (last.get(`${r.kind}|${r.quantity}|${r.meter}|${r.time}`) !== i) continue;
      lines.push(readingLine(r, t));
      index.push(i);
    }
    await this.serial(() => this.send('write readings', lines, index, (i) => describeReading(batch[i]!)));
  }

  async writeEvents(batch: readonly StoredEvent[]): Promise<void> {
    this.checkOpen();
    validateEvents(batch);
    if (batch.length === 0) return;
    const terminals = this.tags.terminals([...new Set(batch.map((e) => e.terminal))]);
    const meters = this.tags.meters([...new Set(batch.flatMap((e) => (e.meter === undefined ? [] : [e.meter])))]);
    const lines: string[] = [];
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]!;
      const t: TerminalTags | undefined = terminals.get(e.terminal);
      if (!t) throw new StoreInputError(i, 'terminal', `terminal id ${e.terminal} is not in the archive: no tags for InfluxDB (${describeEvent(e)})`);
      let json: string;
      try {
        json = JSON.stringify(e.record);
      } catch (err) {
        throw new StoreInputError(i, 'record', `not JSON-safe: ${err instanceof Error ? err.message : String(err)}`);
      }
      const m: MeterTags | undefined = e.meter === undefined ? undefined : meters.get(e.meter);
      lines.push(eventLine(e, json, t, m));
    }
    await this.serial(() => this.send('write events', lines, lines.map((_, i) => i), (i) => describeEvent(batch[i]!)));
  }

  /** Sends lines in requests of batchLines, in order, each with retry; 4xx → InfluxWriteError. */
  private async send(what: string, lines: readonly string[], index: readonly number[], describe: (i: number) => string): Promise<void> {
    for (let from = 0; from < lines.length; from += this.batchLines) {
      const part = lines.slice(from, from + this.batchLines);
      try {
        await withRetry(what, () => this.writer.write(part, 'ms'), this.retry);
      } catch (err) {
        if (!(err instanceof HttpStatusError)) throw err;
        const where: { from: number; to: number; item?: number; description?: string } = { from: index[from]!, to: index[from + part.length - 1]! + 1 };
        const k = part.findIndex((l) => err.serverMessage.includes(`'${l}'`));
        if (k >= 0) {
          where.item = index[from + k]!;
          where.description = describe(where.item);
        }
        const e = new InfluxWriteError(err.status, err.serverMessage, where);
        this.log.error({ status: err.status, where, err: err.serverMessage }, 'InfluxDB refused a write');
        throw e;
      }
    }
  }

  /** The rows of one statement, streamed; opening the answer is retried, reading it is not. */
  private async *stream(statement: string): AsyncGenerator<Row> {
    const res = await withRetry('query', () => this.pool.open(statement), this.retry);
    yield* this.pool.rows(statement, res);
  }

  async *readings(q: ReadingQuery): AsyncGenerator<Reading> {
    this.checkOpen();
    validateReadingQuery(q);
    if (q.from >= q.to || q.meters?.length === 0) return;
    const where = [timeRange(q.from, q.to)];
    if (q.quantity) where.push(`${ident('quantity')} = ${lit(q.quantity)}`);
    const base = `SELECT ${selectList(readingColumns(q.quantity))} FROM ${ident(q.kind)} WHERE ${where.join(' AND ')}`;
    if (!q.meters) {
      for await (const row of this.stream(base)) yield rowToReading(q.kind, row);
      return;
    }
    const ids = [...new Set(q.meters)].sort((a, b) => a - b);
    for (const part of chunks(ids, this.readMeterChunk)) {
      const got: { r: Reading; row: Row }[] = [];
      for await (const row of this.stream(`${base} AND ${anyOf('mid', part)}`)) got.push({ r: rowToReading(q.kind, row), row });
      got.sort((a, b) => a.r.meter - b.r.meter || a.r.time - b.r.time || code(a.r) - code(b.r));
      yield* this.dedupe(got);
    }
  }

  /**
   * One reading per (meter, quantity, time) of a sorted chunk. Two can exist only when the meter's
   * topology tags changed between two writes of the same point (a new series): the one written with
   * the archive's current tags is the later write.
   */
  private *dedupe(got: readonly { r: Reading; row: Row }[]): Generator<Reading> {
    for (let i = 0; i < got.length; i++) {
      let pick = got[i]!;
      while (i + 1 < got.length && got[i + 1]!.r.meter === pick.r.meter && got[i + 1]!.r.time === pick.r.time && got[i + 1]!.r.quantity === pick.r.quantity) {
        const next = got[++i]!;
        const now = this.tags.meters([pick.r.meter]).get(pick.r.meter);
        const current = (row: Row): boolean => !!now && row.get('terminal') === now.terminal && row.get('taiqu') === now.taiqu && row.get('region') === now.region && row.get('meter') === now.meter;
        if (current(next.row) || !current(pick.row)) pick = next;
      }
      yield pick.r;
    }
  }

  async *events(q: EventQuery): AsyncGenerator<StoredEvent> {
    this.checkOpen();
    validateEventQuery(q);
    if (q.from >= q.to || q.terminals?.length === 0 || q.meters?.length === 0 || q.erc?.length === 0) return;
    const where = [timeRange(q.from, q.to)];
    if (q.terminals) where.push(anyOf('tid', [...new Set(q.terminals)]));
    if (q.meters) where.push(anyOf('mid', [...new Set(q.meters)]));
    if (q.erc) where.push(anyOf('erc', [...new Set(q.erc)]));
    const statement = `SELECT ${selectList(['tid', 'mid', 'erc', 'important', 'record'])} FROM ${ident(EVENT_MEASUREMENT)} WHERE ${where.join(' AND ')}`;
    for await (const row of this.stream(statement)) yield rowToEvent(row);
  }

  async missing(q: GapQuery): Promise<Gap[]> {
    this.checkOpen();
    validateGapQuery(q);
    const meters = [...new Set(q.meters)].sort((a, b) => a - b);
    const times = [...new Set(q.times)].sort((a, b) => a - b);
    if (meters.length === 0 || times.length === 0) return [];
    const from = times[0]!;
    const to = times[times.length - 1]!;
    const base = `FROM ${ident(q.kind)} WHERE ${ident('quantity')} = ${lit(q.quantity)} AND ${ident('valid')} > 0 AND ${
      times.length === 1 ? `time = ${from}ms` : `time >= ${from}ms AND time <= ${to}ms`
    }`;
    const gaps: Gap[] = [];
    for (const part of chunks(meters, this.gapMeterChunk)) {
      // Which meters have any usable point in the range (one row per meter).
      const counted = await withRetry('missing', () => this.pool.query(`SELECT count(${ident('valid')}) ${base} AND ${anyOf('mid', part)} GROUP BY ${ident('mid')}`), this.retry);
      const some = new Set(counted.map((s) => Number(s.tags?.mid)));
      const present = new Set<string>();
      const withData = part.filter((m) => some.has(m));
      if (times.length === 1) for (const m of withData) present.add(`${m}|${from}`);
      else if (withData.length > 0) {
        // Multi-time grids: exactly which grid times those meters have (InfluxQL cannot OR times).
        for await (const row of this.stream(`SELECT ${selectList(['valid', 'mid'])} ${base} AND ${anyOf('mid', withData)}`)) present.add(`${String(row.get('mid'))}|${String(row.get('time'))}`);
      }
      for (const m of part) for (const t of times) if (!present.has(`${m}|${t}`)) gaps.push({ meter: m, time: t });
    }
    return gaps;
  }

  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, detail: 'closed' };
    try {
      const p = await this.pool.ping(5000);
      return p.online ? { ok: true, detail: `InfluxDB ${p.version ?? this.version} at ${this.conn.url}, database ${this.conn.database}` } : { ok: false, detail: `InfluxDB at ${this.conn.url} does not answer /ping` };
    } catch (err) {
      return { ok: false, detail: err instanceof Error ? err.message : String(err) };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
  }
}
