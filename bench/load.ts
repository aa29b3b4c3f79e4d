/**
 * A small closed-loop HTTP load generator for loopback benches: `clients` keep-alive connections, each
 * sending its next request when the previous answer has been read, for `seconds`; latencies of every
 * request → p50 / p99. Bounded in time and count (`maxRequests`), never aimed at anything but the URL
 * given (127.0.0.1 in the benches).
 */
import http from 'node:http';

export interface LoadOptions {
  base: string;
  /** The path of the next request (varying accounts, ranges). */
  path: () => string;
  headers?: Record<string, string>;
  clients: number;
  seconds: number;
  maxRequests?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  bytes: number;
}

function once(agent: http.Agent, url: URL, headers: Record<string, string>): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ agent, host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const pct = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

export async function loadPhase(o: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.clients });
  const max = o.maxRequests ?? 1_000_000;
  const lat: number[] = [];
  let errors = 0;
  let bytes = 0;
  const t0 = performance.now();
  const end = t0 + o.seconds * 1000;
  const client = async (): Promise<void> => {
    while (performance.now() < end && lat.length < max) {
      const s = performance.now();
      try {
        const r = await once(agent, new URL(o.path(), o.base), o.headers ?? {});
        if (r.status < 200 || r.status >= 300) errors++;
        bytes += r.bytes;
      } catch {
        errors++;
      }
      lat.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: o.clients }, client));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(lat).sort();
  return { requests: lat.length, errors, seconds, perSecond: lat.length / seconds, p50Ms: pct(sorted, 50), p99Ms: pct(sorted, 99), maxMs: sorted[sorted.length - 1] ?? NaN, bytes };
}
