/**
 * A real influxd (Debian's influxdb 1.x) for tests: started on a free 127.0.0.1 port with its data in a
 * directory of its own (scripts/influxd.mjs). Fails — never skips — when influxd is missing, naming
 * what to do. `restart` stops and starts it again on the same port and data (a store outage).
 */
import { influxdPath, startInfluxd, type InfluxdHandle } from '../../scripts/influxd.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type { InfluxdHandle };

/** Fails (never skips) when influxd is missing. */
export function requireInfluxd(): void {
  if (!influxdPath()) {
    throw new Error('influxd is missing: run `node scripts/ensure-system-tools.mjs` as root (apt-get install influxdb) — the InfluxDB store tests need a real server');
  }
}

export interface TestInfluxd {
  readonly url: string;
  readonly port: number;
  readonly version: string;
  /** Stops influxd (SIGTERM, or SIGKILL for a crash); data stays for `start()`. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Sends a signal to the running influxd (SIGSTOP/SIGCONT: a hung server). */
  signal(signal: NodeJS.Signals): void;
  /** Stops it and removes its data. */
  dispose(): Promise<void>;
}

export async function startTestInfluxd(): Promise<TestInfluxd> {
  requireInfluxd();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'openhes-influxd-test-'));
  let h: InfluxdHandle | undefined = await startInfluxd({ dir });
  const port = h.port;
  const rpcPort = h.rpcPort;
  const version = h.version;
  return {
    url: h.url,
    port,
    version,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      await h?.stop({ signal, keepDir: true });
      h = undefined;
    },
    async start() {
      if (!h) h = await startInfluxd({ dir, port, rpcPort });
    },
    signal(signal: NodeJS.Signals) {
      if (!h) throw new Error('influxd is not running');
      process.kill(h.pid, signal);
    },
    async dispose() {
      await h?.stop({ keepDir: true });
      h = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
