/**
 * Northbound messages to an HTTP webhook: POST `{ "events": [ <message>, … ] }` (at most `batch` per
 * request, in order), one request at a time. Headers: `Content-Type: application/json`,
 * `X-OpenHES-Delivery` (the same on every attempt of a batch: receivers can drop duplicates),
 * `X-OpenHES-Signature: sha256=<hex>` (HMAC-SHA256 of the body with the hook's secret, when set).
 *
 * 2xx: delivered. A connection error, timeout, 408, 429 or 5xx: tried again after `retryMs` × 2^n (at
 * most `retryMaxMs`; a Retry-After header is honoured up to that) until `maxAttempts`, then the batch is
 * dropped (`failed`). Another 4xx: the receiver refuses the content, dropped at once (`rejected`).
 * The queue holds at most `maxQueue` messages; when full the oldest is dropped (`queue-full`). Every drop
 * is counted and logged with the message ids.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Clock, Timer } from '../clock.js';
import type { Logger } from '../logger.js';
import { typeMatches, type NorthboundMessage } from './messages.js';
import { DropLog, emptyDrops, type DropReason, type Sink, type SinkStats } from './sink.js';

export interface WebhookSinkOptions {
  url: string;
  secret?: string;
  types?: readonly string[];
  maxQueue: number;
  batch: number;
  timeoutMs: number;
  retryMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  clock: Clock;
  logger: Logger;
  /** User-Agent (openhes/<version>). */
  agent?: string;
}

type Attempt = { ok: true } | { ok: false; retry: boolean; reason: string; retryAfterMs?: number };

export class WebhookSink implements Sink {
  readonly name: string;
  private readonly queue: NorthboundMessage[] = [];
  private readonly drops = emptyDrops();
  private readonly dropLog: DropLog;
  private delivered = 0;
  private retries = 0;
  private inFlight = 0;
  private running: Promise<void> | undefined;
  private wait: { timer: Timer; wake: () => void } | undefined;
  private lastOk = true;
  private closing = false;

  constructor(private readonly o: WebhookSinkOptions) {
    this.name = `webhook ${redact(o.url)}`;
    this.dropLog = new DropLog((f, m) => o.logger.error(f, m), () => o.clock.now());
  }

  send(m: NorthboundMessage): void {
    if (!typeMatches(m.type, this.o.types)) return;
    if (this.closing) return this.drop('shutdown', [m]);
    if (this.queue.length >= this.o.maxQueue) this.drop('queue-full', this.queue.splice(0, this.queue.length - this.o.maxQueue + 1));
    this.queue.push(m);
    this.running ??= this.pump().finally(() => (this.running = undefined));
  }

  stats(): SinkStats {
    return { sink: this.name, delivered: this.delivered, dropped: { ...this.drops }, pending: this.queue.length + this.inFlight, retries: this.retries, connected: this.lastOk };
  }

  async close(graceMs: number): Promise<void> {
    this.closing = true;
    const deadline = this.o.clock.now() + graceMs;
    // Back-off waits end now: what is queued gets its last attempts within the grace time.
    this.wake();
    const grace = new Promise<void>((r) => setTimeout(r, graceMs).unref());
    await Promise.race([this.running ?? Promise.resolve(), grace]);
    if (this.running && this.o.clock.now() >= deadline) this.wake();
    const left = this.queue.splice(0);
    if (left.length) this.drop('shutdown', left);
  }

  private wake(): void {
    const w = this.wait;
    if (!w) return;
    this.wait = undefined;
    this.o.clock.clearTimeout(w.timer);
    w.wake();
  }

  private async pump(): Promise<void> {
    // Messages sent in the same turn of the event loop (a burst of events) go out together.
    await new Promise<void>((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.o.batch);
      this.inFlight = batch.length;
      const delivery = randomUUID();
      const body = JSON.stringify({ events: batch });
      for (let attempt = 1; ; attempt++) {
        const r = await this.post(body, delivery);
        this.lastOk = r.ok;
        if (r.ok) {
          this.delivered += batch.length;
          break;
        }
        if (!r.retry) {
          this.drop('rejected', batch, { status: r.reason, attempts: attempt });
          break;
        }
        if (attempt >= this.o.maxAttempts || this.closing) {
          this.drop('failed', batch, { error: r.reason, attempts: attempt });
          break;
        }
        this.retries++;
        const backoff = Math.min(this.o.retryMaxMs, this.o.retryMs * 2 ** (attempt - 1));
        const ms = Math.min(this.o.retryMaxMs, Math.max(backoff, r.retryAfterMs ?? 0));
        this.o.logger.warn({ event: 'northbound-webhook-retry', sink: this.name, attempt, inMs: ms, error: r.reason, messages: batch.length }, 'webhook delivery failed; trying again');
        await new Promise<void>((wake) => (this.wait = { timer: this.o.clock.setTimeout(() => ((this.wait = undefined), wake()), ms), wake }));
      }
      this.inFlight = 0;
    }
  }

  private async post(body: string, delivery: string): Promise<Attempt> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': this.o.agent ?? 'openhes', 'x-openhes-delivery': delivery };
    if (this.o.secret) headers['x-openhes-signature'] = `sha256=${createHmac('sha256', this.o.secret).update(body).digest('hex')}`;
    try {
      const res = await fetch(this.o.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.o.timeoutMs), redirect: 'error' });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      const retry = res.status === 408 || res.status === 429 || res.status >= 500;
      const ra = Number(res.headers.get('retry-after'));
      return { ok: false, retry, reason: `HTTP ${res.status}`, ...(Number.isFinite(ra) && ra > 0 ? { retryAfterMs: ra * 1000 } : {}) };
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      return { ok: false, retry: true, reason: err.name === 'TimeoutError' ? `no answer within ${this.o.timeoutMs} ms` : (err.cause?.code ?? err.message) };
    }
  }

  private drop(reason: DropReason, batch: readonly NorthboundMessage[], extra: Record<string, unknown> = {}): void {
    this.drops[reason] += batch.length;
    this.dropLog.note(reason, batch.length, { sink: this.name, ids: batch.slice(0, 20).map((m) => m.id), types: [...new Set(batch.map((m) => m.type))], ...extra });
  }
}

/** The URL without credentials or query (for logs and metrics). */
function redact(u: string): string {
  try {
    const x = new URL(u);
    return `${x.protocol}//${x.host}${x.pathname}`;
  } catch {
    return 'invalid-url';
  }
}
