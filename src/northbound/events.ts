/**
 * Northbound events: subscribes to the head-end's bus (src/bus.ts) and publishes alarms, events, control
 * results and new readings as JSON messages (messages.ts) to the sinks — an MQTT broker and/or HTTP
 * webhooks. Composed by `HeadEnd` when `northbound.mqtt` or `northbound.webhooks` is set.
 *
 *   online, offline        → terminal.online / terminal.offline
 *   event (ERC records)    → event.erc<N>, and alarm.power-off / power-on / meter-fault / trip
 *   control                → control.state on each state change, control.result when a phase finishes
 *   prepay                 → alarm.prepay-* (low balance, trip, trip blocked), prepay.topup / prepay.close
 *   readings               → reading.daily (and billing-day / monthly when configured)
 *
 * The sinks never block the bus: each has a bounded queue and counts (and logs) what it drops.
 */
import type { EventBus, HesEvents } from '../bus.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { LocalCalendar } from '../scheduler/time.js';
import { listOf, type NorthboundConfig } from './config.js';
import type { MeterLookup } from './lookup.js';
import { controlMessage, eventMessages, prepayMessage, readingMessages, terminalMessage, type ControlResult, type Draft } from './messages.js';
import type { Sink, SinkStats } from './sink.js';

export interface NorthboundEventsOptions {
  config: NorthboundConfig;
  bus: EventBus<HesEvents>;
  clock: Clock;
  sinks: readonly Sink[];
  logger: Logger;
  /** Meter address / account of readings and ERC records (the archive). */
  lookup?: MeterLookup;
  /** The outcome of a finished control request (the control service). */
  controlResult?: (request: number) => ControlResult | undefined;
  utcOffsetMinutes?: number;
}

export interface NorthboundStats {
  /** Messages built, by family. */
  published: Record<string, number>;
  /** Readings of meters the archive did not know (not published). */
  unknownMeters: number;
  sinks: SinkStats[];
}

const FINAL_STATES = new Set(['done', 'restored']);
const MAX_TRACKED_REQUESTS = 10_000;

export class NorthboundEvents {
  private readonly families: Set<string>;
  private readonly readingKinds: Set<string>;
  private readonly cal: LocalCalendar;
  private readonly offs: (() => void)[] = [];
  private readonly lastState = new Map<number, string>();
  private readonly published: Record<string, number> = {};
  private readonly boot: string;
  private seq = 0;
  private unknownMeters = 0;
  private closed = false;

  constructor(private readonly o: NorthboundEventsOptions) {
    this.families = new Set(listOf(o.config.types));
    this.readingKinds = new Set(listOf(o.config.readings));
    this.cal = new LocalCalendar(o.utcOffsetMinutes ?? 480);
    this.boot = o.clock.now().toString(36);
  }

  start(): void {
    const bus = this.o.bus;
    const on = <K extends keyof HesEvents>(topic: K, family: string, fn: (p: HesEvents[K]) => void): void => {
      if (this.families.has(family)) this.offs.push(bus.subscribe(topic, fn));
    };
    on('online', 'terminal', (p) => this.emit(terminalMessage('online', p)));
    on('offline', 'terminal', (p) => this.emit(terminalMessage('offline', p)));
    if (this.families.has('event') || this.families.has('alarm')) {
      this.offs.push(bus.subscribe('event', (p) => p.records.forEach((r) => eventMessages(p, r, this.cal, this.o.lookup).forEach((d) => this.emit(d)))));
    }
    on('control', 'control', (p) => this.onControl(p));
    if (this.families.has('prepay') || this.families.has('alarm')) this.offs.push(bus.subscribe('prepay', (p) => this.emit(prepayMessage(p))));
    const lookup = this.o.lookup;
    if (lookup && this.readingKinds.size > 0) {
      on('readings', 'reading', (p) => {
        const r = readingMessages(p, this.readingKinds, lookup);
        this.unknownMeters += r.unknown;
        r.drafts.forEach((d) => this.emit(d));
      });
    }
    this.o.logger.info({ event: 'northbound-started', sinks: this.o.sinks.map((s) => s.name), types: [...this.families] }, 'northbound events publishing');
  }

  private onControl(p: HesEvents['control']): void {
    const state = p.state;
    // Progress ticks repeat the state (executing, restoring): only changes and the final outcome are published.
    if (this.lastState.get(p.request) === state) return;
    if (FINAL_STATES.has(p.state)) {
      this.lastState.delete(p.request);
      this.emit(controlMessage(p, this.o.controlResult?.(p.request) ?? {}));
      return;
    }
    if (this.lastState.size >= MAX_TRACKED_REQUESTS) this.lastState.delete(this.lastState.keys().next().value!);
    this.lastState.set(p.request, state);
    this.emit(controlMessage(p, undefined));
  }

  private emit(d: Draft): void {
    if (this.closed) return;
    const family = d.type.slice(0, d.type.indexOf('.'));
    if (!this.families.has(family)) return;
    this.published[family] = (this.published[family] ?? 0) + 1;
    const m = { id: `${this.boot}-${++this.seq}`, ...d };
    for (const s of this.o.sinks) s.send(m);
  }

  stats(): NorthboundStats {
    return { published: { ...this.published }, unknownMeters: this.unknownMeters, sinks: this.o.sinks.map((s) => s.stats()) };
  }

  /** Unsubscribes, then gives the sinks `graceMs` to deliver what they hold. */
  async close(graceMs = 3000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.offs.splice(0)) f();
    await Promise.all(this.o.sinks.map((s) => s.close(graceMs)));
    this.o.logger.info({ event: 'northbound-stopped', ...this.stats() }, 'northbound events stopped');
  }
}
