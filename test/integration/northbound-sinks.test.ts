/**
 * The northbound sinks on their own, against real peers on 127.0.0.1:
 * - WebhookSink → a real HTTP receiver with failures injected: 503s then success (retried, in order, the
 *   same delivery id, signed), a 4xx (rejected, counted), a receiver that keeps failing (dropped after
 *   the attempts, counted), a receiver that hangs (bounded queue: the oldest dropped and counted), and
 *   shutdown (what is left counted);
 * - MqttSink → Mosquitto (a real external broker): QoS 1 messages on the documented topics; the broker
 *   stopped: messages wait up to maxPending, the rest are dropped and counted; the broker back on the same
 *   port: the waiting messages arrive.
 */
import { createHmac } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoHandle } from '../../drivers/mosquitto.js';
import { realClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import type { NorthboundMessage } from '../../src/northbound/messages.js';
import { MqttSink } from '../../src/northbound/mqtt-sink.js';
import { WebhookSink, type WebhookSinkOptions } from '../../src/northbound/webhook-sink.js';
import { until } from '../helpers/control-env.js';
import { requireMosquitto } from '../helpers/system.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const msg = (i: number, type = 'alarm.power-off'): NorthboundMessage => ({ id: `t-${i}`, type, time: new Date(0).toISOString(), subject: '1101-00001', data: { i } });

function sink(r: WebhookReceiver, o: Partial<WebhookSinkOptions> = {}): WebhookSink {
  return new WebhookSink({ url: r.url, maxQueue: 100, batch: 10, timeoutMs: 2000, retryMs: 20, retryMaxMs: 100, maxAttempts: 5, clock: realClock, logger: silentLogger, ...o });
}

describe('webhook sink', () => {
  const receivers: WebhookReceiver[] = [];
  const receiver = async (): Promise<WebhookReceiver> => {
    const r = await startWebhookReceiver();
    receivers.push(r);
    return r;
  };
  afterAll(async () => {
    for (const r of receivers) await r.close();
  });

  it('503 twice, then accepted: retried with the same delivery id, every message once and in order, signed', async () => {
    const r = await receiver();
    r.plan([503, 503]);
    const s = sink(r, { secret: 'hook-secret-1' });
    for (let i = 1; i <= 25; i++) s.send(msg(i));
    await until('all delivered', () => (s.stats().delivered === 25 ? true : undefined));
    expect(r.accepted().map((e) => e.id)).toEqual(Array.from({ length: 25 }, (_, i) => `t-${i + 1}`));
    expect(r.requests.slice(0, 3).map((q) => q.status)).toEqual([503, 503, 200]);
    expect(new Set(r.requests.slice(0, 3).map((q) => q.headers['x-openhes-delivery'])).size).toBe(1);
    for (const q of r.requests) expect(q.headers['x-openhes-signature']).toBe(`sha256=${createHmac('sha256', 'hook-secret-1').update(q.raw).digest('hex')}`);
    expect(s.stats()).toMatchObject({ delivered: 25, pending: 0, retries: 2, dropped: { 'queue-full': 0, failed: 0, rejected: 0, shutdown: 0 } });
    await s.close(1000);
  });

  it('a 4xx is a refusal: dropped and counted at once; a receiver that keeps failing: dropped after the attempts', async () => {
    const r = await receiver();
    r.plan([400]);
    const s = sink(r, { batch: 2 });
    for (let i = 1; i <= 4; i++) s.send(msg(i));
    await until('settled', () => (s.stats().pending === 0 ? true : undefined));
    expect(s.stats()).toMatchObject({ delivered: 2, dropped: { rejected: 2 } });
    r.plan([500, 500, 500]);
    const f = sink(r, { maxAttempts: 3 });
    f.send(msg(9));
    await until('given up', () => (f.stats().dropped.failed === 1 ? true : undefined));
    expect(f.stats()).toMatchObject({ delivered: 0, retries: 2, pending: 0 });
    f.send(msg(10));
    await until('next one delivered', () => (f.stats().delivered === 1 ? true : undefined));
    await Promise.all([s.close(1000), f.close(1000)]);
  });

  it('a receiver that hangs: the queue is bounded, the oldest are dropped and counted; shutdown counts the rest', async () => {
    const r = await receiver();
    r.hold();
    const s = sink(r, { maxQueue: 5, batch: 1, timeoutMs: 60_000 });
    s.send(msg(1));
    await until('first request held', () => (r.requests.length === 1 ? true : undefined));
    for (let i = 2; i <= 20; i++) s.send(msg(i));
    // 1 in flight, 5 queued (16..20), 14 dropped as the queue overflowed
    expect(s.stats()).toMatchObject({ pending: 6, dropped: { 'queue-full': 14 } });
    r.release();
    await until('the queue drained', () => (s.stats().delivered === 6 ? true : undefined));
    expect(r.accepted().map((e) => e.id)).toEqual(['t-1', 't-16', 't-17', 't-18', 't-19', 't-20']);
    r.hold();
    for (let i = 21; i <= 24; i++) s.send(msg(i));
    await s.close(200);
    expect(s.stats().dropped.shutdown).toBe(3);
    s.send(msg(25));
    expect(s.stats().dropped.shutdown).toBe(4);
  });

  it('types select what a hook receives', async () => {
    const r = await receiver();
    const s = sink(r, { types: ['alarm', 'terminal.offline'] });
    s.send(msg(1, 'alarm.power-off'));
    s.send(msg(2, 'terminal.online'));
    s.send(msg(3, 'terminal.offline'));
    s.send(msg(4, 'alarms.x'));
    await until('delivered', () => (s.stats().delivered === 2 ? true : undefined));
    expect(r.accepted().map((e) => e.type)).toEqual(['alarm.power-off', 'terminal.offline']);
    await s.close(500);
  });
});

describe('MQTT sink against Mosquitto', () => {
  let broker: MosquittoHandle | undefined;
  afterAll(async () => {
    await broker?.stop();
  });

  it('QoS 1 messages on the topic tree; broker down: bounded wait, drops counted; broker back: the waiting ones arrive', async () => {
    requireMosquitto();
    broker = await startMosquitto();
    const port = broker.port;
    const got: { topic: string; m: NorthboundMessage }[] = [];
    const sub = await mqtt.connectAsync(broker.url, { clientId: 'nb-test-sub', clean: false, reconnectPeriod: 200 });
    await sub.subscribeAsync('openhes/#', { qos: 1 });
    sub.on('message', (topic, payload) => got.push({ topic, m: JSON.parse(payload.toString()) as NorthboundMessage }));
    const s = new MqttSink({ url: broker.url, topicPrefix: 'openhes', qos: 1, clientId: 'nb-test-pub', maxPending: 5, logger: silentLogger, now: Date.now });
    await s.ready(5000);
    s.send(msg(1));
    s.send(msg(2, 'terminal.offline'));
    await until('two received', () => (got.length === 2 ? true : undefined));
    expect(got.map((g) => g.topic)).toEqual(['openhes/alarm/power-off/1101-00001', 'openhes/terminal/offline/1101-00001']);
    expect(got[0]!.m).toMatchObject({ id: 't-1', type: 'alarm.power-off', data: { i: 1 } });
    // The broker's PUBACK may reach the publisher after the subscriber has the message.
    await until('both acknowledged', () => (s.stats().delivered === 2 ? true : undefined));
    expect(s.stats()).toMatchObject({ delivered: 2, pending: 0, connected: true });

    await broker.stop();
    await until('publisher offline', () => (s.stats().connected ? undefined : true));
    for (let i = 3; i <= 10; i++) s.send(msg(i));
    expect(s.stats()).toMatchObject({ pending: 5, dropped: { 'queue-full': 3 } });

    broker = await startMosquitto({ port });
    await until('waiting messages delivered', () => (s.stats().delivered === 7 ? true : undefined), 20_000);
    expect(s.stats().retries).toBeGreaterThan(0);
    // The subscriber (a persistent session on a broker without persistence) resubscribes after the restart.
    await sub.subscribeAsync('openhes/#', { qos: 1 });
    s.send(msg(11));
    await until('a new message after the restart', () => (got.some((g) => g.m.id === 't-11') ? true : undefined));
    await s.close(1000);
    await sub.endAsync(true);
  }, 40_000);
});
