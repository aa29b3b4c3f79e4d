/**
 * The admin HTTP API over a real HeadEnd in-process (memory directory, ports 0): input validation with
 * typed error bodies (400/404/405/409/413), listings (offline archive terminals, quarantine), metrics,
 * call-ups the CLI test does not cover (AFN0D monthly and curve = the model's values), and the
 * head-end's structured online/quarantine/offline log lines.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedTerminal, historyOf, type MeterContext } from '../../simulators/concentrator/index.js';
import { dialInFactory, parseEndpoint } from '../../simulators/concentrator/channels.js';
import { TerminalSession } from '../../simulators/concentrator/session.js';
import { realScheduler, type Scheduler } from '../../simulators/concentrator/scheduler.js';
import { DEFAULT_CONFIG, type HesConfig } from '../../src/config/schema.js';
import { MemoryDirectory } from '../../src/fep/directory.js';
import { memoryCatalog } from '../../src/service/catalog.js';
import { HeadEnd } from '../../src/service/head-end.js';

const KEY = '1101-00001';
const ID = { a1: '1101', a2: 1 };
const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);
const fixedTime: Scheduler = { now: () => T0, setTimer: (d, fn) => realScheduler.setTimer(d, fn), clearTimer: (h) => realScheduler.clearTimer(h) };
const ctx: MeterContext = { seed: 1, terminal: KEY, now: T0, clock: T0, present: () => true, inOutage: () => false, relayOpen: () => false, readingDays: [1] };

const logs: Record<string, unknown>[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _enc, cb) {
    for (const l of chunk.toString().split('\n')) if (l.trim()) logs.push(JSON.parse(l) as Record<string, unknown>);
    cb();
  },
});

let he: HeadEnd;
let url = '';
const sessions: TerminalSession[] = [];

function dialIn(id: { a1: string; a2: number }, port: number): TerminalSession {
  const s = new TerminalSession({
    device: new SimulatedTerminal(id, { meterCount: 8, maxUserLength: 800 }),
    scheduler: fixedTime,
    connect: dialInFactory(parseEndpoint(`tcp://127.0.0.1:${port}`), id),
    loginTimeoutMs: 1000,
    backoff: { baseMs: 200, maxMs: 1000 },
    reportPollMs: 1000,
  });
  s.start();
  sessions.push(s);
  return s;
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Reply {
  status: number;
  body: { code?: string; message?: string; details?: Record<string, unknown> } & Record<string, unknown>;
}

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Reply> {
  const r = await fetch(`${url}${path}`, { method, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), headers } : {}) });
  return { status: r.status, body: (await r.json()) as Reply['body'] };
}

beforeAll(async () => {
  const config: HesConfig = { ...DEFAULT_CONFIG, fep: { ...DEFAULT_CONFIG.fep, port: 0, timeoutMs: 3000, retries: 1 }, admin: { port: 0 } };
  const directory = new MemoryDirectory([
    { id: KEY, ...ID },
    { id: '1101-00002', a1: '1101', a2: 2 },
  ]);
  const logger = pino({ level: 'info' }, logStream);
  he = new HeadEnd({ config, directory, catalog: memoryCatalog(directory), logger, sweepMs: 100 });
  const a = await he.start();
  url = a.admin!;
  dialIn(ID, a.terminal.port);
  dialIn({ a1: '1101', a2: 999 }, a.terminal.port);
  await until('online + quarantine', () => he.fep.isOnline(KEY) && he.fep.quarantine().length === 1);
});

afterAll(async () => {
  for (const s of sessions) await s.stop();
  await he?.stop();
});

describe('admin API: listings and metrics', () => {
  it('lists online, offline (never connected) and quarantined terminals', async () => {
    const all = await api('GET', '/v1/terminals');
    expect(all.status).toBe(200);
    const states = (all.body.terminals as { terminal: string; state: string }[]).map((t) => `${t.terminal} ${t.state}`);
    expect(states).toEqual(['1101-00001 online', '1101-00002 offline', '1101-00999 quarantine']);
    const off = await api('GET', '/v1/terminals?state=offline');
    expect(off.body).toMatchObject({ total: 1, terminals: [{ terminal: '1101-00002', state: 'offline', id: '1101-00002' }] });
    const page = await api('GET', '/v1/terminals?limit=1&offset=1');
    expect(page.body).toMatchObject({ total: 3, terminals: [{ terminal: '1101-00002' }] });
  });

  it('shows one terminal, accepts short keys, 404 for unknown ones', async () => {
    const t = await api('GET', '/v1/terminals/1101-1');
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({ terminal: KEY, state: 'online', session: { framesIn: expect.any(Number) }, archive: { id: KEY } });
    const q = await api('GET', '/v1/terminals/1101-00999');
    expect(q.body).toMatchObject({ state: 'quarantine', logins: expect.any(Number) });
    const none = await api('GET', '/v1/terminals/1101-00123');
    expect(none).toEqual({ status: 404, body: { code: 'not-found', message: 'terminal 1101-00123 is not in the archive and has not been seen', details: { what: 'terminal' } } });
    const bad = await api('GET', '/v1/terminals/abc');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'invalid-input', details: { field: 'key' } });
  });

  it('metrics and status', async () => {
    const m = await api('GET', '/v1/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toMatchObject({ terminals: { archive: 2, online: 1, quarantined: 1 }, fep: { online: 1, counters: { logins: expect.any(Number) } } });
    const s = await api('GET', '/v1/status');
    expect(s.body).toMatchObject({ admin: url, terminalListener: { host: '127.0.0.1' } });
  });

  it('logs online and quarantine transitions as structured lines', () => {
    expect(logs).toContainEqual(expect.objectContaining({ event: 'online', terminal: KEY, channel: 'tcp', via: 'login' }));
    expect(logs).toContainEqual(expect.objectContaining({ event: 'quarantine', terminal: '1101-00999' }));
  });
});

describe('admin API: input validation and typed errors', () => {
  const cases: [string, string, unknown, number, string, string | undefined][] = [
    ['POST', '/v1/call', '{ nope', 400, 'invalid-json', undefined],
    ['POST', '/v1/call', '', 400, 'invalid-json', undefined],
    ['POST', '/v1/call', [], 400, 'invalid-input', 'body'],
    ['POST', '/v1/call', { terminal: KEY, fn: 25 }, 400, 'invalid-input', 'afn'],
    ['POST', '/v1/call', { terminal: KEY, afn: '0C', fn: 25, pn: [1], extra: 1 }, 400, 'invalid-input', 'extra'],
    ['POST', '/v1/call', { terminal: '1101', afn: '0C', fn: 25, pn: [1] }, 400, 'invalid-input', 'terminal'],
    ['POST', '/v1/call', { terminal: KEY, afn: '0C', fn: 25, pn: [1, 3000] }, 400, 'invalid-input', 'pn[1]'],
    ['POST', '/v1/call', { terminal: KEY, afn: '0C', fn: 25, pn: [] }, 400, 'invalid-input', 'pn'],
    ['POST', '/v1/call', { terminal: KEY, afn: '05', fn: 1, pn: [0] }, 400, 'invalid-input', 'afn'],
    ['POST', '/v1/call', { terminal: KEY, afn: '0C', fn: 247, pn: [0] }, 400, 'invalid-input', 'fn'],
    ['POST', '/v1/call', { terminal: KEY, afn: '0C', fn: 2, pn: [1] }, 400, 'invalid-input', 'pn'],
    ['POST', '/v1/call', { terminal: KEY, afn: '0D', fn: 161, pn: [1], month: '2026-10' }, 400, 'invalid-input', 'month'],
    ['POST', '/v1/call', { terminal: KEY, afn: '0D', fn: 161, pn: [1], date: '21/11/2026' }, 400, 'invalid-input', 'date'],
    ['POST', '/v1/call', { terminal: KEY, afn: '0D', fn: 81, pn: [1], from: '2026-11-21T00:00' }, 400, 'invalid-input', 'points'],
    ['POST', '/v1/call', { terminal: KEY, afn: '0D', fn: 81, pn: [1], from: '2026-11-21T00:00', points: 4, density: 7 }, 400, 'invalid-input', 'density'],
    ['POST', '/v1/call', { terminal: '1101-00077', afn: '0C', fn: 25, pn: [1] }, 404, 'not-found', undefined],
    ['POST', '/v1/call', { terminal: '1101-00002', afn: '0C', fn: 25, pn: [1] }, 409, 'conflict', undefined],
    ['POST', '/v1/call', { terminal: '1101-00999', afn: '0C', fn: 25, pn: [1] }, 409, 'conflict', undefined],
    ['POST', '/v1/meter/read', { terminal: KEY, pn: 1, address: '101000010001', di: ['00010000'] }, 400, 'invalid-input', 'pn'],
    ['POST', '/v1/meter/read', { terminal: KEY, pn: 1, di: ['xyz'] }, 400, 'invalid-input', 'di[0]'],
    ['POST', '/v1/meter/read', { terminal: KEY, address: '12', di: ['00010000'] }, 400, 'invalid-input', 'address'],
    ['GET', '/v1/terminals?state=sleeping', undefined, 400, 'invalid-input', 'state'],
    ['GET', '/v1/terminals?colour=red', undefined, 400, 'invalid-input', 'colour'],
    ['POST', '/v1/quarantine/1101-00123/release', undefined, 404, 'not-found', undefined],
    ['GET', '/v1/nothing', undefined, 404, 'not-found', undefined],
    ['DELETE', '/v1/terminals', undefined, 405, 'method-not-allowed', undefined],
    ['POST', '/v1/terminals/1101-00001/archive-sync', { push: 1 }, 400, 'invalid-input', 'push'],
    ['POST', '/v1/terminals/1101-00077/archive-sync', {}, 404, 'not-found', undefined],
    ['POST', '/v1/terminals/1101-00002/archive-sync', {}, 409, 'conflict', undefined],
    // This head-end runs on a memory directory: no archive to compare with.
    ['POST', '/v1/terminals/1101-00001/archive-sync', {}, 409, 'conflict', undefined],
    ['GET', '/v1/terminals/1101-00001/archive-sync', undefined, 405, 'method-not-allowed', undefined],
  ];
  for (const [method, path, body, status, code, field] of cases) {
    it(`${method} ${path} ${typeof body === 'string' ? JSON.stringify(body) : JSON.stringify(body) ?? ''} → ${status} ${code}`, async () => {
      const r = await api(method, path, body);
      expect(r.status).toBe(status);
      if (status === 200) return;
      expect(r.body.code).toBe(code);
      expect(typeof r.body.message).toBe('string');
      expect(r.body.message!.length).toBeGreaterThan(5);
      expect(r.body.details).toBeTypeOf('object');
      if (field) expect(r.body.details!.field).toBe(field);
    });
  }

  it('refuses non-JSON bodies and bodies over the limit', async () => {
    const form = await api('POST', '/v1/call', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form).toMatchObject({ status: 400, body: { code: 'unsupported-media-type' } });
    const big = await api('POST', '/v1/call', JSON.stringify({ terminal: KEY, pad: 'x'.repeat(70_000) }));
    expect(big).toMatchObject({ status: 413, body: { code: 'body-too-large' } });
  });
});

describe('admin API: history call-ups', () => {
  it('AFN0D monthly (F177) for 8 Pn = the model', async () => {
    const r = await api('POST', '/v1/call', { terminal: KEY, afn: '0D', fn: 177, pn: [1, 2, 3, 4, 5, 6, 7, 8], month: '2026-10' });
    expect(r.status).toBe(200);
    expect(r.body.kind).toBe('monthly');
    const units = r.body.units as { pn: number; data: unknown }[];
    expect(units.map((u) => u.pn)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const u of units) expect(u.data).toEqual(JSON.parse(JSON.stringify(historyOf(177, u.pn, { year: 2026, month: 10 }, ctx))));
  });

  it('AFN0D curve (F81, 4 points of 15 min) = the model', async () => {
    const r = await api('POST', '/v1/call', { terminal: KEY, afn: '0D', fn: 81, pn: [1], from: '2026-11-21T00:00', points: 4, density: 15 });
    expect(r.status).toBe(200);
    expect(r.body.kind).toBe('curve');
    const td = { start: { year: 2026, month: 11, day: 21, hour: 0, minute: 0 }, density: 1, points: 4 };
    expect((r.body.units as { data: unknown }[])[0]!.data).toEqual(JSON.parse(JSON.stringify(historyOf(81, 1, td, ctx))));
  });

  it('releases a quarantined terminal; the head-end logs it offline when it hangs up', async () => {
    await sessions[1]!.stop();
    const r = await api('POST', '/v1/quarantine/1101-00999/release');
    expect(r).toEqual({ status: 200, body: { released: '1101-00999', inArchive: false } });
    await sessions[0]!.stop();
    await until('offline', () => !he.fep.isOnline(KEY));
    expect(logs).toContainEqual(expect.objectContaining({ event: 'offline', terminal: KEY }));
    const off = await api('GET', '/v1/terminals?state=offline');
    expect((off.body.terminals as { terminal: string; lastOfflineReason?: string }[]).find((t) => t.terminal === KEY)?.lastOfflineReason).toBeDefined();
  });
});
