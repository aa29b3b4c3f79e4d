/**
 * How CLI commands reach a running head-end: its local admin HTTP API (src/admin). `--url` or
 * `http://127.0.0.1:<admin.port>` from the configuration. A refused connection exits 1 with a hint to
 * start one; an API error exits 2 for bad input (400) and 1 otherwise, with the API's message.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { InputError } from '../errors.js';
import { CliExit } from './errors.js';

export interface ApiOpts {
  url?: string;
  config?: string;
}

/** Adds `--url` and `--config` to a command that talks to a running head-end. */
export function withApi(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'admin API of the running head-end (default http://127.0.0.1:<admin.port> from the configuration)')
    .option('--config <file>', 'configuration file (JSON) giving admin.port');
}

export function apiUrl(o: ApiOpts): string {
  if (o.url !== undefined) {
    let u: URL;
    try {
      u = new URL(o.url);
    } catch {
      throw new InputError('url', `'${o.url}' is not a URL such as http://127.0.0.1:9301`);
    }
    if (u.protocol !== 'http:') throw new InputError('url', `'${o.url}': the admin API speaks http://`);
    return o.url.replace(/\/+$/, '');
  }
  const config = loadConfig(o.config ? { file: o.config } : {});
  return `http://127.0.0.1:${config.admin.port}`;
}

export class AdminClient {
  /** `headers`: sent with every request (the operator identity of load control: X-HES-Operator, X-HES-Role). */
  constructor(
    readonly url: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  get<T>(path: string): Promise<T> {
    return this.send<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.send<T>('POST', path, body);
  }

  private async send<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: { ...this.headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      const code = (e as { cause?: { code?: string } }).cause?.code;
      if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ECONNRESET') {
        throw new CliExit(1, `no head-end running at ${this.url} (start one with hes serve)`);
      }
      throw new CliExit(1, `cannot reach the head-end at ${this.url}: ${(e as { cause?: Error }).cause?.message ?? (e as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CliExit(1, `${this.url} answered ${res.status} with something that is not JSON (is it a head-end?)`);
    }
    if (!res.ok) {
      const b = (json ?? {}) as { code?: string; message?: string };
      throw new CliExit(res.status === 400 ? 2 : 1, `${b.message ?? `HTTP ${res.status}`}${b.code ? ` [${b.code}]` : ''}`);
    }
    return json as T;
  }
}

export function clientOf(o: ApiOpts, headers: Record<string, string> = {}): AdminClient {
  return new AdminClient(apiUrl(o), headers);
}
