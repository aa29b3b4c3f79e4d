/**
 * MQTT transport: one Q/GDW 376.1 terminal's channel as a topic pair on a broker (aedes, Mosquitto).
 *
 * Topics (prefix default `hes`):
 *   `<prefix>/<A1>/<A2>/up`    terminal → head-end (login, heartbeats, answers, reports)
 *   `<prefix>/<A1>/<A2>/down`  head-end → terminal (requests, confirms)
 * A1 is the 4-digit region code as printed ("1101"), A2 the terminal address in decimal without padding
 * ("1" … "65535"). Every message is QoS 1 (default), not retained, and its payload is exactly one 376.1
 * frame (68H … 16H) as binary bytes — no JSON, no hex. A head-end subscribes `<prefix>/+/+/up` and
 * publishes to the terminal's `down` topic.
 *
 * The `terminal` role publishes on `up` and subscribes `down`; the `master` role the reverse. A transport
 * owns its own MQTT connection (`url`) or shares one (`shared`: many terminals of a fleet over a few
 * connections; messages are dispatched by topic through a map, not by a scan). MQTT's own reconnection is
 * off (`reconnectPeriod: 0`): a lost connection closes the transport, so the session above decides when
 * to reconnect (with its back-off), like it does on TCP.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ChannelClosedError, ChannelError } from './errors.js';
import { Listeners, type Transport } from './transport.js';

export const DEFAULT_TOPIC_PREFIX = 'hes';

export interface TopicPair {
  /** terminal → head-end */
  up: string;
  /** head-end → terminal */
  down: string;
}

/** The topic pair of terminal (A1, A2). */
export function terminalTopics(a1: string, a2: number, prefix = DEFAULT_TOPIC_PREFIX): TopicPair {
  const base = `${prefix}/${a1}/${a2}`;
  return { up: `${base}/up`, down: `${base}/down` };
}

/** Parses `<prefix>/<A1>/<A2>/<up|down>`; undefined when the topic is not of that shape. */
export function parseTerminalTopic(topic: string, prefix = DEFAULT_TOPIC_PREFIX): { a1: string; a2: number; dir: 'up' | 'down' } | undefined {
  const p = topic.split('/');
  if (p.length !== 4 || p[0] !== prefix || !/^\d{4}$/.test(p[1]!) || !/^\d{1,5}$/.test(p[2]!) || (p[3] !== 'up' && p[3] !== 'down')) return undefined;
  return { a1: p[1]!, a2: Number(p[2]), dir: p[3] };
}

export type MqttRole = 'terminal' | 'master';
export type MqttQos = 0 | 1 | 2;

export interface MqttConnectOptions {
  /** `mqtt://127.0.0.1:1883`. */
  url: string;
  clientId?: string;
  /** Connect timeout in ms (default 5000). */
  connectTimeoutMs?: number;
  /** MQTT keep-alive in seconds (default 60). */
  keepaliveS?: number;
}

function clientOptions(o: MqttConnectOptions): IClientOptions {
  const opts: IClientOptions = {
    reconnectPeriod: 0,
    connectTimeout: o.connectTimeoutMs ?? 5000,
    keepalive: o.keepaliveS ?? 60,
    clean: true,
    protocolVersion: 4,
  };
  if (o.clientId !== undefined) opts.clientId = o.clientId;
  return opts;
}

async function connectClient(o: MqttConnectOptions): Promise<MqttClient> {
  try {
    return await mqtt.connectAsync(o.url, clientOptions(o));
  } catch (err) {
    throw new ChannelError(`cannot connect: ${err instanceof Error ? err.message : String(err)}`, o.url, { cause: err });
  }
}

/**
 * One MQTT connection shared by many transports: incoming messages go to the transport subscribed to
 * their topic (a Map lookup).
 */
export class SharedMqttConnection {
  readonly url: string;
  private readonly routes = new Map<string, (payload: Buffer) => void>();
  private readonly closed = new Listeners<[Error | undefined]>();
  private constructor(
    readonly client: MqttClient,
    url: string,
  ) {
    this.url = url;
    client.on('message', (topic, payload) => this.routes.get(topic)?.(payload));
    let lastError: Error | undefined;
    client.on('error', (err) => (lastError = err));
    client.once('close', () => this.closed.emit(lastError));
  }

  static async connect(o: MqttConnectOptions): Promise<SharedMqttConnection> {
    return new SharedMqttConnection(await connectClient(o), o.url);
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Routes `topic` to `fn` (one route per topic). */
  route(topic: string, fn: (payload: Buffer) => void): () => void {
    this.routes.set(topic, fn);
    return () => {
      if (this.routes.get(topic) === fn) this.routes.delete(topic);
    };
  }

  onClose(fn: (err?: Error) => void): () => void {
    return this.closed.add(fn);
  }

  async end(): Promise<void> {
    await this.client.endAsync();
  }
}

export interface MqttTransportOptions extends Partial<MqttConnectOptions> {
  topics: TopicPair;
  /** Which side of the pair this transport is (default `terminal`). */
  role?: MqttRole;
  /** QoS of publishes and the subscription (default 1). */
  qos?: MqttQos;
  /** Use this connection instead of opening one (`url` is then ignored). */
  shared?: SharedMqttConnection;
}

export class MqttTransport implements Transport {
  readonly kind = 'mqtt';
  readonly description: string;
  private readonly opts: MqttTransportOptions;
  private readonly pubTopic: string;
  private readonly subTopic: string;
  private readonly qos: MqttQos;
  private client: MqttClient | null = null;
  private own = false;
  private unroute: (() => void) | null = null;
  private unclose: (() => void) | null = null;
  private readonly data = new Listeners<[Buffer]>();
  private readonly closed = new Listeners<[Error | undefined]>();

  constructor(opts: MqttTransportOptions) {
    if (!opts.shared && !opts.url) throw new ChannelError('give url or shared', 'mqtt');
    this.opts = opts;
    const role = opts.role ?? 'terminal';
    this.pubTopic = role === 'terminal' ? opts.topics.up : opts.topics.down;
    this.subTopic = role === 'terminal' ? opts.topics.down : opts.topics.up;
    this.qos = opts.qos ?? 1;
    this.description = `${opts.shared?.url ?? opts.url} ${this.pubTopic} / ${this.subTopic}`;
  }

  get isOpen(): boolean {
    return this.client !== null && this.client.connected;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    let client: MqttClient;
    if (this.opts.shared) {
      const shared = this.opts.shared;
      if (!shared.connected) throw new ChannelClosedError('shared MQTT connection is closed', this.description);
      client = shared.client;
      this.own = false;
      this.unroute = shared.route(this.subTopic, (p) => this.data.emit(p));
      this.unclose = shared.onClose((err) => this.lost(err));
    } else {
      client = await connectClient({ ...this.opts, url: this.opts.url! });
      this.own = true;
      client.on('message', (topic, payload) => {
        if (topic === this.subTopic) this.data.emit(payload);
      });
      let lastError: Error | undefined;
      client.on('error', (err) => (lastError = err));
      client.once('close', () => {
        if (this.client === client) this.lost(lastError);
      });
    }
    try {
      await client.subscribeAsync(this.subTopic, { qos: this.qos });
    } catch (err) {
      this.unroute?.();
      if (this.own) client.end(true);
      throw new ChannelError(`subscribe ${this.subTopic} failed: ${err instanceof Error ? err.message : String(err)}`, this.description, { cause: err });
    }
    this.client = client;
  }

  private lost(err?: Error): void {
    if (!this.client) return;
    this.client = null;
    this.unroute?.();
    this.unclose?.();
    this.unroute = this.unclose = null;
    this.closed.emit(err ? new ChannelError(`connection lost: ${err.message}`, this.description, { cause: err }) : undefined);
  }

  async close(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = null;
    this.unroute?.();
    this.unclose?.();
    this.unroute = this.unclose = null;
    if (this.own) await client.endAsync();
    else if (client.connected) await client.unsubscribeAsync(this.subTopic).catch(() => undefined);
    this.closed.emit(undefined);
  }

  /** Drops an own connection at once, without DISCONNECT (like a lost radio link). */
  destroy(): void {
    const client = this.client;
    if (client && this.own) client.end(true);
  }

  write(bytes: Buffer): Promise<void> {
    const client = this.client;
    if (!client || !client.connected) return Promise.reject(new ChannelClosedError('not connected', this.description));
    return new Promise((resolve, reject) => {
      client.publish(this.pubTopic, bytes, { qos: this.qos, retain: false }, (err) =>
        err ? reject(new ChannelError(`publish failed: ${err.message}`, this.description, { cause: err })) : resolve(),
      );
    });
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    return this.data.add(listener);
  }

  onClose(listener: (err?: Error) => void): () => void {
    return this.closed.add(listener);
  }
}
