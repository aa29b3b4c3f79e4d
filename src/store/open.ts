/**
 * Opens the store the configuration asks for: embedded or InfluxDB, with the write-ahead spool in
 * front unless turned off. The head-end's composition root calls this; tests and benches may build
 * stores directly.
 */
import path from 'node:path';
import type { Db } from '../archive/db.js';
import type { Clock } from '../clock.js';
import { ConfigError } from '../config/schema.js';
import type { HesConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { EmbeddedStore } from './embedded/embedded-store.js';
import { openOrDefer } from './deferred.js';
import { ArchiveTagResolver, openInfluxStore } from './influx/index.js';
import { SpooledStore } from './spool.js';
import { COVERAGE_FILE, CoverageIndex } from './coverage/coverage-index.js';
import { CoveredStore } from './coverage/covered-store.js';
import type { ReadingStore } from './store.js';
import type { StoreConfig } from './config.js';

export interface OpenedStore {
  store: ReadingStore;
  /** The spool when one is in front (for status and metrics). */
  spool?: SpooledStore;
  /** The coverage index's store when InfluxDB has one (for reindex runs and status). */
  covered?: CoveredStore;
}

/** The InfluxDB store behind the head-end's coverage index (covered-store.ts). */
async function coverInflux(influx: ReadingStore, c: StoreConfig, dataDir: string, log: Logger, clock?: Clock): Promise<CoveredStore> {
  try {
    const index = CoverageIndex.open(path.join(dataDir, COVERAGE_FILE));
    try {
      const retention = { days: c.coverageDays, curveDays: c.coverageCurveDays };
      return await CoveredStore.open(influx, index, { logger: log, retention, ...(clock ? { now: () => clock.now() } : {}) });
    } catch (e) {
      index.close();
      throw e;
    }
  } catch (e) {
    await influx.close().catch(() => undefined);
    throw e;
  }
}

export async function openConfiguredStore(config: HesConfig, o: { archiveDb: Db; logger?: Logger; clock?: Clock }): Promise<OpenedStore> {
  const c = config.store;
  const log = (o.logger ?? silentLogger).child({ component: 'store' });
  let backend: ReadingStore;
  let covered: CoveredStore | undefined;
  if (c.backend === 'influxdb') {
    if (!c.influxUrl) throw new ConfigError('store', ['store.influxUrl: required when store.backend is influxdb (e.g. http://127.0.0.1:8086)']);
    const open = (openRetry?: { maxAttempts: number }): Promise<ReadingStore> =>
      openInfluxStore({
        url: c.influxUrl,
        database: c.influxDatabase,
        ...(c.influxToken ? { token: c.influxToken } : {}),
        ...(c.influxOrg ? { org: c.influxOrg } : {}),
        ...(c.influxUsername ? { username: c.influxUsername, password: c.influxPassword } : {}),
        tags: new ArchiveTagResolver(o.archiveDb),
        logger: log,
        ...(o.clock ? { clock: o.clock } : {}),
        ...(openRetry ? { openRetry } : {}),
      });
    // With the spool, a server that is down does not keep the head-end from starting (terminals are
    // served, the spool acknowledges and holds the readings): one quick attempt, then in the background
    // (deferred.ts). Without it, readings would have nowhere to go: wait for the server (open's own
    // retries, 2 min), then fail the start.
    backend = c.spool ? await openOrDefer('influxdb', () => open({ maxAttempts: 1 }), { logger: log, ...(o.clock ? { clock: o.clock } : {}) }) : await open();
    if (c.coverageIndex) backend = covered = await coverInflux(backend, c, config.data.dir, log, o.clock);
  } else {
    backend = EmbeddedStore.open(config.data.dir, { logger: log });
  }
  const withCovered = covered ? { covered } : {};
  if (!c.spool) return { store: backend, ...withCovered };
  try {
    const spool = await SpooledStore.open(backend, { dir: path.join(config.data.dir, 'spool'), logger: log, ...(o.clock ? { clock: o.clock } : {}) });
    return { store: spool, spool, ...withCovered };
  } catch (e) {
    await backend.close().catch(() => undefined);
    throw e;
  }
}
