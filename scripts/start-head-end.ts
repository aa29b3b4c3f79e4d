/**
 * `npm start`: the whole head-end with embedded defaults and a simulated fleet in one process — the
 * fleet's archive imported into `<data>` (default ./.state/demo) on first use, `HeadEnd` (FEP on TCP,
 * scheduler, embedded store, load control, local admin API, northbound API on 127.0.0.1, northbound events
 * on the embedded aedes broker), an admin API key (the previous one revoked), and `--terminals` ×
 * `--meters-per-terminal` simulated concentrators dialling in. The scheduler's catch-up collects today's
 * daily freezes as they log in. Prints the addresses, the key and three requests to try, then progress
 * lines; Ctrl-C (SIGINT) or SIGTERM stops the fleet and the head-end and exits 0.
 */
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { writeArchive } from '../simulators/fleet/archive-writer.js';
import { accountNo } from '../simulators/fleet/archive-writer.js';
import { runFleet, type FleetRunHandle } from '../simulators/fleet/run.js';
import { Archive } from '../src/archive/archive.js';
import { importArchive } from '../src/archive/import.js';
import type { HesConfig } from '../src/config/schema.js';
import { InputError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import { LocalCalendar, formatDate } from '../src/scheduler/time.js';
import { HeadEnd } from '../src/service/head-end.js';
import { NotFoundError } from '../src/service/errors.js';

export interface HeadEndDemoOptions {
  terminals: number;
  metersPerTerminal: number;
  data: string;
}

const KEY_NAME = 'npm-start-admin';
const A1 = '1101';

/** `embedded:1883` when that port is free, else any free port (a Mosquitto of the system may hold 1883). */
async function embeddedBrokerSetting(configured: string): Promise<string> {
  if (configured !== '') return configured;
  const free = await new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(1883, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  return free ? 'embedded:1883' : 'embedded:0';
}

/** The fleet's archive, imported once per fleet size into the data directory. */
function ensureArchive(o: HeadEndDemoOptions, seed: number, out: (s: string) => void): void {
  const csv = path.join(o.data, `archive-${o.terminals}x${o.metersPerTerminal}`);
  if (existsSync(csv)) return;
  out(`importing the archive of the simulated fleet (${o.terminals} terminals, ${o.terminals * o.metersPerTerminal} meters) into ${o.data}`);
  writeArchive(csv, { a1: A1, terminals: o.terminals, metersPerTerminal: o.metersPerTerminal, seed });
  const archive = Archive.open(o.data);
  try {
    importArchive(archive.db, csv);
  } finally {
    archive.close();
  }
}

function checkOptions(o: HeadEndDemoOptions): void {
  if (!Number.isInteger(o.terminals) || o.terminals < 1 || o.terminals > 10_000) throw new InputError('terminals', `'${o.terminals}' is not 1..10000`);
  if (!Number.isInteger(o.metersPerTerminal) || o.metersPerTerminal < 1 || o.metersPerTerminal > 2040) throw new InputError('meters-per-terminal', `'${o.metersPerTerminal}' is not 1..2040`);
}

/**
 * Resolves at the first SIGINT/SIGTERM. One Ctrl-C may arrive more than once (npm and tsx relay it to the
 * process that the terminal signalled too): repeats within 2 s are the same request; a later one while
 * stopping exits at once (130).
 */
function stopSignal(out: (s: string) => void): Promise<string> {
  return new Promise((resolve) => {
    let first = 0;
    const on = (sig: string): void => {
      if (first === 0) {
        first = Date.now();
        resolve(sig);
      } else if (Date.now() - first > 2000) {
        out('stopping anyway (second signal)');
        process.exit(130);
      }
    };
    process.on('SIGINT', () => on('SIGINT'));
    process.on('SIGTERM', () => on('SIGTERM'));
  });
}

export async function startHeadEndDemo(config: HesConfig, o: HeadEndDemoOptions, out: (s: string) => void, log: Logger): Promise<void> {
  checkOptions(o);
  mkdirSync(o.data, { recursive: true });
  const stop = stopSignal(out);
  ensureArchive(o, config.demo.seed, out);
  const cfg: HesConfig = { ...config, data: { dir: o.data }, northbound: { ...config.northbound, mqtt: await embeddedBrokerSetting(config.northbound.mqtt) } };
  const he = await HeadEnd.open(cfg, { logger: log, api: true });
  let fleet: FleetRunHandle | undefined;
  try {
    const a = await he.start();
    const keys = he.northbound!.keys;
    try {
      keys.revoke(KEY_NAME, 'npm start');
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
    const key = keys.create({ name: KEY_NAME, roles: ['admin'], by: 'npm start' }).key;
    fleet = await runFleet({ terminals: o.terminals, metersPerTerminal: o.metersPerTerminal, url: `tcp://127.0.0.1:${a.terminal.port}`, seed: config.demo.seed, rampPerSec: 500, progressMs: 0 });
    const api = a.api!;
    const cal = new LocalCalendar(config.meter.utcOffsetMinutes);
    const today = formatDate(cal.dateOf(Date.now()));
    const account = accountNo({ a1: A1, a2: 1 }, 1);
    const auth = `-H 'Authorization: Bearer ${key}'`;
    out(`OpenHES head-end with ${o.terminals} simulated concentrators × ${o.metersPerTerminal} meters (data ${path.resolve(o.data)})`);
    out(`  API          ${api}    (docs ${api}/docs)`);
    out(`  admin key    ${key}`);
    out(`  events       ${a.events ?? '-'}    (MQTT topics openhes/#)`);
    out(`  admin API    ${a.admin ?? '-'}    (hes … --url ${a.admin ?? ''})`);
    out(`  terminals    tcp://${a.terminal.host}:${a.terminal.port}`);
    out('Try:');
    out(`  1. curl ${auth} '${api}/api/v1/terminals?state=online&limit=5'`);
    out(`  2. curl ${auth} '${api}/api/v1/accounts/${account}'`);
    out(`  3. curl ${auth} '${api}/api/v1/billing/daily-readings?date=${today}&format=csv' | head`);
    out('Ctrl-C stops everything.');
    await progress(he, o, today, cal, out, stop);
    const sig = await stop;
    out(`${sig}: stopping…`);
  } finally {
    await fleet?.stop();
    await he.stop();
  }
  out('stopped');
}

/** Progress lines until every terminal is online and today's daily freezes are in (or a stop signal). */
async function progress(he: HeadEnd, o: HeadEndDemoOptions, today: string, cal: LocalCalendar, out: (s: string) => void, stop: Promise<string>): Promise<void> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  const started = Date.now();
  const secs = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  // Logins are announced as they complete (a completeness figure may take a while during the first round).
  const allOnline = new Promise<void>((resolve) => {
    const check = (): boolean => he.fep.metrics().online >= o.terminals;
    if (check()) return resolve();
    const off = he.bus.subscribe('online', () => {
      if (!check()) return;
      off();
      resolve();
    });
    void stop.then(() => (off(), resolve()));
  });
  await allOnline;
  if (stopped) return;
  out(`[${secs()}] ${he.fep.metrics().online}/${o.terminals} terminals online`);
  while (!stopped) {
    const s = await he.collection?.status({ date: cal.dateOf(Date.now()), task: 'daily', by: 'system' }).catch(() => undefined);
    if (s && s.system.meters > 0 && s.system.complete === s.system.meters) {
      out(`[${secs()}] daily readings of ${today} collected: ${s.system.complete}/${s.system.meters} meters — ready`);
      return;
    }
    await Promise.race([stop, new Promise((r) => setTimeout(r, 1000))]);
  }
}
