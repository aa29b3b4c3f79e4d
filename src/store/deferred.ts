/**
 * A backing store that could not be opened at startup because its server was down (issue 7,
 * durability): the head-end starts anyway — terminals are served, readings and events are acknowledged
 * by the write-ahead spool in front of this — and the store is opened in the background, retried with
 * back-off on the injected clock until it answers. Until then every call fails with
 * StoreUnavailableError, which the spool takes as transient (it keeps its records and retries; they are
 * forwarded in order once the store is open) and the scheduler as a failed pass (补采 asks again later).
 *
 * Only used with the spool in front (src/store/open.ts): without one, readings would have nowhere to go,
 * and the head-end fails to start instead.
 */
import { realClock, type Clock, type Timer } from '../clock.js';
import { silentLogger, type Logger } from '../logger.js';
import { StoreClosedError, StoreUnavailableError } from './errors.js';
import type { EventQuery, Gap, GapQuery, Reading, ReadingQuery, ReadingStore, StoreHealth, StoredEvent } from './store.js';

export interface DeferredOpenOptions {
  logger?: Logger;
  clock?: Clock;
  /** Delay before the next attempt: first, cap (default 1 s doubling to 30 s). */
  retry?: { initialMs?: number; maxMs?: number };
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Tries `attempt` once: its store when it opens; when it fails with StoreUnavailableError (the server
 * is down) a DeferredStore that keeps trying in the background. Any other error (bad credentials, an
 * unsupported version) is thrown: a configuration problem the operator must fix, not an outage.
 */
export async function openOrDefer(name: string, attempt: () => Promise<ReadingStore>, o: DeferredOpenOptions = {}): Promise<ReadingStore> {
  try {
    return await attempt();
  } catch (e) {
    if (!(e instanceof StoreUnavailableError)) throw e;
    const log = o.logger ?? silentLogger;
    log.warn(
      { event: 'store-deferred', store: name, err: message(e) },
      `the ${name} store is unavailable (${message(e)}): starting without it — the spool takes the readings and forwards them once it answers`,
    );
    return new DeferredStore(name, attempt, e, o);
  }
}

export class DeferredStore implements ReadingStore {
  private inner: ReadingStore | undefined;
  private lastError: Error;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly maxMs: number;
  private delayMs: number;
  private timer: Timer | undefined;
  private attempts = 1;
  private closed = false;

  constructor(
    private readonly base: string,
    private readonly attempt: () => Promise<ReadingStore>,
    firstError: Error,
    o: DeferredOpenOptions = {},
  ) {
    this.lastError = firstError;
    this.log = o.logger ?? silentLogger;
    this.clock = o.clock ?? realClock;
    this.delayMs = Math.max(1, o.retry?.initialMs ?? 1000);
    this.maxMs = Math.max(this.delayMs, o.retry?.maxMs ?? 30_000);
    this.schedule();
  }

  /** The opened store's name once open ('influxdb-1.x'), the configured backend's before. */
  get name(): string {
    return this.inner?.name ?? this.base;
  }

  /** Whether the store has been opened. */
  get open(): boolean {
    return this.inner !== undefined;
  }

  private schedule(): void {
    if (this.closed) return;
    const ms = this.delayMs;
    this.delayMs = Math.min(this.maxMs, this.delayMs * 2);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.tryOpen();
    }, ms);
  }

  private async tryOpen(): Promise<void> {
    this.attempts++;
    let store: ReadingStore;
    try {
      store = await this.attempt();
    } catch (e) {
      this.lastError = e instanceof Error ? e : new Error(String(e));
      const fields = { event: 'store-deferred-retry', store: this.base, attempts: this.attempts, err: message(e), retryInMs: this.delayMs };
      // Down: expected, logged now and then. Anything else (credentials…) needs the operator: error.
      if (!(e instanceof StoreUnavailableError)) this.log.error(fields, `opening the ${this.base} store failed: ${message(e)}; retrying`);
      else if (this.attempts % 10 === 0) this.log.warn(fields, `the ${this.base} store is still unavailable after ${this.attempts} attempts: ${message(e)}`);
      this.schedule();
      return;
    }
    if (this.closed) {
      await store.close().catch(() => undefined);
      return;
    }
    this.inner = store;
    this.log.info({ event: 'store-opened', store: store.name, attempts: this.attempts }, `the ${store.name} store is available (opened after ${this.attempts} attempts)`);
  }

  private ready(): ReadingStore {
    if (this.closed) throw new StoreClosedError(`the ${this.name} store`);
    if (this.inner) return this.inner;
    throw new StoreUnavailableError(this.base, `not opened yet (${this.attempts} attempts since startup; last: ${this.lastError.message})`);
  }

  writeReadings(batch: readonly Reading[]): Promise<void> {
    try {
      return this.ready().writeReadings(batch);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  writeEvents(batch: readonly StoredEvent[]): Promise<void> {
    try {
      return this.ready().writeEvents(batch);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  async *readings(q: ReadingQuery): AsyncGenerator<Reading> {
    yield* this.ready().readings(q);
  }

  async *events(q: EventQuery): AsyncGenerator<StoredEvent> {
    yield* this.ready().events(q);
  }

  async missing(q: GapQuery): Promise<Gap[]> {
    return this.ready().missing(q);
  }

  async health(): Promise<StoreHealth> {
    if (this.inner) return this.inner.health();
    return { ok: false, detail: `${this.base}: not opened yet (${this.attempts} attempts; last: ${this.lastError.message})` };
  }

  /** Stops trying; closes the store if it was opened (an attempt in flight closes what it opens). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.inner?.close();
  }
}
