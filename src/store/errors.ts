/**
 * Typed errors of the store layer (the contract's, the embedded store's and the spool's).
 *
 * Permanent vs transient: a write that can never succeed as given (bad data) rejects with an error
 * that `isPermanentStoreError` recognises — `StoreInputError` here, or any store's own error class
 * carrying `permanent: true` (the InfluxDB store's "400 bad data" errors). Every other rejection is
 * taken as transient: the spool keeps the batch and retries with back-off.
 */

/** Marker of errors that retrying cannot cure (the data is refused). */
export interface PermanentStoreError extends Error {
  readonly permanent: true;
}

export function isPermanentStoreError(e: unknown): e is PermanentStoreError {
  return e instanceof Error && (e as Partial<PermanentStoreError>).permanent === true;
}

/** A batch or query refused before anything was written: names the item and the rule it breaks. */
export class StoreInputError extends Error implements PermanentStoreError {
  readonly permanent = true as const;
  /** Index of the offending item in the batch (-1 for queries). */
  readonly index: number;
  readonly field: string;
  readonly reason: string;
  constructor(index: number, field: string, reason: string) {
    super(index >= 0 ? `item ${index} of the batch, ${field}: ${reason}` : `${field}: ${reason}`);
    this.name = 'StoreInputError';
    this.index = index;
    this.field = field;
    this.reason = reason;
  }
}

/** The store (or the spool) was closed: nothing more is accepted. */
export class StoreClosedError extends Error {
  constructor(what: string) {
    super(`${what} is closed`);
    this.name = 'StoreClosedError';
  }
}

/** The backing database failed (busy, I/O, disk full): transient, worth retrying. */
export class StoreUnavailableError extends Error {
  readonly store: string;
  constructor(store: string, message: string, options?: { cause?: unknown }) {
    super(`${store} store unavailable: ${message}`, options);
    this.name = 'StoreUnavailableError';
    this.store = store;
  }
}

/** The embedded store's schema on disk is not one this code can use (written by a newer version). */
export class StoreSchemaError extends Error {
  readonly found: number;
  readonly expected: number;
  constructor(found: number, expected: number) {
    super(`store schema version ${found} is newer than this code (${expected}): upgrade OpenHES`);
    this.name = 'StoreSchemaError';
    this.found = found;
    this.expected = expected;
  }
}

/** The spool could not append (disk full, I/O error): the batch was not acknowledged. */
export class SpoolWriteError extends Error {
  readonly dir: string;
  constructor(dir: string, message: string, options?: { cause?: unknown }) {
    super(`spool ${dir}: ${message}`, options);
    this.name = 'SpoolWriteError';
    this.dir = dir;
  }
}

/** Another live process holds the spool directory. */
export class SpoolLockedError extends Error {
  readonly dir: string;
  readonly pid: number;
  constructor(dir: string, pid: number) {
    super(`spool ${dir} is in use by process ${pid}`);
    this.name = 'SpoolLockedError';
    this.dir = dir;
    this.pid = pid;
  }
}

/** The coverage index file (coverage.db) is damaged or of a format this code does not read. */
export class CoverageIndexError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`coverage index ${file}: ${message} (delete the file and run \`hes store reindex\`)`);
    this.name = 'CoverageIndexError';
    this.file = file;
  }
}
