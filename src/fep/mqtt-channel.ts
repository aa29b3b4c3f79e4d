/**
 * The head-end side of the MQTT channel (topic pairs of drivers/mqtt.ts): ONE connection and ONE wildcard
 * subscription `<prefix>/+/+/up` for every terminal (not a subscription per terminal: overlapping
 * subscriptions could make a broker deliver a frame twice). The first message on a new terminal's `up`
 * topic creates a `TopicChannel` (a Transport publishing to its `down` topic); later messages are routed
 * to it by topic. A terminal's channel closes when the FEP closes its session (e.g. logout); its next
 * message opens a new one.
 */
import { parseTerminalTopic, SharedMqttConnection, terminalTopics, DEFAULT_TOPIC_PREFIX, type MqttQos } from '../../drivers/mqtt.js';
import { ChannelClosedError, ChannelError } from '../../drivers/errors.js';
import { Listeners, type Transport } from '../../drivers/transport.js';

export interface MqttAttachOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883` (aedes embedded or Mosquitto). */
  url: string;
  topicPrefix?: string;
  clientId?: string;
  qos?: MqttQos;
  connectTimeoutMs?: number;
}

class TopicChannel implements Transport {
  readonly kind = 'mqtt';
  readonly description: string;
  private open_ = true;
  readonly data = new Listeners<[Buffer]>();
  private readonly closed = new Listeners<[Error | undefined]>();

  constructor(
    private readonly hub: MqttHub,
    readonly upTopic: string,
    private readonly downTopic: string,
    private readonly qos: MqttQos,
  ) {
    this.description = `${hub.url} ${upTopic}`;
  }

  get isOpen(): boolean {
    return this.open_ && this.hub.connected;
  }

  open(): Promise<void> {
    return this.isOpen ? Promise.resolve() : Promise.reject(new ChannelClosedError('closed', this.description));
  }

  close(): Promise<void> {
    this.lost(undefined);
    return Promise.resolve();
  }

  lost(err: Error | undefined): void {
    if (!this.open_) return;
    this.open_ = false;
    this.hub.forget(this);
    this.closed.emit(err);
  }

  write(bytes: Buffer): Promise<void> {
    if (!this.isOpen) return Promise.reject(new ChannelClosedError('not connected', this.description));
    return this.hub.publish(this.downTopic, bytes, this.qos);
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    return this.data.add(listener);
  }

  onClose(listener: (err?: Error) => void): () => void {
    return this.closed.add(listener);
  }
}

export class MqttHub {
  private readonly channels = new Map<string, TopicChannel>();
  private constructor(
    private readonly conn: SharedMqttConnection,
    private readonly o: MqttAttachOptions,
    private readonly onChannel: (t: Transport) => void,
  ) {}

  static async connect(o: MqttAttachOptions, onChannel: (t: Transport) => void): Promise<MqttHub> {
    const connOpts: { url: string; clientId?: string; connectTimeoutMs?: number } = { url: o.url };
    if (o.clientId !== undefined) connOpts.clientId = o.clientId;
    if (o.connectTimeoutMs !== undefined) connOpts.connectTimeoutMs = o.connectTimeoutMs;
    const conn = await SharedMqttConnection.connect(connOpts);
    const hub = new MqttHub(conn, o, onChannel);
    const prefix = o.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
    conn.client.on('message', (topic, payload) => hub.onMessage(topic, payload));
    conn.onClose((err) => {
      for (const c of [...hub.channels.values()]) c.lost(err ? new ChannelError(`broker connection lost: ${err.message}`, o.url) : undefined);
    });
    await conn.client.subscribeAsync(`${prefix}/+/+/up`, { qos: o.qos ?? 1 });
    return hub;
  }

  get url(): string {
    return this.o.url;
  }

  get connected(): boolean {
    return this.conn.connected;
  }

  private onMessage(topic: string, payload: Buffer): void {
    let ch = this.channels.get(topic);
    if (!ch) {
      const prefix = this.o.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
      const t = parseTerminalTopic(topic, prefix);
      if (!t || t.dir !== 'up') return;
      const topics = terminalTopics(t.a1, t.a2, prefix);
      ch = new TopicChannel(this, topics.up, topics.down, this.o.qos ?? 1);
      this.channels.set(topic, ch);
      this.onChannel(ch);
      if (!ch.isOpen) return; // refused by the FEP (session limit)
    }
    ch.data.emit(payload);
  }

  forget(ch: TopicChannel): void {
    if (this.channels.get(ch.upTopic) === ch) this.channels.delete(ch.upTopic);
  }

  publish(topic: string, bytes: Buffer, qos: MqttQos): Promise<void> {
    return new Promise((resolve, reject) => {
      this.conn.client.publish(topic, bytes, { qos, retain: false }, (err) => (err ? reject(new ChannelError(`publish failed: ${err.message}`, topic)) : resolve()));
    });
  }

  async close(): Promise<void> {
    for (const c of [...this.channels.values()]) c.lost(undefined);
    await this.conn.end().catch(() => undefined);
  }
}
