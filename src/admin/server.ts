/**
 * The local admin HTTP API of a running head-end (node:http on 127.0.0.1 only; no authentication, so
 * never bound elsewhere). JSON in and out; every error is `{ code, message, details }`:
 *   400 invalid-input / invalid-json / unsupported-media-type  404 not-found  405 method-not-allowed
 *   409 conflict (terminal offline or quarantined; no archive to sync from)  413 body-too-large  500 internal
 *   502 denied (the terminal or meter refused)  503 busy (request queue full)  504 timeout (no reply)
 *
 *   GET  /v1/status                              head-end status and bound addresses
 *   GET  /v1/terminals?state=online|offline|quarantine[&limit&offset]
 *   GET  /v1/terminals/:key                      one terminal (session, archive facts)
 *   POST /v1/terminals/:key/archive-sync { push? }  compare the terminal's meter configuration (AFN0A F10)
 *                                                with the archive; push: write it (AFN04 F10) and read back
 *   POST /v1/quarantine/:key/release             forget a quarantined terminal
 *   POST /v1/call        { terminal, afn, fn, pn[], date?, month?, from?, density?, points? } → decoded units
 *   POST /v1/meter/read  { terminal, pn | address, di[] } → readings (AFN10 forwarding)
 *   GET  /v1/metrics                             FEP counters, latency histogram, process memory
 *
 * Thin: each route validates (validate.ts) and calls the service (HeadEndApi). Further route tables
 * (load control: /v1/control, /v1/schemes, /v1/prepay, /v1/audit — src/admin/control-routes.ts) come in
 * through `AdminServerOptions.routes`.
 */
import http from 'node:http';
import type net from 'node:net';
import type { HeadEndApi } from '../service/api.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { NotFoundError } from '../service/errors.js';
import { errorBody, toJsonBody } from './errors.js';
import { archiveSyncSpecOf, callSpecOf, listQueryOf, meterReadSpecOf, terminalKey } from './validate.js';

export interface AdminServerOptions {
  /** Port (0 = any free port). */
  port: number;
  /** Bind address; 127.0.0.1 unless a test says otherwise. */
  host?: string;
  logger?: Logger;
  /** Largest request body, bytes (default 64 KiB). */
  maxBodyBytes?: number;
  /** More routes (matched after the built-in ones). */
  routes?: readonly Route[];
}

export interface AdminServer {
  /** Base URL, e.g. http://127.0.0.1:9301. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export type Method = 'GET' | 'POST';
export type Handler = (ctx: { params: string[]; query: URLSearchParams; body: () => Promise<unknown>; headers: http.IncomingHttpHeaders }) => unknown;

export interface Route {
  method: Method;
  pattern: RegExp;
  handler: Handler;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

function routes(api: HeadEndApi): Route[] {
  return [
    { method: 'GET', pattern: /^\/v1\/status$/, handler: () => api.status() },
    { method: 'GET', pattern: /^\/v1\/terminals$/, handler: ({ query }) => api.terminals(listQueryOf(query)) },
    { method: 'GET', pattern: /^\/v1\/terminals\/([^/]+)$/, handler: ({ params }) => api.terminal(terminalKey(params[0], 'key')) },
    { method: 'POST', pattern: /^\/v1\/terminals\/([^/]+)\/archive-sync$/, handler: async ({ params, body }) => api.syncArchive(archiveSyncSpecOf(terminalKey(params[0], 'key'), await body())) },
    { method: 'POST', pattern: /^\/v1\/quarantine\/([^/]+)\/release$/, handler: ({ params }) => api.release(terminalKey(params[0], 'key')) },
    { method: 'POST', pattern: /^\/v1\/call$/, handler: async ({ body }) => api.call(callSpecOf(await body())) },
    { method: 'POST', pattern: /^\/v1\/meter\/read$/, handler: async ({ body }) => api.readMeter(meterReadSpecOf(await body())) },
    { method: 'GET', pattern: /^\/v1\/metrics$/, handler: () => api.metrics() },
  ];
}

function readBody(req: http.IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/json\b/i.test(type)) {
    return Promise.reject(new HttpError(400, 'unsupported-media-type', `the body must be JSON (Content-Type: application/json), got ${type}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new HttpError(413, 'body-too-large', `the body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('error', (e) => reject(e));
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return reject(new HttpError(400, 'invalid-json', 'the body is empty: expected a JSON object'));
      try {
        resolve(JSON.parse(text));
      } catch (e) {
        reject(new HttpError(400, 'invalid-json', `the body is not valid JSON: ${(e as Error).message}`));
      }
    });
  });
}

export async function startAdminServer(api: HeadEndApi, o: AdminServerOptions): Promise<AdminServer> {
  const log = o.logger ?? silentLogger;
  const limit = o.maxBodyBytes ?? 64 * 1024;
  const table = [...routes(api), ...(o.routes ?? [])];
  const sockets = new Set<net.Socket>();

  const server = http.createServer((req, res) => {
    const started = Date.now();
    const send = (status: number, payload: unknown): void => {
      const text = toJsonBody(payload);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
      res.end(text);
      log.debug({ method: req.method, url: req.url, status, ms: Date.now() - started }, 'admin request');
    };
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://admin.invalid');
        const path = url.pathname.replace(/\/+$/, '') || '/';
        const matching = table.filter((r) => r.pattern.test(path));
        if (matching.length === 0) throw new NotFoundError('route', `no such endpoint: ${req.method} ${path}`);
        const route = matching.find((r) => r.method === req.method);
        if (!route) {
          res.setHeader('allow', matching.map((r) => r.method).join(', '));
          throw new HttpError(405, 'method-not-allowed', `${req.method} is not allowed on ${path} (use ${matching.map((r) => r.method).join(', ')})`);
        }
        const params = (route.pattern.exec(path) ?? []).slice(1).map((p) => decodeURIComponent(p));
        const result = await route.handler({ params, query: url.searchParams, body: () => readBody(req, limit), headers: req.headers });
        send(200, result);
      } catch (e) {
        const { status, body } = e instanceof HttpError ? { status: e.status, body: { code: e.code, message: e.message, details: e.details } } : errorBody(e);
        if (status >= 500 && status !== 502 && status !== 503 && status !== 504) log.error({ err: e, method: req.method, url: req.url }, 'admin request failed');
        else log.debug({ method: req.method, url: req.url, status, code: body.code }, 'admin request refused');
        if (!res.headersSent) send(status, body);
        else res.destroy();
      }
    })();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as net.AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  log.info({ url }, 'admin API listening');
  return {
    url,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() open; requests in flight get 2 s to finish.
        server.closeIdleConnections();
        setTimeout(() => {
          server.closeAllConnections();
          for (const s of sockets) s.destroy();
        }, 2000).unref();
      }),
  };
}

