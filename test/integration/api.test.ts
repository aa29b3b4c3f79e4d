/**
 * The northbound API through real HTTP against a real head-end (`HeadEnd.open`: archive, FEP over TCP,
 * scheduler, embedded store, API on a free port) collecting 4 simulated concentrators × 20 meters that
 * dial in, on real time shifted to 00:29:40 China time of a day in May 2024 on which some accounts have
 * their 抄表日 (the scheduler's catch-up collects that day's daily and reading-day freezes as the terminals
 * log in; manual runs add the day before, two days before and the month; the 00:30 round the curves):
 * - auth: 401 without / with a bad key, 403 per role, the role matrix, keys from `hes apikey create`
 *   on the running head-end's database, every write audited;
 * - 400 naming the field (query, params, body), typed errors, OpenAPI and docs;
 * - operations: terminals (paginated), detail, call-up, /metrics;
 * - billing: daily readings (JSON pages, NDJSON, CSV), the meter-reading-day export, monthly freezes and
 *   consumption — every value equal to simulators/model.ts; missing ends flagged;
 * - customer service: lookup, summary, usage, curves, events;
 * - outage view: a concentrator's power loss reported (ERC14 last gasp) → taiqu-wide, confirmed; the
 *   simulator's power-off fault → unreachable, then ERC14 (off, on) at power-on → supplied with the last
 *   outage; a meter tripped by load control → relay open; every concentrator of the line gone → line-wide;
 * - a closed store answers 503.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDICATION_QUANTITIES, SimulatedTerminal, a15Of, curvePoint, profileOf, registerValues } from '../../simulators/concentrator/index.js';
import { dialInFactory, parseEndpoint } from '../../simulators/concentrator/channels.js';
import { TerminalSession } from '../../simulators/concentrator/session.js';
import { accountNo, readingDayOf, writeArchive } from '../../simulators/fleet/archive-writer.js';
import { energyWhAt } from '../../simulators/model.js';
import type { ApiRole } from '../../src/api/auth/roles.js';
import { Archive } from '../../src/archive/archive.js';
import { importArchive } from '../../src/archive/import.js';
import { DEFAULT_CONFIG, type HesConfig } from '../../src/config/schema.js';
import { DEFAULT_SCHEDULER } from '../../src/scheduler/config.js';
import { LocalCalendar } from '../../src/scheduler/time.js';
import { HeadEnd } from '../../src/service/head-end.js';
import { runCli } from '../helpers/cli.js';
import { shiftTo, shiftedClock, shiftedScheduler } from '../helpers/shifted-clock.js';

const cal = new LocalCalendar(480);
const SEED = 1;
const METERS = 20;
const TERMINALS = [1, 2, 3, 4].map((a2) => ({ a1: '1101', a2 }));
const keyOf = (t: { a1: string; a2: number }): string => `${t.a1}-${String(t.a2).padStart(5, '0')}`;
const DAY_MS = 86_400_000;

/** The day of May 2024 on which most of the fleet's accounts read (抄表日). */
const READING_DAY = (() => {
  const n = new Array<number>(29).fill(0);
  for (const t of TERMINALS) for (let pn = 1; pn <= METERS; pn++) n[readingDayOf(SEED, t, pn)]!++;
  let best = 2;
  for (let d = 2; d <= 28; d++) if (n[d]! > n[best]!) best = d;
  return best;
})();
const D = { year: 2024, month: 5, day: READING_DAY };
const pad = (n: number): string => String(n).padStart(2, '0');
const DATE = `2024-05-${pad(READING_DAY)}`;
const DAY = cal.dayStart(D);
const PREV = cal.addDays(D, -1);
const PREV2 = cal.addDays(D, -2);
const label = (d: { year: number; month: number; day: number }): string => `${d.year}-${pad(d.month)}-${pad(d.day)}`;
const SHIFT = shiftTo(cal.at(2024, 5, READING_DAY, 0, 29, 40));

const root = mkdtempSync(path.join(tmpdir(), 'hes-api-'));
const dataDir = path.join(root, 'data');
let he: HeadEnd;
let url = '';
let port = 0;
const keys = {} as Record<ApiRole, string>;
const sessions = new Map<string, TerminalSession>();
const devices = new Map<string, SimulatedTerminal>();

function dialIn(id: { a1: string; a2: number }): void {
  const key = keyOf(id);
  const device = devices.get(key) ?? new SimulatedTerminal(id, { meterCount: METERS, maxUserLength: 4000 });
  const session = new TerminalSession({
    device,
    scheduler: shiftedScheduler(SHIFT),
    connect: dialInFactory(parseEndpoint(`tcp://127.0.0.1:${port}`), id),
    loginTimeoutMs: 2000,
    backoff: { baseMs: 200, maxMs: 1000 },
    reportPollMs: 300,
  });
  session.start();
  sessions.set(key, session);
  devices.set(key, device);
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

type ErrorBody = { code: string; message: string; details: Record<string, unknown> };

async function call<T = Record<string, unknown>>(method: string, p: string, o: { role?: ApiRole; key?: string; body?: unknown; accept?: string } = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  const key = o.key ?? (o.role ? keys[o.role] : undefined);
  if (key) headers.authorization = `Bearer ${key}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  if (o.accept) headers.accept = o.accept;
  const r = await fetch(`${url}${p}`, { method, headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}) });
  const text = await r.text();
  let body: unknown = text;
  if ((r.headers.get('content-type') ?? '').includes('application/json')) body = JSON.parse(text);
  return { status: r.status, body: body as T, headers: r.headers, text };
}
const get = <T = Record<string, unknown>>(p: string, role: ApiRole, accept?: string) => call<T>('GET', p, { role, ...(accept ? { accept } : {}) });

/** Expected registers from the model: [total, r1..r4] of ea_imp (k 0), er_imp (1), ea_exp (2), er_exp (3). */
function model(terminal: string, pn: number, t: number, k = 0): number[] {
  return registerValues(energyWhAt(profileOf({ seed: SEED, terminal }, pn), t), INDICATION_QUANTITIES[k]!);
}
const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

beforeAll(async () => {
  const csv = path.join(root, 'archive');
  writeArchive(csv, { a1: '1101', terminals: TERMINALS.length, metersPerTerminal: METERS, seed: SEED });
  const archive = Archive.open(dataDir);
  importArchive(archive.db, csv);
  archive.close();
  const config: HesConfig = {
    ...DEFAULT_CONFIG,
    data: { dir: dataDir },
    fep: { ...DEFAULT_CONFIG.fep, port: 0, timeoutMs: 3000, retries: 1 },
    admin: { port: 0 },
    api: { ...DEFAULT_CONFIG.api, port: 0, maxPageSize: 50 },
    scheduler: {
      ...DEFAULT_SCHEDULER,
      tasks: { ...DEFAULT_SCHEDULER.tasks, curve: { ...DEFAULT_SCHEDULER.tasks.curve, targets: 'all' } },
      recollect: { enabled: true, firstDelayS: 2, factor: 1, maxDelayS: 2, closeHours: 24 },
    },
  };
  he = await HeadEnd.open(config, { clock: shiftedClock(SHIFT), api: true });
  const a = await he.start();
  port = a.terminal.port;
  url = a.api!;
  for (const role of ['billing', 'service', 'operator', 'engineer', 'admin'] as ApiRole[]) keys[role] = he.northbound!.keys.create({ name: `test-${role}`, roles: [role], by: 'test' }).key;
  for (const id of TERMINALS) dialIn(id);
  await until('every terminal online', () => (TERMINALS.every((t) => he.fep.isOnline(keyOf(t))) ? true : undefined));
  await until('daily and reading-day freezes collected', async () => {
    const d = await he.collection!.status({ date: D, task: 'daily', by: 'system' });
    const b = await he.collection!.status({ date: D, task: 'billingDay', by: 'system' });
    return d.system.complete === TERMINALS.length * METERS && b.system.complete === b.system.meters && b.system.meters > 0 ? true : undefined;
  });
  // The two days before and the month, by manual runs (补采 of the past, as `hes collect run` does).
  for (const spec of [{ task: 'daily' as const, dates: [PREV, PREV2] }, { task: 'monthly' as const, dates: [D] }]) {
    const run = he.collection!.run(spec);
    await until(`${spec.task} run`, () => (he.collection!.runInfo(run.id).state !== 'running' ? true : undefined));
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([...sessions.values()].map((s) => s.stop()));
  await he?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('authentication and roles', () => {
  it('/health is public; everything else needs a key (401 typed, WWW-Authenticate)', async () => {
    const h = await call('GET', '/health');
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'ok', store: { name: expect.stringMatching(/^embedded/), ok: true } });
    const none = await call<ErrorBody>('GET', '/api/v1/terminals');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: 'unauthenticated', details: {} });
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const bad = await call<ErrorBody>('GET', '/api/v1/terminals', { key: `${keys.admin.slice(0, -4)}AAAA` });
    expect(bad.status).toBe(401);
    const metrics = await call('GET', '/metrics');
    expect(metrics.status).toBe(401);
    // X-API-Key works as well as a bearer token
    const r = await fetch(`${url}/api/v1/terminals?limit=1`, { headers: { 'x-api-key': keys.operator } });
    expect(r.status).toBe(200);
  });

  it('each route answers only its roles (403 typed, naming what is needed); admin may use everything', async () => {
    const acct = accountNo(TERMINALS[0]!, 1);
    const matrix: [string, ApiRole[]][] = [
      ['/api/v1/terminals', ['operator', 'engineer']],
      ['/api/v1/terminals/1101-00001', ['operator', 'engineer']],
      ['/metrics', ['operator', 'engineer']],
      [`/api/v1/accounts?account=${acct}`, ['service', 'operator', 'engineer']],
      [`/api/v1/accounts/${acct}`, ['service', 'operator', 'engineer']],
      [`/api/v1/accounts/${acct}/outage`, ['service', 'operator', 'engineer']],
      [`/api/v1/accounts/${acct}/consumption?from=${label(PREV2)}&to=${DATE}`, ['service', 'operator', 'engineer', 'billing']],
      [`/api/v1/billing/daily-readings?date=${DATE}&limit=1`, ['billing', 'engineer']],
      [`/api/v1/billing/reading-day?date=${DATE}&limit=1`, ['billing', 'engineer']],
      ['/api/v1/apikeys', []],
      ['/api/v1/audit', []],
    ];
    for (const [p, allowed] of matrix) {
      for (const role of ['billing', 'service', 'operator', 'engineer', 'admin'] as ApiRole[]) {
        const r = await get<ErrorBody>(p, role);
        const ok = role === 'admin' || allowed.includes(role);
        expect({ p, role, status: r.status }).toEqual({ p, role, status: ok ? 200 : 403 });
        if (!ok) expect(r.body).toMatchObject({ code: 'forbidden', details: { has: [role] } });
      }
    }
  });

  it('hes apikey create on the running head-end database: the key works at once; revoke stops it; both audited', async () => {
    const c = await runCli('hes', ['apikey', 'create', '--name', 'sg186', '--role', 'billing', '--data', dataDir, '--json'], 30_000);
    expect(c.code).toBe(0);
    const created = JSON.parse(c.stdout) as { id: string; key: string; roles: string[] };
    expect(created.roles).toEqual(['billing']);
    expect(created.key).toMatch(/^ohes_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect((await call('GET', `/api/v1/billing/daily-readings?date=${DATE}&limit=1`, { key: created.key })).status).toBe(200);
    const list = await runCli('hes', ['apikey', 'list', '--data', dataDir], 30_000);
    expect(list.stdout).toContain(created.id);
    expect(list.stdout).not.toContain(created.key.slice(22));
    const bad = await runCli('hes', ['apikey', 'create', '--name', 'x', '--role', 'boss', '--data', dataDir], 30_000);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/role.*'boss' is not a role/);
    const rv = await runCli('hes', ['apikey', 'revoke', 'sg186', '--data', dataDir], 30_000);
    expect(rv.code).toBe(0);
    expect((await call('GET', `/api/v1/billing/daily-readings?date=${DATE}&limit=1`, { key: created.key })).status).toBe(401);
    const audit = await get<{ items: { action: string; target: string }[] }>('/api/v1/audit?limit=50', 'admin');
    expect(audit.body.items).toContainEqual(expect.objectContaining({ action: 'cli apikey create', target: created.id }));
    expect(audit.body.items).toContainEqual(expect.objectContaining({ action: 'cli apikey revoke', target: created.id }));
  }, 120_000); // two CLI processes: their start-up alone takes seconds on a loaded machine

  it('admin API keys: create (key once), list without secrets, revoke — audited with the actor', async () => {
    const c = await call<{ id: string; key: string }>('POST', '/api/v1/apikeys', { role: 'admin', body: { name: 'desk-7', roles: ['service'] } });
    expect(c.status).toBe(200);
    expect((await get(`/api/v1/accounts?account=${accountNo(TERMINALS[0]!, 2)}`, 'service')).status).toBe(200);
    const l = await get<{ items: Record<string, unknown>[] }>('/api/v1/apikeys', 'admin');
    expect(l.body.items.find((k) => k.id === c.body.id)).toMatchObject({ name: 'desk-7', roles: ['service'], createdBy: 'test-admin' });
    expect(JSON.stringify(l.body)).not.toContain(c.body.key);
    const bad = await call<ErrorBody>('POST', '/api/v1/apikeys', { role: 'admin', body: { name: 'x', roles: ['root'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toMatchObject({ field: 'roles[0]', in: 'body' });
    const r = await call('POST', `/api/v1/apikeys/${c.body.id}/revoke`, { role: 'admin' });
    expect(r.body).toMatchObject({ id: c.body.id, revokedBy: 'test-admin' });
    const audit = await get<{ items: Record<string, unknown>[] }>('/api/v1/audit?limit=10', 'admin');
    expect(audit.body.items).toContainEqual(expect.objectContaining({ actor: 'test-admin', action: 'POST /api/v1/apikeys/:id/revoke', target: c.body.id, status: 200 }));
    const created = audit.body.items.find((x) => x.action === 'POST /api/v1/apikeys' && x.status === 200)!;
    expect(JSON.stringify(created.detail)).toContain('desk-7');
  });
});

describe('input validation, errors, documentation', () => {
  it('400 names the bad field and where it is', async () => {
    const cases: [string, string, ApiRole, string, string][] = [
      ['GET', '/api/v1/terminals?state=sleeping', 'operator', 'state', 'query'],
      ['GET', '/api/v1/terminals?limit=0', 'operator', 'limit', 'query'],
      ['GET', '/api/v1/terminals?page=2', 'operator', 'page', 'query'],
      ['GET', '/api/v1/terminals?limit=51', 'operator', 'limit', 'query'],
      ['GET', '/api/v1/terminals?cursor=xyz', 'operator', 'cursor', 'query'],
      ['GET', '/api/v1/terminals/abc', 'operator', 'key', 'params'],
      ['GET', '/api/v1/billing/daily-readings?date=2024-13-01', 'billing', 'date', 'query'],
      ['GET', '/api/v1/billing/daily-readings?date=2024-02-30', 'billing', 'date', 'query'],
      ['GET', '/api/v1/billing/daily-readings', 'billing', 'date', 'query'],
      ['GET', '/api/v1/billing/daily-readings?date=2024-05-01&format=xml', 'billing', 'format', 'query'],
      ['GET', '/api/v1/billing/consumption?from=2024-05-03&to=2024-05-01', 'billing', 'to', 'query'],
      ['GET', '/api/v1/billing/consumption?from=2024-05-03&to=2024-06-01&source=month', 'billing', 'from', 'query'],
      ['GET', '/api/v1/accounts/12', 'service', 'account', 'params'],
      ['GET', '/api/v1/accounts', 'service', 'account', 'query'],
      ['GET', `/api/v1/accounts/${accountNo(TERMINALS[0]!, 1)}/curves?from=2024-05-01&to=2024-05-02&quantity=p,zz`, 'service', 'quantity', 'query'],
    ];
    for (const [method, p, role, field, where] of cases) {
      const r = await call<ErrorBody>(method, p, { role });
      expect({ p, status: r.status, code: r.body.code, field: r.body.details?.field }).toEqual({ p, status: 400, code: 'invalid-input', field });
      if (r.body.details.in !== undefined) expect(r.body.details.in).toBe(where);
      expect(r.body.message).toContain(field);
    }
    const body: [unknown, string][] = [
      [{ afn: '0C', fn: 'x', pn: [1] }, 'fn'],
      [{ afn: '0C', fn: 25 }, 'pn'],
      [{ afn: '0C', fn: 25, pn: [1], extra: 1 }, 'extra'],
      [{ afn: '05', fn: 1, pn: [0] }, 'afn'],
      [{ afn: '0D', fn: 161, pn: [1], date: '21/11/2026' }, 'date'],
    ];
    for (const [b, field] of body) {
      const r = await call<ErrorBody>('POST', '/api/v1/terminals/1101-00001/call', { role: 'engineer', body: b });
      expect({ b, status: r.status, field: r.body.details?.field }).toEqual({ b, status: 400, field });
    }
    const json = await fetch(`${url}/api/v1/terminals/1101-00001/call`, { method: 'POST', headers: { authorization: `Bearer ${keys.engineer}`, 'content-type': 'application/json' }, body: '{ nope' });
    expect(json.status).toBe(400);
    expect(((await json.json()) as ErrorBody).code).toBe('invalid-json');
  });

  it('404 / 409 typed', async () => {
    expect((await get<ErrorBody>('/api/v1/terminals/1101-00077', 'operator')).body).toMatchObject({ code: 'not-found', details: { what: 'terminal' } });
    expect((await get<ErrorBody>('/api/v1/accounts/1101000779999', 'service')).body).toMatchObject({ code: 'not-found', details: { what: 'account' } });
    expect((await get<ErrorBody>(`/api/v1/billing/daily-readings?date=${DATE}&taiqu=TQ-none`, 'billing')).body).toMatchObject({ code: 'not-found', message: expect.stringContaining('taiqu TQ-none') });
    expect((await get<ErrorBody>('/api/v1/nothing', 'admin')).status).toBe(404);
    const off = await call<ErrorBody>('POST', '/api/v1/terminals/1101-00099/call', { role: 'engineer', body: { afn: '0C', fn: 25, pn: [1] } });
    expect(off.status).toBe(404);
  });

  it('OpenAPI document and browsable docs; every route but /health is secured and has a schema', async () => {
    const o = await call<{ paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; parameters?: unknown[] }>>; components: { schemas: Record<string, unknown> } }>('GET', '/openapi.json');
    expect(o.status).toBe(200);
    const paths = Object.keys(o.body.paths);
    for (const p of ['/api/v1/terminals', '/api/v1/terminals/{key}/call', '/api/v1/billing/daily-readings', '/api/v1/billing/reading-day', '/api/v1/billing/monthly-readings', '/api/v1/billing/consumption', '/api/v1/accounts/{account}/usage', '/api/v1/accounts/{account}/curves', '/api/v1/accounts/{account}/events', '/api/v1/outages/customers', '/metrics', '/health']) {
      expect(paths).toContain(p);
    }
    expect(o.body.components.schemas.Error).toBeDefined();
    for (const [p, ops] of Object.entries(o.body.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        if (p === '/health') expect(op.security).toEqual([]);
        else expect(op.security ?? 'global').not.toEqual([]);
        expect(Object.keys(op.responses), `${m} ${p}`).toContain('200');
        if (p !== '/health') expect(Object.keys(op.responses), `${m} ${p}`).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
    const docs = await fetch(`${url}/docs`, { redirect: 'follow' });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });
});

describe('operations', () => {
  it('terminals: cursor pages, state filter, detail', async () => {
    const p1 = await get<{ total: number; items: { terminal: string; state: string }[]; nextCursor?: string }>('/api/v1/terminals?limit=3', 'operator');
    expect(p1.body.total).toBe(4);
    expect(p1.body.items.map((t) => t.terminal)).toEqual(['1101-00001', '1101-00002', '1101-00003']);
    const p2 = await get<{ items: { terminal: string }[]; nextCursor?: string }>(`/api/v1/terminals?limit=3&cursor=${p1.body.nextCursor!}`, 'operator');
    expect(p2.body.items.map((t) => t.terminal)).toEqual(['1101-00004']);
    expect(p2.body.nextCursor).toBeUndefined();
    const on = await get<{ total: number }>('/api/v1/terminals?state=online', 'engineer');
    expect(on.body.total).toBe(4);
    const d = await get('/api/v1/terminals/1101-1', 'engineer');
    expect(d.body).toMatchObject({ terminal: '1101-00001', state: 'online', session: { framesIn: expect.any(Number) }, archive: { taiqu: 'TQ1101-00001' } });
  });

  it('on-demand call-up: daily frozen energy of a meter equals the model; the write is audited', async () => {
    const r = await call<{ units: { pn: number; data: { energy?: unknown } }[]; kind: string }>('POST', '/api/v1/terminals/1101-00001/call', { role: 'engineer', body: { afn: '0D', fn: 161, pn: '1-2', date: DATE } });
    expect(r.status).toBe(200);
    expect(r.body.kind).toBe('daily');
    expect(r.body.units.map((u) => u.pn)).toEqual([1, 2]);
    expect(JSON.stringify(r.body.units[0]!.data)).toContain(String(model('1101-00001', 1, DAY)[0]));
    const audit = await get<{ items: Record<string, unknown>[] }>('/api/v1/audit?limit=5', 'admin');
    expect(audit.body.items[0]).toMatchObject({ actor: 'test-engineer', action: 'POST /api/v1/terminals/:key/call', target: '1101-00001', status: 200 });
  });

  it('/metrics: Prometheus text with sessions, frames, queue depth, FEP and API latency histograms, success rate', async () => {
    const r = await get('/metrics', 'engineer');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(r.text).toMatch(/^hes_sessions_online 4$/m);
    expect(r.text).toMatch(/^hes_fep_frames_in_total \d+$/m);
    expect(r.text).toMatch(/^hes_fep_queue_depth \d+$/m);
    expect(r.text).toMatch(/^hes_fep_request_latency_seconds_bucket\{le="\+Inf"\} \d+$/m);
    expect(r.text).toMatch(/^hes_api_request_duration_seconds_bucket\{.*route="\/api\/v1\/terminals".*\} \d+$/m);
    expect(r.text).toMatch(/^hes_collection_success_ratio\{task="daily"\} 1$/m);
    expect(r.text).toMatch(/^hes_spool_records \d+$/m);
    expect(r.text).toMatch(/^hes_store_lag_seconds [\d.]+$/m);
  });
});

describe('billing', () => {
  interface Row {
    account?: string;
    meter: string;
    terminal: string;
    pn: number;
    quality: string;
    source?: string;
    readingDay?: number;
    registers: Record<string, { total: number | null; rates: (number | null)[]; quality: string }>;
  }

  it('daily readings: JSON pages with cursors cover every meter once; values equal the model', async () => {
    const rows: Row[] = [];
    let cursor = '';
    for (let i = 0; i < 10; i++) {
      const r = await get<{ items: Row[]; nextCursor?: string }>(`/api/v1/billing/daily-readings?date=${DATE}&limit=30${cursor ? `&cursor=${cursor}` : ''}`, 'billing');
      expect(r.status).toBe(200);
      rows.push(...r.body.items);
      if (!r.body.nextCursor) break;
      cursor = r.body.nextCursor;
    }
    expect(rows).toHaveLength(TERMINALS.length * METERS);
    for (const row of rows) {
      expect(row.quality).toBe('collected');
      for (const [k, reg] of ['ea_imp', 'er_imp', 'ea_exp', 'er_exp'].entries()) {
        const m = model(row.terminal, row.pn, DAY, k);
        expect([row.registers[reg]!.total, ...row.registers[reg]!.rates]).toEqual(m);
      }
    }
  });

  it('daily readings as NDJSON and CSV (documented header), filtered by taiqu and account list', async () => {
    const nd = await get(`/api/v1/billing/daily-readings?date=${DATE}&taiqu=TQ1101-00002`, 'billing', 'application/x-ndjson');
    expect(nd.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = nd.text.trim().split('\n').map((l) => JSON.parse(l) as Row);
    expect(lines).toHaveLength(METERS);
    expect(new Set(lines.map((l) => l.terminal))).toEqual(new Set(['1101-00002']));
    const accts = [accountNo(TERMINALS[2]!, 3), accountNo(TERMINALS[3]!, 7)];
    const c = await get(`/api/v1/billing/daily-readings?date=${DATE}&accounts=${accts.join(',')}&format=csv`, 'billing');
    expect(c.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...body] = c.text.trim().split('\n');
    expect(header).toBe(
      'date,account_no,customer_id,meter_address,terminal,pn,reading_day,data_time,read_at,quality,source,' +
        ['ea_imp', 'er_imp', 'ea_exp', 'er_exp'].map((r) => `${r}_total,${r}_r1,${r}_r2,${r}_r3,${r}_r4`).join(','),
    );
    expect(body).toHaveLength(2);
    const cells = body[0]!.split(',');
    expect(cells.slice(0, 2)).toEqual([DATE, accts[0]]);
    expect(cells[7]).toBe(`${DATE}T00:00:00+08:00`);
    expect(cells[9]).toBe('collected');
    expect(cells.slice(11, 16).map(Number)).toEqual(model('1101-00003', 3, DAY, 0));
  });

  it('meter-reading-day export: every account whose 抄表日 it is, registers and quality, CSV and JSON', async () => {
    const due: string[] = [];
    for (const t of TERMINALS) for (let pn = 1; pn <= METERS; pn++) if (readingDayOf(SEED, t, pn) === READING_DAY) due.push(accountNo(t, pn));
    expect(due.length).toBeGreaterThan(0);
    const csv = await get(`/api/v1/billing/reading-day?date=${DATE}&format=csv`, 'billing');
    const [header, ...body] = csv.text.trim().split('\n');
    expect(header!.split(',').slice(0, 11)).toEqual(['date', 'account_no', 'customer_id', 'meter_address', 'terminal', 'pn', 'reading_day', 'data_time', 'read_at', 'quality', 'source']);
    expect(body.map((l) => l.split(',')[1]).sort()).toEqual([...due].sort());
    for (const l of body) {
      const c = l.split(',');
      expect(c[6]).toBe(String(READING_DAY));
      expect(['collected', 'recollected']).toContain(c[9]);
      expect(c[10]).toBe('billingDay');
      for (let k = 0; k < 4; k++) expect(c.slice(11 + k * 5, 16 + k * 5).map(Number)).toEqual(model(c[4]!, Number(c[5]), DAY, k));
    }
    const json = await get<{ items: Row[] }>(`/api/v1/billing/reading-day?date=${DATE}&limit=50`, 'billing');
    expect(json.body.items.map((r) => r.account).sort()).toEqual([...due].sort());
    expect(json.body.items[0]).toMatchObject({ readingDay: READING_DAY, source: 'billingDay' });
    // Another day: its accounts' rows are there, quality missing (not collected), never left out.
    const other = READING_DAY === 28 ? 27 : READING_DAY + 1;
    const n = TERMINALS.flatMap((t) => Array.from({ length: METERS }, (_, i) => readingDayOf(SEED, t, i + 1))).filter((d) => d === other).length;
    const miss = await get(`/api/v1/billing/reading-day?date=2024-05-${pad(other)}&format=ndjson`, 'billing');
    const mrows = miss.text.trim() === '' ? [] : miss.text.trim().split('\n').map((l) => JSON.parse(l) as Row);
    expect(mrows).toHaveLength(n);
    for (const r of mrows) expect(r).toMatchObject({ quality: 'missing', registers: {} });
  });

  it('monthly frozen readings of the month equal the model at 00:00 of the 1st', async () => {
    const r = await get(`/api/v1/billing/monthly-readings?month=2024-05&format=ndjson`, 'billing');
    const rows = r.text.trim().split('\n').map((l) => JSON.parse(l) as Row & { month: string });
    expect(rows).toHaveLength(TERMINALS.length * METERS);
    const first = cal.at(2024, 5, 1);
    for (const row of rows) {
      expect(row.month).toBe('2024-05');
      expect([row.registers.ea_imp!.total, ...row.registers.ea_imp!.rates]).toEqual(model(row.terminal, row.pn, first));
    }
  });

  it('consumption between two dates per account equals the model difference; a missing end is flagged, not guessed', async () => {
    const from = cal.dayStart(PREV2);
    const r = await get(`/api/v1/billing/consumption?from=${label(PREV2)}&to=${DATE}&format=ndjson`, 'billing');
    const rows = r.text.trim().split('\n').map((l) => JSON.parse(l) as { account: string; status: string; total: number; rates: number[]; energy: number; start: { value: number } });
    expect(rows).toHaveLength(TERMINALS.length * METERS);
    for (const row of rows) {
      const t = keyOf({ a1: '1101', a2: Number(row.account.slice(4, 9)) });
      const pn = Number(row.account.slice(9));
      const a = model(t, pn, from);
      const b = model(t, pn, DAY);
      expect(row.status).toBe('ok');
      expect(row.total).toBe(round4(b[0]! - a[0]!));
      expect(row.rates).toEqual([1, 2, 3, 4].map((k) => round4(b[k]! - a[k]!)));
      expect(row.energy).toBe(row.total);
      expect(row.start.value).toBe(a[0]);
    }
    const next = label(cal.addDays(D, 1));
    const miss = await get<{ items: { status: string; total: null; start: unknown; end?: unknown }[] }>(`/api/v1/billing/consumption?from=${DATE}&to=${next}&limit=5`, 'billing');
    for (const x of miss.body.items) {
      expect(x.status).toBe('missing-end');
      expect(x.total).toBeNull();
      expect(x.start).toBeDefined();
      expect(x.end).toBeUndefined();
    }
  });
});

describe('customer service', () => {
  const T = '1101-00001';
  const ACCT = accountNo(TERMINALS[0]!, 4);

  it('lookup by account, meter address and name fragment', async () => {
    const a = await get<{ items: { account: string; meterAddress: string; name: string }[] }>(`/api/v1/accounts?account=${ACCT}`, 'service');
    expect(a.body.items).toHaveLength(1);
    const m = await get<{ items: { account: string }[] }>(`/api/v1/accounts?meter=${a.body.items[0]!.meterAddress}`, 'service');
    expect(m.body.items.map((x) => x.account)).toEqual([ACCT]);
    const n = await get<{ items: { account: string }[] }>(`/api/v1/accounts?name=${encodeURIComponent('1101-00001-000')}&limit=20`, 'service');
    expect(n.body.items.length).toBe(9);
  });

  it('summary: meter, chain, last readings (= model), outage status', async () => {
    const s = await get<Record<string, unknown> & { lastReadings: { kind: string; quantity: string; values: number[]; time: string }[] }>(`/api/v1/accounts/${ACCT}`, 'service');
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({
      customer: { account: ACCT },
      terminal: { key: T },
      taiqu: { id: 'TQ1101-00001' },
      line: { id: expect.any(String) },
      substation: { id: expect.any(String) },
      outage: { status: 'supplied' },
      openAlarms: [],
    });
    expect(JSON.stringify(s.body)).not.toContain('"pw"');
    const day = s.body.lastReadings.find((r) => r.kind === 'day' && r.quantity === 'ea_imp')!;
    expect(day.time).toBe(`${DATE}T00:00:00+08:00`);
    expect(day.values).toEqual(model(T, 4, DAY));
  });

  it('usage per day from frozen differences; the day not yet frozen is missing-end', async () => {
    const next = label(cal.addDays(D, 1));
    const u = await get<{ items: { period: string; status: string; total: number | null; rates: (number | null)[] }[] }>(`/api/v1/accounts/${ACCT}/usage?from=${label(PREV2)}&to=${next}`, 'service');
    expect(u.status).toBe(200);
    expect(u.body.items.map((x) => x.period)).toEqual([label(PREV2), label(PREV), DATE]);
    for (const [i, d] of [PREV2, PREV].entries()) {
      const a = model(T, 4, cal.dayStart(d));
      const b = model(T, 4, cal.dayStart(d) + DAY_MS);
      expect(u.body.items[i]).toMatchObject({ status: 'ok', total: round4(b[0]! - a[0]!), rates: [1, 2, 3, 4].map((k) => round4(b[k]! - a[k]!)) });
    }
    expect(u.body.items[2]).toMatchObject({ status: 'missing-end', total: null });
    // per month: the freeze of June 1 does not exist yet
    const m = await get<{ items: { period: string; status: string; total: number | null }[] }>(`/api/v1/accounts/${ACCT}/usage?from=2024-05&to=2024-06&granularity=month`, 'service');
    expect(m.body.items).toEqual([expect.objectContaining({ period: '2024-05', status: 'missing-end', total: null })]);
  });

  it('curves of yesterday (00:30 round): 96 points of p, equal to the model', async () => {
    await until('the curve round', async () => {
      const s = await he.collection!.status({ date: PREV, task: 'curve', by: 'system' });
      return s.system.complete === TERMINALS.length * METERS ? true : undefined;
    });
    const from = label(PREV);
    const c = await get<{ series: { quantity: string; unit: string; fields: string[]; points: { time: string; values: number[] }[] }[] }>(`/api/v1/accounts/${ACCT}/curves?from=${from}&to=${DATE}&quantity=p,u`, 'service');
    expect(c.status).toBe(200);
    const p = c.body.series.find((s) => s.quantity === 'p')!;
    expect(p.unit).toBe('kW');
    expect(p.points).toHaveLength(96);
    const prof = profileOf({ seed: SEED, terminal: T }, 4);
    const t0 = cal.dayStart(PREV);
    expect(p.points[0]!.time).toBe(`${from}T00:00:00+08:00`);
    p.points.forEach((pt, i) => expect(pt.values).toEqual([81, 82, 83, 84].map((fn) => curvePoint(fn, prof, t0 + i * 900_000, 900_000))));
    expect(c.body.series.find((s) => s.quantity === 'u')!.points).toHaveLength(96);
  });
});

describe('outage view', () => {
  const T2 = '1101-00002';
  const T3 = '1101-00003';
  const A2 = accountNo(TERMINALS[1]!, 5);
  const A3 = accountNo(TERMINALS[2]!, 6);
  const A1 = accountNo(TERMINALS[0]!, 1);

  interface Outage {
    status: string;
    cause?: string;
    scope?: string;
    confirmed?: boolean;
    since?: string;
    explanation: string;
    area?: { level: string; id: string };
    terminal: { state: string; lastOutage?: { from: string; to: string } };
  }

  it('a concentrator reports its power loss (ERC14 last gasp) and drops: its taiqu is out, confirmed, since the loss', async () => {
    const dev = devices.get(T2)!;
    const off = Date.now() + SHIFT;
    // A terminal on backup power reports the loss with the power-on time invalid, then goes silent.
    dev.events.add({ erc: 14, data: { powerOff: a15Of(dev.clock.at(off)), powerOn: null } }, true);
    await until('ERC14 received', async () => ((await get<Outage>(`/api/v1/accounts/${A2}/outage`, 'service')).body.cause === 'terminal-power-off' ? true : undefined));
    dev.faults.set({ powerOff: true }, Date.now() + SHIFT);
    sessions.get(T2)!.setFaults({ offlineUntil: Date.now() + SHIFT + 3_600_000 });
    await until('T2 offline', () => (he.fep.isOnline(T2) ? undefined : true));
    const o = await get<Outage>(`/api/v1/accounts/${A2}/outage`, 'service');
    expect(o.body).toMatchObject({ status: 'out', cause: 'terminal-power-off', scope: 'taiqu', confirmed: true, area: { level: 'taiqu', id: 'TQ1101-00002' }, terminal: { state: 'offline' } });
    expect(o.body.since).toBe(`${new Date(Math.floor(off / 60_000) * 60_000 + 8 * 3_600_000).toISOString().slice(0, 16)}:00+08:00`);
    expect(o.body.explanation).toMatch(/^taiqu-wide outage: taiqu .* reported a power loss \(ERC14\)/);
    // neighbours are supplied
    expect((await get<Outage>(`/api/v1/accounts/${A1}/outage`, 'service')).body.status).toBe('supplied');
  });

  it('the simulator power-off fault: unreachable (not confirmed); at power-on ERC14 (off, on) arrives and the customer is supplied again', async () => {
    const dev = devices.get(T3)!;
    dev.faults.set({ powerOff: true }, Date.now() + SHIFT);
    sessions.get(T3)!.setFaults({ offlineUntil: Date.now() + SHIFT + 3_600_000 });
    await until('T3 offline', () => (he.fep.isOnline(T3) ? undefined : true));
    const o = await get<Outage>(`/api/v1/accounts/${A3}/outage`, 'operator');
    expect(o.body).toMatchObject({ status: 'out', cause: 'terminal-offline', scope: 'taiqu', confirmed: false });
    expect(o.body.explanation).toMatch(/unreachable since .* \(power loss or communication fault, not confirmed\)/);
    const sum = await get<{ areas: { scope: string; id: string; cause: string; customers: number }[]; customersOut: number }>('/api/v1/outages', 'service');
    expect(sum.body.areas).toEqual([
      expect.objectContaining({ scope: 'taiqu', id: 'TQ1101-00002', cause: 'terminal-power-off', customers: METERS }),
      expect.objectContaining({ scope: 'taiqu', id: 'TQ1101-00003', cause: 'terminal-offline', customers: METERS }),
    ]);
    expect(sum.body.customersOut).toBe(2 * METERS);
    const csv = await get(`/api/v1/outages/customers?format=csv`, 'service');
    const [header, ...rows] = csv.text.trim().split('\n');
    expect(header).toBe('account_no,customer_id,name,meter_address,terminal,taiqu,cause,scope,confirmed,since');
    expect(rows).toHaveLength(2 * METERS);
    const page = await get<{ items: { account: string }[]; nextCursor?: string }>(`/api/v1/outages/customers?level=taiqu&id=TQ1101-00003&limit=15`, 'service');
    const page2 = await get<{ items: { account: string }[]; nextCursor?: string }>(`/api/v1/outages/customers?level=taiqu&id=TQ1101-00003&limit=15&cursor=${page.body.nextCursor!}`, 'service');
    expect([...page.body.items, ...page2.body.items].map((x) => x.account)).toEqual(Array.from({ length: METERS }, (_, i) => accountNo(TERMINALS[2]!, i + 1)));
    expect(page2.body.nextCursor).toBeUndefined();
    // Power back: the terminal logs in and reports ERC14 with both times.
    dev.faults.set({ powerOff: false }, Date.now() + SHIFT);
    await sessions.get(T3)!.stop();
    dialIn(TERMINALS[2]!);
    const back = await until('T3 supplied with its last outage', async () => {
      const r = await get<Outage>(`/api/v1/accounts/${A3}/outage`, 'service');
      return r.body.status === 'supplied' && r.body.terminal.lastOutage ? r.body : undefined;
    });
    expect(back.explanation).toMatch(/last power outage/);
    const ev = await get<{ items: { erc: number; name: string; level: string }[] }>(`/api/v1/accounts/${A3}/events?from=${DATE}&to=${label(cal.addDays(D, 1))}&erc=14`, 'service');
    expect(ev.body.items).toContainEqual(expect.objectContaining({ erc: 14, name: 'terminal power off/on', level: 'terminal' }));
  });

  it("a customer's meter tripped by load control: own relay open", async () => {
    const acct = accountNo(TERMINALS[0]!, 2);
    const c = he.control!;
    const req = c.create({ name: 'alice', roles: ['operator'] }, { action: { kind: 'trip' }, selector: { accounts: [acct] }, reason: 'api test' });
    if (req.state === 'pending') c.approve({ name: 'bob', roles: ['operator'] }, req.id, req.hash);
    const done = await c.completion(req.id);
    expect(done.results.run?.[0]?.outcome).toMatch(/^confirmed/);
    const o = await get<Outage & { relay: { position: string } }>(`/api/v1/accounts/${acct}/outage`, 'service');
    expect(o.body).toMatchObject({ status: 'out', cause: 'relay-open', scope: 'customer', confirmed: true, relay: { position: 'open', by: 'control' } });
    const s = await get<{ relay?: { position: string } }>(`/api/v1/accounts/${acct}`, 'service');
    expect(s.body.relay).toMatchObject({ position: 'open' });
    const sum = await get<{ relayOpen: number }>('/api/v1/outages', 'operator');
    expect(sum.body.relayOpen).toBe(1);
  });

  it('every concentrator of the line gone: line-wide', async () => {
    for (const k of ['1101-00001', '1101-00003', '1101-00004']) {
      devices.get(k)!.faults.set({ powerOff: true }, Date.now() + SHIFT);
      sessions.get(k)!.setFaults({ offlineUntil: Date.now() + SHIFT + 3_600_000 });
    }
    await until('all offline', () => (TERMINALS.some((t) => he.fep.isOnline(keyOf(t))) ? undefined : true));
    const o = await get<Outage>(`/api/v1/accounts/${A1}/outage`, 'service');
    expect(o.body).toMatchObject({ status: 'out', scope: 'substation' });
    const sum = await get<{ areas: { scope: string; terminals: number }[]; customersOut: number }>('/api/v1/outages', 'service');
    // 4 terminals: one line, one substation — the widest area is listed once.
    expect(sum.body.areas).toEqual([expect.objectContaining({ scope: 'substation', terminals: 4 })]);
    expect(sum.body.customersOut).toBe(4 * METERS);
    expect(o.body.explanation).toMatch(/^substation-wide outage/);
  });
});

describe('streaming', () => {
  it('a whole NDJSON export over a plain HTTP/1.1 socket (chunked)', async () => {
    const u = new URL(`${url}/api/v1/billing/daily-readings?date=${DATE}&format=ndjson`);
    const got = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, headers: { authorization: `Bearer ${keys.billing}` } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
    });
    expect(got.trim().split('\n')).toHaveLength(TERMINALS.length * METERS);
  });

  it('a closed store answers 503 store-unavailable', async () => {
    await he.store!.close();
    const r = await get<ErrorBody>(`/api/v1/billing/daily-readings?date=${DATE}&format=csv`, 'billing');
    expect(r.status).toBe(503);
    expect(r.body.code).toBe('store-unavailable');
    const h = await call<{ status: string }>('GET', '/health');
    expect(h.body.status).toBe('degraded');
  });
});
