/**
 * A period power-control (时段功控) scheme carrying its AFN04 F41 limits over a few simulated terminals
 * (real TCP, Tp checked): run sends F41 then AFN05 F9 to each terminal's group, both read back (AFN0A F41,
 * AFN0C F5); the protected customer's terminal is skipped and listed; restore sends F17 and reads back
 * off. The approval binds the limits: a changed limit needs a new approval. A limit A.2 cannot carry is
 * refused, field named, nothing staged or sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedTerminal } from '../../simulators/concentrator/terminal.js';
import type { Fleet } from '../../simulators/fleet/fleet.js';
import type { RequestDetail, RequestView } from '../../src/control/service.js';
import { startControlEnv, startFleet, until, type ControlEnv } from '../helpers/control-env.js';

const N = 4;
const ALICE = { operator: 'alice' };
const BOB = { operator: 'bob' };
const key = (i: number): string => `1101-${String(i + 1).padStart(5, '0')}`;
const account = (i: number, pn: number): string => `1101${String(i + 1).padStart(5, '0')}${String(pn).padStart(4, '0')}`;
const PROTECTED = 3;
const TERMINALS = Array.from({ length: N }, (_, i) => key(i));
const LIMITS = { schemes: [1], values: [{ periods: [1, 2], setpoints: [120, 85.5] }] };

let env: ControlEnv;
let fleet: Fleet;
const device = (i: number): SimulatedTerminal => fleet.devices[i] as SimulatedTerminal;
const f41 = (i: number): unknown => device(i).params.get(41, 2);
const periodOn = (i: number): unknown => (device(i).controls.settings(Date.now(), () => undefined) as { states: { powerControl: { period: boolean } }[] }).states[0]?.powerControl.period;

async function settled(name: string, state: string): Promise<RequestDetail> {
  return until(`scheme ${name} ${state}`, async () => {
    const r = await env.api<RequestDetail>('GET', `/v1/schemes/${name}`);
    return r.body.state === state ? r.body : undefined;
  }, 60_000);
}

beforeAll(async () => {
  env = await startControlEnv({ terminals: N, meters: 2 });
  fleet = await startFleet(env, N, 2);
  const k = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'keep-power', accounts: [account(PROTECTED, 1)], reason: 'hospital' }, ALICE);
  await env.api('POST', `/v1/control/requests/${k.body.id}/approve`, {}, BOB);
  await until('keep-power done', async () => ((await env.api<RequestView>('GET', `/v1/control/requests/${k.body.id}`)).body.state === 'done' ? true : undefined));
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  await env?.close();
});

describe('a period power-control scheme with AFN04 F41 limits', () => {
  it('a limit A.2 cannot carry is refused with the field named; nothing is staged or sent', async () => {
    const bad = { schemes: [1], values: [{ periods: [1, 2], setpoints: [120, 1234] }] };
    const r = await env.api<{ details: { field: string } }>('POST', '/v1/schemes', { name: 'bad-limit', action: 'power-control', control: 'period', group: 2, periods: [1, 2], limits: bad, terminals: TERMINALS }, ALICE);
    expect(r.status).toBe(400);
    expect(r.body.details.field).toBe('limits.values[0].setpoints[1]');
    // An F9 period without a setpoint in F41 is refused too.
    const gap = await env.api<{ details: { field: string } }>('POST', '/v1/schemes', { name: 'bad-limit', action: 'power-control', control: 'period', group: 2, periods: [1, 3], limits: LIMITS, terminals: TERMINALS }, ALICE);
    expect(gap.status).toBe(400);
    expect(gap.body.details.field).toBe('limits.values[0].periods');
    expect((await env.api('GET', '/v1/schemes/bad-limit')).status).toBe(404);
    for (let i = 0; i < N; i++) expect(f41(i)).toBeUndefined();
  });

  it('a changed limit after approval needs a new approval', async () => {
    const c = await env.api<RequestView>('POST', '/v1/schemes', { name: 'evening', action: 'power-control', control: 'period', group: 2, periods: [1, 2], limits: LIMITS, terminals: TERMINALS }, ALICE);
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ state: 'staged', targets: N });
    expect(c.body.protected).toEqual([{ target: key(PROTECTED), customers: [{ account: account(PROTECTED, 1), reason: 'hospital' }] }]);
    expect((await env.api<RequestView>('POST', '/v1/schemes/evening/approve', { hash: c.body.hash }, BOB)).body.state).toBe('approved');

    const badUpdate = await env.api<{ details: { field: string } }>('POST', '/v1/schemes/evening/update', { limits: { schemes: [1], values: [{ periods: [1, 2], setpoints: [-1, 80] }] } }, ALICE);
    expect(badUpdate.status).toBe(400);
    expect(badUpdate.body.details.field).toBe('limits.values[0].setpoints[0]');
    expect((await env.api<RequestView>('GET', '/v1/schemes/evening')).body.state).toBe('approved'); // untouched

    LIMITS.values[0]!.setpoints = [110, 85.5];
    const u = await env.api<RequestView>('POST', '/v1/schemes/evening/update', { limits: LIMITS }, ALICE);
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ state: 'staged', targets: N });
    expect(u.body.hash).not.toBe(c.body.hash);
    expect(u.body.approvedBy).toBeUndefined();
    expect((await env.api('POST', '/v1/schemes/evening/run', {}, ALICE)).status).toBe(409);
    const stale = await env.api<{ details: { reason: string } }>('POST', '/v1/schemes/evening/approve', { hash: c.body.hash }, BOB);
    expect(stale.status).toBe(409);
    expect(stale.body.details.reason).toBe('hash-mismatch');
    for (let i = 0; i < N; i++) expect(f41(i)).toBeUndefined(); // nothing sent yet
    expect((await env.api<RequestView>('POST', '/v1/schemes/evening/approve', { hash: u.body.hash }, BOB)).body.state).toBe('approved');
  });

  it('run sends F41 then F9 (both read back); restore switches period control off', async () => {
    expect((await env.api<RequestView>('POST', '/v1/schemes/evening/run', {}, ALICE)).body.state).toBe('executing');
    const d = await settled('evening', 'done');
    expect(d.byOutcome).toEqual({ 'confirmed-verified': N - 1, 'skipped-protected': 1 });
    expect(d.progress).toMatchObject({ total: N, sent: N - 1, verified: N - 1, skipped: 1 });
    for (let i = 0; i < N - 1; i++) {
      expect(f41(i)).toEqual({ schemes: [1], values: [{ periods: [1, 2], setpoints: [110, 85.5] }] });
      expect(periodOn(i)).toBe(true);
    }
    expect(f41(PROTECTED)).toBeUndefined();
    expect(periodOn(PROTECTED)).not.toBe(true);

    await env.api('POST', '/v1/schemes/evening/restore', {}, BOB);
    const r = await settled('evening', 'restored');
    expect(r.results.restore!).toHaveLength(N - 1);
    expect(r.results.restore!.every((x) => x.outcome === 'confirmed-verified')).toBe(true);
    for (let i = 0; i < N - 1; i++) expect(periodOn(i)).toBe(false);
  }, 60_000);
});
