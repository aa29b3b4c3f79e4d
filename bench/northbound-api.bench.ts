/**
 * Issue 8 measures of the northbound API over loopback HTTP, on a head-end whose archive and store are
 * filled directly (the archive importer, the embedded store's writeReadings — not collected through the
 * FEP):
 *   1. billing export of every account's daily freeze (1 M accounts by default) as CSV and NDJSON: time to
 *      first byte, rows/s, peak RSS of the process; the meter-reading-day export (≈ 1/28 of the accounts);
 *   2. account summary and 1-year 15-min curve latency p50/p99 with one client (service time) and under 50
 *      concurrent keep-alive clients (bench/load.ts), each phase bounded in time.
 *
 *   npx tsx bench/northbound-api.bench.ts [--terminals 5000] [--meters 200] [--curve-accounts 100]
 *                                         [--clients 50] [--seconds 15] [--data dir (kept and reused)] [--no-exports]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { accountNo, writeArchive } from '../simulators/fleet/archive-writer.js';
import { Archive } from '../src/archive/archive.js';
import { importArchive } from '../src/archive/import.js';
import { dateLabel } from '../src/billing/dates.js';
import { DEFAULT_CONFIG, type HesConfig } from '../src/config/schema.js';
import { DEFAULT_SCHEDULER } from '../src/scheduler/config.js';
import { HeadEnd } from '../src/service/head-end.js';
import { EmbeddedStore } from '../src/store/embedded/embedded-store.js';
import type { Reading } from '../src/store/store.js';
import { fmt } from './harness.js';
import { loadPhase } from './load.js';

const DAY_MS = 86_400_000;
const CST = 8 * 3_600_000;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
function argText(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const TERMINALS = arg('terminals', 5000);
const METERS = arg('meters', 200);
const CURVE_ACCOUNTS = arg('curve-accounts', 100);
const CLIENTS = arg('clients', 50);
const SECONDS = arg('seconds', 15);
const keep = argText('data');
const EXPORTS = !process.argv.includes('--no-exports');
const root = keep ?? mkdtempSync(path.join(os.tmpdir(), 'hes-bench-api-'));
const dataDir = path.join(root, 'data');

/** 00:00 CST of yesterday: the frozen day exported. */
const DAY = Math.floor((Date.now() + CST) / DAY_MS) * DAY_MS - CST - DAY_MS;
const DATE = dateLabel(DAY);

let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const mib = (b: number): string => `${(b / 1048576).toFixed(0)} MiB`;

function dayReadings(ids: readonly number[]): Reading[] {
  const out: Reading[] = [];
  for (const meter of ids) {
    const base = 1000 + ((meter * 7919) % 90_000) + meter / 1000;
    for (const [k, quantity] of (['ea_imp', 'er_imp', 'ea_exp', 'er_exp'] as const).entries()) {
      const t = Math.round(base * (4 - k) * 100) / 100;
      const r = [0.1, 0.3, 0.4].map((f) => Math.round(t * f * 100) / 100);
      out.push({ meter, kind: 'day', quantity, time: DAY, values: [t, r[0]!, r[1]!, r[2]!, Math.round((t - r[0]! - r[1]! - r[2]!) * 100) / 100], quality: 'collected', readAt: DAY + 300_000 });
    }
  }
  return out;
}

function curveReadings(meter: number, from: number, to: number): Reading[] {
  const out: Reading[] = [];
  for (let t = from; t < to; t += 900_000) {
    const p = Math.round((2 + Math.sin(t / 3_600_000) + (meter % 7) / 10) * 1000) / 1000;
    out.push({ meter, kind: 'curve', quantity: 'p', time: t, values: [p, p / 3, p / 3, p / 3], quality: 'collected' });
  }
  return out;
}

async function prepare(): Promise<void> {
  const csv = path.join(root, 'archive');
  if (!existsSync(path.join(dataDir, 'store.db'))) {
    mkdirSync(root, { recursive: true });
    let t = performance.now();
    writeArchive(csv, { a1: '1101', terminals: TERMINALS, metersPerTerminal: METERS, seed: 1 });
    const archive = Archive.open(dataDir);
    importArchive(archive.db, csv);
    archive.close();
    rmSync(csv, { recursive: true, force: true });
    console.log(`archive: ${fmt(TERMINALS * METERS)} meters and accounts generated and imported in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    const archiveDb = Archive.open(dataDir);
    const ids = archiveDb.db.prepare('SELECT id FROM meters ORDER BY id').pluck().all() as number[];
    const curveIds = archiveDb.db.prepare('SELECT m.id FROM meters m JOIN customers c ON c.meter = m.id ORDER BY c.account_no LIMIT ?').pluck().all(CURVE_ACCOUNTS) as number[];
    archiveDb.close();
    const store = EmbeddedStore.open(dataDir, { synchronous: 'normal' });
    for (let i = 0; i < ids.length; i += 5000) await store.writeReadings(dayReadings(ids.slice(i, i + 5000)));
    console.log(`store: ${fmt(ids.length * 4)} daily readings written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    for (const id of curveIds) {
      for (let d = 365; d > 0; d -= 30) await store.writeReadings(curveReadings(id, DAY - d * DAY_MS, Math.min(DAY + DAY_MS, DAY - (d - 30) * DAY_MS)));
    }
    console.log(`store: 1-year 15-min p curves of ${curveIds.length} meters (${fmt(curveIds.length * 366 * 96)} points) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await store.close();
  }
}

interface Export {
  status: number;
  ttfbMs: number;
  totalMs: number;
  rows: number;
  bytes: number;
}

/** One streamed export, counted line by line as it arrives. */
function exportOnce(url: string, key: string): Promise<Export> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let ttfb = 0;
    let rows = 0;
    let bytes = 0;
    http
      .get(url, { headers: { authorization: `Bearer ${key}` } }, (res) => {
        res.on('data', (d: Buffer) => {
          if (bytes === 0) ttfb = performance.now() - t0;
          bytes += d.length;
          for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) rows++;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ttfbMs: ttfb, totalMs: performance.now() - t0, rows, bytes }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function main(): Promise<void> {
  console.log(`northbound API bench: ${fmt(TERMINALS * METERS)} accounts, day ${DATE}, ${CLIENTS} clients × ${SECONDS} s per load phase; node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  await prepare();
  const config: HesConfig = {
    ...DEFAULT_CONFIG,
    log: { level: 'silent' },
    data: { dir: dataDir },
    fep: { ...DEFAULT_CONFIG.fep, port: 0 },
    admin: { port: 0 },
    api: { ...DEFAULT_CONFIG.api, port: 0 },
    store: { ...DEFAULT_CONFIG.store, spool: false },
    scheduler: { ...DEFAULT_SCHEDULER, enabled: false },
    prepay: { ...DEFAULT_CONFIG.prepay, settleIntervalS: 0 },
  };
  const t = performance.now();
  const he = await HeadEnd.open(config, { api: true });
  const a = await he.start();
  console.log(`head-end with the API up in ${((performance.now() - t) / 1000).toFixed(1)} s; RSS ${mib(process.memoryUsage().rss)}`);
  const key = he.northbound!.keys.create({ name: 'bench', roles: ['admin'], by: 'bench' }).key;
  const api = a.api!;
  try {
    for (const [label, p] of (EXPORTS ? [
      ['daily readings, CSV', `/api/v1/billing/daily-readings?date=${DATE}&format=csv`],
      ['daily readings, NDJSON', `/api/v1/billing/daily-readings?date=${DATE}&format=ndjson`],
      ['meter-reading-day export, CSV', `/api/v1/billing/reading-day?date=${DATE}&format=csv`],
    ] : []) as [string, string][]) {
      peakRss = process.memoryUsage().rss;
      const e = await exportOnce(`${api}${p}`, key);
      const dataRows = label.includes('CSV') ? e.rows - 1 : e.rows;
      console.log(`${label}: HTTP ${e.status}, ${fmt(dataRows)} rows (${mib(e.bytes)}) in ${(e.totalMs / 1000).toFixed(1)} s = ${fmt((dataRows / e.totalMs) * 1000)} rows/s; first byte after ${e.ttfbMs.toFixed(0)} ms; peak RSS ${mib(peakRss)}`);
    }
    const accounts: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const n = Math.floor(Math.random() * TERMINALS * METERS);
      accounts.push(accountNo({ a1: '1101', a2: Math.floor(n / METERS) + 1 }, (n % METERS) + 1));
    }
    const curveAccounts = Array.from({ length: Math.min(CURVE_ACCOUNTS, METERS * TERMINALS) }, (_, i) => accountNo({ a1: '1101', a2: Math.floor(i / METERS) + 1 }, (i % METERS) + 1));
    const from = dateLabel(DAY - 365 * DAY_MS);
    const to = dateLabel(DAY + DAY_MS);
    let i = 0;
    let j = 0;
    for (const [label, next] of [
      ['account summary', () => `/api/v1/accounts/${accounts[i++ % accounts.length]}`],
      ['1-year 15-min curve (p, 35 136 points)', () => `/api/v1/accounts/${curveAccounts[j++ % curveAccounts.length]}/curves?from=${from}&to=${to}&quantity=p`],
    ] as const) {
      // One client first (the service time), then the concurrent clients (queueing included).
      for (const clients of [1, CLIENTS]) {
        peakRss = process.memoryUsage().rss;
        const r = await loadPhase({ base: api, path: next, headers: { authorization: `Bearer ${key}` }, clients, seconds: clients === 1 ? Math.min(SECONDS, 5) : SECONDS });
        console.log(`${label}, ${clients} client(s): ${r.requests} requests in ${r.seconds.toFixed(1)} s = ${r.perSecond.toFixed(1)}/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(0)} ms; non-2xx ${r.errors}; ${mib(r.bytes)} received; peak RSS ${mib(peakRss)}`);
      }
    }
    console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; process max RSS ${mib(process.resourceUsage().maxRSS * 1024)}`);
  } finally {
    clearInterval(rssTimer);
    await he.stop();
    if (!keep) rmSync(root, { recursive: true, force: true });
  }
}

await main();
