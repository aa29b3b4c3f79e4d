/**
 * Load control through the admin API of a real HeadEnd (archive database, FEP on TCP) with simulated
 * concentrators of a Fleet that check PW and Tp: trip → the terminal's output opens, ERC5 reaches the bus,
 * the outcome is verified by read-back; close after approval; the two-person rule (same operator,
 * viewer, expiry, a reviewed hash that no longer matches); a customer's meter tripped with 1CH through
 * its concentrator; parameters refused before sending; the audit chain (frames with PW and Tp, tamper
 * detection); Tp: a stale frame is discarded, a replayed frame is not executed again.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage } from '../../protocols/gw376/index.js';
import type { SimulatedTerminal } from '../../simulators/concentrator/terminal.js';
import type { Fleet } from '../../simulators/fleet/fleet.js';
import { dbPath } from '../../src/archive/db.js';
import type { HesEvents } from '../../src/bus.js';
import type { AuditRecord, AuditVerifyResult } from '../../src/control/audit-chain.js';
import type { RequestDetail, RequestView } from '../../src/control/service.js';
import { startControlEnv, startFleet, until, type ControlEnv } from '../helpers/control-env.js';

const ALICE = { operator: 'alice' };
const BOB = { operator: 'bob' };
const T1 = '1101-00001';
const T2 = '1101-00002';

let env: ControlEnv;
let fleet: Fleet;
const events: HesEvents['event'][] = [];

const device = (i: number): SimulatedTerminal => fleet.devices[i] as SimulatedTerminal;

async function done(id: number): Promise<RequestDetail> {
  return until(`request ${id} done`, async () => {
    const r = await env.api<RequestDetail>('GET', `/v1/control/requests/${id}`);
    return r.body.state === 'done' ? r.body : undefined;
  });
}

beforeAll(async () => {
  // Heartbeat supervision of a day: the expiry test moves the clock by an hour.
  env = await startControlEnv({ terminals: 4, meters: 4, config: (c) => ({ ...c, fep: { ...c.fep, heartbeatS: 86_400 } }) });
  env.bus.subscribe('event', (e) => events.push(e));
  fleet = await startFleet(env, 4, 4);
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  await env?.close();
});

describe('remote control with verification', () => {
  let tripId = 0;

  it('trip needs a second operator; after approval the relay opens, ERC5 arrives, the outcome is verified', async () => {
    const created = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'trip', terminals: [T1], reason: 'test' }, ALICE);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ state: 'pending', needsApproval: true, targets: 1, createdBy: 'alice' });
    expect(device(0).controls.trippedRounds()).toEqual([]);
    tripId = created.body.id;

    const erc5 = until('ERC5 of T1', () => events.find((e) => e.terminal === T1 && e.records.some((r) => r.erc === 5)));
    const approved = await env.api<RequestView>('POST', `/v1/control/requests/${tripId}/approve`, { hash: created.body.hash }, BOB);
    expect(approved.status).toBe(200);
    expect(approved.body.approvedBy).toBe('bob');
    const d = await done(tripId);
    expect(d.results.run).toEqual([expect.objectContaining({ target: T1, outcome: 'confirmed-verified', evidence: expect.arrayContaining(['AFN0C F6']) })]);
    expect(d.progress).toMatchObject({ total: 1, sent: 1, confirmed: 1, verified: 1, failed: 0 });
    expect(device(0).controls.trippedRounds()).toEqual([1]);
    expect(device(0).controls.relayOpen(1)).toBe(true);
    const ev = await erc5;
    expect(ev.records.find((r) => r.erc === 5)!.data).toMatchObject({ rounds: [1] });
    // The ERC5 is audited against the request.
    await until('ERC5 audited', async () => ((await env.api<AuditRecord[]>('GET', `/v1/audit?ref=R${tripId}&kind=erc`)).body.length ? true : undefined));
  });

  it('every control frame carries PW and Tp, and is in the audit chain with its answer', async () => {
    const frames = (await env.api<AuditRecord[]>('GET', `/v1/audit?ref=R${tripId}`)).body;
    const kinds = frames.map((r) => r.kind);
    expect(kinds.slice(0, 3)).toEqual(['request', 'approval', 'execute']);
    expect(kinds).toContain('outcome');
    expect(kinds.at(-1)).toBe('summary');
    const out = frames.filter((r) => r.kind === 'frame-out').map((r) => decodeMessage(Buffer.from((r.data as { hex: string }).hex.replace(/\s/g, ''), 'hex')));
    const control = out.find((m) => m.afn === 0x05)!;
    expect(control.pw).toBeDefined();
    expect(control.tp).toMatchObject({ delayMinutes: 5 });
    expect(control.units[0]).toMatchObject({ pn: 1, fn: 1 });
    expect(out.some((m) => m.afn === 0x0c)).toBe(true); // the F6 read-back
    const answers = frames.filter((r) => r.kind === 'frame-in').map((r) => decodeMessage(Buffer.from((r.data as { hex: string }).hex.replace(/\s/g, ''), 'hex')));
    expect(answers[0]).toMatchObject({ afn: 0x00, dir: 'up' });
  });

  it('close after approval: the output closes again, verified', async () => {
    const c = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'close', terminals: [T1] }, BOB);
    expect(c.body.state).toBe('pending');
    await env.api('POST', `/v1/control/requests/${c.body.id}/approve`, {}, ALICE);
    const d = await done(c.body.id);
    expect(d.results.run![0]).toMatchObject({ outcome: 'confirmed-verified' });
    expect(device(0).controls.trippedRounds()).toEqual([]);
  });

  it("a customer's meter is tripped with 1CH through its concentrator and verified by status word 3", async () => {
    const account = '1101000020003';
    const c = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'trip', accounts: [account] }, ALICE);
    await env.api('POST', `/v1/control/requests/${c.body.id}/approve`, {}, BOB);
    const d = await done(c.body.id);
    expect(d.results.run![0]).toMatchObject({ target: account, outcome: 'confirmed-verified', evidence: ['SW3'] });
    expect(device(1).controls.relayOpen(3)).toBe(true);
    expect(device(1).controls.relayOpen(2)).toBe(false);
    const frames = (await env.api<AuditRecord[]>('GET', `/v1/audit?ref=R${c.body.id}&kind=frame-out`)).body;
    const fwd = decodeMessage(Buffer.from((frames[0]!.data as { hex: string }).hex.replace(/\s/g, ''), 'hex'));
    expect(fwd.afn).toBe(0x10);
    expect(fwd.tp).toBeDefined();
    // Close allowed (1BH): the relay stays open until the customer presses the button, the trip command bit clears.
    const cl = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'close', accounts: [account] }, ALICE);
    await env.api('POST', `/v1/control/requests/${cl.body.id}/approve`, {}, BOB);
    expect((await done(cl.body.id)).results.run![0]).toMatchObject({ outcome: 'confirmed-verified' });
  });

  it('keep-power (保电) needs no second operator; a terminal under keep-power denies a trip', async () => {
    const k = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'keep-power', terminals: [T2] }, ALICE);
    expect(k.body.needsApproval).toBe(false);
    expect((await done(k.body.id)).results.run![0]).toMatchObject({ outcome: 'confirmed-verified', evidence: ['AFN0C F5'] });
    const t = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'trip', terminals: [T2] }, ALICE);
    await env.api('POST', `/v1/control/requests/${t.body.id}/approve`, {}, BOB);
    expect((await done(t.body.id)).results.run![0]).toMatchObject({ outcome: 'denied' });
    expect(device(1).controls.trippedRounds()).toEqual([]);
    const r = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'release', terminals: [T2] }, ALICE);
    await env.api('POST', `/v1/control/requests/${r.body.id}/approve`, {}, BOB);
    expect((await done(r.body.id)).results.run![0]).toMatchObject({ outcome: 'confirmed-verified' });
  });
});

describe('two-person rule', () => {
  it('the creator cannot approve; a viewer cannot approve; no operator → 401', async () => {
    const c = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'trip', terminals: [T1] }, ALICE);
    const self = await env.api<{ code: string; message: string }>('POST', `/v1/control/requests/${c.body.id}/approve`, {}, ALICE);
    expect(self.status).toBe(403);
    expect(self.body.message).toMatch(/two-person rule/);
    const viewer = await env.api('POST', `/v1/control/requests/${c.body.id}/approve`, {}, { operator: 'carol', role: 'viewer' });
    expect(viewer.status).toBe(403);
    const anon = await env.api('POST', `/v1/control/requests/${c.body.id}/approve`, {});
    expect(anon.status).toBe(401);
    const rej = await env.api<RequestView>('POST', `/v1/control/requests/${c.body.id}/reject`, { reason: 'not today' }, BOB);
    expect(rej.body.state).toBe('rejected');
    expect(device(0).controls.trippedRounds()).toEqual([]);
  });

  it('a reviewed hash that does not match the request is refused', async () => {
    const c = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'trip', terminals: [T1] }, ALICE);
    const wrong = await env.api<{ code: string; details: { reason: string } }>('POST', `/v1/control/requests/${c.body.id}/approve`, { hash: 'f'.repeat(64) }, BOB);
    expect(wrong.status).toBe(409);
    expect(wrong.body.details.reason).toBe('hash-mismatch');
    await env.api('POST', `/v1/control/requests/${c.body.id}/cancel`, {}, ALICE);
  });

  it('an expired request cannot be approved', async () => {
    const c = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'trip', terminals: [T1] }, ALICE);
    env.clock.offsetMs += 3601_000;
    try {
      const late = await env.api<{ details: { reason: string } }>('POST', `/v1/control/requests/${c.body.id}/approve`, {}, BOB);
      expect(late.status).toBe(409);
      expect(late.body.details.reason).toBe('expired');
      expect((await env.api<RequestView>('GET', `/v1/control/requests/${c.body.id}`)).body.state).toBe('expired');
    } finally {
      env.clock.offsetMs -= 3601_000;
    }
  });

  it('parameters are checked against the standard before anything is sent', async () => {
    const bad = await env.api<{ details: { field: string } }>('POST', '/v1/control/requests', { action: 'trip', terminals: [T1], alarmMinutes: 16 }, ALICE);
    expect(bad.status).toBe(400);
    expect(bad.body.details.field).toBe('alarmMinutes');
    const a2 = await env.api<{ message: string }>('POST', '/v1/control/requests', { action: 'set-param', terminals: [T1], fn: 41, pn: 1, value: { schemes: [1], values: [{ periods: [1], setpoints: [1234] }] } }, ALICE);
    expect(a2.status).toBe(400);
    expect(a2.body.message).toMatch(/3 significant digits/);
    const unknown = await env.api('POST', '/v1/control/requests', { action: 'trip', terminals: ['1101-09999'] }, ALICE);
    expect(unknown.status).toBe(404);
  });

  it('a valid control parameter (AFN04 F46) is written after approval and verified by AFN0A read-back', async () => {
    const c = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'set-param', terminals: [T1], fn: 46, pn: 1, value: { setpoint: 5000 } }, ALICE);
    expect(c.body.state).toBe('pending');
    await env.api('POST', `/v1/control/requests/${c.body.id}/approve`, {}, BOB);
    expect((await done(c.body.id)).results.run![0]).toMatchObject({ outcome: 'confirmed-verified', evidence: ['AFN0A F46'] });
    expect(device(0).params.get(46, 1)).toEqual({ setpoint: 5000 });
  });
});

describe('time label (Tp) and replay', () => {
  it('a frame whose Tp is older than its allowed delay is discarded by the terminal: timeout, nothing tripped', async () => {
    env.clock.offsetMs = -10 * 60_000; // the head-end's clock 10 min behind the terminals: Tp 5 min → stale
    try {
      const c = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'trip', terminals: ['1101-00003'] }, ALICE);
      await env.api('POST', `/v1/control/requests/${c.body.id}/approve`, {}, BOB);
      const d = await until(`request ${c.body.id} done`, async () => {
        const r = await env.api<RequestDetail>('GET', `/v1/control/requests/${c.body.id}`);
        return r.body.state === 'done' ? r.body : undefined;
      });
      expect(d.results.run![0]).toMatchObject({ outcome: 'timeout' });
      expect(device(2).controls.trippedRounds()).toEqual([]);
    } finally {
      env.clock.offsetMs = 0;
    }
  });

  it('a replayed trip frame is not executed again, and not at all once its Tp expired', async () => {
    const key = '1101-00004';
    const c = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'trip', terminals: [key] }, ALICE);
    await env.api('POST', `/v1/control/requests/${c.body.id}/approve`, {}, BOB);
    await done(c.body.id);
    const d = device(3);
    expect(d.controls.trippedRounds()).toEqual([1]);
    const frames = (await env.api<AuditRecord[]>('GET', `/v1/audit?ref=R${c.body.id}&kind=frame-out`)).body;
    const tripHex = frames.map((r) => (r.data as { hex: string }).hex.replace(/\s/g, '')).find((h) => decodeMessage(Buffer.from(h, 'hex')).afn === 0x05)!;
    const cl = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'close', terminals: [key] }, ALICE);
    await env.api('POST', `/v1/control/requests/${cl.body.id}/approve`, {}, BOB);
    await done(cl.body.id);
    expect(d.controls.trippedRounds()).toEqual([]);
    // The captured trip frame sent again (a replay): the terminal repeats its answer but does not trip.
    const again = d.receive(Buffer.from(tripHex, 'hex'), Date.now());
    expect(again.length).toBe(1);
    expect(d.controls.trippedRounds()).toEqual([]);
    // Later than its Tp allows: discarded.
    expect(d.receive(Buffer.from(tripHex, 'hex'), Date.now() + 6 * 60_000)).toEqual([]);
    expect(d.controls.trippedRounds()).toEqual([]);
  });
});

describe('audit chain', () => {
  it('verifies intact, then names the first record edited in the database', async () => {
    const ok = await env.api<AuditVerifyResult>('GET', '/v1/audit/verify');
    expect(ok.body.ok).toBe(true);
    expect(ok.body.records).toBeGreaterThan(20);
    const db = new Database(dbPath(env.dataDir));
    try {
      db.exec('DROP TRIGGER audit_log_no_update');
      db.prepare("UPDATE audit_log SET data = replace(data, '\"targets\":1', '\"targets\":2') WHERE seq = 1").run();
    } finally {
      db.close();
    }
    const bad = await env.api<AuditVerifyResult>('GET', '/v1/audit/verify');
    expect(bad.body.ok).toBe(false);
    expect(bad.body.broken).toMatchObject({ seq: 1 });
    expect(bad.body.broken!.reason).toMatch(/edited/);
  });
});
