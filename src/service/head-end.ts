/**
 * The running head-end (`hes serve`): composition of configuration, clock, bus, logger, the archive
 * (terminal directory and catalog), the FEP (TCP listener, optional MQTT) and the local admin API.
 *
 * Everything is injected; `HeadEnd.open(config)` is the production wiring (archive at `data.dir`).
 * The head-end logs terminal online/offline/quarantine transitions as structured lines (`event` field);
 * a quarantined terminal that later logs in successfully (it was added to the archive) leaves the
 * quarantine by itself. It implements `HeadEndApi`, the operations the admin API exposes: thin
 * adapters over the FEP that resolve terminals, validate what only the protocol registry can know
 * (Fn exists, which time label an AFN0D Fn takes) and shape results as JSON-ready data.
 */
import { lookupFn, type KnownUnit, type MessageUnit } from '../../protocols/gw376/index.js';
import { ChannelClosedError } from '../../drivers/errors.js';
import { Archive, ArchiveDirectory } from '../archive/archive.js';
import { describeDifference, F10Sync, viewOf, type F10Difference, type F10Source } from '../archive/f10-sync.js';
import { dbPath } from '../archive/db.js';
import type { EventBus, HesEvents } from '../bus.js';
import { InProcessBus } from '../bus.js';
import type { Clock, Timer } from '../clock.js';
import { realClock } from '../clock.js';
import type { HesConfig } from '../config/schema.js';
import { InputError } from '../errors.js';
import type { DialOutLinkInfo } from '../fep/dial-out.js';
import type { Fep, FepMetrics, TerminalInfo } from '../fep/fep.js';
import { Fep as FepClass } from '../fep/fep.js';
import type { TerminalDirectory } from '../fep/directory.js';
import { parseTerminalKey, terminalKeyOf } from '../fep/directory.js';
import type { QuarantineEntry } from '../fep/quarantine.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { RequestResult } from '../fep/request-queue.js';
import { startAdminServer, type AdminServer } from '../admin/server.js';
import { controlRoutes } from '../admin/control-routes.js';
import type { Db } from '../archive/db.js';
import { FepChannel } from '../control/channel.js';
import { DirectChannel } from '../control/direct.js';
import { Prepayment } from '../control/prepayment.js';
import { ControlService } from '../control/service.js';
import { collectRoutes } from '../admin/collect-routes.js';
import { commissionRoutesFor } from '../commission/compose.js';
import { CollectionService } from '../scheduler/service.js';
import { ArchiveTargets } from '../scheduler/targets.js';
import { openConfiguredStore } from '../store/open.js';
import type { SpooledStore } from '../store/spool.js';
import type { CoveredStore } from '../store/coverage/covered-store.js';
import { storeRoutes } from '../admin/store-routes.js';
import { ReindexJobs, coverageStatus } from './reindex-jobs.js';
import type { ReadingStore } from '../store/store.js';
import type {
  ArchiveSyncDifference,
  ArchiveSyncResult,
  ArchiveSyncSpec,
  CallKind,
  CallResult,
  CallSpec,
  DialOutSummary,
  HeadEndApi,
  HeadEndStatus,
  MeterReadItem,
  MeterReadResult,
  MeterReadSpec,
  TerminalDetail,
  TerminalList,
  TerminalListQuery,
  TerminalSummary,
} from './api.js';
import type { TerminalCatalog } from './catalog.js';
import { archiveCatalog } from './catalog.js';
import { ConflictError, NotFoundError } from './errors.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './mqtt-broker.js';
import type { ApiPlugin } from '../api/app.js';
import { Northbound } from '../api/northbound.js';
import { northboundEnabled, startNorthboundEvents, type NorthboundEvents } from '../northbound/index.js';

export interface HeadEndOptions {
  config: HesConfig;
  directory: TerminalDirectory;
  catalog: TerminalCatalog;
  clock?: Clock;
  bus?: EventBus<HesEvents>;
  logger?: Logger;
  /** Start the admin API (default true). */
  admin?: boolean;
  /** FEP supervision sweep, ms (tests). */
  sweepMs?: number;
  /** Closed on stop (the archive the head-end opened itself). */
  owned?: { close(): void };
  /** Data directory shown in status and the ready line. */
  dataDir?: string;
  /** The archive's meters, for F10 sync (absent: `syncArchive` is refused). */
  archive?: F10Source;
  /** The database load control keeps its requests, audit chain and prepayment in (absent: no control routes). */
  controlDb?: Db;
  /** The time-series store; with `collectionDb` the scheduler (src/scheduler) runs and `/v1/collect` is served. */
  store?: ReadingStore;
  /** The database with the archive the scheduler reads and its own records (online log, event pointers, clock audit). */
  collectionDb?: Db;
  /** Close `store` on stop (the store the head-end opened itself). */
  ownsStore?: boolean;
  /** The write-ahead spool in front of `store`, when there is one (status in /v1/status and metrics). */
  spool?: SpooledStore;
  /** The coverage index's store inside `store` (InfluxDB): reindex runs through /v1/store. */
  covered?: CoveredStore;
  /** Start the northbound API (src/api; default false: `hes serve` passes config api.enabled) — needs the head-end database (`collectionDb` or `controlDb`). */
  api?: boolean;
  /** More northbound API areas under /api/v1 (load control, completeness). */
  apiPlugins?: readonly ApiPlugin[];
}

export interface HeadEndAddresses {
  terminal: { host: string; port: number };
  /** Admin API base URL, e.g. http://127.0.0.1:9301. */
  admin?: string;
  /** Northbound API base URL, e.g. http://127.0.0.1:9380 (docs at /docs). */
  api?: string;
  /** MQTT broker the FEP subscribes to. */
  mqtt?: string;
  /** MQTT broker the northbound events are published to (src/northbound). */
  events?: string;
  data?: string;
}

/** Curve density: minutes → the Td_c density code (Q/GDW 376.1 A.?; 254/255 UNVERIFIED, see afn0d-history.ts). */
export const DENSITY_CODES: Readonly<Record<number, number>> = { 15: 1, 30: 2, 60: 3, 5: 254, 1: 255 };

/** How often the dial-out targets are looked up again (the archive is only re-read after a change). */
const DIAL_OUT_REFRESH_MS = 10_000;

/** Points per AFN0D request for monthly and curve call-ups (one DA per point). */
const HISTORY_CHUNK = 32;

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

function put<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

export class HeadEnd implements HeadEndApi {
  readonly config: HesConfig;
  readonly fep: Fep;
  /** Load control and prepayment (src/control), when the head-end has a database. */
  readonly control: ControlService | undefined;
  readonly prepay: Prepayment | undefined;
  /** Scheduler, 补采 and completeness (src/scheduler), when the head-end has a store and a database. */
  readonly collection: CollectionService | undefined;
  readonly store: ReadingStore | undefined;
  private readonly ownsStore: boolean;
  private readonly spool: SpooledStore | undefined;
  private readonly reindexJobs: ReindexJobs | undefined;
  readonly bus: EventBus<HesEvents>;
  readonly clock: Clock;
  private readonly log: Logger;
  private readonly directory: TerminalDirectory;
  private readonly catalog: TerminalCatalog;
  private readonly withAdmin: boolean;
  private readonly owned: { close(): void } | undefined;
  private readonly controlChannel: DirectChannel | undefined;
  private readonly dataDir: string | undefined;
  private readonly archive: F10Source | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private adminServer: AdminServer | undefined;
  /** The northbound API (billing, customer service, operations), once started. */
  northbound: Northbound | undefined;
  /** Northbound events (alarms, events, control results, new readings → MQTT / webhooks), when configured. */
  northboundEvents: NorthboundEvents | undefined;
  private readonly apiDb: Db | undefined;
  private readonly withApi: boolean;
  private readonly apiPlugins: readonly ApiPlugin[];
  private broker: EmbeddedBroker | undefined;
  private addresses: HeadEndAddresses | undefined;
  private dialOutTimer: Timer | undefined;
  private startedAt = 0;
  private stopping: Promise<void> | undefined;

  constructor(o: HeadEndOptions) {
    this.config = o.config;
    this.clock = o.clock ?? realClock;
    this.log = o.logger ?? silentLogger;
    this.bus = o.bus ?? new InProcessBus<HesEvents>(this.log);
    this.directory = o.directory;
    this.catalog = o.catalog;
    this.withAdmin = o.admin ?? true;
    this.owned = o.owned;
    this.dataDir = o.dataDir;
    this.archive = o.archive;
    // The head-end logs the transitions itself (below); the FEP's own info lines would repeat them.
    const verbose = this.log.isLevelEnabled('debug');
    this.fep = new FepClass({
      directory: this.directory,
      config: o.config.fep,
      bus: this.bus,
      clock: this.clock,
      logger: this.log.child({ component: 'fep' }, verbose ? {} : { level: this.log.isLevelEnabled('warn') ? 'warn' : this.log.level }),
      utcOffsetMinutes: o.config.meter.utcOffsetMinutes,
      ...(o.sweepMs !== undefined ? { sweepMs: o.sweepMs } : {}),
    });
    if (o.controlDb) {
      // Meters with a direct serial/TCP link (archive meter_links) are commanded on it, others through the FEP.
      const m = o.config.meter;
      const channel = new DirectChannel(new FepChannel(this.fep, { forwardTimeoutS: o.config.control.forwardTimeoutS }), {
        link: { replyTimeoutMs: m.replyTimeoutMs, interByteTimeoutMs: m.interByteTimeoutMs, retries: m.retries, preamble: m.preamble },
        utcOffsetMinutes: m.utcOffsetMinutes,
      });
      this.controlChannel = channel;
      const logger = this.log.child({ component: 'control' });
      this.control = new ControlService({ db: o.controlDb, channel, bus: this.bus, clock: this.clock, logger, config: o.config.control, utcOffsetMinutes: o.config.meter.utcOffsetMinutes });
      this.prepay = new Prepayment({ db: o.controlDb, control: this.control, channel, audit: this.control.audit, protection: this.control.protection, bus: this.bus, clock: this.clock, logger, config: o.config.prepay });
    } else {
      this.control = undefined;
      this.prepay = undefined;
      this.controlChannel = undefined;
    }
    this.store = o.store;
    this.spool = o.spool;
    this.reindexJobs = o.covered ? new ReindexJobs(o.covered, () => this.clock.now()) : undefined;
    this.ownsStore = o.ownsStore ?? false;
    this.apiDb = o.collectionDb ?? o.controlDb;
    this.withApi = (o.api ?? false) && this.apiDb !== undefined;
    this.apiPlugins = o.apiPlugins ?? [];
    this.collection =
      o.store && o.collectionDb
        ? new CollectionService({
            config: o.config.scheduler,
            fep: this.fep,
            bus: this.bus,
            clock: this.clock,
            store: o.store,
            archive: new ArchiveTargets(o.collectionDb),
            db: o.collectionDb,
            logger: this.log.child({ component: 'scheduler' }),
            utcOffsetMinutes: o.config.meter.utcOffsetMinutes,
          })
        : undefined;
    this.watch();
  }

  /**
   * Production wiring: the archive in `config.data.dir` is the directory and the catalog; the store is
   * the configured backend (embedded `<data>/store.db` or InfluxDB) behind the write-ahead spool
   * `<data>/spool` (src/store/open.ts).
   */
  static async open(config: HesConfig, o: { logger?: Logger; clock?: Clock; bus?: EventBus<HesEvents>; api?: boolean; apiPlugins?: readonly ApiPlugin[] } = {}): Promise<HeadEnd> {
    const archive = Archive.open(config.data.dir);
    try {
      const directory = new ArchiveDirectory(archive.db, { pw: config.fep.pw, msa: config.fep.msa });
      const { store, spool, covered } = await openConfiguredStore(config, { archiveDb: archive.db, ...(o.logger ? { logger: o.logger } : {}), ...(o.clock ? { clock: o.clock } : {}) });
      try {
        return new HeadEnd({ ...o, config, directory, catalog: archiveCatalog(archive), owned: archive, dataDir: config.data.dir, archive, controlDb: archive.db, store, ownsStore: true, collectionDb: archive.db, ...(spool ? { spool } : {}), ...(covered ? { covered } : {}) });
      } catch (e) {
        await store.close().catch(() => undefined);
        throw e;
      }
    } catch (e) {
      archive.close();
      throw e;
    }
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<HeadEndAddresses> {
    if (this.addresses) return this.addresses;
    this.startedAt = this.clock.now();
    try {
      const terminal = await this.fep.listenTcp(this.config.fep.port, this.config.fep.host);
      const addresses: HeadEndAddresses = { terminal };
      this.control?.start();
      this.prepay?.start();
      this.refreshDialOut();
      this.collection?.start();
      const mqtt = this.config.mqtt.url;
      if (mqtt) {
        let url = mqtt;
        if (mqtt.startsWith('embedded')) {
          const port = mqtt.includes(':') ? Number(mqtt.slice(mqtt.indexOf(':') + 1)) : 1883;
          this.broker = await startEmbeddedBroker({ port, logger: this.log });
          url = this.broker.url;
        }
        await this.fep.attachMqtt({ url, topicPrefix: this.config.mqtt.topicPrefix });
        addresses.mqtt = url;
      }
      if (northboundEnabled(this.config.northbound)) {
        const nb = await startNorthboundEvents({
          config: this.config.northbound,
          bus: this.bus,
          clock: this.clock,
          logger: this.log.child({ component: 'northbound' }),
          ...(this.apiDb ? { db: this.apiDb } : {}),
          ...(this.control ? { control: this.control } : {}),
          embeddedBroker: async (port) => (this.broker ??= await startEmbeddedBroker({ port, logger: this.log })).url,
          utcOffsetMinutes: this.config.meter.utcOffsetMinutes,
        });
        this.northboundEvents = nb.events;
        if (nb.mqttUrl) addresses.events = nb.mqttUrl;
      }
      if (this.withAdmin) {
        const routes = this.control && this.prepay ? controlRoutes({ control: this.control, prepay: this.prepay }) : [];
        if (this.collection) routes.push(...collectRoutes(this.collection));
        if (this.reindexJobs) routes.push(...storeRoutes(this.reindexJobs));
        routes.push(...commissionRoutesFor({ clock: this.clock, fep: this.fep, terminal: (k) => this.terminal(k), archive: this.archive, directory: this.directory, heartbeatS: this.config.fep.heartbeatS, utcOffsetMinutes: this.config.meter.utcOffsetMinutes, defaultPw: this.config.fep.pw, controlAvailable: this.control !== undefined, control: this.control, db: this.apiDb, logger: this.log.child({ component: 'commission' }) }));
        this.adminServer = await startAdminServer(this, { port: this.config.admin.port, logger: this.log.child({ component: 'admin' }), routes });
        addresses.admin = this.adminServer.url;
      }
      if (this.withApi) {
        this.northbound = await Northbound.start({
          config: this.config,
          db: this.apiDb!,
          headEnd: this,
          fep: this.fep,
          bus: this.bus,
          clock: this.clock,
          logger: this.log.child({ component: 'api' }),
          plugins: this.apiPlugins,
          ...(this.store ? { store: this.store } : {}),
          ...(this.prepay ? { prepay: this.prepay } : {}),
          ...(this.control ? { control: this.control } : {}),
          ...(this.collection ? { collection: this.collection } : {}),
          ...(this.spool ? { spool: this.spool } : {}),
          hooks: { northbound: () => this.northboundEvents?.stats().sinks },
        });
        addresses.api = this.northbound.url;
      }
      if (this.dataDir) addresses.data = this.dataDir === ':memory:' ? this.dataDir : dbPath(this.dataDir);
      this.addresses = addresses;
      const known = this.catalog.count();
      this.log.info({ event: 'started', ...addresses, terminals: known }, 'head-end started');
      if (known === 0) this.log.warn({ event: 'empty-archive' }, 'the archive has no terminals: every terminal that logs in is quarantined (hes archive import <dir>)');
      return addresses;
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Stops accepting, closes every session and the admin API; idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const u of this.unsubscribe.splice(0)) u();
      this.clock.clearTimeout(this.dialOutTimer);
      this.dialOutTimer = undefined;
      // Stop accepting admin requests; closing the FEP fails the call-ups in flight, which answers them.
      const adminClosed = this.adminServer?.close();
      const apiClosed = this.northbound?.close();
      // No new collection work; what is under way ends when the FEP fails its requests.
      const collected = this.collection?.stop();
      await this.fep.close();
      await adminClosed;
      await apiClosed;
      await collected;
      await this.northboundEvents?.close();
      if (this.ownsStore) await this.store?.close();
      await this.broker?.close();
      this.prepay?.close();
      await this.control?.drain();
      this.control?.close();
      await this.controlChannel?.close();
      this.owned?.close();
      this.log.info({ event: 'stopped' }, 'head-end stopped');
    })();
    return this.stopping;
  }

  /** Keeps the FEP calling the catalog's dial-out terminals (added, moved or removed while serving). */
  private refreshDialOut(): void {
    if (this.stopping || !this.catalog.dialOutTargets) return;
    try {
      this.fep.setDialOutTargets(this.catalog.dialOutTargets());
    } catch (e) {
      this.log.error({ err: e }, 'dial-out targets could not be read; keeping the current links');
    }
    this.dialOutTimer = this.clock.setTimeout(() => this.refreshDialOut(), DIAL_OUT_REFRESH_MS);
  }

  private watch(): void {
    this.unsubscribe.push(
      this.bus.subscribe('online', (p) => {
        this.log.info({ event: 'online', terminal: p.terminal, via: p.via, channel: p.channel, remote: p.remote, replaced: p.replaced }, 'terminal online');
        // Added to the archive while quarantined: it is served now, so it leaves the quarantine.
        if (this.fep.release(p.a1, p.a2)) this.log.info({ event: 'quarantine-cleared', terminal: p.terminal }, 'terminal left the quarantine (now in the archive)');
      }),
      this.bus.subscribe('offline', (p) => {
        this.log.info({ event: 'offline', terminal: p.terminal, reason: p.reason, detail: p.detail, channel: p.channel, remote: p.remote }, 'terminal offline');
      }),
      this.bus.subscribe('unknownTerminal', (p) => {
        this.log.warn({ event: 'quarantine', terminal: p.terminal, channel: p.channel, remote: p.remote }, 'unknown terminal quarantined (not in the archive)');
      }),
    );
  }

  // ------------------------------------------------------------------ HeadEndApi: listings

  status(): HeadEndStatus {
    const s: HeadEndStatus = { startedAt: new Date(this.startedAt).toISOString(), uptimeS: Math.round((this.clock.now() - this.startedAt) / 1000) };
    const a = this.addresses;
    if (a) {
      s.terminalListener = a.terminal;
      put(s, 'admin', a.admin);
      put(s, 'api', a.api);
      put(s, 'mqtt', a.mqtt);
      put(s, 'data', a.data);
    }
    if (this.store) {
      const sp = this.spool?.status();
      s.store = {
        name: this.store.name,
        ...(sp ? { spool: { state: sp.state, pendingBatches: sp.pendingBatches, pendingReadings: sp.pendingReadings, pendingBytes: sp.pendingBytes, oldestPendingAgeMs: sp.oldestPendingAgeMs, lastError: sp.lastError?.message ?? null } } : {}),
        ...(this.reindexJobs ? { coverage: coverageStatus(this.reindexJobs.info()) } : {}),
      };
    }
    return s;
  }

  terminals(q: TerminalListQuery = {}): TerminalList {
    const out: TerminalSummary[] = [];
    if (q.state === undefined || q.state === 'online' || q.state === 'offline') {
      const live = new Map<string, TerminalInfo>();
      for (const i of this.fep.sessions()) live.set(i.terminal, i);
      const links = new Map(this.fep.dialOutLinks().map((l) => [l.terminal, l]));
      if (q.state !== 'offline') for (const i of live.values()) if (i.online) out.push(summaryOf(i));
      if (q.state !== 'online') {
        const seen = new Set<string>();
        for (const c of this.catalog.list()) {
          seen.add(c.terminal);
          const i = live.get(c.terminal);
          if (i?.online) continue;
          const link = links.get(c.terminal);
          out.push(i ? summaryOf(i) : { terminal: c.terminal, a1: c.a1, a2: c.a2, id: c.id, state: 'offline', ...(link ? { dialOut: dialOutOf(link) } : {}) });
        }
        // Known to the FEP but no longer listed (removed from the archive while it had a session).
        for (const i of live.values()) if (!i.online && !seen.has(i.terminal)) out.push(summaryOf(i));
      }
    }
    if (q.state === undefined || q.state === 'quarantine') for (const e of this.fep.quarantine()) out.push(quarantineSummary(e));
    out.sort((a, b) => a.terminal.localeCompare(b.terminal) || a.state.localeCompare(b.state));
    const offset = q.offset ?? 0;
    const page = q.limit !== undefined ? out.slice(offset, offset + q.limit) : out.slice(offset);
    return { total: out.length, terminals: page };
  }

  terminal(key: string): TerminalDetail {
    const { a1, a2, terminal } = keyOf(key);
    const archive = this.catalog.describe(a1, a2);
    const info = this.fep.sessions().find((i) => i.terminal === terminal);
    const q = this.fep.quarantine().find((e) => e.terminal === terminal);
    let d: TerminalDetail;
    if (info) d = summaryOf(info);
    else if (archive) {
      d = { terminal, a1, a2, state: 'offline' };
      const link = this.fep.dialOutLinks().find((l) => l.terminal === terminal);
      if (link) d.dialOut = dialOutOf(link);
    }
    else if (q) d = quarantineSummary(q);
    else throw new NotFoundError('terminal', `terminal ${terminal} is not in the archive and has not been seen`);
    if (info?.session) {
      const s = info.session;
      d.session = { session: s.session, connectedAt: iso(s.connectedAt)!, lastSeen: iso(s.lastSeen)!, framesIn: s.framesIn, framesOut: s.framesOut, heartbeats: s.heartbeats, malformed: s.malformed };
      put(d.session, 'onlineAt', iso(s.onlineAt));
      put(d.session, 'clockOffsetMs', s.clockOffsetMs);
    }
    if (info?.ec) d.ec = info.ec;
    if (archive) {
      d.archive = archive;
      if (d.id === undefined && typeof archive.key === 'string') d.id = archive.key;
    }
    return d;
  }

  release(key: string): { released: string; inArchive: boolean } {
    const { a1, a2, terminal } = keyOf(key);
    if (!this.fep.release(a1, a2)) throw new NotFoundError('quarantine', `terminal ${terminal} is not in the quarantine`);
    const inArchive = this.directory.lookup(a1, a2) !== undefined;
    this.log.info({ event: 'quarantine-released', terminal, inArchive }, 'quarantined terminal released');
    return { released: terminal, inArchive };
  }

  metrics(): Record<string, unknown> {
    const m: FepMetrics = this.fep.metrics();
    const mem = process.memoryUsage();
    return {
      uptimeS: Math.round((this.clock.now() - this.startedAt) / 1000),
      terminals: { archive: this.catalog.count(), online: m.online, quarantined: m.quarantined },
      fep: m,
      process: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
    };
  }

  // ------------------------------------------------------------------ HeadEndApi: call-up

  async call(spec: CallSpec): Promise<CallResult> {
    const terminal = this.servable(spec.terminal);
    const entry = lookupFn(spec.afn, spec.fn);
    const what = `AFN${hex2(spec.afn)} F${spec.fn}`;
    if (spec.afn !== 0x0c && spec.afn !== 0x0d) throw new InputError('afn', `AFN${hex2(spec.afn)} is not a call-up: use 0C (real-time data) or 0D (history data)`);
    if (!entry) throw new InputError('fn', `${what} is not a known data item`);
    if (entry.p0Only && spec.pns.some((p) => p !== 0)) throw new InputError('pn', `${what} (${entry.name}) is a terminal item: pn must be 0`);
    const kind = kindOf(spec.afn, spec.fn, entry.down?.size);
    checkTimeArgs(kind, spec, what);
    let r: RequestResult;
    switch (kind) {
      case 'realtime':
        r = await this.fep.readRealtime(terminal, spec.fn, spec.pns);
        break;
      case 'daily':
        r = await this.fep.readDaily(terminal, spec.fn, spec.pns, spec.date!);
        break;
      case 'monthly':
        r = await this.history(terminal, spec, { td: spec.month! });
        break;
      case 'curve':
        r = await this.history(terminal, spec, { td: { start: spec.from!, density: DENSITY_CODES[spec.densityMinutes ?? 15]!, points: spec.points! } });
        break;
    }
    return {
      terminal,
      afn: spec.afn,
      fn: spec.fn,
      kind,
      name: entry.name,
      nameZh: entry.nameZh,
      units: r.units.map(unitOf),
      frames: r.frames,
      attempts: r.attempts,
      latencyMs: r.latencyMs,
    };
  }

  /** AFN0D with a monthly or curve time label: one DA per point, HISTORY_CHUNK points per request. */
  private async history(terminal: string, spec: CallSpec, data: unknown): Promise<RequestResult> {
    const chunks: number[][] = [];
    for (let i = 0; i < spec.pns.length; i += HISTORY_CHUNK) chunks.push(spec.pns.slice(i, i + HISTORY_CHUNK));
    const results = await Promise.all(chunks.map((pns) => this.fep.request(terminal, { afn: 0x0d, units: pns.map((pn): KnownUnit => ({ pn, fn: spec.fn, data })) })));
    if (results.length === 1) return results[0]!;
    return {
      terminal,
      afn: 0x0d,
      units: results.flatMap((x) => x.units),
      messages: results.flatMap((x) => x.messages),
      frames: results.reduce((n, x) => n + x.frames, 0),
      attempts: Math.max(...results.map((x) => x.attempts)),
      latencyMs: Math.max(...results.map((x) => x.latencyMs)),
    };
  }

  async readMeter(spec: MeterReadSpec): Promise<MeterReadResult> {
    const terminal = this.servable(spec.terminal);
    if ((spec.pn === undefined) === (spec.address === undefined)) throw new InputError('meter', 'give exactly one of pn and address');
    const results: MeterReadItem[] = [];
    for (const di of spec.di) {
      try {
        results.push(await this.fep.readMeter(terminal, { di, ...(spec.pn !== undefined ? { pn: spec.pn } : { address: spec.address! }) }));
      } catch (e) {
        if (e instanceof ChannelClosedError || e instanceof InputError) throw e;
        const err = e instanceof Error ? e : new Error(String(e));
        results.push({ di, error: { code: err.name, message: err.message } });
      }
    }
    return { terminal, results };
  }

  // ------------------------------------------------------------------ HeadEndApi: archive sync

  async syncArchive(spec: ArchiveSyncSpec): Promise<ArchiveSyncResult> {
    const terminal = this.servable(spec.terminal);
    if (!this.archive) throw new ConflictError('no-archive', 'this head-end runs without an archive database: there is no meter configuration to compare with');
    const started = this.clock.now();
    const sync = new F10Sync(this.archive, (t, r) => this.fep.request(t, r));
    const r = await sync.sync(terminal, { push: spec.push });
    const out: ArchiveSyncResult = {
      terminal,
      archiveMeters: r.archive,
      queried: r.queried.length,
      read: r.read,
      differences: r.differences.map(differenceOf),
      inSync: (r.push?.differences ?? r.differences).length === 0,
      latencyMs: this.clock.now() - started,
    };
    if (r.push) out.push = { ...r.push, differences: r.push.differences.map(differenceOf) };
    this.log.info(
      { event: 'archive-sync', terminal, push: spec.push, found: r.differences.length, written: r.push?.written, deleted: r.push?.deleted.length, remaining: r.push?.differences.length, inSync: out.inSync },
      spec.push ? 'meter configuration pushed to the terminal (AFN04 F10) and read back' : 'meter configuration compared with the terminal (AFN0A F10)',
    );
    return out;
  }

  /** The key of a terminal that can be called now; NotFound/Conflict otherwise. */
  private servable(key: string): string {
    const { a1, a2, terminal } = keyOf(key);
    if (!this.directory.lookup(a1, a2)) {
      if (this.fep.quarantine().some((e) => e.terminal === terminal)) throw new ConflictError('quarantined', `terminal ${terminal} is quarantined: it is not in the archive (add it, then hes terminal release ${terminal})`);
      throw new NotFoundError('terminal', `terminal ${terminal} is not in the archive`);
    }
    if (!this.fep.isOnline(terminal)) throw new ConflictError('offline', `terminal ${terminal} is not online`);
    return terminal;
  }
}

function keyOf(key: string): { a1: string; a2: number; terminal: string } {
  const p = parseTerminalKey(key);
  if (!p) throw new InputError('terminal', `'${key}' is not a terminal key A1-A2 (e.g. 1101-00001)`);
  return { ...p, terminal: terminalKeyOf(p.a1, p.a2) };
}

function kindOf(afn: number, fn: number, downSize: number | undefined): CallKind {
  if (afn === 0x0c) return 'realtime';
  // The AFN0D request carries only the Fn's time label: Td_d A.20 (3 B), Td_m A.21 (2 B), Td_c (7 B).
  if (downSize === 3) return 'daily';
  if (downSize === 2) return 'monthly';
  if (downSize === 7) return 'curve';
  throw new InputError('fn', `AFN0D F${fn} has no daily, monthly or curve time label this head-end can send`);
}

function checkTimeArgs(kind: CallKind, s: CallSpec, what: string): void {
  const given = (['date', 'month', 'from'] as const).filter((k) => s[k] !== undefined);
  const need = kind === 'daily' ? 'date' : kind === 'monthly' ? 'month' : kind === 'curve' ? 'from' : undefined;
  const label = { daily: 'daily frozen data: give date YYYY-MM-DD', monthly: 'monthly frozen data: give month YYYY-MM', curve: 'a curve: give from YYYY-MM-DDTHH:mm and points', realtime: 'real-time data: no date, month or from' }[kind];
  for (const g of given) if (g !== need) throw new InputError(g, `${what} is ${label}`);
  if (need && !given.includes(need)) throw new InputError(need, `${what} is ${label}`);
  if (kind === 'curve' && s.points === undefined) throw new InputError('points', `${what} is ${label}`);
  if (kind !== 'curve' && (s.points !== undefined || s.densityMinutes !== undefined)) throw new InputError(s.points !== undefined ? 'points' : 'density', `${what} is not a curve: points/density apply to curves only`);
}

function differenceOf(d: F10Difference): ArchiveSyncDifference {
  const out: ArchiveSyncDifference = { pn: d.pn, kind: d.kind, text: describeDifference(d) };
  if (d.fields) out.fields = d.fields;
  if (d.archive) out.archive = viewOf(d.archive);
  if (d.terminal) out.terminal = viewOf(d.terminal);
  return out;
}

function unitOf(u: MessageUnit): CallResult['units'][number] {
  if (u.raw) return { raw: true, pns: u.pns, fns: u.fns, reason: u.reason, hex: Buffer.from(u.bytes).toString('hex') };
  const out: { pn: number; fn: number; data?: unknown } = { pn: u.pn, fn: u.fn };
  if (u.data !== undefined) out.data = u.data;
  return out;
}

function summaryOf(i: TerminalInfo): TerminalSummary {
  const s: TerminalSummary = { terminal: i.terminal, a1: i.a1, a2: i.a2, id: i.id, state: i.online ? 'online' : 'offline', queueDepth: i.queueDepth, inFlight: i.inFlight };
  if (i.session) {
    s.channel = i.session.channel;
    s.remote = i.session.remote;
    put(s, 'onlineAt', iso(i.session.onlineAt));
    s.lastSeen = iso(i.session.lastSeen)!;
  }
  put(s, 'lastOnline', iso(i.lastOnline));
  put(s, 'lastOffline', iso(i.lastOffline));
  put(s, 'lastOfflineReason', i.lastOfflineReason);
  if (i.dialOut) s.dialOut = dialOutOf(i.dialOut);
  return s;
}

function dialOutOf(l: DialOutLinkInfo): DialOutSummary {
  const d: DialOutSummary = { endpoint: l.endpoint, state: l.state, attempts: l.attempts, failures: l.failures };
  put(d, 'lastError', l.lastError);
  put(d, 'connectedAt', iso(l.connectedAt));
  put(d, 'nextAttemptAt', iso(l.nextAttemptAt));
  put(d, 'backoffMs', l.backoffMs);
  return d;
}

function quarantineSummary(e: QuarantineEntry): TerminalSummary {
  return {
    terminal: e.terminal,
    a1: e.a1,
    a2: e.a2,
    state: 'quarantine',
    channel: e.channel,
    remote: e.remote,
    firstSeen: iso(e.firstSeen)!,
    lastSeen: iso(e.lastSeen)!,
    frames: e.frames,
    logins: e.logins,
  };
}

