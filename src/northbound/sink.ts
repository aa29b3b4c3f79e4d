/** Where northbound messages go (MQTT, webhooks): the contract and the counters every sink keeps. */
import type { NorthboundMessage } from './messages.js';

export type DropReason = 'queue-full' | 'failed' | 'rejected' | 'shutdown';

export interface SinkStats {
  sink: string;
  /** Messages acknowledged by the broker (PUBACK) or the receiver (2xx). */
  delivered: number;
  /** Messages given up, by reason — never silently: each drop is also logged. */
  dropped: Record<DropReason, number>;
  /** Messages accepted and not yet delivered or dropped. */
  pending: number;
  /** Deliveries tried again (webhook retries, MQTT reconnects). */
  retries: number;
  connected: boolean;
}

export interface Sink {
  readonly name: string;
  /** Takes a message; never blocks and never throws (a full queue drops and counts). */
  send(m: NorthboundMessage): void;
  stats(): SinkStats;
  /** Stops taking messages, tries to deliver what is pending within `graceMs`, drops (and counts) the rest. */
  close(graceMs: number): Promise<void>;
}

export function emptyDrops(): Record<DropReason, number> {
  return { 'queue-full': 0, failed: 0, rejected: 0, shutdown: 0 };
}

/**
 * Logs drops without flooding: the first drop of a kind at once, then at most one line per `everyMs`
 * with the count since the last line.
 */
export class DropLog {
  private last = new Map<string, { at: number; since: number }>();
  constructor(
    private readonly log: (fields: Record<string, unknown>, msg: string) => void,
    private readonly now: () => number,
    private readonly everyMs = 10_000,
  ) {}

  note(reason: DropReason, count: number, fields: Record<string, unknown>): void {
    const t = this.now();
    const e = this.last.get(reason);
    if (e && t - e.at < this.everyMs) {
      e.since += count;
      return;
    }
    const since = (e?.since ?? 0) + count;
    this.last.set(reason, { at: t, since: 0 });
    this.log({ event: 'northbound-drop', reason, dropped: since, ...fields }, `northbound messages dropped (${reason})`);
  }
}
