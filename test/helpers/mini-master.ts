/**
 * A test-side 376.1 master (head-end stand-in): accepts terminals over TCP (net.Server) or MQTT (topic
 * pairs), deframes with the codec, confirms login/heartbeat/logout (switchable), records every frame
 * with its arrival time and lets a test send requests and wait for answers.
 */
import net from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { builders, decodeMessage, Gw376Deframer, type Gw376Message } from '../../protocols/gw376/index.js';

export interface SeenFrame {
  /** Arrival time (Date.now()). */
  t: number;
  /** Connection (TCP: accept index) or topic base (MQTT: `hes/1101/1`). */
  conn: string;
  bytes: Buffer;
  msg: Gw376Message;
  /** `login`, `logout`, `heartbeat` for AFN02 F1/F2/F3. */
  link?: 'login' | 'logout' | 'heartbeat';
}

export interface MasterOptions {
  confirmLogin?: boolean;
  confirmHeartbeat?: boolean;
  confirmLogout?: boolean;
  /** Record frames (default true; off for load tests). */
  record?: boolean;
}

export class MasterCore {
  readonly frames: SeenFrame[] = [];
  discarded = 0;
  framesIn = 0;
  opts: MasterOptions;
  private waiters: { pred: (f: SeenFrame) => boolean; resolve: (f: SeenFrame) => void }[] = [];
  constructor(
    opts: MasterOptions,
    private readonly writer: (conn: string, bytes: Buffer) => void,
  ) {
    this.opts = { confirmLogin: true, confirmHeartbeat: true, confirmLogout: true, record: true, ...opts };
  }

  deframer(conn: string): Gw376Deframer {
    return new Gw376Deframer({
      onFrame: (f) => this.onFrame(conn, Buffer.from(f.bytes())),
      onDiscard: (s) => (this.discarded += s.length),
    });
  }

  onFrame(conn: string, bytes: Buffer): void {
    this.framesIn++;
    const msg = decodeMessage(bytes);
    let link: SeenFrame['link'];
    if (msg.afn === 0x02 && !msg.units[0]?.raw) {
      const fn = msg.units[0]?.fn;
      link = fn === 1 ? 'login' : fn === 2 ? 'logout' : fn === 3 ? 'heartbeat' : undefined;
    }
    const f: SeenFrame = { t: Date.now(), conn, bytes, msg, ...(link ? { link } : {}) };
    if (this.opts.record) this.frames.push(f);
    const o = this.opts;
    if ((link === 'login' && o.confirmLogin) || (link === 'heartbeat' && o.confirmHeartbeat) || (link === 'logout' && o.confirmLogout)) {
      this.writer(conn, builders.linkConfirm({ a1: msg.a1, a2: msg.a2 }, msg.seq));
    }
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(f)) return true;
      w.resolve(f);
      return false;
    });
  }

  waitFor(pred: (f: SeenFrame) => boolean, timeoutMs = 5000, what = 'frame'): Promise<SeenFrame> {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen);
    return this.next(pred, timeoutMs, what);
  }

  /** The next matching frame from now on (ignores recorded ones). */
  next(pred: (f: SeenFrame) => boolean, timeoutMs = 5000, what = 'frame'): Promise<SeenFrame> {
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (f: SeenFrame) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`master: no ${what} within ${timeoutMs} ms (saw ${this.frames.length} frames: ${this.frames.slice(-5).map((f) => `${f.link ?? 'afn' + f.msg.afn}`).join(', ')})`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  send(conn: string, bytes: Buffer): void {
    this.writer(conn, bytes);
  }
}

/** Master over TCP: terminals dial in to `port`. */
export class TcpMiniMaster extends MasterCore {
  private server!: net.Server;
  readonly sockets = new Map<string, net.Socket>();
  private n = 0;
  port = 0;
  accepted = 0;
  closedConns: { conn: string; t: number }[] = [];
  acceptTimes: number[] = [];

  constructor(opts: MasterOptions = {}) {
    super(opts, (conn, bytes) => this.sockets.get(conn)?.write(bytes));
  }

  static start(opts: MasterOptions = {}): Promise<TcpMiniMaster> {
    return TcpMiniMaster.startOn(0, opts);
  }

  static async startOn(port: number, opts: MasterOptions = {}): Promise<TcpMiniMaster> {
    const m = new TcpMiniMaster(opts);
    m.server = net.createServer((s) => {
      const conn = String(m.n++);
      m.accepted++;
      m.acceptTimes.push(Date.now());
      m.sockets.set(conn, s);
      const d = m.deframer(conn);
      s.on('data', (c: Buffer) => d.push(c));
      s.on('error', () => undefined);
      s.on('close', () => {
        m.sockets.delete(conn);
        m.closedConns.push({ conn, t: Date.now() });
      });
    });
    await new Promise<void>((r) => m.server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => r()));
    m.port = (m.server.address() as net.AddressInfo).port;
    return m;
  }

  /** Drops every connection at once. */
  dropAll(): void {
    for (const s of this.sockets.values()) s.destroy();
  }

  close(): Promise<void> {
    this.dropAll();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** Master over MQTT: subscribes `hes/+/+/up`, answers on the matching `down` topic. */
export class MqttMiniMaster extends MasterCore {
  client!: MqttClient;
  constructor(opts: MasterOptions = {}) {
    super(opts, (conn, bytes) => void this.client.publish(`${conn}/down`, bytes, { qos: 1 }));
  }

  static async start(url: string, opts: MasterOptions = {}): Promise<MqttMiniMaster> {
    const m = new MqttMiniMaster(opts);
    m.client = await mqtt.connectAsync(url, { reconnectPeriod: 0, clientId: `test-master-${process.pid}-${Date.now()}` });
    m.client.on('message', (topic, payload) => {
      if (!topic.endsWith('/up')) return;
      const conn = topic.slice(0, -3);
      m.deframer(conn).push(payload);
    });
    await m.client.subscribeAsync('hes/+/+/up', { qos: 1 });
    return m;
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}
