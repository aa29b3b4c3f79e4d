/**
 * The internal event bus (shared/docs/architecture.md: "Bus is injected"): typed topics, in-process by
 * default. `EventBus` is the contract, so an MQTT-backed bus (several head-end processes) can replace
 * `InProcessBus` without touching publishers or subscribers. A subscriber that throws is logged and
 * never breaks the publisher or the other subscribers.
 */
import type { ErcRecord } from '../protocols/gw376/erc/registry.js';
import type { EventCounters, MessageUnit } from '../protocols/gw376/index.js';
import type { Logger } from './logger.js';
import type { Reading } from './store/store.js';
import { silentLogger } from './logger.js';

/** Why a terminal went offline. */
export type OfflineReason = 'logout' | 'socket-closed' | 'heartbeat-silence' | 'replaced' | 'evicted' | 'shutdown';

/** How a session came online. */
export type OnlineVia = 'login' | 'heartbeat' | 'dial-out';

export interface TerminalRef {
  /** Directory id of the terminal. */
  id: string;
  /** Printable key `A1-A2` (A2 as 5 decimal digits), e.g. `1101-00007`. */
  terminal: string;
  a1: string;
  a2: number;
}

/** The topics of the head-end and their payloads. Later issues add topics here. */
export interface HesEvents {
  online: TerminalRef & { at: number; via: OnlineVia; channel: string; remote: string; /** a previous session was replaced */ replaced: boolean };
  offline: TerminalRef & { at: number; reason: OfflineReason; detail?: string; channel: string; remote: string };
  /** Every AFN02 F1 login frame of a known terminal (also repeated logins on the same socket). */
  login: TerminalRef & { at: number; remote: string };
  heartbeat: TerminalRef & { at: number; /** terminal clock − head-end clock, ms, when the heartbeat carried a clock */ clockOffsetMs?: number };
  /** ERC records of a spontaneous AFN0E report (important = F1, normal = F2). */
  event: TerminalRef & { at: number; important: boolean; records: ErcRecord[]; ec?: EventCounters };
  /** A terminal's own AFN0C/0D (timed) reports and other spontaneous uplink data. */
  report: TerminalRef & { at: number; afn: number; units: MessageUnit[] };
  /** ACD=1 with event counters that changed: unread events wait in the terminal. */
  eventsPending: TerminalRef & { at: number; ec: EventCounters };
  unknownTerminal: { a1: string; a2: number; terminal: string; at: number; remote: string; channel: string };
  /** Bytes the FEP could not use: discarded by the deframer, or frames that failed to decode. */
  frameError: { terminal?: string; remote: string; at: number; reason: string; hex: string; length: number };
  /** Load control (src/control): a request's state or live progress (throttled) changed. */
  control: {
    request: number;
    scheme?: string;
    kind: string;
    state: string;
    at: number;
    phase?: 'run' | 'restore';
    progress?: { total: number; sent: number; confirmed: number; verified: number; failed: number; skipped: number; done: number };
  };
  /** Prepayment (src/control/prepayment.ts): low balance (the reminder for customer service), trip, close, top-up. */
  prepay: { account: string; kind: 'alarm' | 'trip' | 'trip-blocked' | 'close' | 'topup'; balanceYuan: number; at: number; detail?: string };
  /** Readings the scheduler has just written to the store (one store batch; northbound publishes new daily readings). */
  readings: { at: number; readings: readonly Reading[] };
}

export type Handler<T> = (payload: T) => void;

export interface EventBus<E = HesEvents> {
  publish<K extends keyof E>(topic: K, payload: E[K]): void;
  /** Returns an unsubscribe function. */
  subscribe<K extends keyof E>(topic: K, handler: Handler<E[K]>): () => void;
}

export class InProcessBus<E = HesEvents> implements EventBus<E> {
  private readonly handlers = new Map<keyof E, Set<Handler<never>>>();
  constructor(private readonly log: Logger = silentLogger) {}

  publish<K extends keyof E>(topic: K, payload: E[K]): void {
    const set = this.handlers.get(topic);
    if (!set) return;
    for (const h of [...set]) {
      try {
        (h as Handler<E[K]>)(payload);
      } catch (err) {
        this.log.error({ err, topic: String(topic) }, 'bus subscriber failed');
      }
    }
  }

  subscribe<K extends keyof E>(topic: K, handler: Handler<E[K]>): () => void {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler as Handler<never>);
    return () => {
      set.delete(handler as Handler<never>);
    };
  }

  /** Subscribers of a topic (for tests and diagnostics). */
  listeners(topic: keyof E): number {
    return this.handlers.get(topic)?.size ?? 0;
  }
}
