// Types of scripts/influxd.mjs for TypeScript callers (test/helpers/influxd.ts, benches).
export interface InfluxdHandle {
  readonly url: string;
  readonly port: number;
  readonly rpcPort: number;
  readonly dir: string;
  readonly pid: number;
  /** X-Influxdb-Version of the started server. */
  readonly version: string;
  /** SIGTERM (clean shutdown; SIGKILL after timeoutMs); removes a temporary dir unless keepDir. */
  stop(o?: { signal?: NodeJS.Signals; timeoutMs?: number; keepDir?: boolean }): Promise<void>;
}
export interface StartOptions {
  dir?: string;
  port?: number;
  rpcPort?: number;
  index?: 'inmem' | 'tsi1';
  detach?: boolean;
  readyTimeoutMs?: number;
}
export function influxdPath(): string | undefined;
export function influxdVersion(): string | undefined;
export function ensureInfluxdb(o?: { client?: boolean }): void;
export function freePort(): Promise<number>;
export function rewriteConfig(text: string, o: { dir: string; port: number; rpcPort: number; index?: string }): string;
export function ping(url: string, timeoutMs?: number): Promise<{ status: number; version: string | undefined } | undefined>;
export function startInfluxd(o?: StartOptions): Promise<InfluxdHandle>;
export function stopDetached(dir: string, timeoutMs?: number): Promise<number>;
