/**
 * DL/T 645 1CH control of a meter on a direct bus (archive `meter_links`): the head-end sends the trip
 * on its own serial line — a socat pty pair with the DL/T 645 meter simulator on the other end — not
 * through the meter's concentrator, which is not even online here. Two-person approval, verification by
 * status word 3 (04000503, relay bits) and the audit of every frame are the same as through AFN10.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../../drivers/pty-pair.js';
import { meterAddress } from '../../simulators/concentrator/params.js';
import { runMeterSimulator, type MeterSimulatorHandle } from '../../simulators/meter/index.js';
import type { RequestDetail, RequestView } from '../../src/control/service.js';
import { startControlEnv, until, type ControlEnv } from '../helpers/control-env.js';
import { requireSocat } from '../helpers/system.js';

const A2 = '1101000010002';
const METER = meterAddress({ a1: '1101', a2: 1 }, 2);
const ALICE = { operator: 'alice' };
const BOB = { operator: 'bob' };
const ADMIN = { operator: 'carol', role: 'admin' };

let env: ControlEnv;
let pty: PtyPair;
let sim: MeterSimulatorHandle;

beforeAll(async () => {
  requireSocat();
  env = await startControlEnv({ terminals: 1, meters: 2 });
  pty = await openPtyPair();
  // The simulator checks the 1CH validity deadline against the same clock as the head-end.
  sim = await runMeterSimulator({ addresses: [METER], serial: { path: pty.b }, seed: 1, tdMs: 20, now: () => env.clock.now(), meterOptions: { [METER]: { checkControlDeadline: true } } });
}, 60_000);

afterAll(async () => {
  await env?.close();
  await sim?.close();
  await pty?.close();
});

/** Creates a request as alice, approves it as bob, waits for its end. */
async function approved(body: Record<string, unknown>): Promise<RequestDetail> {
  const c = await env.api<RequestView>('POST', '/v1/control/requests', { ...body, accounts: [A2] }, ALICE);
  expect(c.status).toBe(200);
  expect(c.body.state).toBe('pending');
  const a = await env.api<RequestView>('POST', `/v1/control/requests/${c.body.id}/approve`, { hash: c.body.hash }, BOB);
  expect(a.status).toBe(200);
  return until('request done', async () => {
    const d = (await env.api<RequestDetail>('GET', `/v1/control/requests/${c.body.id}`)).body;
    return d.state === 'done' ? d : undefined;
  });
}

describe('direct meter channel', () => {
  it('a direct link is set by an admin only, and listed', async () => {
    expect((await env.api('POST', `/v1/control/meter-links/${METER}`, { serial: pty.a }, ALICE)).status).toBe(403);
    expect((await env.api('POST', `/v1/control/meter-links/${METER}`, { tcp: 'not-an-endpoint' }, ADMIN)).status).toBe(400);
    const r = await env.api('POST', `/v1/control/meter-links/${METER}`, { serial: pty.a, settings: '2400,8E1' }, ADMIN);
    expect(r.status).toBe(200);
    expect((await env.api<unknown[]>('GET', '/v1/control/meter-links')).body).toEqual([{ meter: METER, kind: 'serial', endpoint: pty.a, settings: '2400,8E1' }]);
  });

  it('trip goes on the serial line (concentrator offline) and is verified by status word 3', async () => {
    expect(env.he.fep.isOnline('1101-00001')).toBe(false);
    const d = await approved({ action: 'trip', reason: 'direct bus test' });
    expect(d.results.run).toEqual([expect.objectContaining({ target: A2, outcome: 'confirmed-verified', evidence: ['SW3'] })]);
    expect(sim.meters[0]!.relayOpen).toBe(true);
    // Every DL/T 645 frame of the exchange is in the audit chain: the 1CH command and the 04000503 read.
    const frames = await env.api<{ kind: string; data: { hex: string } }[]>('GET', `/v1/audit?ref=R${d.id}`);
    const out = frames.body.filter((f) => f.kind === 'frame-out').map((f) => f.data.hex.replace(/\s/g, ''));
    expect(out.some((h) => /^68[0-9A-F]{12}681C/i.test(h))).toBe(true);
    expect(out.some((h) => /^68[0-9A-F]{12}6811/i.test(h))).toBe(true);
    expect(frames.body.some((f) => f.kind === 'frame-in')).toBe(true);
  });

  it('close (direct) closes the relay again, verified', async () => {
    const d = await approved({ action: 'close', direct: true });
    expect(d.results.run).toEqual([expect.objectContaining({ target: A2, outcome: 'confirmed-verified' })]);
    expect(sim.meters[0]!.relayOpen).toBe(false);
  });

  it('without the link the meter is reached through its concentrator again (offline here)', async () => {
    expect((await env.api('POST', `/v1/control/meter-links/${METER}`, { remove: true }, ADMIN)).body).toEqual({ meter: METER, removed: true });
    const d = await approved({ action: 'trip' });
    expect(d.results.run).toEqual([expect.objectContaining({ target: A2, outcome: 'offline' })]);
    expect(sim.meters[0]!.relayOpen).toBe(false);
    expect((await env.api<{ ok: boolean }>('GET', '/v1/audit/verify')).body.ok).toBe(true);
  });
});
