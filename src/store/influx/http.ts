/**
 * HTTP to InfluxDB: the `influx` package's Pool (the HTTP layer of its InfluxDB class) for /ping,
 * /query (InfluxQL, also chunked) and the 1.x /write, and @influxdata/influxdb-client's WriteApi for
 * /api/v2/write (2.x/3.x). The Pool is configured not to retry and never to take the host out of
 * rotation: retry and back-off are the store's (retry.ts), on the injected clock.
 *
 * `influx`'s InfluxDB.writePoints builds its own line protocol; the store's lines come from
 * @influxdata/influxdb-client's Point, so they are posted through the same Pool directly.
 */
import readline from 'node:readline';
import type { IncomingMessage } from 'node:http';
import { HttpError, InfluxDB as InfluxV2, RequestTimedOutError } from '@influxdata/influxdb-client';
import { Pool, RequestError, ServiceNotAvailableError } from 'influx/lib/src/pool.js';
import { InfluxQueryError } from './errors.js';
import type { Row } from './points.js';

/** An HTTP answer other than 2xx, with the server's message. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly serverMessage: string,
  ) {
    super(`HTTP ${status}: ${serverMessage}`);
    this.name = 'HttpStatusError';
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** 5xx, 429, 408, timeouts and connection failures: worth another attempt. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof HttpStatusError) return err.status >= 500 || err.status === 429 || err.status === 408;
  if (err instanceof ServiceNotAvailableError || err instanceof RequestTimedOutError) return true;
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return (typeof code === 'string' && NETWORK_CODES.has(code)) || /socket hang up|ECONNRESET|ECONNREFUSED/i.test(err.message);
  }
  return false;
}

/** The `error` member of a JSON error body, or the body itself. */
function serverMessage(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: unknown; message?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON
  }
  return body.trim();
}

/** Pool errors → HttpStatusError for HTTP answers; network errors unchanged. */
function fromPoolError(err: unknown): unknown {
  if (err instanceof RequestError) {
    const body = /error occurred: ([\s\S]*)$/.exec(err.message)?.[1] ?? err.message;
    return new HttpStatusError(err.res.statusCode ?? 0, serverMessage(body));
  }
  if (err instanceof ServiceNotAvailableError) return new HttpStatusError(503, err.message || 'service unavailable');
  return err;
}

/** One row of a series: values by column index, then the series' GROUP BY tags. */
class SeriesRow implements Row {
  constructor(
    private readonly columns: ReadonlyMap<string, number>,
    private readonly values: readonly unknown[],
    private readonly tags: Readonly<Record<string, string>> | undefined,
  ) {}
  get(name: string): unknown {
    const i = this.columns.get(name);
    return i !== undefined ? this.values[i] : this.tags?.[name];
  }
}

export interface Series {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

interface StatementResult {
  statement_id?: number;
  series?: Series[];
  error?: string;
  partial?: boolean;
}

export interface Connection {
  url: string;
  /** 1.x database, 2.x/3.x bucket (mapped to a database for InfluxQL). */
  database: string;
  retentionPolicy?: string;
  /** 1.x basic auth. */
  username?: string;
  password?: string;
  /** 2.x/3.x API token. */
  token?: string;
  requestTimeoutMs: number;
}

const NO_BACKOFF = { getDelay: () => 0, next() { return this; }, reset() { return this; } };

/** /ping, InfluxQL and the 1.x /write over the `influx` Pool. */
export class PoolClient {
  private readonly pool: Pool;
  constructor(readonly c: Connection) {
    this.pool = new Pool({ maxRetries: 0, requestTimeout: c.requestTimeoutMs, backoff: NO_BACKOFF });
    this.pool.addHost(c.url);
  }

  private auth(): { auth?: string; headers?: Record<string, string> } {
    if (this.c.token) return { headers: { Authorization: `Token ${this.c.token}` } };
    if (this.c.username !== undefined) return { auth: `${this.c.username}:${this.c.password ?? ''}` };
    return {};
  }

  /** The server's version (X-Influxdb-Version), undefined when it does not answer. */
  async ping(timeoutMs = 5000): Promise<{ online: boolean; version: string | undefined }> {
    const [r] = await this.pool.ping(timeoutMs);
    return { online: r?.online === true, version: r?.version ?? undefined };
  }

  /** POST /write (1.x): the lines, at `precision`. */
  async write(body: string, precision: 'ms' | 'ns'): Promise<void> {
    const query: Record<string, string> = { db: this.c.database, precision };
    if (this.c.retentionPolicy) query.rp = this.c.retentionPolicy;
    try {
      await this.pool.discard({ method: 'POST', path: '/write', query, body, ...this.auth() });
    } catch (err) {
      throw fromPoolError(err);
    }
  }

  private queryOptions(statement: string, chunked: boolean) {
    const query: Record<string, string> = { db: this.c.database, epoch: 'ms' };
    if (this.c.retentionPolicy) query.rp = this.c.retentionPolicy;
    if (chunked) Object.assign(query, { chunked: 'true', chunk_size: '10000' });
    return { method: 'POST' as const, path: '/query', query, body: new URLSearchParams({ q: statement }).toString(), ...this.auth() };
  }

  /** One InfluxQL statement; its series (none when nothing matched). */
  async query(statement: string): Promise<Series[]> {
    let answer: { results?: StatementResult[]; error?: string };
    try {
      answer = (await this.pool.json(this.queryOptions(statement, false))) as typeof answer;
    } catch (err) {
      const e = fromPoolError(err);
      if (e instanceof HttpStatusError && e.status < 500) throw new InfluxQueryError(statement, e.serverMessage, e.status);
      throw e;
    }
    if (answer.error) throw new InfluxQueryError(statement, answer.error);
    const r = answer.results?.[0];
    if (r?.error) throw new InfluxQueryError(statement, r.error);
    return r?.series ?? [];
  }

  /** Opens a chunked InfluxQL answer (the request only: retry this, not the reading). */
  open(statement: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      this.pool.stream(this.queryOptions(statement, true), (err, res) => {
        if (err) {
          const e = fromPoolError(err);
          reject(e instanceof HttpStatusError && e.status < 500 ? new InfluxQueryError(statement, e.serverMessage, e.status) : e);
        } else resolve(res);
      });
    });
  }

  /** The rows of an opened chunked answer, in the server's order; throws if it ends before its last chunk. */
  async *rows(statement: string, res: IncomingMessage): AsyncGenerator<Row> {
    const lines = readline.createInterface({ input: res, crlfDelay: Number.POSITIVE_INFINITY });
    let complete = false;
    try {
      for await (const line of lines) {
        if (!line.trim()) continue;
        const answer = JSON.parse(line) as { results?: StatementResult[]; error?: string };
        if (answer.error) throw new InfluxQueryError(statement, answer.error);
        for (const r of answer.results ?? []) {
          if (r.error) throw new InfluxQueryError(statement, r.error);
          for (const s of r.series ?? []) {
            const columns = new Map(s.columns.map((c, i) => [c, i]));
            for (const v of s.values) yield new SeriesRow(columns, v, s.tags);
          }
          complete = r.partial !== true;
        }
      }
    } finally {
      lines.close();
      res.destroy();
    }
    if (!complete) throw new InfluxQueryError(statement, 'the answer ended before its last chunk (connection lost?)');
  }
}

/** Writes over /api/v2/write (2.x, 3.x) with @influxdata/influxdb-client; no retries of its own. */
export class V2Writer {
  private readonly client: InfluxV2;
  constructor(
    private readonly c: Connection,
    private readonly org: string,
  ) {
    this.client = new InfluxV2({ url: c.url, token: c.token, timeout: c.requestTimeoutMs });
  }

  async write(lines: readonly string[], precision: 'ms' | 'ns'): Promise<void> {
    const api = this.client.getWriteApi(this.org, this.c.database, precision, {
      batchSize: lines.length + 1,
      flushInterval: 0,
      maxRetries: 0,
      // Make flush() reject with the error instead of logging it.
      writeFailed: (error: Error) => Promise.reject(error),
    });
    try {
      api.writeRecords(lines as string[]);
      await api.flush();
    } catch (err) {
      if (err instanceof HttpError) throw new HttpStatusError(err.statusCode, serverMessage(err.body ?? err.message));
      throw err;
    } finally {
      await api.close().catch(() => undefined);
    }
  }
}
