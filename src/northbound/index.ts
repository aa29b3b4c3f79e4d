/**
 * Composition of the northbound events (`HeadEnd` calls `startNorthboundEvents` when the `northbound`
 * section asks for MQTT or webhooks): the sinks from the configuration, the archive lookup, the control
 * service's outcomes, then `NorthboundEvents` on the bus.
 */
import type { Db } from '../archive/db.js';
import type { EventBus, HesEvents } from '../bus.js';
import type { Clock } from '../clock.js';
import type { ControlService } from '../control/service.js';
import type { Logger } from '../logger.js';
import type { NorthboundConfig } from './config.js';
import { NorthboundEvents } from './events.js';
import { ArchiveMeterLookup } from './lookup.js';
import type { ControlResult } from './messages.js';
import { MqttSink } from './mqtt-sink.js';
import type { Sink } from './sink.js';
import { WebhookSink } from './webhook-sink.js';

export { NorthboundEvents, type NorthboundStats } from './events.js';
export { DEFAULT_NORTHBOUND, NORTHBOUND_CHECKS, northboundEnabled, type NorthboundConfig } from './config.js';

export interface StartNorthboundOptions {
  config: NorthboundConfig;
  bus: EventBus<HesEvents>;
  clock: Clock;
  logger: Logger;
  /** The head-end database (meter addresses and accounts of readings and events). */
  db?: Db;
  control?: ControlService;
  /** Starts (or returns) the embedded broker for `embedded[:port]`: its mqtt:// URL. */
  embeddedBroker?: (port: number) => Promise<string>;
  utcOffsetMinutes?: number;
  /** How long to wait for the first MQTT connection before going on (the client keeps trying). */
  connectWaitMs?: number;
}

/** The result of a finished control request, as published in `control.result`. */
export function controlResultOf(control: ControlService, id: number): ControlResult | undefined {
  try {
    const d = control.get(id);
    const phase = d.phase ?? 'run';
    return {
      targets: d.targets,
      ...(d.byOutcome ? { byOutcome: d.byOutcome as Record<string, number> } : {}),
      results: (d.results[phase] ?? []).map((r) => ({ target: r.target, outcome: r.outcome })),
      createdBy: d.createdBy,
      ...(d.approvedBy !== undefined ? { approvedBy: d.approvedBy } : {}),
      ...(d.reason !== undefined ? { reason: d.reason } : {}),
    };
  } catch {
    return undefined;
  }
}

export async function startNorthboundEvents(o: StartNorthboundOptions): Promise<{ events: NorthboundEvents; mqttUrl?: string }> {
  const c = o.config;
  const log = o.logger;
  const now = (): number => o.clock.now();
  const sinks: Sink[] = [];
  let mqttUrl: string | undefined;
  if (c.mqtt !== '') {
    if (c.mqtt.startsWith('embedded')) {
      if (!o.embeddedBroker) throw new Error('northbound.mqtt is embedded but this head-end has no embedded broker');
      mqttUrl = await o.embeddedBroker(c.mqtt.includes(':') ? Number(c.mqtt.slice(c.mqtt.indexOf(':') + 1)) : 1883);
    } else mqttUrl = c.mqtt;
    const sink = new MqttSink({ url: mqttUrl, topicPrefix: c.topicPrefix, qos: c.qos as 0 | 1 | 2, clientId: c.clientId || `openhes-northbound-${process.pid}`, maxPending: c.maxPending, logger: log, now });
    try {
      await sink.ready(o.connectWaitMs ?? 5000);
    } catch (e) {
      log.warn({ err: e, url: mqttUrl }, 'northbound MQTT broker not reachable yet; messages wait (bounded) while the client retries');
    }
    sinks.push(sink);
  }
  for (const w of c.webhooks) {
    sinks.push(
      new WebhookSink({
        url: w.url,
        ...(w.secret !== undefined ? { secret: w.secret } : {}),
        ...(w.types !== undefined ? { types: w.types } : {}),
        maxQueue: c.webhookQueue,
        batch: c.webhookBatch,
        timeoutMs: c.webhookTimeoutMs,
        retryMs: c.webhookRetryMs,
        retryMaxMs: c.webhookRetryMaxMs,
        maxAttempts: c.webhookMaxAttempts,
        clock: o.clock,
        logger: log,
      }),
    );
  }
  const control = o.control;
  const events = new NorthboundEvents({
    config: c,
    bus: o.bus,
    clock: o.clock,
    sinks,
    logger: log,
    ...(o.db ? { lookup: new ArchiveMeterLookup(o.db, now) } : {}),
    ...(control ? { controlResult: (id: number) => controlResultOf(control, id) } : {}),
    ...(o.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: o.utcOffsetMinutes } : {}),
  });
  events.start();
  return { events, ...(mqttUrl ? { mqttUrl } : {}) };
}
