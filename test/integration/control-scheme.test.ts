/**
 * 有序用电 schemes through the admin API over a fleet of 1 000 simulated concentrators (real TCP, Tp
 * checked): staged → approved by a second operator → run with bounded concurrency → final report per
 * terminal with injected failures (denials, powered-off terminals, offline ones) → restored. Keep-power
 * customers: their terminal is skipped and listed by a scheme; a single trip of one needs the admin role
 * and a reason. A changed target list needs a new approval; a request row edited after approval is
 * refused before anything is sent.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedTerminal } from '../../simulators/concentrator/terminal.js';
import type { Fleet } from '../../simulators/fleet/fleet.js';
import { dbPath } from '../../src/archive/db.js';
import type { HesEvents } from '../../src/bus.js';
import type { RequestDetail, RequestView } from '../../src/control/service.js';
import { startControlEnv, startFleet, until, type ControlEnv } from '../helpers/control-env.js';

const N = 1000;
/** The fleet's substations (200 terminals each, simulators/fleet/archive-writer.ts). */
const SUBSTATIONS = Array.from({ length: N / 200 }, (_, i) => `SS1101-${String(i + 1).padStart(3, '0')}`);
const ALICE = { operator: 'alice' };
const BOB = { operator: 'bob' };
const ADMIN = { operator: 'root', role: 'admin' };
const key = (i: number): string => `1101-${String(i + 1).padStart(5, '0')}`;
const account = (i: number, pn: number): string => `1101${String(i + 1).padStart(5, '0')}${String(pn).padStart(4, '0')}`;
const DENY = [10, 11, 12, 13, 614];
const POWER_OFF = [20, 21, 22, 23, 824];
const OFFLINE = [30, 31, 32, 33, 34];
const PROTECTED = 40;

let env: ControlEnv;
let fleet: Fleet;
const progress: HesEvents['control'][] = [];
const device = (i: number): SimulatedTerminal => fleet.devices[i] as SimulatedTerminal;

async function settled(name: string, states: string[], ms = 90_000): Promise<RequestDetail> {
  return until(`scheme ${name} ${states.join('/')}`, async () => {
    const r = await env.api<RequestDetail>('GET', `/v1/schemes/${name}`);
    return states.includes(r.body.state) ? r.body : undefined;
  }, ms);
}

beforeAll(async () => {
  env = await startControlEnv({ terminals: N, meters: 2 });
  env.bus.subscribe('control', (e) => progress.push(e));
  fleet = await startFleet(env, N, 2);
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
  await env?.close();
});

describe('keep-power protection', () => {
  it('keep-power on an account protects the customer; a single trip of it needs admin and a reason', async () => {
    const acct = account(PROTECTED, 1);
    const k = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'keep-power', accounts: [acct], reason: 'hospital' }, ALICE);
    expect(k.status).toBe(200);
    await until('keep-power done', async () => ((await env.api<RequestView>('GET', `/v1/control/requests/${k.body.id}`)).body.state === 'done' ? true : undefined));
    const list = await env.api<{ account: string; reason: string }[]>('GET', '/v1/control/protected');
    expect(list.body).toEqual([expect.objectContaining({ account: acct, reason: 'hospital' })]);

    const op = await env.api<{ code: string }>('POST', '/v1/control/requests', { action: 'trip', accounts: [acct] }, ALICE);
    expect(op.status).toBe(403);
    const noReason = await env.api<{ details: { field: string } }>('POST', '/v1/control/requests', { action: 'trip', accounts: [acct] }, ADMIN);
    expect(noReason.status).toBe(400);
    expect(noReason.body.details.field).toBe('reason');
    const override = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'trip', terminals: [key(PROTECTED)], reason: 'fire on site' }, ADMIN);
    expect(override.body).toMatchObject({ override: true, state: 'pending' });
    // The second person of an override must be an admin too.
    expect((await env.api('POST', `/v1/control/requests/${override.body.id}/approve`, {}, BOB)).status).toBe(403);
    await env.api('POST', `/v1/control/requests/${override.body.id}/cancel`, {}, ADMIN);
  });
});

describe('a scheme over 200 terminals', () => {
  it('staged → approved → run: every terminal reported; denials, timeouts, offline and the protected one listed', async () => {
    for (const i of DENY) device(i).faults.set({ denyAll: true });
    for (const i of POWER_OFF) device(i).faults.set({ powerOff: true });
    await Promise.all(OFFLINE.map((i) => fleet.sessions[i]!.stop()));
    await until('offline terminals seen offline', () => OFFLINE.every((i) => !env.he.fep.isOnline(key(i))) || undefined);

    const c = await env.api<RequestView>('POST', '/v1/schemes', { name: 'peak-cut', action: 'trip', substations: SUBSTATIONS, reason: 'evening peak' }, ALICE);
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ scheme: 'peak-cut', state: 'staged', targets: N });
    expect(c.body.protected).toEqual([{ target: key(PROTECTED), customers: [{ account: account(PROTECTED, 1), reason: 'hospital' }] }]);
    expect((await env.api('POST', '/v1/schemes/peak-cut/run', {}, ALICE)).status).toBe(409); // not approved
    expect((await env.api('POST', '/v1/schemes/peak-cut/approve', {}, ALICE)).status).toBe(403); // same operator
    const a = await env.api<RequestView>('POST', '/v1/schemes/peak-cut/approve', { hash: c.body.hash }, BOB);
    expect(a.body.state).toBe('approved');
    expect(device(0).controls.trippedRounds()).toEqual([]); // nothing sent before run

    const run = await env.api<RequestView>('POST', '/v1/schemes/peak-cut/run', {}, ALICE);
    expect(run.body.state).toBe('executing');
    const d = await settled('peak-cut', ['done']);
    const byTarget = new Map(d.results.run!.map((r) => [r.target, r]));
    expect(byTarget.size).toBe(N);
    for (const i of DENY) expect(byTarget.get(key(i))!.outcome).toBe('denied');
    for (const i of POWER_OFF) expect(byTarget.get(key(i))!.outcome).toBe('timeout');
    for (const i of OFFLINE) expect(byTarget.get(key(i))!.outcome).toBe('offline');
    expect(byTarget.get(key(PROTECTED))).toMatchObject({ outcome: 'skipped-protected', customers: [{ account: account(PROTECTED, 1), reason: 'hospital' }] });
    const ok = N - DENY.length - POWER_OFF.length - OFFLINE.length - 1;
    expect(d.byOutcome).toEqual({ 'confirmed-verified': ok, denied: 5, timeout: 5, offline: 5, 'skipped-protected': 1 });
    expect(d.progress).toMatchObject({ total: N, skipped: 1, verified: ok, failed: 15, done: N, sent: N - 1 - OFFLINE.length });
    // The terminals' outputs: open where verified, closed where denied, never on the protected one.
    expect(device(0).controls.trippedRounds()).toEqual([1]);
    expect(device(DENY[0]!).controls.trippedRounds()).toEqual([]);
    expect(device(PROTECTED).controls.trippedRounds()).toEqual([]);
    // Live progress was published while it ran.
    expect(progress.some((p) => p.scheme === 'peak-cut' && p.state === 'executing' && p.progress !== undefined && p.progress.done < N)).toBe(true);
  }, 120_000);

  it('restore closes every terminal the scheme may have acted on', async () => {
    for (const i of POWER_OFF) device(i).faults.set({ powerOff: false });
    const r = await env.api<RequestView>('POST', '/v1/schemes/peak-cut/restore', {}, BOB);
    expect(r.body.state).toBe('restoring');
    const d = await settled('peak-cut', ['restored']);
    const restore = d.results.restore!;
    expect(restore.length).toBe(N - DENY.length - OFFLINE.length - 1);
    expect(restore.every((x) => x.outcome === 'confirmed-verified')).toBe(true);
    expect(device(0).controls.trippedRounds()).toEqual([]);
    for (const i of DENY) device(i).faults.set({ denyAll: false });
  }, 120_000);
});

describe('binding approvals to targets', () => {
  it('a changed target list needs a new approval', async () => {
    const c = await env.api<RequestView>('POST', '/v1/schemes', { name: 'limit-l01', action: 'power-control', control: 'period', on: true, group: 1, periods: [1, 2], lines: ['SS1101-001-L01'] }, ALICE);
    expect(c.body.targets).toBe(20);
    await env.api('POST', '/v1/schemes/limit-l01/approve', { hash: c.body.hash }, BOB);
    const u = await env.api<RequestView>('POST', '/v1/schemes/limit-l01/update', { lines: ['SS1101-001-L01', 'SS1101-001-L02'] }, ALICE);
    expect(u.body).toMatchObject({ state: 'staged', targets: 40 });
    expect(u.body.hash).not.toBe(c.body.hash);
    expect(u.body.approvedBy).toBeUndefined();
    expect((await env.api('POST', '/v1/schemes/limit-l01/run', {}, ALICE)).status).toBe(409);
    const stale = await env.api<{ details: { reason: string } }>('POST', '/v1/schemes/limit-l01/approve', { hash: c.body.hash }, BOB);
    expect(stale.status).toBe(409);
    expect(stale.body.details.reason).toBe('hash-mismatch');
    expect((await env.api<RequestView>('POST', '/v1/schemes/limit-l01/approve', { hash: u.body.hash }, BOB)).body.state).toBe('approved');
    await env.api('POST', '/v1/schemes/limit-l01/run', {}, ALICE);
    const d = await settled('limit-l01', ['done']);
    // L02 holds the five terminals stopped above: offline, not sent.
    expect(d.byOutcome).toEqual({ 'confirmed-verified': 35, offline: 5 });
    expect(device(0).controls.settings(Date.now(), () => undefined)).toMatchObject({ groups: [1], states: [{ powerControl: { period: true }, periods: [1, 2] }] });
    await env.api('POST', '/v1/schemes/limit-l01/restore', {}, ALICE);
    const r = await settled('limit-l01', ['restored']);
    expect(r.results.restore!).toHaveLength(35);
    expect(r.results.restore!.every((x) => x.outcome === 'confirmed-verified')).toBe(true);
    expect(device(0).controls.settings(Date.now(), () => undefined)).toMatchObject({ states: [{ powerControl: { period: false } }] });
  }, 60_000);

  it('a scheme with an end time is restored automatically by the head-end', async () => {
    const until = new Date(env.clock.now() + 4000).toISOString();
    await env.api('POST', '/v1/schemes', { name: 'timed', action: 'trip', rounds: [3], lines: ['SS1101-001-L05'], until }, ALICE);
    await env.api('POST', '/v1/schemes/timed/approve', {}, BOB);
    await env.api('POST', '/v1/schemes/timed/run', {}, ALICE);
    const done = await settled('timed', ['done', 'restoring', 'restored']);
    expect(done.results.run!.every((r) => r.outcome === 'confirmed-verified')).toBe(true);
    const r = await settled('timed', ['restored'], 30_000);
    expect(r.results.restore).toHaveLength(20);
    expect(device(80).controls.trippedRounds()).toEqual([]);
    const audit = await env.api<{ kind: string; actor: string }[]>('GET', `/v1/audit?ref=R${r.id}&kind=execute`);
    expect(audit.body.map((x) => x.actor)).toEqual(['alice', 'system']);
  }, 60_000);

  it('targets edited in the database after approval: refused, nothing sent', async () => {
    const c = await env.api<RequestView>('POST', '/v1/schemes', { name: 'tampered', action: 'trip', lines: ['SS1101-001-L03'] }, ALICE);
    await env.api('POST', '/v1/schemes/tampered/approve', {}, BOB);
    const db = new Database(dbPath(env.dataDir));
    try {
      // Someone swaps the approved line's terminals for other ones.
      const other = JSON.stringify([{ key: key(0), level: 'terminal', terminal: key(0) }]);
      db.prepare('UPDATE control_requests SET targets = ? WHERE id = ?').run(other, c.body.id);
    } finally {
      db.close();
    }
    const run = await env.api<{ details: { reason: string } }>('POST', '/v1/schemes/tampered/run', {}, ALICE);
    expect(run.status).toBe(409);
    expect(run.body.details.reason).toBe('integrity');
    expect(device(0).controls.trippedRounds()).toEqual([]);
  });
});
