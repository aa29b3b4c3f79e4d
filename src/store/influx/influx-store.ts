/**
 * The InfluxDB store (ReadingStore on InfluxDB 1.x, 2.x, 3.x). Point layout in points.ts; README
 * "Time-series store: InfluxDB" has the design for Grafana users.
 *
 * - API from the server's version (/ping → X-Influxdb-Version): 1.x → POST /write through the `influx`
 *   package; 2.x/3.x → /api/v2/write through @influxdata/influxdb-client. Reads and gaps use InfluxQL
 *   (/query) on every version (2.x needs a DBRP mapping of the bucket; 3.x answers InfluxQL natively).
 *   Only the 1.x paths are tested here (Debian's influxd 1.6).
 * - Writes: validated whole (../validate.ts) and tagged through the injected TagResolver before anything
 *   is sent; one key once per call (the later item wins); calls serialised (in call order, so a later
 *   rewrite always wins); sent in requests of `batchLines` lines, two in flight, each retried with
 *   exponential back-off on 5xx and connection errors (retry.ts, injected clock); a 4xx is an
 *   InfluxWriteError naming the batch items concerned.
 * - Reads: chunked InfluxQL answers streamed row by row. Bulk scans come in the server's time order;
 *   meter-list scans are read `readMeterChunk` meters at a time and sorted (meter, time, quantity).
 * - missing(): the (meter, time) of the usable points in the grid's range, `gapMeterChunk` meters per
 *   query (or one scan for very long meter lists), marked in a bitmap (see missing()).
 */
import { realClock, type Clock } from '../../clock.js';
import { silentLogger, type Logger } from '../../logger.js';
import { StoreClosedError, StoreInputError } from '../errors.js';
import { searchSorted } from '../sorted.js';
import { QUANTITIES, SERIES_KINDS, type SeriesKind } from '../quantities.js';
import type { EventQuery, Gap, GapQuery, Reading, ReadingQuery, ReadingStore, StoreHealth, StoredEvent } from '../store.js';
import { validateEventQuery, validateEvents, validateGapQuery, validateReadingQuery, validateReadings } from '../validate.js';
import { InfluxVersionError, InfluxWriteError, type WriteWhere } from './errors.js';
import { HttpStatusError, PoolClient, V2Writer, isRetryable, type Connection } from './http.js';
import { chunks, idIn, ident, lit, selectList, timeRange } from './influxql.js';
import { EVENT_MEASUREMENT, describeEvent, describeReading, eventLine, readingColumns, readingLine, rowToEvent, rowToReading, type Row } from './points.js';
import { DEFAULT_RETRY, withRetry, type RetryContext, type RetryPolicy } from './retry.js';
import type { TagResolver } from './tags.js';

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
  /** Write requests of one call in flight at once. Default 2. */
  writeConcurrency?: number;
  retry?: Partial<RetryPolicy>;
  /**
   * Retry policy of the open itself (/ping, CREATE DATABASE) when it should differ from `retry`, e.g.
   * `{ maxAttempts: 1 }` to find out at once whether the server is up (src/store/open.ts). Default `retry`.
   */
  openRetry?: Partial<RetryPolicy>;
  /** Per-request timeout (ms; idle time for streamed answers). Default 60 000. */
  requestTimeoutMs?: number;
  /** Meters per query of a meter-list scan (each chunk is sorted in memory). Default 200. */
  readMeterChunk?: number;
  /** Meters per missing() query. Default 500. */
  gapMeterChunk?: number;
  /** missing() for more meters than this scans the grid's time range once, without a meter filter. Default 5 000. */
  gapScanAbove?: number;
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

/** Positions of the last item of each key, in batch order (a later item with the same key wins). */
function lastOfEachKey<T>(batch: readonly T[], key: (x: T) => string): number[] {
  const last = new Map<string, number>();
  batch.forEach((x, i) => last.set(key(x), i));
  if (last.size === batch.length) return batch.map((_, i) => i);
  return [...last.values()].sort((a, b) => a - b);
}


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
  const openRetry: RetryContext = o.openRetry ? { ...retry, policy: { ...retry.policy, ...o.openRetry } } : retry;
  const ping = await withRetry(
    'ping',
    async () => {
      const p = await pool.ping(Math.min(conn.requestTimeoutMs, 5000));
      if (!p.online) throw new HttpStatusError(503, 'no answer to /ping');
      return p;
    },
    openRetry,
  );
  const major = o.apiVersion ?? parseMajorVersion(ping.version);
  let writer: Writer;
  if (major === 1) {
    if (o.createDatabase !== false) await withRetry('CREATE DATABASE', () => pool.query(`CREATE DATABASE ${ident(o.database)}`), openRetry);
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
  private readonly writeConcurrency: number;
  private readonly readMeterChunk: number;
  private readonly gapMeterChunk: number;
  private readonly gapScanAbove: number;
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
    this.writeConcurrency = Math.max(1, o.writeConcurrency ?? 2);
    this.readMeterChunk = Math.max(1, o.readMeterChunk ?? 200);
    this.gapMeterChunk = Math.max(1, o.gapMeterChunk ?? 500);
    this.gapScanAbove = Math.max(1, o.gapScanAbove ?? 5000);
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
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      if (!tags.has(r.meter)) throw new StoreInputError(i, 'meter', `meter id ${r.meter} is not in the archive: no tags for InfluxDB (${describeReading(r)})`);
    }
    const index = lastOfEachKey(batch, (r) => `${r.kind}|${r.quantity}|${r.meter}|${r.time}`);
    await this.serial(() =>
      this.send(
        'write readings',
        index,
        (i) => readingLine(batch[i]!, tags.get(batch[i]!.meter)!),
        (i) => describeReading(batch[i]!),
      ),
    );
  }

  async writeEvents(batch: readonly StoredEvent[]): Promise<void> {
    this.checkOpen();
    validateEvents(batch);
    if (batch.length === 0) return;
    const terminals = this.tags.terminals([...new Set(batch.map((e) => e.terminal))]);
    const meters = this.tags.meters([...new Set(batch.flatMap((e) => (e.meter === undefined ? [] : [e.meter])))]);
    const json: string[] = [];
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]!;
      if (!terminals.has(e.terminal)) throw new StoreInputError(i, 'terminal', `terminal id ${e.terminal} is not in the archive: no tags for InfluxDB (${describeEvent(e)})`);
      try {
        json.push(JSON.stringify(e.record));
      } catch (err) {
        throw new StoreInputError(i, 'record', `not JSON-safe: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const index = lastOfEachKey(batch, (e) => `${e.terminal}|${e.erc}|${e.time}|${e.meter ?? ''}`);
    await this.serial(() =>
      this.send(
        'write events',
        index,
        (i) => eventLine(batch[i]!, json[i]!, terminals.get(batch[i]!.terminal)!, batch[i]!.meter === undefined ? undefined : meters.get(batch[i]!.meter!)),
        (i) => describeEvent(batch[i]!),
      ),
    );
  }

  /**
   * Sends the items `index` (batch positions, one key each) as lines in requests of batchLines, up to
   * `writeConcurrency` requests in flight (the next request's lines are built while one is on the wire;
   * keys are unique within a call, so their order does not matter), each retried on 5xx/connection
   * errors. A 4xx becomes an InfluxWriteError naming the items of that request.
   */
  private async send(what: string, index: readonly number[], line: (i: number) => string, describe: (i: number) => string): Promise<void> {
    const inflight = new Set<Promise<void>>();
    let failure: unknown;
    for (let from = 0; from < index.length && failure === undefined; from += this.batchLines) {
      const items = index.slice(from, from + this.batchLines);
      const lines = items.map(line);
      const p: Promise<void> = this.sendPart(what, items, lines, describe)
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= this.writeConcurrency) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    if (failure !== undefined) throw failure;
  }

  private async sendPart(what: string, items: readonly number[], lines: readonly string[], describe: (i: number) => string): Promise<void> {
    try {
      await withRetry(what, () => this.writer.write(lines, 'ms'), this.retry);
    } catch (err) {
      if (!(err instanceof HttpStatusError)) throw err;
      const where: WriteWhere = { from: items[0]!, to: items[items.length - 1]! + 1 };
      const k = lines.findIndex((l) => err.serverMessage.includes(`'${l}'`));
      if (k >= 0) {
        where.item = items[k]!;
        where.description = describe(where.item);
      }
      this.log.error({ status: err.status, where, err: err.serverMessage }, 'InfluxDB refused a write');
      throw new InfluxWriteError(err.status, err.serverMessage, where);
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
      for await (const row of this.stream(`${base} AND ${idIn('mid', part)}`)) got.push({ r: rowToReading(q.kind, row), row });
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
    if (q.terminals) where.push(idIn('tid', [...new Set(q.terminals)]));
    if (q.meters) where.push(idIn('mid', [...new Set(q.meters)]));
    if (q.erc) where.push(idIn('erc', [...new Set(q.erc)]));
    const statement = `SELECT ${selectList(['tid', 'mid', 'erc', 'important', 'record'])} FROM ${ident(EVENT_MEASUREMENT)} WHERE ${where.join(' AND ')}`;
    for await (const row of this.stream(statement)) yield rowToEvent(row);
  }

  /**
   * Gaps of the grid: one streamed query per `gapMeterChunk` meters (or one scan of the time range for
   * more than `gapScanAbove` meters) returning the (meter, time) of every usable point (`valid` > 0);
   * presence is marked in a meters × times bitmap. The raw rows are smaller than a `count()` grouped by
   * meter (one JSON series per meter) and exact for any grid (InfluxQL cannot OR time conditions).
   */
  async missing(q: GapQuery): Promise<Gap[]> {
    this.checkOpen();
    validateGapQuery(q);
    const meters = [...new Set(q.meters)].sort((a, b) => a - b);
    const times = [...new Set(q.times)].sort((a, b) => a - b);
    if (meters.length === 0 || times.length === 0) return [];
    const from = times[0]!;
    const to = times[times.length - 1]!;
    const timeIndex = new Map(times.map((t, i) => [t, i]));
    const present = new Uint8Array(meters.length * times.length);
    const base = `SELECT ${selectList(['valid', 'mid'])} FROM ${ident(q.kind)} WHERE ${ident('quantity')} = ${lit(q.quantity)} AND ${ident('valid')} > 0 AND ${
      times.length === 1 ? `time = ${from}ms` : `time >= ${from}ms AND time <= ${to}ms`
    }`;
    const statements = meters.length > this.gapScanAbove ? [base] : chunks(meters, this.gapMeterChunk).map((part) => `${base} AND ${idIn('mid', part)}`);
    for (const statement of statements) {
      for await (const row of this.stream(statement)) {
        const t = timeIndex.get(Number(row.get('time')));
        const m = t === undefined ? -1 : searchSorted(meters, Number(row.get('mid')));
        if (m >= 0) present[m * times.length + t!] = 1;
      }
    }
    const gaps: Gap[] = [];
    for (let m = 0; m < meters.length; m++) for (let t = 0; t < times.length; t++) if (!present[m * times.length + t]) gaps.push({ meter: meters[m]!, time: times[t]! });
    return gaps;
  }

  /**
   * Whether the database holds any reading measurement (`SHOW MEASUREMENTS`); undefined when the
   * server cannot tell. A new coverage index over an empty database is complete from the start.
   */
  async holdsReadings(): Promise<boolean | undefined> {
    this.checkOpen();
    try {
      for await (const row of this.stream('SHOW MEASUREMENTS')) {
        if (SERIES_KINDS.includes(String(row.get('name')) as SeriesKind)) return true;
      }
      return false;
    } catch (err) {
      this.log.warn({ event: 'influx-show-measurements-failed', err: err instanceof Error ? err.message : String(err) }, 'SHOW MEASUREMENTS failed: cannot tell whether the database holds readings');
      return undefined;
    }
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
