/**
 * The northbound API composed over a running head-end: services (billing, customer service, outage view)
 * on the head-end's database, store, FEP and bus, then the Fastify server (src/api/app.ts). `HeadEnd`
 * starts it when `api.enabled` (src/service/head-end.ts); tests may start it over any head-end.
 */
import type { Db } from '../archive/db.js';
import { Archive } from '../archive/archive.js';
import { MeterHistory } from '../billing/meter-history.js';
import { BillingService } from '../billing/service.js';
import type { EventBus, HesEvents } from '../bus.js';
import type { Clock } from '../clock.js';
import type { HesConfig } from '../config/schema.js';
import type { Prepayment } from '../control/prepayment.js';
import type { ControlService } from '../control/service.js';
import { CustomerService, type PrepayBalance } from '../customer/service.js';
import type { Fep } from '../fep/fep.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { OutageService, type OfflineHistory } from '../outage/outage-service.js';
import { ControlRelayState } from '../outage/relay-state.js';
import { ArchiveTopology } from '../outage/topology.js';
import type { CollectionService } from '../scheduler/service.js';
import { LocalCalendar } from '../scheduler/time.js';
import type { HeadEndApi } from '../service/api.js';
import { NotFoundError } from '../service/errors.js';
import type { SpoolStatus } from '../store/spool.js';
import type { ReadingStore } from '../store/store.js';
import { startApiServer, type ApiPlugin, type ApiServer } from './app.js';
import { ApiAudit } from './audit.js';
import { ApiKeyStore } from './auth/keys.js';
import { ApiMetrics, type MetricsHooks } from './metrics.js';
import { collectApiRoutes } from './routes/collect.js';
import { controlApiRoutes } from './routes/control.js';

export interface NorthboundOptions {
  config: HesConfig;
  /** The head-end database (archive, control, collection and API tables). */
  db: Db;
  headEnd: HeadEndApi;
  fep: Fep;
  bus: EventBus<HesEvents>;
  clock: Clock;
  store?: ReadingStore;
  prepay?: Prepayment;
  /** Load control: with `prepay`, its routes (requests, schemes, prepayment, control audit) join /api/v1. */
  control?: ControlService;
  /** Completeness figures and manual 补采 join /api/v1. */
  collection?: CollectionService;
  plugins?: readonly ApiPlugin[];
  /** The write-ahead spool in front of the store: its backlog is the store lag and spool size of /metrics. */
  spool?: { status(): SpoolStatus };
  /** Further /metrics figures (override the spool's). */
  hooks?: Omit<MetricsHooks, 'successRate'>;
  logger?: Logger;
}

/** The last online interval of every terminal (table terminal_online, migration 0004). */
function onlineLog(db: Db): OfflineHistory {
  return {
    lastIntervals: () => {
      const rows = db
        .prepare('SELECT t.terminal, t.offline_at, t.reason FROM terminal_online t WHERE t.id = (SELECT max(id) FROM terminal_online x WHERE x.terminal = t.terminal)')
        .all() as { terminal: number; offline_at: number | null; reason: string | null }[];
      return new Map(rows.map((r) => [r.terminal, { ...(r.offline_at !== null ? { offlineAt: r.offline_at } : {}), ...(r.reason !== null ? { reason: r.reason } : {}) }]));
    },
  };
}

/** Today's success rate per series task, recomputed at most once a minute (completeness is a store scan). */
function successRate(collection: CollectionService, clock: Clock, offsetMinutes: number): MetricsHooks['successRate'] {
  const cal = new LocalCalendar(offsetMinutes);
  let cached: { at: number; value: Promise<{ task: string; rate: number | null }[]> } | undefined;
  return () => {
    const now = clock.now();
    if (!cached || now - cached.at > 60_000) {
      const date = cal.dateOf(now);
      cached = {
        at: now,
        value: Promise.all(
          (['daily', 'curve'] as const).map(async (task) => {
            const r = await collection.status({ date, task, by: 'system' }).catch(() => undefined);
            return { task, rate: r?.system.successRate ?? null };
          }),
        ),
      };
    }
    return cached.value;
  };
}

/** Store lag (age of the oldest acknowledged batch not yet in the store) and backlog from the spool. */
function spoolHooks(spool: { status(): SpoolStatus }): Omit<MetricsHooks, 'successRate'> {
  return {
    storeLagSeconds: () => spool.status().oldestPendingAgeMs / 1000,
    spool: () => {
      const s = spool.status();
      return { records: s.pendingReadings + s.pendingEvents, bytes: s.pendingBytes };
    },
  };
}

export class Northbound {
  readonly outage: OutageService;
  readonly keys: ApiKeyStore;
  readonly audit: ApiAudit;
  readonly billing: BillingService | undefined;
  readonly customers: CustomerService;
  private server: ApiServer | undefined;

  private constructor(o: NorthboundOptions) {
    const { db, clock, config } = o;
    const now = (): number => clock.now();
    this.keys = new ApiKeyStore(db, now);
    this.audit = new ApiAudit(db, now);
    const topology = new ArchiveTopology(db);
    this.outage = new OutageService({
      bus: o.bus,
      clock,
      topology,
      liveness: { online: () => o.fep.sessions({ online: true }).map((i) => i.terminal) },
      relays: new ControlRelayState(db),
      offlineHistory: onlineLog(db),
      lookbackDays: config.api.eventLookbackDays,
      utcOffsetMinutes: config.meter.utcOffsetMinutes,
      ...(o.store ? { store: o.store } : {}),
      ...(o.logger ? { logger: o.logger.child({ component: 'outage' }) } : {}),
    });
    this.billing = o.store ? new BillingService({ db, store: o.store, rolloverKwh: config.api.rolloverKwh, now }) : undefined;
    const prepay = o.prepay;
    const history = this.billing?.history ?? new MeterHistory(db, now);
    this.customers = new CustomerService({
      archive: new Archive(db),
      ...(o.store ? { store: o.store } : {}),
      outage: this.outage,
      history,
      rolloverKwh: config.api.rolloverKwh,
      eventLookbackDays: config.api.eventLookbackDays,
      now,
      ...(prepay
        ? {
            prepayBalance: (account: string): PrepayBalance | undefined => {
              try {
                const b = prepay.balance(account, 0);
                return { balanceYuan: b.balanceYuan, state: b.state, alarmYuan: b.alarmYuan };
              } catch (e) {
                if (e instanceof NotFoundError) return undefined;
                throw e;
              }
            },
          }
        : {}),
    });
  }

  static async start(o: NorthboundOptions): Promise<Northbound> {
    const n = new Northbound(o);
    await n.outage.start();
    const metrics = new ApiMetrics({
      fep: () => o.fep.metrics(),
      hooks: {
        ...(o.spool ? spoolHooks(o.spool) : {}),
        ...o.hooks,
        ...(o.collection ? { successRate: successRate(o.collection, o.clock, o.config.meter.utcOffsetMinutes) } : {}),
      },
    });
    try {
      n.server = await startApiServer({
        config: o.config.api,
        keys: n.keys,
        audit: n.audit,
        metrics,
        headEnd: o.headEnd,
        customers: n.customers,
        outage: n.outage,
        ...(o.store ? { store: o.store } : {}),
        ...(n.billing ? { billing: n.billing } : {}),
        plugins: [
          ...(o.control && o.prepay ? [{ name: 'control', plugin: controlApiRoutes({ control: o.control, prepay: o.prepay }) }] : []),
          ...(o.collection ? [{ name: 'collect', plugin: collectApiRoutes({ collection: o.collection }) }] : []),
          ...(o.plugins ?? []),
        ],
        logger: o.logger ?? silentLogger,
        now: () => o.clock.now(),
      });
    } catch (e) {
      n.outage.stop();
      throw e;
    }
    return n;
  }

  get url(): string {
    return this.server?.url ?? '';
  }

  async close(): Promise<void> {
    this.outage.stop();
    await this.server?.close();
  }
}
