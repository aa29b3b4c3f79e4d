/**
 * Streaming of bulk endpoints (src/api/http.ts sendStream) on a real socket: a client that does not read
 * holds production back (backpressure), the header and first rows leave before the rest is produced,
 * and a failure before the first row is a typed error, not a broken stream.
 */
import net from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { apiErrorOf } from '../../../src/api/errors.js';
import { sendStream } from '../../../src/api/http.js';
import { StoreUnavailableError } from '../../../src/store/errors.js';

const TOTAL = 200_000;
let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(rows: () => AsyncGenerator<{ n: number; pad: string }>): Promise<number> {
  app = Fastify({ forceCloseConnections: true });
  app.setErrorHandler((e, _req, reply) => {
    const { status, body } = apiErrorOf(e);
    return reply.status(status).send(body);
  });
  app.get('/rows', (req, reply) => sendStream(reply, (req.query as { f?: string }).f === 'csv' ? 'csv' : 'ndjson', rows(), { csv: { header: ['n', 'pad'], row: (r) => [r.n, r.pad] }, filename: 'rows' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as net.AddressInfo).port;
}

const settle = async (probe: () => number): Promise<number> => {
  // Wait until production stops moving (no timing assertion: just quiescence).
  let last = -1;
  for (let i = 0; i < 200; i++) {
    const v = probe();
    if (v === last) return v;
    last = v;
    await new Promise((r) => setTimeout(r, 50));
  }
  return probe();
};

describe('sendStream', () => {
  it('a client that does not read holds production back; reading resumes it to the end', async () => {
    let produced = 0;
    const port = await serve(async function* () {
      for (let n = 0; n < TOTAL; n++) {
        produced++;
        yield { n, pad: 'x'.repeat(40) };
      }
    });
    const sock = net.connect(port, '127.0.0.1');
    sock.pause();
    let head = '';
    sock.write('GET /rows?f=csv HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const stalled = await settle(() => produced);
    expect(stalled).toBeGreaterThan(0);
    expect(stalled).toBeLessThan(TOTAL);
    let size = 0;
    await new Promise<void>((resolve) => {
      sock.on('data', (d: Buffer) => {
        if (head.length < 200) head += d.toString('utf8');
        size += d.length;
      });
      sock.on('end', resolve);
      sock.resume();
    });
    expect(produced).toBe(TOTAL);
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).toMatch(/content-type: text\/csv/i);
    expect(head).toContain('\r\n\r\n');
    expect(size).toBeGreaterThan(TOTAL * 40);
  });

  it('the first row failing is a typed 503, not a broken stream', async () => {
    const port = await serve(async function* () {
      if (TOTAL > 0) throw new StoreUnavailableError('embedded', 'disk I/O error');
      yield { n: 0, pad: '' };
    });
    const r = await fetch(`http://127.0.0.1:${port}/rows`);
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({ code: 'store-unavailable' });
  });

  it('an empty result is just the CSV header', async () => {
    const port = await serve(async function* () {
      if (TOTAL < 0) yield { n: 0, pad: '' };
    });
    const r = await fetch(`http://127.0.0.1:${port}/rows?f=csv`);
    expect(await r.text()).toBe('n,pad\n');
  });
});
