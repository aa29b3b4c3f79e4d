/**
 * Terminal-side prepayment (purchase control 购电控, Q/GDW 376.1-2009 AFN04 F47, AFN05 F16, AFN0C F23):
 * a top-up becomes a purchase record the simulated concentrator stores, purchase control is switched on
 * once, the terminal counts the remaining energy down as its model meter consumes, trips the group by
 * itself (ERC7, which makes the head-end settle at once), and a further top-up (an appended purchase)
 * closes it again. The simulator's model time moves with the head-end's clock (a shifted clock).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedTerminal } from '../../simulators/concentrator/terminal.js';
import type { TerminalSession } from '../../simulators/concentrator/session.js';
import type { HesEvents } from '../../src/bus.js';
import type { BalanceView } from '../../src/control/prepayment.js';
import type { RequestView } from '../../src/control/service.js';
import { startControlEnv, startTerminal, until, type ControlEnv } from '../helpers/control-env.js';

const OP = { operator: 'cashier' };
/** Meter Pn 1 of terminal 1101-00001: the simulator measures total-add group 1 on it. */
const A1 = '1101000010001';

let env: ControlEnv;
let device: SimulatedTerminal;
let session: TerminalSession;
const events: HesEvents['prepay'][] = [];
const ercs: number[] = [];

const purchaseOn = (): boolean => {
  const f5 = device.controls.settings(env.clock.now(), (f, p) => device.params.get(f, p)) as { groups: number[]; states: { energyControl: { purchase: boolean } }[] };
  const i = f5.groups.indexOf(1);
  return i >= 0 && f5.states[i]!.energyControl.purchase;
};

beforeAll(async () => {
  // Heartbeat supervision of a day: the test moves the clock by a day at once.
  env = await startControlEnv({ terminals: 1, meters: 2, config: (c) => ({ ...c, fep: { ...c.fep, heartbeatS: 86_400 } }) });
  env.bus.subscribe('prepay', (e) => events.push(e));
  env.bus.subscribe('event', (e) => ercs.push(...e.records.map((r) => r.erc)));
  ({ device, session } = startTerminal(env, 1, 2));
  await until('terminal online', () => env.he.fep.isOnline('1101-00001') || undefined);
}, 60_000);

afterAll(async () => {
  await session?.stop();
  await env?.close();
});

describe('terminal-side purchase control', () => {
  it('a top-up is sent as an F47 purchase record, then F16 switches purchase control on (both verified)', async () => {
    // 5 yuan at 1 yuan/kWh = 5 kWh; alarm at 2 yuan = 2 kWh; trip at prepay.tripKwh = 0.
    const r = await env.api<BalanceView>('POST', `/v1/prepay/${A1}/topup`, { amount: 5, ref: 'IC-1', price: 1, alarm: 2, mode: 'terminal', group: 1 }, OP);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ account: A1, mode: 'terminal', state: 'normal', terminal: { group: 1, orderNo: 1, purchaseControl: true, alarmKwh: 2, tripKwh: 0, unsentYuan: 0 } });
    expect(r.body.terminal!.remainingKwh).toBeGreaterThan(3); // 5 kWh less the little used meanwhile
    expect(device.params.get(47, 1)).toEqual({ orderNo: 1, mode: 0xaa, amount: 5, alarmThreshold: 2, tripThreshold: 0 });
    expect(purchaseOn()).toBe(true);
    // ERC19 (purchase record) is in the terminal's event log (normal events are not reported actively).
    expect([...device.events.list(true), ...device.events.list(false)].map((e) => e.erc)).toContain(19);
    const reqs = (await env.api<RequestView[]>('GET', '/v1/control/requests')).body.filter((q) => q.kind === 'prepay');
    expect(reqs.map((q) => q.action.kind).sort()).toEqual(['power-control', 'set-param']);
    for (const q of reqs) expect(q).toMatchObject({ state: 'done', createdBy: 'system', byOutcome: { 'confirmed-verified': 1 } });
  });

  it('consumption exhausts the purchase: the terminal trips by itself and the head-end follows (ERC7)', async () => {
    expect(device.controls.relayOpen(1)).toBe(false);
    env.clock.offsetMs += 86_400_000; // ~21 kWh used by meter 1 in a day
    await until('prepay trip event', () => events.find((e) => e.account === A1 && e.kind === 'trip'));
    expect(ercs).toContain(7);
    expect(device.controls.relayOpen(1)).toBe(true);
    expect(device.controls.relayOpen(2)).toBe(false); // only the group's meter
    const b = await env.api<BalanceView>('GET', `/v1/prepay/${A1}`);
    expect(b.body.state).toBe('tripped');
    expect(b.body.terminal!.remainingKwh).toBeLessThanOrEqual(0);
    expect(b.body.history[0]).toMatchObject({ kind: 'usage', actor: 'system' });
  });

  it('a top-up appends a purchase (new order number) and the terminal closes; F16 is not sent again', async () => {
    const before = (await env.api<BalanceView>('GET', `/v1/prepay/${A1}`)).body.terminal!.remainingKwh!;
    const r = await env.api<BalanceView>('POST', `/v1/prepay/${A1}/topup`, { amount: 60.5, ref: 'BANK-2' }, OP);
    expect(r.status).toBe(200);
    expect(device.params.get(47, 1)).toEqual({ orderNo: 2, mode: 0x55, amount: 60, alarmThreshold: 2, tripThreshold: 0 });
    expect(r.body.terminal).toMatchObject({ orderNo: 2, purchaseControl: true, unsentYuan: 0.5 });
    expect(r.body.terminal!.remainingKwh).toBeGreaterThanOrEqual(Math.floor(before) + 60 - 1);
    expect(r.body.state).toBe('normal');
    expect(events).toContainEqual(expect.objectContaining({ account: A1, kind: 'close' }));
    expect(device.controls.relayOpen(1)).toBe(false);
    const reqs = (await env.api<RequestView[]>('GET', '/v1/control/requests')).body.filter((q) => q.kind === 'prepay');
    expect(reqs.filter((q) => q.action.kind === 'power-control')).toHaveLength(1);
    expect(reqs.filter((q) => q.action.kind === 'set-param')).toHaveLength(2);
  });

  it('the mode is fixed when the prepayment opens; the purchases are in the audit chain', async () => {
    const r = await env.api<{ error?: string }>('POST', `/v1/prepay/${A1}/topup`, { amount: 1, mode: 'head-end' }, OP);
    expect(r.status).toBe(409);
    const list = await env.api<{ data: { event: string; orderNo?: number } }[]>('GET', `/v1/audit?kind=prepay&ref=${A1}`);
    const recs = list.body.filter((x) => x.data.event === 'purchase-record').map((x) => x.data.orderNo);
    expect(recs).toEqual([1, 2]);
    expect((await env.api<{ ok: boolean }>('GET', '/v1/audit/verify')).body.ok).toBe(true);
  });
});
