/**
 * The front-end processor: every terminal session of the head-end behind one API.
 *
 * Channels: `listenTcp` (terminal dial-in), `setDialOutTargets` (terminals that listen: kept connected by
 * dial-out.ts, reconnecting with back-off; each link is bound to the terminal that was called; `dialOut`
 * is one call without reconnection), `attachMqtt` (one wildcard subscription `<prefix>/+/+/up`, one
 * channel per topic pair), and `attach` for any other Transport. Sessions (session.ts) bind to their
 * terminal on login; a second login of the same terminal replaces the first session (the terminal stays
 * online, its queue is kept). AFN04 F1 seen set or read is learned: timeouts, retries and silence
 * supervision follow the terminal's own values from then on.
 * Each terminal has one request queue (request-queue.ts) that outlives its sockets; it is failed with
 * ChannelClosedError when the terminal goes offline.
 *
 * Limits: `maxSessions` (sockets beyond it are closed at once), sockets that never log in are evicted
 * after `loginTimeoutMs`, bounded request queues, bounded quarantine. Supervision runs as one sweep every
 * `sweepMs` over all sessions (one timer for the process, not one per session).
 */
import type { MessageUnit } from '../../protocols/gw376/index.js';
import { builders, encodeMessage, type Gw376Frame } from '../../protocols/gw376/index.js';
import type { DayDate } from '../../protocols/gw376/builders.js';
import { ChannelClosedError } from '../../drivers/errors.js';
import { listenTcp as listenTcpDriver, type TcpListener } from '../../drivers/tcp-server.js';
import { TcpClientTransport } from '../../drivers/tcp-client.js';
import type { Transport } from '../../drivers/transport.js';
import type { EventCounters } from '../../protocols/gw376/index.js';
import type { Clock, Timer } from '../clock.js';
import { realClock } from '../clock.js';
import type { EventBus, HesEvents, OnlineVia, TerminalRef } from '../bus.js';
import { InProcessBus } from '../bus.js';
import { DEFAULT_CONFIG, type HesConfig } from '../config/schema.js';
import { DeniedError, InputError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { MeterReading } from '../meter/meter-client.js';
import { handleActiveReport, trackEc } from './active-reports.js';
import type { CommParams, TerminalDirectory, TerminalRecord } from './directory.js';
import { parseTerminalKey, terminalKeyOf } from './directory.js';
import { DialOutLink, type DialOutLinkInfo, type DialOutTarget } from './dial-out.js';
import { readMeterForwarded } from './forward.js';
import { LatencyHistogram, newFepCounters, type FepCounters } from './metrics.js';
import { MqttHub, type MqttAttachOptions } from './mqtt-channel.js';
import { Quarantine, type QuarantineEntry } from './quarantine.js';
import { RequestQueue, type Priority, type RequestResult, type Timing } from './request-queue.js';
import { Session, type CloseReason, type SessionHost, type SessionInfo } from './session.js';

export type FepConfig = HesConfig['fep'];

export interface FepOptions {
  directory: TerminalDirectory;
  config?: Partial<FepConfig>;
  bus?: EventBus<HesEvents>;
  clock?: Clock;
  logger?: Logger;
  /** Supervision sweep period, ms (default 1000). */
  sweepMs?: number;
  /** Terminal clocks keep local time: minutes east of UTC (default 480). */
  utcOffsetMinutes?: number;
  quarantineLimit?: number;
  /** Jitter source of the dial-out back-off, 0 ≤ x < 1 (default Math.random). */
  random?: () => number;
}

export interface RequestOptions {
  priority?: Priority;
  timeoutMs?: number;
  retries?: number;
  /** Override CON (default per AFN: set/control ask for a confirm). */
  con?: boolean;
  /** Put Tp (time label, §5.2.3.6.3) on the frame (default per AFN; `control` sets it). */
  tp?: boolean;
  /** Sees every frame of this request as hex: each attempt sent ('out') and each matched reply ('in'). */
  observe?: FrameObserver;
}

export type FrameObserver = (dir: 'out' | 'in', hex: string) => void;

export interface CallRequest extends RequestOptions {
  afn: number;
  /** Units to send: `{ pn, fn, data? }` encoded through the codec's registry, or raw units. */
  units: MessageUnit[];
}

export interface MeterReadTarget {
  pn?: number;
  address?: string;
  di: string;
  /** Terminal port of the meter (default from the directory, else 31 as in the captures). */
  port?: number;
  edition?: 2007 | 1997;
  /** Meter reply timeout the terminal applies, s (default 10). */
  frameTimeoutS?: number;
  priority?: Priority;
}

export interface TerminalInfo extends TerminalRef {
  online: boolean;
  session?: SessionInfo;
  queueDepth: number;
  inFlight: number;
  lastOnline?: number;
  lastOffline?: number;
  lastOfflineReason?: string;
  ec?: EventCounters;
  /** Terminals the head-end calls (dial-out): the link's state. */
  dialOut?: DialOutLinkInfo;
}

export interface FepMetrics {
  sessions: number;
  online: number;
  pending: number;
  quarantined: number;
  queueDepth: number;
  inFlight: number;
  counters: FepCounters;
  latency: ReturnType<LatencyHistogram['snapshot']>;
}

interface Entry {
  rec: TerminalRecord;
  ref: TerminalRef;
  queue: RequestQueue;
  session: Session | undefined;
  lastOnline?: number;
  lastOffline?: number;
  lastOfflineReason?: string;
  ec?: EventCounters;
  /** AFN04 F1 as this FEP saw it set (confirmed) or read (AFN0A F1): newer than the directory's. */
  learned?: CommParams;
}

export class Fep {
  readonly config: FepConfig;
  readonly bus: EventBus<HesEvents>;
  readonly clock: Clock;
  private readonly log: Logger;
  private readonly directory: TerminalDirectory;
  private readonly q: Quarantine;
  private readonly sessionsSet = new Set<Session>();
  private readonly entries = new Map<string, Entry>();
  private readonly byId = new Map<string, string>();
  private readonly counters = newFepCounters();
  private readonly latency = new LatencyHistogram();
  private readonly listeners: TcpListener[] = [];
  private readonly hubs: MqttHub[] = [];
  private readonly links = new Map<string, DialOutLink>();
  private readonly random: () => number;
  private readonly sweepMs: number;
  private readonly utcOffsetMinutes: number;
  private sweepTimer: Timer | undefined;
  private closed = false;
  private readonly host: SessionHost;

  constructor(o: FepOptions) {
    this.config = { ...DEFAULT_CONFIG.fep, ...o.config };
    this.directory = o.directory;
    this.clock = o.clock ?? realClock;
    this.log = o.logger ?? silentLogger;
    this.bus = o.bus ?? new InProcessBus<HesEvents>(this.log);
    this.q = new Quarantine(o.quarantineLimit);
    this.sweepMs = o.sweepMs ?? 1000;
    this.utcOffsetMinutes = o.utcOffsetMinutes ?? 480;
    this.random = o.random ?? Math.random;
    this.host = this.makeHost();
    this.scheduleSweep();
  }

  // ------------------------------------------------------------------ channels

  /** Listens for terminal dial-in on `host:port` (defaults from the config; port 0 = any free port). */
  async listenTcp(port = this.config.port, host = this.config.host): Promise<{ host: string; port: number }> {
    const l = await listenTcpDriver({ port, host, backlog: 4096, onConnection: (t) => this.attach(t, 'tcp') });
    this.listeners.push(l);
    this.log.info({ host: l.host, port: l.port }, 'fep listening for terminals');
    return { host: l.host, port: l.port };
  }

  /**
   * Calls a terminal that listens (TCP server mode) once and binds the link to `terminal` (key or id);
   * no reconnection (`setDialOutTargets` keeps terminals connected).
   */
  async dialOut(host: string, port: number, terminal: string, o: { connectTimeoutMs?: number } = {}): Promise<SessionInfo> {
    const target = { terminal, host, port };
    const t = await this.openDialOut(target, o.connectTimeoutMs);
    const s = this.bindDialOut(target, t);
    if (!s) throw new ChannelClosedError(this.closed ? 'head-end shutting down' : 'session limit reached', `${host}:${port}`);
    return s.info();
  }

  /**
   * The terminals the head-end keeps connected by calling them (archive channel `tcp-out`). Links of
   * targets no longer listed are hung up, new ones called at once, changed endpoints called anew; a
   * target that is not in the directory is skipped with a warning.
   */
  setDialOutTargets(targets: readonly DialOutTarget[]): void {
    if (this.closed) return;
    const wanted = new Map<string, DialOutTarget>();
    for (const t of targets) {
      const p = parseTerminalKey(t.terminal);
      const rec = p ? this.directory.lookup(p.a1, p.a2) : this.entry(t.terminal)?.rec;
      if (!rec) {
        this.log.warn({ terminal: t.terminal, endpoint: `tcp://${t.host}:${t.port}` }, 'dial-out target is not in the directory: not called');
        continue;
      }
      const key = terminalKeyOf(rec.a1, rec.a2);
      wanted.set(key, { ...t, terminal: key });
    }
    for (const [key, link] of this.links) {
      const w = wanted.get(key);
      if (w && w.host === link.target.host && w.port === link.target.port) continue;
      link.stop();
      this.links.delete(key);
    }
    const host = {
      clock: this.clock,
      log: this.log,
      backoff: { baseMs: this.config.dialOutBackoffMs, maxMs: this.config.dialOutBackoffMaxMs },
      connect: (t: DialOutTarget) => this.openDialOut(t, this.config.dialOutConnectTimeoutMs),
      bind: (target: DialOutTarget, t: Transport) => {
        try {
          this.bindDialOut(target, t);
        } catch (e) {
          // The connection is closed: the link backs off and the next refresh of the targets drops it.
          this.log.warn({ terminal: target.terminal, err: e }, 'dial-out: called terminal no longer in the directory');
        }
      },
      isOnline: (terminal: string) => this.isOnline(terminal),
      random: this.random,
    };
    for (const [key, t] of wanted) {
      if (this.links.has(key)) continue;
      const link = new DialOutLink(t, host);
      this.links.set(key, link);
      link.start();
    }
  }

  /** States of the dial-out links, by terminal. */
  dialOutLinks(): DialOutLinkInfo[] {
    return [...this.links.values()].map((l) => l.info()).sort((a, b) => a.terminal.localeCompare(b.terminal));
  }

  /** Calls a listening terminal: the TCP connection only. */
  private async openDialOut(target: DialOutTarget, connectTimeoutMs = 5000): Promise<Transport> {
    this.resolveRecord(target.terminal);
    const t = new TcpClientTransport({ host: target.host, port: target.port, connectTimeoutMs });
    await t.open();
    return t;
  }

  /** The session of a called terminal, bound at once (the head-end knows whom it called); undefined when refused. */
  private bindDialOut(target: DialOutTarget, t: Transport): Session | undefined {
    let rec: TerminalRecord;
    try {
      rec = this.resolveRecord(target.terminal);
    } catch (e) {
      // Removed from the directory while the call was being set up.
      void t.close().catch(() => undefined);
      throw e;
    }
    return this.attach(t, 'tcp-out', rec);
  }

  /** Serves terminals over MQTT (topic pairs `<prefix>/<A1>/<A2>/up|down`, see drivers/mqtt.ts). */
  async attachMqtt(o: MqttAttachOptions): Promise<void> {
    const hub = await MqttHub.connect(o, (t) => this.attach(t, 'mqtt'));
    this.hubs.push(hub);
  }

  /** Serves any transport (already open). Returns the session, or undefined when refused. */
  attach(t: Transport, channel: string = t.kind, dialOut?: TerminalRecord): Session | undefined {
    if (this.closed || this.sessionsSet.size >= this.config.maxSessions) {
      this.counters.rejected++;
      this.log.warn({ remote: t.description, limit: this.config.maxSessions }, 'connection refused: session limit');
      void t.close().catch(() => undefined);
      return undefined;
    }
    const s = new Session(t, this.host, dialOut ? { channel, dialOut } : { channel });
    if (s.state !== 'closed') this.sessionsSet.add(s);
    return s;
  }

  // ------------------------------------------------------------------ listings

  sessions(o: { online?: boolean } = {}): TerminalInfo[] {
    const out: TerminalInfo[] = [];
    for (const e of this.entries.values()) {
      const online = e.session !== undefined;
      if (o.online !== undefined && o.online !== online) continue;
      const i: TerminalInfo = { ...e.ref, online, queueDepth: e.queue.depth, inFlight: e.queue.inFlight };
      if (e.session) i.session = e.session.info();
      if (e.lastOnline !== undefined) i.lastOnline = e.lastOnline;
      if (e.lastOffline !== undefined) i.lastOffline = e.lastOffline;
      if (e.lastOfflineReason !== undefined) i.lastOfflineReason = e.lastOfflineReason;
      if (e.ec) i.ec = e.ec;
      const link = this.links.get(e.ref.terminal);
      if (link) i.dialOut = link.info();
      out.push(i);
    }
    return out.sort((a, b) => a.terminal.localeCompare(b.terminal));
  }

  /** Sockets not (yet) bound to a terminal. */
  pendingSessions(): SessionInfo[] {
    return [...this.sessionsSet].filter((s) => s.state === 'pending').map((s) => s.info());
  }

  quarantine(): QuarantineEntry[] {
    return this.q.list();
  }

  /** Forgets a quarantined terminal (after it was added to the archive). */
  release(a1: string, a2: number): boolean {
    return this.q.release(a1, a2);
  }

  isOnline(terminal: string): boolean {
    return this.entry(terminal)?.session !== undefined;
  }

  metrics(): FepMetrics {
    let online = 0;
    let pending = 0;
    for (const s of this.sessionsSet) {
      if (s.state === 'online') online++;
      else if (s.state === 'pending') pending++;
    }
    let depth = 0;
    let inFlight = 0;
    for (const e of this.entries.values()) {
      depth += e.queue.depth;
      inFlight += e.queue.inFlight;
    }
    return { sessions: this.sessionsSet.size, online, pending, quarantined: this.q.size, queueDepth: depth, inFlight, counters: { ...this.counters }, latency: this.latency.snapshot() };
  }

  // ------------------------------------------------------------------ call-up

  /** Sends one request (AFN + units) and resolves with the reply (all frames of a multi-frame answer). */
  request(terminal: string, r: CallRequest): Promise<RequestResult> {
    const e = this.entry(terminal);
    if (!e || !e.session) return Promise.reject(new ChannelClosedError('terminal is not online', terminal));
    const target = this.target(e.rec);
    const pw = this.pwOf(e.rec);
    const units = r.units;
    const what = `AFN${hex2(r.afn)} ${describeUnits(units)}`;
    const done = e.queue.enqueue({
      afn: r.afn,
      what,
      priority: r.priority ?? 'callup',
      ...(r.timeoutMs !== undefined ? { timeoutMs: r.timeoutMs } : {}),
      ...(r.retries !== undefined ? { retries: r.retries } : {}),
      ...(r.observe ? { observe: r.observe } : {}),
      build: (seq, pfc, now) => {
        const h = builders.requestHeader(r.afn, target, { seq, pfc, now: new Date(now), pw, delayMinutes: this.config.tpDelayMinutes, ...(r.con !== undefined ? { con: r.con } : {}), ...(r.tp !== undefined ? { tp: r.tp } : {}) });
        return encodeMessage({ ...h, units });
      },
    });
    if (r.afn !== 0x04 && r.afn !== 0x0a) return done;
    return done.then((res) => {
      this.learnCommParams(e, r, res);
      return res;
    });
  }

  /**
   * The terminal's AFN04 F1 (timeout, retries, heartbeat period) from a confirmed set or a query
   * answer: the FEP's timeouts, retries and silence supervision follow it from then on.
   */
  private learnCommParams(e: Entry, r: CallRequest, res: RequestResult): void {
    const f1 = (list: readonly MessageUnit[]): unknown => {
      const u = list.find((x) => !x.raw && x.fn === 1 && x.pn === 0);
      return u && !u.raw ? u.data : undefined;
    };
    const data = r.afn === 0x0a ? f1(res.units) : res.confirm?.ok ? f1(r.units) : undefined;
    const p = commParamsOf(data);
    if (!p) return;
    e.learned = p;
    this.log.info({ terminal: e.ref.terminal, ...p, from: r.afn === 0x0a ? 'AFN0A F1' : 'AFN04 F1' }, 'terminal communication parameters learned');
  }

  /** AFN0C (class-1 real-time data) of one Fn for points `pns`. */
  readRealtime(terminal: string, fn: number, pns: readonly number[], o: RequestOptions = {}): Promise<RequestResult> {
    return this.request(terminal, { ...o, afn: 0x0c, units: builders.requestUnits(pns.map((pn) => ({ pn, fn }))) });
  }

  /**
   * AFN0D daily frozen data (Td_d) of one Fn for points `pns` on `date`, one DA per point as
   * `builders.readDailyFrozen` does, split over several requests when one frame cannot hold them all;
   * the replies are merged in point order.
   */
  async readDaily(terminal: string, fn: number, pns: readonly number[], date: DayDate, o: RequestOptions = {}): Promise<RequestResult> {
    const e = this.entry(terminal);
    if (!e || !e.session) throw new ChannelClosedError('terminal is not online', terminal);
    const target = this.target(e.rec);
    const probe = builders.readDailyFrozen(target, pns, date, { seq: 0, fn, delayMinutes: this.config.tpDelayMinutes });
    const k = probe.length;
    const per = Math.ceil(pns.length / Math.max(1, k));
    const chunks: number[][] = [];
    for (let i = 0; i < pns.length; i += per) chunks.push(pns.slice(i, i + per));
    const results = await Promise.all(
      chunks.map((chunk) =>
        e.queue.enqueue({
          afn: 0x0d,
          what: `AFN0D F${fn} ${rangeText(chunk)} ${date.year}-${date.month}-${date.day}`,
          priority: o.priority ?? 'callup',
          ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
          ...(o.retries !== undefined ? { retries: o.retries } : {}),
          build: (seq, pfc, now) => builders.readDailyFrozen(target, chunk, date, { seq, pfc, fn, now: new Date(now), delayMinutes: this.config.tpDelayMinutes })[0]!,
        }),
      ),
    );
    if (results.length === 1) return results[0]!;
    return {
      terminal: results[0]!.terminal,
      afn: 0x0d,
      units: results.flatMap((r) => r.units),
      messages: results.flatMap((r) => r.messages),
      frames: results.reduce((n, r) => n + r.frames, 0),
      attempts: Math.max(...results.map((r) => r.attempts)),
      latencyMs: Math.max(...results.map((r) => r.latencyMs)),
    };
  }

  /**
   * AFN05 control (with PW and Tp, CON=1), queued at `control` priority so it passes queued reads.
   * Resolves on AFN00 F1; rejects with DeniedError on F2, or on F3 when any unit was refused.
   */
  async control(terminal: string, units: MessageUnit[], o: RequestOptions = {}): Promise<RequestResult> {
    const r = await this.request(terminal, { priority: 'control', tp: true, ...o, afn: 0x05, units });
    if (r.confirm && !r.confirm.ok) {
      const refused = (r.confirm.items ?? []).filter((i) => i.err !== 0).map((i) => `p${i.pns.join(',')} F${i.fns.join(',')}`);
      throw new DeniedError(`terminal ${r.terminal}`, `AFN05 ${describeUnits(units)}`, 3, refused.map((x) => `${x} refused`), '');
    }
    return r;
  }

  /** Reads a DL/T 645 meter behind `terminal` by AFN10 F1 forwarding; same result as MeterClient.read. */
  async readMeter(terminal: string, m: MeterReadTarget): Promise<MeterReading> {
    const e = this.entry(terminal);
    if (!e || !e.session) throw new ChannelClosedError('terminal is not online', terminal);
    const known = m.pn !== undefined ? e.rec.meters?.find((x) => x.pn === m.pn) : m.address !== undefined ? e.rec.meters?.find((x) => x.address === m.address) : undefined;
    let address = m.address ?? known?.address;
    if (address === undefined && m.pn !== undefined) address = await this.meterAddressFromTerminal(terminal, m.pn, m.priority);
    if (address === undefined) throw new InputError('meter', 'give pn or address');
    const port = m.port ?? known?.port ?? 31;
    const frameTimeoutS = m.frameTimeoutS ?? 10;
    const edition = m.edition ?? known?.edition ?? 2007;
    return readMeterForwarded(
      async (frame645) => {
        const r = await this.request(terminal, {
          afn: 0x10,
          priority: m.priority ?? 'callup',
          units: [{ pn: 0, fn: 1, data: { port, control: builders.SERIAL_2400_8E1, frameTimeout: { value: frameTimeoutS, unit: 's' }, byteTimeout10ms: 10, content: frame645 } }],
          // The terminal waits up to the frame timeout for the meter before it answers.
          timeoutMs: Math.max(this.timing(e.rec).timeoutMs, frameTimeoutS * 1000 + 2000),
        });
        const u = r.units.find((x) => !x.raw && x.fn === 1);
        const content = u && !u.raw ? ((u.data as { content?: Buffer } | undefined)?.content ?? Buffer.alloc(0)) : Buffer.alloc(0);
        return { content, attempts: r.attempts, latencyMs: r.latencyMs };
      },
      { address, di: m.di, edition, frameTimeoutS, via: `terminal ${e.ref.terminal} port ${port}` },
    );
  }

  /** The 645 address of `pn` from the terminal's own meter configuration (AFN0A F10, sequence = Pn). */
  private async meterAddressFromTerminal(terminal: string, pn: number, priority: Priority = 'callup'): Promise<string | undefined> {
    const r = await this.request(terminal, { afn: 0x0a, priority, units: [{ pn: 0, fn: 10, data: { n: 1, seqs: [pn] } }] });
    for (const u of r.units) {
      if (u.raw || u.fn !== 10) continue;
      const meters = (u.data as { meters?: { pn: number; address: string }[] } | undefined)?.meters ?? [];
      const hit = meters.find((x) => x.pn === pn);
      if (hit) return hit.address;
    }
    return undefined;
  }

  // ------------------------------------------------------------------ shutdown

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clock.clearTimeout(this.sweepTimer);
    for (const l of this.links.values()) l.stop();
    this.links.clear();
    for (const s of [...this.sessionsSet]) s.close('shutdown');
    for (const e of this.entries.values()) e.queue.failAll(new ChannelClosedError('head-end shutting down', e.ref.terminal));
    await Promise.all(this.listeners.splice(0).map((l) => l.close()));
    await Promise.all(this.hubs.splice(0).map((h) => h.close()));
  }

  // ------------------------------------------------------------------ internals

  private entry(terminal: string): Entry | undefined {
    const direct = this.entries.get(terminal);
    if (direct) return direct;
    const k = this.byId.get(terminal);
    if (k) return this.entries.get(k);
    const p = parseTerminalKey(terminal);
    return p ? this.entries.get(terminalKeyOf(p.a1, p.a2)) : undefined;
  }

  private resolveRecord(terminal: string): TerminalRecord {
    const e = this.entry(terminal);
    if (e) return e.rec;
    const p = parseTerminalKey(terminal);
    const rec = p ? this.directory.lookup(p.a1, p.a2) : undefined;
    if (!rec) throw new InputError('terminal', `${terminal} is not in the directory (give A1-A2, e.g. 1101-00007)`);
    return rec;
  }

  private target(rec: TerminalRecord): { a1: string; a2: number; msa: number } {
    return { a1: rec.a1, a2: rec.a2, msa: rec.msa ?? this.config.msa };
  }

  private pwOf(rec: TerminalRecord): string {
    return rec.pw ?? this.config.pw;
  }

  /** Learned from the terminal itself first, then the directory's. */
  private commParams(rec: TerminalRecord): CommParams | undefined {
    return this.entries.get(terminalKeyOf(rec.a1, rec.a2))?.learned ?? rec.commParams;
  }

  private timing(rec: TerminalRecord): Timing {
    const c = this.commParams(rec);
    if (c && c.timeoutS > 0) return { timeoutMs: c.timeoutS * 1000, retries: c.retries };
    return { timeoutMs: this.config.timeoutMs, retries: this.config.retries };
  }

  private heartbeatMs(rec: TerminalRecord): number {
    const m = this.commParams(rec)?.heartbeatMinutes;
    return m && m > 0 ? m * 60_000 : this.config.heartbeatS * 1000;
  }

  private scheduleSweep(): void {
    if (this.closed) return;
    this.sweepTimer = this.clock.setTimeout(() => {
      const now = this.clock.now();
      for (const s of [...this.sessionsSet]) s.check(now);
      this.scheduleSweep();
    }, this.sweepMs);
  }

  private getEntry(rec: TerminalRecord): Entry {
    const key = terminalKeyOf(rec.a1, rec.a2);
    let e = this.entries.get(key);
    if (!e) {
      const ref: TerminalRef = { id: rec.id, terminal: key, a1: rec.a1, a2: rec.a2 };
      const entry: Entry = {
        rec,
        ref,
        session: undefined,
        queue: undefined as unknown as RequestQueue,
      };
      entry.queue = new RequestQueue(
        {
          terminal: key,
          clock: this.clock,
          send: (bytes) => entry.session?.send(bytes) ?? false,
          timing: () => this.timing(entry.rec),
          completed: (ms, ok) => {
            this.latency.observe(ms);
            if (ok) this.counters.requestsOk++;
            else this.counters.requestsFailed++;
          },
        },
        { window: this.config.window, limit: this.config.queueLimit },
      );
      e = entry;
      this.entries.set(key, e);
    }
    e.rec = rec;
    this.byId.set(rec.id, key);
    return e;
  }

  private makeHost(): SessionHost {
    const refOf = (s: Session): TerminalRef | undefined => s.ref;
    return {
      now: () => this.clock.now(),
      lookup: (a1, a2) => this.directory.lookup(a1, a2),
      silencePeriods: this.config.silencePeriods,
      loginTimeoutMs: this.config.loginTimeoutMs,
      utcOffsetMinutes: this.utcOffsetMinutes,
      heartbeatMs: (rec) => this.heartbeatMs(rec),
      framesIn: (n) => {
        this.counters.framesIn += n;
      },
      framesOut: (n) => {
        this.counters.framesOut += n;
      },
      bind: (s, rec, via) => this.bind(s, rec, via),
      ended: (s, reason, detail, wasOnline) => this.ended(s, reason, detail, wasOnline),
      unknown: (s, f, login) => {
        this.counters.unknownFrames++;
        const now = this.clock.now();
        const { isNew } = this.q.record(f.a1, f.a2, { now, remote: s.remote, channel: s.channel, login });
        if (isNew) {
          const terminal = terminalKeyOf(f.a1, f.a2);
          this.log.warn({ terminal, remote: s.remote }, 'unknown terminal quarantined');
          this.bus.publish('unknownTerminal', { a1: f.a1, a2: f.a2, terminal, at: now, remote: s.remote, channel: s.channel });
        }
      },
      login: (s) => {
        this.counters.logins++;
        const ref = refOf(s);
        if (ref) this.bus.publish('login', { ...ref, at: this.clock.now(), remote: s.remote });
      },
      heartbeat: (s, clockOffsetMs) => {
        this.counters.heartbeats++;
        const ref = refOf(s);
        if (ref) this.bus.publish('heartbeat', clockOffsetMs === undefined ? { ...ref, at: this.clock.now() } : { ...ref, at: this.clock.now(), clockOffsetMs });
      },
      response: (s, f) => this.onResponse(s, f),
      report: (s, f) => this.onReport(s, f),
      frameError: (s, reason, hex, length) => this.frameError(s, reason, hex, length),
    };
  }

  private bind(s: Session, rec: TerminalRecord, via: OnlineVia): void {
    const e = this.getEntry(rec);
    const old = e.session;
    const now = this.clock.now();
    e.session = s;
    s.markOnline(rec);
    if (old && old !== s) {
      this.counters.replaced++;
      this.log.info({ terminal: e.ref.terminal, old: old.remote, new: s.remote }, 'second login: replacing the first session');
      old.close('replaced', `replaced by ${s.remote}`);
    }
    e.lastOnline = now;
    this.log.info({ terminal: e.ref.terminal, remote: s.remote, via }, 'terminal online');
    this.bus.publish('online', { ...e.ref, at: now, via, channel: s.channel, remote: s.remote, replaced: old !== undefined && old !== s });
    e.queue.pump();
  }

  private ended(s: Session, reason: CloseReason, detail: string | undefined, wasOnline: boolean): void {
    this.sessionsSet.delete(s);
    if (reason === 'evicted' && !wasOnline) this.counters.evicted++;
    const ref = s.ref;
    if (!wasOnline || !ref) {
      this.log.debug({ remote: s.remote, reason, detail }, 'connection closed before login');
      return;
    }
    const e = this.entries.get(ref.terminal);
    if (!e || e.session !== s) return; // replaced: the terminal stays online on its new session
    e.session = undefined;
    const now = this.clock.now();
    const offlineReason = reason === 'replaced' || reason === 'rejected' ? 'socket-closed' : reason;
    if (offlineReason === 'heartbeat-silence') this.counters.silenceOffline++;
    e.lastOffline = now;
    e.lastOfflineReason = offlineReason;
    e.queue.failAll(new ChannelClosedError(`terminal went offline (${offlineReason}${detail ? `: ${detail}` : ''})`, ref.terminal));
    this.log.info({ terminal: ref.terminal, reason: offlineReason, detail }, 'terminal offline');
    const payload: HesEvents['offline'] = { ...ref, at: now, reason: offlineReason, channel: s.channel, remote: s.remote };
    if (detail !== undefined) payload.detail = detail;
    this.bus.publish('offline', payload);
  }

  private onResponse(s: Session, f: Gw376Frame): void {
    const e = s.ref ? this.entries.get(s.ref.terminal) : undefined;
    if (!e) return;
    if (f.fcbAcd) e.ec = trackEc(f, e.ec, e.ref, this.clock.now(), this.bus);
    if (!e.queue.onResponse(f)) {
      this.counters.unmatched++;
      this.log.debug({ terminal: e.ref.terminal, afn: f.afn, seq: f.seq, hex: f.hex }, 'reply matched no request (late or duplicate)');
    }
  }

  private onReport(s: Session, f: Gw376Frame): void {
    const e = s.ref ? this.entries.get(s.ref.terminal) : undefined;
    if (!e) return;
    const now = this.clock.now();
    if (f.fcbAcd) e.ec = trackEc(f, e.ec, e.ref, now, this.bus);
    const out = handleActiveReport(f, { ref: e.ref, now, bus: this.bus, send: (b) => s.send(b), error: (reason, hex, length) => this.frameError(s, reason, hex, length) });
    if (out === 'event') this.counters.events++;
    else if (out === 'report') this.counters.reports++;
  }

  private frameError(s: Session, reason: string, hex: string, length: number): void {
    this.counters.frameErrors++;
    const terminal = s.ref?.terminal;
    this.log.warn({ terminal, remote: s.remote, reason, hex, length }, 'malformed or unusable bytes from a terminal');
    const payload: HesEvents['frameError'] = { remote: s.remote, at: this.clock.now(), reason, hex, length };
    if (terminal) payload.terminal = terminal;
    this.bus.publish('frameError', payload);
  }
}

/** AFN04/0A F1 data → CommParams (undefined when it is not one). */
function commParamsOf(data: unknown): CommParams | undefined {
  const d = data as { wait?: { timeout?: unknown; retries?: unknown }; heartbeat?: unknown } | undefined;
  const timeoutS = d?.wait?.timeout;
  const retries = d?.wait?.retries;
  const heartbeatMinutes = d?.heartbeat;
  if (typeof timeoutS !== 'number' || typeof retries !== 'number' || typeof heartbeatMinutes !== 'number') return undefined;
  return { timeoutS, retries, heartbeatMinutes };
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

function rangeText(pns: readonly number[]): string {
  if (pns.length === 0) return 'p-';
  if (pns.length === 1) return `p${pns[0]}`;
  return `p${pns[0]}..p${pns[pns.length - 1]} (${pns.length})`;
}

function describeUnits(units: readonly MessageUnit[]): string {
  const fns = new Set<number>();
  const pns: number[] = [];
  for (const u of units) {
    if (u.raw) {
      for (const f of u.fns) fns.add(f);
      pns.push(...u.pns);
    } else {
      fns.add(u.fn);
      pns.push(u.pn);
    }
  }
  return `${[...fns].map((f) => `F${f}`).join(',')} ${rangeText([...new Set(pns)].sort((a, b) => a - b))}`;
}

