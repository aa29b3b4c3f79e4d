/**
 * Prepayment from top-up to alarm to trip to top-up to close, with a simulated concentrator whose model
 * time moves with the head-end's (a shifted clock): the head-end reads the meter's energy (AFN0C F129),
 * charges it, raises the urge-fee alarm (1CH 2AH and a `prepay` alarm event for customer service), trips
 * at a negative balance (1CH 1AH, verified), and allows closing after a top-up (1CH 1BH). A keep-power
 * customer is never tripped: `trip-blocked` instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedTerminal } from '../../simulators/concentrator/terminal.js';
import type { TerminalSession } from '../../simulators/concentrator/session.js';
import type { HesEvents } from '../../src/bus.js';
import type { BalanceView } from '../../src/control/prepayment.js';
import type { RequestView } from '../../src/control/service.js';
import { startControlEnv, startTerminal, until, type ControlEnv } from '../helpers/control-env.js';

const OP = { operator: 'cashier' };
const A1 = '1101000010001';
const A2 = '1101000010002';
const SW3_RELAY_OPEN = 1 << 4;
const SW3_CMD_TRIP = 1 << 6;
const SW3_ALARM = 1 << 7;
const SW3_KEEP = 1 << 12;

let env: ControlEnv;
let device: SimulatedTerminal;
let session: TerminalSession;
const events: HesEvents['prepay'][] = [];

beforeAll(async () => {
  // Heartbeat supervision of a day: the test moves the clock by a day at once.
  env = await startControlEnv({ terminals: 1, meters: 4, config: (c) => ({ ...c, fep: { ...c.fep, heartbeatS: 86_400 } }) });
  env.bus.subscribe('prepay', (e) => events.push(e));
  ({ device, session } = startTerminal(env, 1, 4));
  await until('terminal online', () => env.he.fep.isOnline('1101-00001') || undefined);
}, 60_000);

afterAll(async () => {
  await session?.stop();
  await env?.close();
});

describe('prepayment cycle', () => {
  it('top-up opens the account; a balance under the alarm threshold raises the urge-fee alarm', async () => {
    const r = await env.api<BalanceView>('POST', `/v1/prepay/${A1}/topup`, { amount: 1, ref: 'IC-0001', price: 100, alarm: 1000 }, OP);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ account: A1, balanceYuan: 1, state: 'alarm', priceYuanPerKwh: 100, alarmYuan: 1000 });
    expect(r.body.history[0]).toMatchObject({ kind: 'topup', amountYuan: 1, ref: 'IC-0001', actor: 'cashier' });
    expect(events).toContainEqual(expect.objectContaining({ account: A1, kind: 'topup' }));
    expect(events).toContainEqual(expect.objectContaining({ account: A1, kind: 'alarm', balanceYuan: 1 }));
    expect(device.controls.meterStatus3(1) & SW3_ALARM).toBe(SW3_ALARM);
  });

  it('usage charged from the meter reading; a negative balance trips the meter (verified)', async () => {
    const base = await env.api<BalanceView>('POST', `/v1/prepay/${A1}/settle`, {}, OP);
    expect(base.body.lastKwh).toBeGreaterThan(0);
    expect(base.body.balanceYuan).toBe(1);
    env.clock.offsetMs += 86_400_000;
    const s = await env.api<BalanceView>('POST', `/v1/prepay/${A1}/settle`, {}, OP);
    expect(s.status).toBe(200);
    const used = s.body.lastKwh! - base.body.lastKwh!;
    expect(used).toBeGreaterThan(0);
    expect(s.body.balanceYuan).toBeCloseTo(1 - used * 100, 2);
    expect(s.body.history[0]).toMatchObject({ kind: 'usage', actor: 'system' });
    expect(s.body.state).toBe('tripped');
    expect(events).toContainEqual(expect.objectContaining({ account: A1, kind: 'trip' }));
    expect(device.controls.meterStatus3(1) & SW3_RELAY_OPEN).toBe(SW3_RELAY_OPEN);
    expect(device.controls.relayOpen(1)).toBe(true);
    expect(device.controls.relayOpen(2)).toBe(false);
    // The trip went through the control service: a verified, audited request of kind prepay.
    const reqs = await env.api<RequestView[]>('GET', '/v1/control/requests');
    expect(reqs.body.find((r) => r.kind === 'prepay' && r.action.kind === 'trip')).toMatchObject({ state: 'done', createdBy: 'system', byOutcome: { 'confirmed-verified': 1 } });
  });

  it('a top-up above zero allows closing and releases the alarm', async () => {
    const r = await env.api<BalanceView>('POST', `/v1/prepay/${A1}/topup`, { amount: 100_000, ref: 'BANK-77' }, OP);
    expect(r.body.state).toBe('normal');
    expect(events).toContainEqual(expect.objectContaining({ account: A1, kind: 'close' }));
    const sw3 = device.controls.meterStatus3(1);
    expect(sw3 & SW3_CMD_TRIP).toBe(0); // close allowed: the customer may close the relay
    expect(sw3 & SW3_ALARM).toBe(0);
    const b = await env.api<BalanceView>('GET', `/v1/prepay/${A1}`);
    expect(b.body.history.map((h) => h.kind)).toEqual(['topup', 'usage', 'topup']);
  });

  it('a keep-power customer is never tripped for a negative balance', async () => {
    const k = await env.api<RequestView>('POST', '/v1/control/requests', { action: 'keep-power', accounts: [A2], reason: 'dialysis at home' }, OP);
    await until('keep-power done', async () => ((await env.api<RequestView>('GET', `/v1/control/requests/${k.body.id}`)).body.state === 'done' ? true : undefined));
    expect(device.controls.meterStatus3(2) & SW3_KEEP).toBe(SW3_KEEP);
    await env.api('POST', `/v1/prepay/${A2}/topup`, { amount: 1, price: 100, alarm: 0.5 }, OP);
    await env.api('POST', `/v1/prepay/${A2}/settle`, {}, OP);
    env.clock.offsetMs += 86_400_000;
    const s = await env.api<BalanceView>('POST', `/v1/prepay/${A2}/settle`, {}, OP);
    expect(s.body.balanceYuan).toBeLessThan(0);
    expect(s.body.state).toBe('trip-blocked');
    expect(events).toContainEqual(expect.objectContaining({ account: A2, kind: 'trip-blocked' }));
    expect(device.controls.relayOpen(2)).toBe(false);
  });

  it('money movements are in the audit chain', async () => {
    const list = await env.api<{ kind: string; ref: string; data: { event: string } }[]>('GET', `/v1/audit?kind=prepay&ref=${A1}`);
    expect(list.body.map((r) => r.data.event)).toEqual(['topup', 'alarm', 'topup']);
  });
});
