/**
 * Northbound messages to an MQTT broker (the embedded aedes broker or an external one): one JSON message
 * per event at the configured QoS (1: at least once — the broker acknowledges with PUBACK). The client
 * reconnects by itself and sends what it holds again; at most `maxPending` messages wait for their
 * acknowledgement — beyond that new messages are dropped, counted (`dropped.queue-full`) and logged, so a
 * broker that is down for long costs bounded memory and never a silent loss.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../logger.js';
import { topicOf, type NorthboundMessage } from './messages.js';
import { DropLog, emptyDrops, type Sink, type SinkStats } from './sink.js';

export interface MqttSinkOptions {
  url: string;
  topicPrefix: string;
  qos: 0 | 1 | 2;
  clientId: string;
  maxPending: number;
  logger: Logger;
  now: () => number;
}

export class MqttSink implements Sink {
  readonly name: string;
  private readonly client: MqttClient;
  private readonly drops = emptyDrops();
  private readonly dropLog: DropLog;
  private delivered = 0;
  private pending = 0;
  private retries = 0;
  private closed = false;
  /** Set once the client is being ended: late callbacks were counted as shutdown drops already. */
  private ended = false;
  private idle: (() => void)[] = [];

  constructor(private readonly o: MqttSinkOptions) {
    this.name = `mqtt ${o.url}`;
    this.dropLog = new DropLog((f, m) => o.logger.warn(f, m), o.now);
    this.client = mqtt.connect(o.url, { clientId: o.clientId, clean: true, reconnectPeriod: 1000, connectTimeout: 10_000, resubscribe: false });
    this.client.on('connect', () => o.logger.info({ event: 'northbound-mqtt-connected', url: o.url }, 'northbound MQTT connected'));
    this.client.on('reconnect', () => this.retries++);
    this.client.on('error', (err) => o.logger.warn({ err, url: o.url }, 'northbound MQTT error'));
    this.client.on('offline', () => o.logger.warn({ event: 'northbound-mqtt-offline', url: o.url, pending: this.pending }, 'northbound MQTT broker unreachable; messages wait (bounded)'));
  }

  /** Resolves once connected (or rejects after `ms`). */
  ready(ms = 10_000): Promise<void> {
    if (this.client.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.client.off('connect', ok);
        reject(new Error(`northbound MQTT: no connection to ${this.o.url} within ${ms} ms`));
      }, ms);
      const ok = (): void => {
        clearTimeout(t);
        resolve();
      };
      this.client.once('connect', ok);
    });
  }

  send(m: NorthboundMessage): void {
    if (this.closed) {
      this.drop('shutdown', m);
      return;
    }
    if (this.pending >= this.o.maxPending) {
      this.drop('queue-full', m);
      return;
    }
    this.pending++;
    this.client.publish(topicOf(this.o.topicPrefix, m), JSON.stringify(m), { qos: this.o.qos }, (err) => {
      if (this.ended) return;
      this.pending--;
      if (err) {
        this.drops.failed++;
        this.dropLog.note('failed', 1, { sink: this.name, id: m.id, type: m.type, error: err.message });
      } else this.delivered++;
      if (this.pending === 0) for (const f of this.idle.splice(0)) f();
    });
  }

  private drop(reason: 'queue-full' | 'shutdown', m: NorthboundMessage): void {
    this.drops[reason]++;
    this.dropLog.note(reason, 1, { sink: this.name, id: m.id, type: m.type, pending: this.pending });
  }

  stats(): SinkStats {
    return { sink: this.name, delivered: this.delivered, dropped: { ...this.drops }, pending: this.pending, retries: this.retries, connected: this.client.connected };
  }

  async close(graceMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pending > 0 && this.client.connected) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, graceMs);
        this.idle.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const left = this.pending;
    if (left > 0) {
      this.drops.shutdown += left;
      this.o.logger.warn({ event: 'northbound-drop', reason: 'shutdown', dropped: left, sink: this.name }, 'northbound messages not acknowledged at shutdown');
    }
    this.ended = true;
    this.pending = 0;
    await new Promise<void>((resolve) => this.client.end(true, {}, () => resolve()));
  }
}
