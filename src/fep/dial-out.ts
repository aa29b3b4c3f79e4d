/**
 * Head-end dial-out (主站主动连接): terminals in TCP server mode wait for the head-end to call them.
 * One `DialOutLink` per such terminal keeps it connected: connect → the FEP binds the session to the
 * terminal it called (online, via `dial-out`) → when the link drops, the FEP marks the terminal offline
 * and the link calls again after an exponential back-off with jitter:
 *   d = min(maxMs, baseMs·2^(n−1)), wait d/2 + random·d/2,
 * n = setbacks in a row (refused/timed-out calls, and links that dropped before staying up `maxMs`; a
 * link that stayed up that long counts as a fresh start, so a terminal that accepts and hangs up at
 * once is not called in a tight loop). The jitter spreads the calls of many
 * terminals behind one failed network segment.
 *
 * A terminal that is online on another channel (it dialled in on its own) is not called: the link
 * waits `maxMs` and looks again, so the two channels do not keep replacing each other.
 */
import type { Clock, Timer } from '../clock.js';
import type { Transport } from '../../drivers/transport.js';
import type { Logger } from '../logger.js';

/** A terminal that listens, and where. */
export interface DialOutTarget {
  /** Terminal key `A1-A2` (or archive id). */
  terminal: string;
  host: string;
  port: number;
}

export interface DialOutBackoff {
  baseMs: number;
  maxMs: number;
}

export type DialOutState = 'connecting' | 'connected' | 'backoff' | 'waiting' | 'stopped';

export interface DialOutLinkInfo {
  terminal: string;
  /** `tcp://host:port`. */
  endpoint: string;
  state: DialOutState;
  /** Connect attempts since the link was created. */
  attempts: number;
  /** Calls that failed in a row (0 once one connects). */
  failures: number;
  lastError?: string;
  connectedAt?: number;
  /** Clock time of the next attempt (backoff, waiting). */
  nextAttemptAt?: number;
  /** The wait chosen for the next attempt, ms. */
  backoffMs?: number;
}

/** What a link needs from the FEP. */
export interface DialOutHost {
  readonly clock: Clock;
  readonly log: Logger;
  readonly backoff: DialOutBackoff;
  /** Opens a TCP connection to `target`; rejects when it cannot. */
  connect(target: DialOutTarget): Promise<Transport>;
  /** Serves the open connection as the session of the terminal called (closes it when refused). */
  bind(target: DialOutTarget, t: Transport): void;
  /** The terminal is online (asked before calling: then on a channel this link did not open). */
  isOnline(terminal: string): boolean;
  /** 0 ≤ x < 1 (tests may fix it). */
  random(): number;
}

/** d = min(max, base·2^(n−1)); the wait is d/2 + r·d/2. */
export function backoffDelay(b: DialOutBackoff, n: number, r: number): number {
  const d = Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, n - 1));
  return Math.round(d / 2 + r * (d / 2));
}

export class DialOutLink {
  private st: DialOutState = 'connecting';
  private attempts = 0;
  private failures = 0;
  /** n of the back-off. */
  private setbacks = 0;
  private lastError: string | undefined;
  private transport: Transport | undefined;
  private connectedAt: number | undefined;
  private timer: Timer | undefined;
  private backoffMs: number | undefined;

  constructor(
    readonly target: DialOutTarget,
    private readonly host: DialOutHost,
  ) {}

  get state(): DialOutState {
    return this.st;
  }

  /** Read through a getter: TypeScript would keep `st` narrowed across the awaits in `attempt`. */
  private get stopped(): boolean {
    return this.st === 'stopped';
  }

  get endpoint(): string {
    return `tcp://${this.target.host}:${this.target.port}`;
  }

  /** Calls the terminal now. */
  start(): void {
    this.schedule(0, 'connecting');
  }

  /** Stops calling and hangs up (the FEP marks the terminal offline when the socket closes). */
  stop(): void {
    if (this.st === 'stopped') return;
    this.st = 'stopped';
    this.host.clock.clearTimeout(this.timer);
    this.timer = undefined;
    void this.transport?.close().catch(() => undefined);
    this.transport = undefined;
  }

  info(): DialOutLinkInfo {
    const i: DialOutLinkInfo = { terminal: this.target.terminal, endpoint: this.endpoint, state: this.st, attempts: this.attempts, failures: this.failures };
    if (this.lastError !== undefined) i.lastError = this.lastError;
    if (this.connectedAt !== undefined && this.st === 'connected') i.connectedAt = this.connectedAt;
    if (this.timer && (this.st === 'backoff' || this.st === 'waiting')) {
      i.nextAttemptAt = this.timer.at;
      if (this.backoffMs !== undefined) i.backoffMs = this.backoffMs;
    }
    return i;
  }

  private schedule(ms: number, state: DialOutState): void {
    if (this.st === 'stopped') return;
    this.st = state;
    this.host.clock.clearTimeout(this.timer);
    this.timer = this.host.clock.setTimeout(() => {
      this.timer = undefined;
      void this.attempt();
    }, ms);
  }

  private retryLater(level: 'warn' | 'info' | 'debug'): void {
    this.backoffMs = backoffDelay(this.host.backoff, this.setbacks, this.host.random());
    this.host.log[level]({ terminal: this.target.terminal, endpoint: this.endpoint, failures: this.failures, retryInMs: this.backoffMs, error: this.lastError }, 'dial-out: calling again after back-off');
    this.schedule(this.backoffMs, 'backoff');
  }

  private async attempt(): Promise<void> {
    if (this.st === 'stopped') return;
    if (this.host.isOnline(this.target.terminal)) {
      // It dialled in by itself: calling would replace a working link.
      this.backoffMs = this.host.backoff.maxMs;
      this.schedule(this.backoffMs, 'waiting');
      return;
    }
    this.st = 'connecting';
    this.attempts++;
    let t: Transport;
    try {
      t = await this.host.connect(this.target);
    } catch (e) {
      if (this.stopped) return;
      this.failures++;
      this.setbacks++;
      this.lastError = e instanceof Error ? e.message : String(e);
      // The first refused call is news (nothing else says the terminal cannot be reached); the retries are not.
      this.retryLater(this.failures === 1 ? 'warn' : 'debug');
      return;
    }
    if (this.stopped) {
      void t.close().catch(() => undefined);
      return;
    }
    this.transport = t;
    this.failures = 0;
    this.st = 'connected';
    this.connectedAt = this.host.clock.now();
    this.backoffMs = undefined;
    t.onClose((err) => this.dropped(t, err));
    // Closed before the subscription: it will not report closing again, and must not be served.
    if (!t.isOpen) return this.dropped(t, undefined);
    // Bound last, so whoever hears the terminal come online sees this link connected.
    this.host.bind(this.target, t);
  }

  private dropped(t: Transport, err: Error | undefined): void {
    if (this.transport !== t || this.st === 'stopped') return;
    this.transport = undefined;
    const upMs = this.host.clock.now() - (this.connectedAt ?? 0);
    // A link that stayed up long enough was a success: start the back-off afresh.
    this.setbacks = upMs >= this.host.backoff.maxMs ? 1 : this.setbacks + 1;
    this.lastError = err ? err.message : 'connection closed';
    // The terminal's offline event reports the drop itself.
    this.retryLater('info');
  }
}
