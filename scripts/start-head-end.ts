/**
 * `npm start -- --head-end`: the whole head-end with embedded defaults and a simulated fleet in one
 * process — archive of the fleet imported into `<data>` (default ./.state/demo), `HeadEnd` (FEP on TCP,
 * scheduler, embedded store, local admin API, northbound API on 127.0.0.1), an admin API key, and
 * `--terminals` × `--meters-per-terminal` simulated concentrators dialling in. Prints the URLs, the key
 * and example requests; Ctrl-C stops everything.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeArchive } from '../simulators/fleet/archive-writer.js';
import { runFleet } from '../simulators/fleet/run.js';
import { Archive } from '../src/archive/archive.js';
import { importArchive } from '../src/archive/import.js';
import type { HesConfig } from '../src/config/schema.js';
import { InputError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import { HeadEnd } from '../src/service/head-end.js';

export interface HeadEndDemoOptions {
  terminals: number;
  metersPerTerminal: number;
  data: string;
}

export async function startHeadEndDemo(config: HesConfig, o: HeadEndDemoOptions, out: (s: string) => void, log: Logger): Promise<void> {
  if (!Number.isInteger(o.terminals) || o.terminals < 1 || o.terminals > 10_000) throw new InputError('terminals', `'${o.terminals}' is not 1..10000`);
  if (!Number.isInteger(o.metersPerTerminal) || o.metersPerTerminal < 1 || o.metersPerTerminal > 2040) throw new InputError('meters-per-terminal', `'${o.metersPerTerminal}' is not 1..2040`);
  mkdirSync(o.data, { recursive: true });
  const csv = path.join(o.data, `archive-${o.terminals}x${o.metersPerTerminal}`);
  if (!existsSync(csv)) {
    writeArchive(csv, { a1: '1101', terminals: o.terminals, metersPerTerminal: o.metersPerTerminal, seed: config.demo.seed });
    const archive = Archive.open(o.data);
    try {
      importArchive(archive.db, csv);
    } finally {
      archive.close();
    }
  }
  const he = await HeadEnd.open({ ...config, data: { dir: o.data } }, { logger: log, api: true });
  const a = await he.start();
  const key = he.northbound!.keys.create({ name: 'npm-start-admin', roles: ['admin'], by: 'npm start' }).key;
  const fleet = await runFleet({ terminals: o.terminals, metersPerTerminal: o.metersPerTerminal, url: `tcp://127.0.0.1:${a.terminal.port}`, seed: config.demo.seed, rampPerSec: 500 });
  const api = a.api!;
  out(`OpenHES head-end with ${o.terminals} simulated concentrators × ${o.metersPerTerminal} meters (data ${o.data})`);
  out(`  terminals   tcp://${a.terminal.host}:${a.terminal.port}`);
  out(`  admin API   ${a.admin ?? '-'}   (hes … --url ${a.admin ?? ''})`);
  out(`  API         ${api}   docs ${api}/docs`);
  out(`  admin key   ${key}`);
  out('Try:');
  out(`  curl -H 'Authorization: Bearer ${key}' '${api}/api/v1/terminals?state=online&limit=5'`);
  out(`  curl -H 'Authorization: Bearer ${key}' '${api}/api/v1/accounts/1101000010001'`);
  out(`  curl -H 'Authorization: Bearer ${key}' '${api}/api/v1/billing/daily-readings?date=$(TZ=Asia/Shanghai date +%F)&format=csv' | head`);
  out('Ctrl-C stops everything.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  out('stopping…');
  await fleet.stop();
  await he.stop();
}
