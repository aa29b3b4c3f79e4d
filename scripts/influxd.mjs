#!/usr/bin/env node
/* global fetch, AbortSignal */
// InfluxDB 1.x (Debian's `influxdb` package, 1.6.7 here) for tests, benchmarks and developers: install it
// when missing, start `influxd` bound to 127.0.0.1 with its meta/data/wal directories in a directory of
// ours, wait for /ping 204, stop it cleanly. No systemd: the config is `influxd config` rewritten
// (../shared/docs/stack.md), the process is ours.
//
//   node scripts/influxd.mjs install                       # apt-get install influxdb influxdb-client (root)
//   node scripts/influxd.mjs start [--dir D] [--port P]    # foreground; Ctrl-C stops it cleanly
//   node scripts/influxd.mjs start --dir D --detach        # background; pid in D/influxd.pid
//   node scripts/influxd.mjs stop --dir D                  # SIGTERM the detached one, wait for exit
//
// Library use (test/helpers/influxd.ts): `startInfluxd({ dir, port })` → { url, port, pid, stop() }.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TAG = '[influxd]';
const BIN_CANDIDATES = ['influxd', '/usr/bin/influxd', '/usr/sbin/influxd'];

/** Path of the influxd binary, or undefined. */
export function influxdPath() {
  for (const c of BIN_CANDIDATES) {
    const r = spawnSync(c, ['version'], { stdio: 'ignore' });
    if (!r.error && r.status === 0) return c;
  }
  return undefined;
}

/** `influxd version` text (e.g. "InfluxDB v1.6.7~rc0 (git: unknown unknown)"), or undefined. */
export function influxdVersion() {
  const bin = influxdPath();
  if (!bin) return undefined;
  return execFileSync(bin, ['version'], { encoding: 'utf8' }).trim();
}

/**
 * Installs Debian's influxdb (+ influxdb-client for the `influx` shell) when influxd is missing.
 * Non-interactive; needs root and apt-get. Throws with a message naming what is missing otherwise.
 */
export function ensureInfluxdb({ client = true } = {}) {
  const needServer = !influxdPath();
  const needClient = client && spawnSync('sh', ['-c', 'command -v influx'], { stdio: 'ignore' }).status !== 0;
  const pkgs = [...(needServer ? ['influxdb'] : []), ...(needClient ? ['influxdb-client'] : [])];
  if (pkgs.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) throw new Error(`cannot install ${pkgs.join(', ')}: need root and apt-get (Debian). Install them and re-run.`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { stdio: ['ignore', 2, 2], env });
  console.error(`${TAG} installing ${pkgs.join(', ')}`);
  try {
    install();
  } catch {
    // Package lists may be stale on a fresh machine: update once, then retry.
    try {
      execFileSync('apt-get', ['update', '-q'], { stdio: ['ignore', 2, 2], env });
      install();
    } catch (err) {
      throw new Error(`apt-get failed for ${pkgs.join(', ')}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (!influxdPath()) throw new Error('influxd is still missing after apt-get install influxdb');
}

/** A free TCP port on 127.0.0.1 (the kernel's pick; released before influxd binds it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

const q = (s) => JSON.stringify(s);

/**
 * Rewrites the default config (`influxd config`): every path under `dir`, HTTP on 127.0.0.1:<port>, the
 * RPC (backup/restore) service on 127.0.0.1:<rpcPort>, no self-monitoring database, no request logging,
 * and no per-database series / per-tag value limits (1 M meters exceed the defaults of 1 M series and
 * 100 k values per tag — a production server needs the same two settings; see README).
 */
export function rewriteConfig(text, { dir, port, rpcPort, index = 'inmem' }) {
  const lines = text.split('\n');
  let section = '';
  const out = [];
  for (const line of lines) {
    const sec = /^\s*\[\[?([^\]]+)\]\]?\s*$/.exec(line);
    if (sec) section = sec[1].trim();
    const kv = /^(\s*)([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) {
      out.push(line);
      continue;
    }
    const [, indent, key] = kv;
    const set = (v) => out.push(`${indent}${key} = ${v}`);
    if (section === '' && key === 'bind-address') set(q(`127.0.0.1:${rpcPort}`));
    else if (section === '' && key === 'reporting-disabled') set('true');
    else if (section === 'meta' && key === 'dir') set(q(path.join(dir, 'meta')));
    else if (section === 'data' && key === 'dir') set(q(path.join(dir, 'data')));
    else if (section === 'data' && key === 'wal-dir') set(q(path.join(dir, 'wal')));
    else if (section === 'data' && key === 'index-version') set(q(index));
    else if (section === 'data' && key === 'query-log-enabled') set('false');
    else if (section === 'data' && (key === 'max-series-per-database' || key === 'max-values-per-tag')) set('0');
    else if (section === 'monitor' && key === 'store-enabled') set('false');
    else if (section === 'http' && key === 'bind-address') set(q(`127.0.0.1:${port}`));
    else if (section === 'http' && key === 'log-enabled') set('false');
    else if (section === 'http' && key === 'bind-socket') set(q(path.join(dir, 'influxd.sock')));
    else if (section === 'ifql' && key === 'bind-address') set(q('127.0.0.1:0'));
    else if (section === 'logging' && key === 'level') set(q('warn'));
    else if (section === 'logging' && key === 'suppress-logo') set('true');
    else if (/(^|\/)var\/lib\/influxdb\//.test(kv[3])) set(q(path.join(dir, path.basename(JSON.parse(kv[3])))));
    else out.push(line);
  }
  return out.join('\n');
}

/** GET /ping: the status and the X-Influxdb-Version header, or undefined when nothing answers. */
export async function ping(url, timeoutMs = 1000) {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return { status: res.status, version: res.headers.get('x-influxdb-version') ?? undefined };
  } catch {
    return undefined;
  }
}

const tail = (file, n = 2000) => {
  try {
    const t = readFileSync(file, 'utf8');
    return t.slice(-n).trim();
  } catch {
    return '';
  }
};

/**
 * Starts influxd on 127.0.0.1. `dir` (created when missing) holds influxd.conf, meta/, data/, wal/ and
 * influxd.log; given by the caller it is kept by stop() (restart with the same dir and port keeps the
 * data), otherwise a temporary directory is made and removed by stop(). Resolves once /ping answers 204.
 */
export async function startInfluxd(o = {}) {
  const bin = influxdPath();
  if (!bin) throw new Error('influxd is not installed: run `node scripts/ensure-system-tools.mjs` as root (apt-get install influxdb)');
  const ownDir = !o.dir;
  const dir = path.resolve(o.dir ?? mkdtempSync(path.join(os.tmpdir(), 'openhes-influxd-')));
  mkdirSync(dir, { recursive: true });
  const port = o.port ?? (await freePort());
  const rpcPort = o.rpcPort ?? (await freePort());
  const conf = path.join(dir, 'influxd.conf');
  const defaults = execFileSync(bin, ['config'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  writeFileSync(conf, rewriteConfig(defaults, { dir, port, rpcPort, index: o.index ?? 'inmem' }));
  const logFile = path.join(dir, 'influxd.log');
  const log = openSync(logFile, 'a');
  const child = spawn(bin, ['-config', conf], { stdio: ['ignore', log, log], detached: o.detach === true });
  closeSync(log);
  let exitCode;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exitCode = code ?? signal ?? 'exit'))));
  const url = `http://127.0.0.1:${port}`;
  const readyMs = o.readyTimeoutMs ?? 20_000;
  const deadline = Date.now() + readyMs;
  const cleanupDir = () => ownDir && rmSync(dir, { recursive: true, force: true });
  for (;;) {
    if (exitCode !== undefined) {
      const why = tail(logFile);
      cleanupDir();
      throw new Error(`influxd exited (${exitCode}) before it was ready on ${url}: ${why || 'no message'}`);
    }
    const p = await ping(url, 500);
    if (p?.status === 204) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      const why = tail(logFile);
      cleanupDir();
      throw new Error(`influxd did not answer /ping with 204 on ${url} within ${readyMs} ms: ${why || 'no message'}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (o.detach) {
    writeFileSync(path.join(dir, 'influxd.pid'), `${child.pid}\n`);
    child.unref();
  }
  const version = (await ping(url))?.version ?? 'unknown';
  return {
    url,
    port,
    rpcPort,
    dir,
    pid: child.pid ?? 0,
    version,
    /** Stops influxd (SIGTERM: a clean shutdown; SIGKILL after `timeoutMs`), then removes a temporary dir. */
    async stop({ signal = 'SIGTERM', timeoutMs = 15_000, keepDir = false } = {}) {
      if (exitCode === undefined) {
        child.kill(signal);
        const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(t);
      }
      if (!keepDir) cleanupDir();
    },
  };
}

/** Stops a detached influxd started with `--dir dir --detach` (pid file), waiting for it to exit. */
export async function stopDetached(dir, timeoutMs = 15_000) {
  const pidFile = path.join(dir, 'influxd.pid');
  if (!existsSync(pidFile)) throw new Error(`no ${pidFile}: nothing started there with --detach`);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive()) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive()) process.kill(pid, 'SIGKILL');
  rmSync(pidFile, { force: true });
  return pid;
}

const OPTION_KEYS = { '--dir': 'dir', '--port': 'port', '--rpc-port': 'rpcPort', '--index': 'index' };

function parseArgs(argv) {
  const [cmd, ...rest] = argv;
  const opts = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--detach') opts.detach = true;
    else if (a in OPTION_KEYS) {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      const key = OPTION_KEYS[a];
      opts[key] = key === 'port' || key === 'rpcPort' ? Number(v) : v;
    } else throw new Error(`unknown option ${a}`);
  }
  for (const k of ['port', 'rpcPort']) {
    if (opts[k] !== undefined && !(Number.isInteger(opts[k]) && opts[k] > 0 && opts[k] < 65536)) throw new Error(`--${k === 'port' ? 'port' : 'rpc-port'} must be a TCP port`);
  }
  return { cmd, opts };
}

async function main() {
  const usage = 'usage: node scripts/influxd.mjs install | start [--dir D] [--port P] [--rpc-port P] [--index inmem|tsi1] [--detach] | stop --dir D';
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${TAG} ${err.message}\n${usage}`);
    process.exit(2);
  }
  const { cmd, opts } = parsed;
  try {
    if (cmd === 'install') {
      ensureInfluxdb();
      console.log(influxdVersion());
    } else if (cmd === 'start') {
      ensureInfluxdb({ client: false });
      const h = await startInfluxd({ ...opts, dir: opts.dir ?? path.resolve('.state/influxdb') });
      console.log(`${TAG} ${h.version} on ${h.url} (pid ${h.pid}, rpc 127.0.0.1:${h.rpcPort}, dir ${h.dir})`);
      if (opts.detach) {
        console.log(`${TAG} detached; stop with: node scripts/influxd.mjs stop --dir ${h.dir}`);
        process.exit(0);
      }
      console.log(`${TAG} Ctrl-C stops it`);
      const stop = async () => {
        await h.stop({ keepDir: true });
        console.log(`${TAG} stopped`);
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    } else if (cmd === 'stop') {
      if (!opts.dir) throw new Error('stop needs --dir');
      const pid = await stopDetached(path.resolve(opts.dir));
      console.log(`${TAG} stopped pid ${pid}`);
    } else {
      console.error(usage);
      process.exit(2);
    }
  } catch (err) {
    console.error(`${TAG} ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
