/**
 * Typed errors of the InfluxDB store. Each says what went wrong and where: the HTTP status and the
 * server's message, and for writes which items of the caller's batch were concerned. Bad data found
 * before sending is the store layer's StoreInputError (../errors.ts, permanent).
 *
 * Permanent (../errors.ts `isPermanentStoreError`: the spool sets the batch aside) only when the server
 * refused the data itself (400, 413, 422); 401/403/404 are configuration faults (credentials, a missing
 * database) the spool should keep retrying through, and 5xx/connection failures are retried here first.
 */
import { StoreUnavailableError } from '../errors.js';

/** What a write concerned: the caller's batch indexes and a short description of the first item. */
export interface WriteWhere {
  /** Index of the first item of the failed request in the caller's batch. */
  from: number;
  /** One past the last item of the failed request. */
  to: number;
  /** The item the server named (parsed from its message), when it named one. */
  item?: number;
  /** e.g. `day ea_imp meter 12 at 2024-05-01T16:00:00.000Z`. */
  description?: string;
}

/**
 * The server refused a write (HTTP 4xx: unparsable line, field type conflict, unknown database,
 * authorisation); the message is the server's. Not retried by the store.
 */
export class InfluxWriteError extends Error {
  /** True when the data itself was refused (400, 413, 422): retrying the same data cannot help. */
  readonly permanent: boolean;
  readonly status: number;
  readonly serverMessage: string;
  readonly where: WriteWhere;
  /** 1.x answers 400 "partial write" when it kept some points of the request and dropped others. */
  readonly partial: boolean;
  constructor(status: number, serverMessage: string, where: WriteWhere) {
    const item = where.item !== undefined ? `item ${where.item}${where.description ? ` (${where.description})` : ''} of ` : '';
    super(`InfluxDB refused a write (HTTP ${status}) for ${item}items ${where.from}..${where.to - 1} of the batch: ${serverMessage}`);
    this.name = 'InfluxWriteError';
    this.status = status;
    this.serverMessage = serverMessage;
    this.where = where;
    this.partial = /partial write/i.test(serverMessage);
    this.permanent = status === 400 || status === 413 || status === 422;
  }
}

/** The server could not be reached or kept failing (5xx, connection errors) until retries ran out. */
export class InfluxUnavailableError extends StoreUnavailableError {
  readonly url: string;
  readonly attempts: number;
  readonly lastError: string;
  constructor(url: string, what: string, attempts: number, lastError: string) {
    super('influxdb', `${url}: ${what} failed after ${attempts} attempt(s): ${lastError}`);
    this.name = 'InfluxUnavailableError';
    this.url = url;
    this.attempts = attempts;
    this.lastError = lastError;
  }
}

/** An InfluxQL statement failed (the server's error for it) or its answer could not be read. */
export class InfluxQueryError extends Error {
  readonly statement: string;
  readonly status: number | undefined;
  constructor(statement: string, message: string, status?: number) {
    super(`InfluxQL ${status !== undefined ? `(HTTP ${status}) ` : ''}failed: ${message} — in: ${statement.length > 300 ? `${statement.slice(0, 300)}…` : statement}`);
    this.name = 'InfluxQueryError';
    this.statement = statement;
    this.status = status;
  }
}

/** The server's version is missing or not one this store speaks to (1.x, 2.x, 3.x), or settings are missing for it. */
export class InfluxVersionError extends Error {
  readonly url: string;
  readonly version: string | undefined;
  constructor(url: string, version: string | undefined, message: string) {
    super(`InfluxDB at ${url} (version ${version ?? 'unknown'}): ${message}`);
    this.name = 'InfluxVersionError';
    this.url = url;
    this.version = version;
  }
}
