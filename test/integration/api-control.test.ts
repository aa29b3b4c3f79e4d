/**
 * Load control, prepayment and collection through the northbound API (real HTTP, API keys) of a real
 * head-end (`HeadEnd.open`: archive, FEP on TCP, embedded store, API on a free port) with 3 simulated
 * concentrators × 4 meters that check PW and Tp:
 * - roles per route (operator creates and approves, engineer reads, billing/service read balances);
 * - the two-person rule with two operator keys (the same key cannot approve; a second one executes the
 *   trip, verified on the device); every write in the API audit with the key's name;
 * - keep-power: an operator key may not trip a protected customer, an admin key needs a reason;
 * - a scheme staged, approved by another key, run and restored;
 * - prepayment top-up and balance; the control audit chain verifies;
 * - completeness figures and a manual 补采 run; 400 naming the field, 404, OpenAPI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedTerminal } from '../../simulators/concentrator/terminal.js';
import { accountNo } from '../../simulators/fleet/archive-writer.js';
import type { Fleet } from '../../simulators/fleet/fleet.js';
import type { ApiRole } from '../../src/api/auth/roles.js';
import { LocalCalendar, formatDate } from '../../src/scheduler/time.js';
import type { HeadEnd } from '../../src/service/head-end.js';
import { startApiEnv, type ApiEnv } from '../helpers/api-env.js';
import { startFleetAt, until } from '../helpers/control-env.js';

const TERMINALS = 3;
const METERS = 4;
const T1 = '1101-00001';
const T2 = '1101-00002';
const cal = new LocalCalendar(480);
let env: ApiEnv;
let he: HeadEnd;
let fleet: Fleet;
let url = '';
type KeyName = ApiRole | 'operator2';
const keys = {} as Record<KeyName, string>;

interface Reply<T> {
  status: number;
  body: T;
}
type ErrorBody = { code: string; message: string; details: Record<string, unknown> };
type View = { id: number; state: string; hash: string; createdBy: string; approvedBy?: string; needsApproval: boolean; override: boolean };
type Detail = View & { results: { run?: { target: string; outcome: string }[]; restore?: { target: string; outcome: string }[] } };

async function call<T = Record<string, unknown>>(method: 'GET' | 'POST', p: string, who: KeyName, body?: unknown): Promise<Reply<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${keys[who]}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${url}/api/v1${p}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: r.status, body: (await r.json()) as T };
}

const device = (i: number): SimulatedTerminal => fleet.devices[i] as SimulatedTerminal;

async function finished(id: number, state = 'done'): Promise<Detail> {
  return until(`request ${id} ${state}`, async () => {
    const r = await call<Detail>('GET', `/control/requests/${id}`, 'engineer');
    return r.body.state === state ? r.body : undefined;
  }, 30_000);
}

beforeAll(async () => {
  env = await startApiEnv({ terminals: TERMINALS, meters: METERS });
  he = env.he;
  url = env.addresses.api!;
  for (const role of ['billing', 'service', 'operator', 'engineer', 'admin'] as const) keys[role] = he.northbound!.keys.create({ name: `key-${role}`, roles: [role], by: 'test' }).key;
  keys.operator2 = he.northbound!.keys.create({ name: 'key-operator2', roles: ['operator'], by: 'test' }).key;
  fleet = await startFleetAt(env.addresses.terminal.port, TERMINALS, METERS);
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  await env?.close();
});

describe('load control over the API', () => {
  it('each route answers only its roles', async () => {
    const acct = accountNo({ a1: '1101', a2: 1 }, 1);
    const matrix: [string, KeyName[]][] = [
      ['/control/requests', ['operator', 'engineer']],
      ['/schemes', ['operator', 'engineer']],
      ['/control/protected', ['operator', 'engineer', 'service']],
      ['/control/audit?limit=1', ['operator', 'engineer']],
      ['/control/audit/verify', ['operator', 'engineer']],
      ['/collect/runs', ['operator', 'engineer']],
      [`/collect/status?date=${formatDate(cal.dateOf(Date.now()))}`, ['operator', 'engineer']],
    ];
    for (const [p, allowed] of matrix) {
      for (const role of ['billing', 'service', 'operator', 'engineer', 'admin'] as const) {
        const r = await call<ErrorBody>('GET', p, role);
        expect({ p, role, status: r.status }).toEqual({ p, role, status: role === 'admin' || allowed.includes(role) ? 200 : 403 });
      }
    }
    // Writes: only operators (and admin); a balance is read by service and billing too.
    for (const role of ['billing', 'service', 'engineer'] as const) {
      expect((await call('POST', '/control/requests', role, { action: 'trip', terminals: [T1] })).status).toBe(403);
      expect((await call('POST', `/prepay/${acct}/topup`, role, { amount: 10 })).status).toBe(403);
    }
    expect((await call<ErrorBody>('GET', `/prepay/${acct}`, 'billing')).body.code).toBe('not-found');
  });

  it('two-person rule: the creating key cannot approve; a second operator key executes, verified on the terminal', async () => {
    const c = await call<View>('POST', '/control/requests', 'operator', { action: 'trip', terminals: [T1], reason: 'line work' });
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ state: 'pending', needsApproval: true, createdBy: 'key-operator' });
    expect(device(0).controls.trippedRounds()).toEqual([]);
    const self = await call<ErrorBody>('POST', `/control/requests/${c.body.id}/approve`, 'operator', { hash: c.body.hash });
    expect(self.status).toBe(403);
    expect(self.body).toMatchObject({ code: 'forbidden', details: { reason: expect.any(String) } });
    const wrong = await call<ErrorBody>('POST', `/control/requests/${c.body.id}/approve`, 'operator2', { hash: 'a'.repeat(64) });
    expect(wrong.status).toBe(409);
    const ok = await call<View>('POST', `/control/requests/R${c.body.id}/approve`, 'operator2', { hash: c.body.hash });
    expect(ok.status).toBe(200);
    expect(ok.body.approvedBy).toBe('key-operator2');
    const d = await finished(c.body.id);
    expect(d.results.run).toEqual([expect.objectContaining({ target: T1, outcome: 'confirmed-verified' })]);
    expect(device(0).controls.relayOpen(1)).toBe(true);
    // close it again: a request by operator2, approved by operator
    const close = await call<View>('POST', '/control/requests', 'operator2', { action: 'close', terminals: T1 });
    await call('POST', `/control/requests/${close.body.id}/approve`, 'operator', {});
    expect((await finished(close.body.id)).results.run?.[0]?.outcome).toMatch(/^confirmed/);
    expect(device(0).controls.relayOpen(1)).toBe(false);
    // every write is in the API audit, with the key's name
    const audit = await call<{ items: { actor: string; action: string; target: string; status: number }[] }>('GET', '/audit?limit=20', 'admin');
    expect(audit.body.items).toContainEqual(expect.objectContaining({ actor: 'key-operator2', action: 'POST /api/v1/control/requests/:id/approve', target: `R${c.body.id}`, status: 200 }));
    expect(audit.body.items).toContainEqual(expect.objectContaining({ actor: 'key-operator', action: 'POST /api/v1/control/requests/:id/approve', status: 403 }));
  });

  it('keep-power: an operator key cannot trip the protected customer; an admin key must give a reason', async () => {
    const acct = accountNo({ a1: '1101', a2: 2 }, 3);
    const kp = await call<View>('POST', '/control/requests', 'operator', { action: 'keep-power', accounts: [acct], reason: 'hospital' });
    expect(kp.status).toBe(200);
    if (kp.body.needsApproval) await call('POST', `/control/requests/${kp.body.id}/approve`, 'operator2', { hash: kp.body.hash });
    await finished(kp.body.id);
    const prot = await call<{ account: string }[]>('GET', '/control/protected', 'service');
    expect(prot.body.map((p) => p.account)).toContain(acct);
    const op = await call<ErrorBody>('POST', '/control/requests', 'operator', { action: 'trip', accounts: [acct] });
    expect(op.status).toBe(403);
    expect(op.body.details.reason).toBe('protected');
    const noReason = await call<ErrorBody>('POST', '/control/requests', 'admin', { action: 'trip', accounts: [acct] });
    expect(noReason.status).toBe(400);
    expect(noReason.body.details.field).toBe('reason');
    const admin = await call<View>('POST', '/control/requests', 'admin', { action: 'trip', accounts: [acct], reason: 'fire brigade request' });
    expect(admin.status).toBe(200);
    expect(admin.body).toMatchObject({ override: true, state: 'pending' });
    expect((await call('POST', `/control/requests/${admin.body.id}/cancel`, 'operator')).status).toBe(403);
    expect((await call<View>('POST', `/control/requests/${admin.body.id}/cancel`, 'admin')).body.state).toBe('cancelled');
  });

  it('a scheme: staged, approved by another key, run, restored', async () => {
    const s = await call<View>('POST', '/schemes', 'operator', { name: 'peak-cut', action: 'trip', taiqus: ['TQ1101-00003'], reason: 'peak' });
    expect(s.status).toBe(200);
    expect(s.body.state).toBe('staged');
    expect((await call<ErrorBody>('POST', '/schemes/peak-cut/run', 'operator')).status).toBe(409);
    expect((await call<View>('POST', '/schemes/peak-cut/approve', 'operator2', { hash: s.body.hash })).body.state).toBe('approved');
    expect((await call<View>('POST', '/schemes/peak-cut/run', 'operator')).status).toBe(200);
    const ran = await until('scheme done', async () => {
      const r = await call<Detail>('GET', '/schemes/peak-cut', 'engineer');
      return r.body.state === 'done' ? r.body : undefined;
    }, 30_000);
    expect(ran.results.run).toEqual([expect.objectContaining({ target: '1101-00003', outcome: 'confirmed-verified' })]);
    expect(device(2).controls.relayOpen(1)).toBe(true);
    expect((await call('POST', '/schemes/peak-cut/restore', 'operator2')).status).toBe(200);
    const restored = await until('scheme restored', async () => {
      const r = await call<Detail>('GET', '/schemes/peak-cut', 'operator');
      return r.body.state === 'restored' ? r.body : undefined;
    }, 30_000);
    expect(restored.results.restore?.[0]?.outcome).toMatch(/^confirmed/);
    expect(device(2).controls.relayOpen(1)).toBe(false);
    expect((await call<View[]>('GET', '/schemes?state=restored', 'engineer')).body.map((x) => x.id)).toContain(s.body.id);
  });

  it('prepayment top-up and balance; the control audit chain verifies', async () => {
    const acct = accountNo({ a1: '1101', a2: 1 }, 4);
    const t = await call<{ account: string; balanceYuan: number; history: { kind: string; ref?: string }[] }>('POST', `/prepay/${acct}/topup`, 'operator', { amount: 50, ref: 'IC-0042' });
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({ account: acct, balanceYuan: 50 });
    const b = await call<{ balanceYuan: number; history: { kind: string; ref?: string }[] }>('GET', `/prepay/${acct}?history=5`, 'service');
    expect(b.body.balanceYuan).toBe(50);
    expect(b.body.history[0]).toMatchObject({ kind: 'topup', ref: 'IC-0042' });
    const bad = await call<ErrorBody>('POST', `/prepay/${acct}/topup`, 'operator', { amount: 1.0001 });
    expect(bad.body).toMatchObject({ code: 'invalid-input', details: { field: 'amount' } });
    const v = await call<{ ok: boolean; records: number }>('GET', '/control/audit/verify', 'engineer');
    expect(v.body.ok).toBe(true);
    expect(v.body.records).toBeGreaterThan(10);
    const recs = await call<{ kind: string; actor: string }[]>('GET', `/control/audit?kind=prepay&ref=${acct}&limit=5`, 'operator');
    expect(recs.body).toContainEqual(expect.objectContaining({ kind: 'prepay', actor: 'key-operator' }));
  });

  it('bad input: 400 naming the field; unknown ids 404', async () => {
    const cases: [unknown, string][] = [
      [{ action: 'explode', terminals: [T1] }, 'action'],
      [{ action: 'trip' }, 'targets'],
      [{ action: 'trip', terminals: [T1], speed: 3 }, 'speed'],
      [{ action: 'trip', terminals: [T1], alarmMinutes: 'soon' }, 'alarmMinutes'],
      [{ action: 'keep-power', terminals: [T1], rounds: [1] }, 'rounds'],
      [{ action: 'set-param', terminals: [T1], fn: 40, value: {} }, 'fn'],
    ];
    for (const [body, field] of cases) {
      const r = await call<ErrorBody>('POST', '/control/requests', 'operator', body);
      expect({ body, status: r.status, field: r.body.details.field }).toEqual({ body, status: 400, field: expect.stringContaining(field) });
    }
    expect((await call<ErrorBody>('GET', '/control/requests/R999999', 'operator')).body).toMatchObject({ code: 'not-found' });
    expect((await call<ErrorBody>('GET', '/control/requests/x1', 'operator')).body.details).toMatchObject({ field: 'id', in: 'params' });
    expect((await call<ErrorBody>('GET', '/schemes/nope', 'operator')).status).toBe(404);
    expect((await call<ErrorBody>('POST', '/control/requests', 'operator', { action: 'trip', terminals: ['1101-00099'] })).status).toBe(404);
    // A period scheme's F41 limits pass the route schema and are checked by the control service, field named.
    const limits = { schemes: [1], values: [{ periods: [1, 2], setpoints: [120, 1234] }] };
    const bad = await call<ErrorBody>('POST', '/schemes', 'operator', { name: 'bad-limit', action: 'power-control', control: 'period', group: 1, periods: [1, 2], limits, terminals: ['1101-00001'] });
    expect({ status: bad.status, field: bad.body.details.field }).toEqual({ status: 400, field: 'limits.values[0].setpoints[1]' });
  });
});

describe('collection over the API', () => {
  const today = formatDate(cal.dateOf(Date.now()));

  it('manual 补采 of a terminal, then the completeness figures of the day', async () => {
    const before = await call<{ system: { meters: number; complete: number } }>('GET', `/collect/status?date=${today}&by=terminal`, 'engineer');
    expect(before.status).toBe(200);
    expect(before.body.system.meters).toBe(TERMINALS * METERS);
    const run = await call<{ id: number; state: string; mode: string }>('POST', '/collect/run', 'engineer', { task: 'daily', date: today, terminal: ['1101-1', T2], pn: '1-4' });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ mode: 'manual', state: 'running' });
    const done = await until('run done', async () => {
      const r = await call<{ state: string; terminals: { complete: number } }>('GET', `/collect/runs/${run.body.id}`, 'operator');
      return r.body.state !== 'running' ? r.body : undefined;
    }, 30_000);
    expect(done).toMatchObject({ state: 'done', terminals: { complete: 2 } });
    const s = await call<{ system: { complete: number; successRate: number }; rows: { group: string; successRate: number | null; complete: number }[] }>('GET', `/collect/status?date=${today}&task=daily&by=terminal`, 'operator');
    expect(s.body.system.complete).toBe(2 * METERS);
    expect(s.body.rows.map((r) => [r.group, r.complete])).toEqual([[T1, METERS], [T2, METERS], ['1101-00003', 0]]);
    const runs = await call<{ runs: { id: number }[] }>('GET', '/collect/runs', 'engineer');
    expect(runs.body.runs.map((r) => r.id)).toContain(run.body.id);
  });

  it('bad input: 400 naming the field; unknown terminal or run 404', async () => {
    const cases: [unknown, string][] = [
      [{ task: 'weekly' }, 'task'],
      [{ task: 'daily', date: '2024-02-30' }, 'date'],
      [{ task: 'daily', from: '2024-05-01' }, 'to'],
      [{ task: 'daily', terminal: 'T1' }, 'terminal'],
      [{ task: 'clock', date: today }, 'date'],
    ];
    for (const [body, field] of cases) {
      const r = await call<ErrorBody>('POST', '/collect/run', 'engineer', body);
      expect({ body, status: r.status, field: r.body.details.field }).toEqual({ body, status: 400, field: expect.stringContaining(field) });
    }
    expect((await call<ErrorBody>('GET', '/collect/status', 'engineer')).body.details).toMatchObject({ field: 'date', in: 'query' });
    expect((await call<ErrorBody>('GET', `/collect/status?date=${today}&by=street`, 'engineer')).body.details.field).toBe('by');
    expect((await call<ErrorBody>('POST', '/collect/run', 'engineer', { task: 'daily', terminal: '1101-00077' })).status).toBe(404);
    expect((await call<ErrorBody>('GET', '/collect/runs/99999', 'engineer')).status).toBe(404);
  });

  it('the OpenAPI document lists the control, prepayment and collection routes, secured', async () => {
    const r = await fetch(`${url}/openapi.json`);
    const doc = (await r.json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    for (const p of ['/api/v1/control/requests', '/api/v1/control/requests/{id}/approve', '/api/v1/schemes/{name}/run', '/api/v1/prepay/{account}/topup', '/api/v1/prepay/{account}', '/api/v1/control/audit/verify', '/api/v1/collect/status', '/api/v1/collect/run', '/api/v1/collect/runs/{id}']) {
      expect(Object.keys(doc.paths)).toContain(p);
      for (const op of Object.values(doc.paths[p]!)) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '401', '403']));
    }
  });
});
