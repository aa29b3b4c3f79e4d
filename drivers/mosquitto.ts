/**
 * Starts and stops an external Mosquitto broker on a free 127.0.0.1 port (tests, demos). No systemd:
 * a config of our own (`listener <port> 127.0.0.1`, anonymous, no persistence) in a temporary directory,
 * the process is ours and is killed by `stop()`. `scripts/ensure-system-tools.mjs` installs the Debian
 * package when it is missing; `requireMosquitto()` names what is missing instead of skipping.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ChannelError } from './errors.js';

const CANDIDATES = ['mosquitto', '/usr/sbin/mosquitto', '/usr/bin/mosquitto'];

/** Path of the mosquitto binary, or undefined. */
export function mosquittoPath(): string | undefined {
  for (const c of CANDIDATES) {
    const r = spawnSync(c, ['-h'], { stdio: 'ignore' });
    // `mosquitto -h` prints help and exits 3 (older) or 0; ENOENT gives an error.
    if (!r.error) return c;
  }
  return undefined;
}

export interface MosquittoHandle {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts mosquitto on a free loopback port; resolves once it accepts connections. */
export async function startMosquitto(o: { port?: number; readyTimeoutMs?: number } = {}): Promise<MosquittoHandle> {
  const bin = mosquittoPath();
  if (!bin) throw new ChannelError('mosquitto is not installed: run `node scripts/ensure-system-tools.mjs` as root (apt-get install mosquitto)', 'mosquitto');
  const port = o.port ?? (await freePort());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'openhes-mosquitto-'));
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', ''].join('\n'), { mode: 0o644 });
  const child: ChildProcess = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = Date.now() + (o.readyTimeoutMs ?? 5000);
  for (;;) {
    if (dead) {
      rmSync(dir, { recursive: true, force: true });
      throw new ChannelError(`mosquitto exited before it was ready: ${stderr.trim() || 'no message'}`, `127.0.0.1:${port}`);
    }
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new ChannelError(`mosquitto did not accept connections within ${o.readyTimeoutMs ?? 5000} ms: ${stderr.trim()}`, `127.0.0.1:${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    async stop() {
      if (!dead) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
