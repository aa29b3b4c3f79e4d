/**
 * Shared pieces of the routes: cursor pagination, the bulk formats (JSON page, NDJSON, CSV) and
 * streaming with backpressure.
 *
 * Streams: the first row is produced before the status line is sent, so a store that is down still
 * answers 503 with a typed body; after that the body flows as the client reads it (Readable.from over
 * an async generator pulls the next rows only when the socket has drained), in chunks of ~16 KiB. An
 * error mid-stream aborts the response (the client sees a truncated chunked body, never a silent end).
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { csvField } from '../archive/csv.js';
import { InputError } from '../errors.js';

export type BulkFormat = 'json' | 'ndjson' | 'csv';

export const FORMAT_QUERY = { type: 'string', enum: ['json', 'ndjson', 'csv'], description: 'json: one page (limit + cursor); ndjson / csv: every row, streamed. Default from Accept, else json.' } as const;
export const LIMIT_QUERY = { type: 'integer', minimum: 1, description: 'page size (JSON pages; at most api.maxPageSize)' } as const;
export const CURSOR_QUERY = { type: 'string', maxLength: 512, description: 'nextCursor of the previous page' } as const;

/** `format` wins; else Accept (text/csv, application/x-ndjson); else JSON. */
export function formatOf(req: FastifyRequest, format: string | undefined): BulkFormat {
  if (format === 'json' || format === 'ndjson' || format === 'csv') return format;
  const accept = req.headers.accept ?? '';
  if (/\btext\/csv\b/.test(accept)) return 'csv';
  if (/\bapplication\/(x-)?ndjson\b/.test(accept)) return 'ndjson';
  return 'json';
}

/** An opaque cursor of a keyset position. */
export function encodeCursor(position: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeCursor(text: string | undefined, field = 'cursor'): (string | number)[] | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v as (string | number)[];
  } catch {
    // fall through
  }
  throw new InputError(field, 'not a cursor of this listing (pass nextCursor as given)');
}

/** A cursor holding one integer key (meter / customer id). */
export function intCursor(text: string | undefined): number | undefined {
  const c = decodeCursor(text);
  if (c === undefined) return undefined;
  if (typeof c[0] !== 'number' || !Number.isInteger(c[0])) throw new InputError('cursor', 'not a cursor of this listing (pass nextCursor as given)');
  return c[0];
}

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  nextCursor?: string;
}

export function pageLimit(limit: number | undefined, max: number, dflt = 100): number {
  if (limit === undefined) return Math.min(dflt, max);
  if (limit > max) throw new InputError('limit', `at most ${max} per page (api.maxPageSize); stream ndjson or csv for everything`);
  return limit;
}

/** Collects one page from rows keyed by `keyOf`: limit + 1 read tells whether there is more. */
export async function collectPage<T>(rows: AsyncIterable<T>, limit: number, keyOf: (t: T) => (string | number)[]): Promise<Page<T>> {
  const items: T[] = [];
  let more = false;
  for await (const r of rows) {
    if (items.length === limit) {
      more = true;
      break;
    }
    items.push(r);
  }
  const page: Page<T> = { items };
  if (more && items.length > 0) page.nextCursor = encodeCursor(keyOf(items.at(-1)!));
  return page;
}

export type Cell = string | number | null | undefined;

export interface CsvShape<T> {
  header: readonly string[];
  row(t: T): readonly Cell[];
}

// Numbers never need quoting: only text goes through csvField's scan.
const cell = (v: Cell): string => (v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : csvField(v));

/** One CSV line (RFC 4180 quoting, `\n`). */
export function csvLineOf(cells: readonly Cell[]): string {
  return `${cells.map(cell).join(',')}\n`;
}

const CHUNK = 16 * 1024;

/**
 * Streams `rows` as NDJSON (`toJson` per line) or CSV (`csv`); answers the error instead when the very
 * first row cannot be produced.
 */
export async function sendStream<T>(
  reply: FastifyReply,
  format: 'ndjson' | 'csv',
  rows: AsyncIterable<T>,
  o: { csv: CsvShape<T>; toJson?: (t: T) => unknown; filename: string },
): Promise<FastifyReply> {
  const it = rows[Symbol.asyncIterator]();
  const first = await it.next();
  const line = format === 'csv' ? (t: T): string => csvLineOf(o.csv.row(t)) : (t: T): string => `${JSON.stringify(o.toJson ? o.toJson(t) : t)}\n`;
  async function* body(): AsyncGenerator<string> {
    let closed = false;
    try {
      let buf = format === 'csv' ? csvLineOf(o.csv.header) : '';
      if (!first.done) {
        buf += line(first.value);
        // The header and the first row leave at once: the client sees the export start.
        yield buf;
        buf = '';
        for (;;) {
          const n = await it.next();
          if (n.done) break;
          buf += line(n.value);
          if (buf.length >= CHUNK) {
            yield buf;
            buf = '';
          }
        }
      }
      closed = true;
      if (buf !== '') yield buf;
    } finally {
      if (!closed) await it.return?.();
    }
  }
  const type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8';
  const ext = format === 'csv' ? 'csv' : 'ndjson';
  void reply.header('content-type', type).header('cache-control', 'no-store').header('content-disposition', `inline; filename="${o.filename}.${ext}"`);
  return reply.send(Readable.from(body(), { objectMode: false, highWaterMark: CHUNK }));
}
