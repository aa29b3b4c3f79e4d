/**
 * A production-wired head-end for northbound tests: the fleet archive (simulators/fleet/archive-writer)
 * imported into a temp data directory, `HeadEnd.open` (FEP on a free port, embedded store, scheduler off
 * unless the config says otherwise, load control with short verification waits, northbound API on a free
 * port), and `close()` removing everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeArchive } from '../../simulators/fleet/archive-writer.js';
import { Archive } from '../../src/archive/archive.js';
import { importArchive } from '../../src/archive/import.js';
import { DEFAULT_CONFIG, type HesConfig } from '../../src/config/schema.js';
import { DEFAULT_SCHEDULER } from '../../src/scheduler/config.js';
import { HeadEnd, type HeadEndAddresses } from '../../src/service/head-end.js';

export interface ApiEnv {
  he: HeadEnd;
  addresses: HeadEndAddresses;
  close(): Promise<void>;
}

export async function startApiEnv(o: { terminals: number; meters: number; config?: (c: HesConfig) => HesConfig }): Promise<ApiEnv> {
  const root = mkdtempSync(path.join(tmpdir(), 'hes-api-env-'));
  const dataDir = path.join(root, 'data');
  writeArchive(path.join(root, 'archive'), { a1: '1101', terminals: o.terminals, metersPerTerminal: o.meters, seed: 1 });
  const archive = Archive.open(dataDir);
  importArchive(archive.db, path.join(root, 'archive'));
  archive.close();
  const base: HesConfig = {
    ...DEFAULT_CONFIG,
    log: { level: 'silent' },
    data: { dir: dataDir },
    fep: { ...DEFAULT_CONFIG.fep, port: 0, timeoutMs: 2000, retries: 1 },
    admin: { port: 0 },
    api: { ...DEFAULT_CONFIG.api, port: 0 },
    scheduler: { ...DEFAULT_SCHEDULER, enabled: false },
    control: { ...DEFAULT_CONFIG.control, verifyIntervalMs: 200, ercWaitMs: 3000 },
    prepay: { ...DEFAULT_CONFIG.prepay, settleIntervalS: 0 },
  };
  const he = await HeadEnd.open(o.config ? o.config(base) : base, { api: true });
  try {
    const addresses = await he.start();
    return {
      he,
      addresses,
      async close() {
        await he.stop();
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
}
