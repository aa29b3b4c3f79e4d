/**
 * Northbound events end to end: a real head-end (`HeadEnd.open`: archive, FEP on TCP, scheduler, embedded
 * store, load control) publishing to its embedded aedes broker (`northbound.mqtt: embedded:0`) and to a
 * real HTTP webhook receiver (alarms, control and terminal messages only; the first POST fails), with 2
 * simulated concentrators × 4 meters dialling in:
 * terminal online/offline, new daily readings (= simulators/model.ts), ERC14 power-off and power-on, a
 * meter fault (ERC13) with the meter's address and account, every ERC record as event.erc<N>, a trip's
 * state changes and verified result, prepayment top-up and low-balance alarm — on the documented topics,
 * QoS 1, nothing dropped; the counts in /metrics.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDICATION_QUANTITIES, a15Of, profileOf, registerValues, type SimulatedTerminal } from '../../simulators/concentrator/index.js';
import { accountNo } from '../../simulators/fleet/archive-writer.js';
import type { Fleet } from '../../simulators/fleet/fleet.js';
import { energyWhAt } from '../../simulators/model.js';
import type { NorthboundMessage } from '../../src/northbound/messages.js';
import { LocalCalendar } from '../../src/scheduler/time.js';
import type { HeadEnd } from '../../src/service/head-end.js';
import { startApiEnv, type ApiEnv } from '../helpers/api-env.js';
import { startFleetAt, until } from '../helpers/control-env.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const METERS = 4;
const T1 = '1101-00001';
const T2 = '1101-00002';
const cal = new LocalCalendar(480);
let env: ApiEnv;
let he: HeadEnd;
let fleet: Fleet;
let sub: MqttClient;
let hook: WebhookReceiver;
const got: { topic: string; qos: number; m: NorthboundMessage }[] = [];

const find = (type: string, pred: (m: NorthboundMessage) => boolean = () => true): NorthboundMessage | undefined => got.find((g) => g.m.type === type && pred(g.m))?.m;
const waitFor = (type: string, pred?: (m: NorthboundMessage) => boolean): Promise<NorthboundMessage> => until(type, () => find(type, pred), 20_000);
const device = (i: number): SimulatedTerminal => fleet.devices[i] as SimulatedTerminal;

beforeAll(async () => {
  hook = await startWebhookReceiver();
  hook.plan([503]);
  env = await startApiEnv({
    terminals: 2,
    meters: METERS,
    config: (c) => ({ ...c, northbound: { ...c.northbound, mqtt: 'embedded:0', webhooks: [{ url: hook.url, types: ['alarm', 'control', 'terminal'] }], webhookRetryMs: 20, webhookRetryMaxMs: 100 } }),
  });
  he = env.he;
  const events = env.addresses.events;
  expect(events).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
  sub = await mqtt.connectAsync(events!, { clientId: 'northbound-test' });
  await sub.subscribeAsync('openhes/#', { qos: 1 });
  sub.on('message', (topic, payload, packet) => got.push({ topic, qos: packet.qos, m: JSON.parse(payload.toString()) as NorthboundMessage }));
  fleet = await startFleetAt(env.addresses.terminal.port, 2, METERS, { checkTp: false });
}, 60_000);

afterAll(async () => {
  await sub?.endAsync(true);
  await fleet?.stop();
  await env?.close();
  await hook?.close();
});

describe('northbound events on the embedded broker and a webhook', () => {
  it('terminal online on openhes/terminal/online/<terminal>, QoS 1', async () => {
    const m = await waitFor('terminal.online', (x) => x.subject === T1);
    expect(m).toMatchObject({ subject: T1, data: { terminal: T1, a1: '1101', a2: 1, via: 'login' } });
    const g = got.find((x) => x.m === m)!;
    expect(g.topic).toBe(`openhes/terminal/online/${T1}`);
    expect(g.qos).toBe(1);
    await waitFor('terminal.online', (x) => x.subject === T2);
  });

  it('new daily readings: one message per terminal with every meter, values equal the model', async () => {
    const run = he.collection!.run({ task: 'daily' });
    await until('run done', () => (he.collection!.runInfo(run.id).state !== 'running' ? true : undefined), 20_000);
    const day = cal.dayStart(cal.dateOf(Date.now()));
    for (const [a2, t] of [[1, T1], [2, T2]] as const) {
      const m = await waitFor('reading.daily', (x) => x.subject === t);
      expect(got.find((x) => x.m === m)!.topic).toBe(`openhes/reading/daily/${t}`);
      const meters = m.data.meters as { meter: string; pn: number; account: string; dataTime: string; registers: Record<string, { values: Record<string, number | null>; quality: string }> }[];
      expect(meters.map((x) => x.pn)).toEqual([1, 2, 3, 4]);
      for (const x of meters) {
        expect(x.account).toBe(accountNo({ a1: '1101', a2 }, x.pn));
        expect(x.dataTime).toMatch(/T00:00:00\+08:00$/);
        const want = registerValues(energyWhAt(profileOf({ seed: 1, terminal: t }, x.pn), day), INDICATION_QUANTITIES[0]!);
        expect(Object.values(x.registers.ea_imp!.values)).toEqual(want);
        expect(x.registers.ea_imp!.quality).toBe('recollected');
      }
    }
  });

  it('ERC14: power-off (power-on time invalid), then power-on; every record also on event/erc14', async () => {
    const off = Date.now() - 120_000;
    device(1).events.add({ erc: 14, data: { powerOff: a15Of(off), powerOn: null } }, true);
    const a = await waitFor('alarm.power-off', (x) => x.subject === T2);
    expect(a.data).toMatchObject({ terminal: T2, erc: 14, name: 'terminal power off/on', powerOff: new Date(Math.floor(off / 60_000) * 60_000).toISOString() });
    expect(a.data.powerOn).toBeUndefined();
    expect(got.find((x) => x.m === a)!.topic).toBe(`openhes/alarm/power-off/${T2}`);
    device(1).events.add({ erc: 14, data: { powerOff: a15Of(off), powerOn: a15Of(off + 60_000) } }, true);
    const on = await waitFor('alarm.power-on', (x) => x.subject === T2);
    expect(on.data).toMatchObject({ powerOff: expect.any(String), powerOn: expect.any(String) });
    await until('both raw records', () => (got.filter((x) => x.topic === `openhes/event/erc14/${T2}`).length === 2 ? true : undefined));
  });

  it('a meter fault (ERC13) names the meter and its account', async () => {
    device(0).events.add({ erc: 13, data: { time: a15Of(Date.now()), pn: { pn: 3, start: true }, flags: { programOrDemandReset: false, phaseBreakCount: false, voltageLossCount: true, powerOffCount: false, batteryLow: false } } }, true);
    const m = await waitFor('alarm.meter-fault', (x) => x.subject === T1);
    expect(m.data).toMatchObject({ erc: 13, pn: 3, account: accountNo({ a1: '1101', a2: 1 }, 3), meter: expect.stringMatching(/^\d{12}$/), nameZh: '电表故障信息' });
  });

  it('a trip: state changes, then the verified result', async () => {
    const c = he.control!;
    const r = c.create({ name: 'alice', roles: ['operator'] }, { action: { kind: 'trip' }, selector: { terminals: [T1] }, reason: 'northbound test' });
    c.approve({ name: 'bob', roles: ['operator'] }, r.id, r.hash);
    const res = await waitFor('control.result', (x) => x.subject === String(r.id));
    expect(res.data).toMatchObject({ request: r.id, kind: 'trip', state: 'done', phase: 'run', createdBy: 'alice', approvedBy: 'bob', byOutcome: { 'confirmed-verified': 1 }, results: [{ target: T1, outcome: 'confirmed-verified' }] });
    const states = got.filter((x) => x.m.type === 'control.state' && x.m.subject === String(r.id)).map((x) => x.m.data.state);
    expect(states).toEqual(['pending', 'approved', 'executing']);
    await waitFor('alarm.trip', (x) => x.subject === T1);
  });

  it('prepayment: a top-up below the alarm threshold raises the low-balance alarm', async () => {
    const acct = accountNo({ a1: '1101', a2: 2 }, 2);
    await he.prepay!.topUp({ name: 'alice', roles: ['operator'] }, { account: acct, amountYuan: 5, alarmYuan: 10 });
    const t = await waitFor('prepay.topup', (x) => x.subject === acct);
    expect(t.data).toMatchObject({ account: acct, kind: 'topup', balanceYuan: 5 });
    const a = await waitFor('alarm.prepay-alarm', (x) => x.subject === acct);
    expect(got.find((x) => x.m === a)!.topic).toBe(`openhes/alarm/prepay-alarm/${acct}`);
  });

  it('terminal offline; the webhook got the alarms, control and terminal messages in order (after a 503), nothing else; nothing dropped', async () => {
    await fleet.sessions[1]!.stop();
    const m = await waitFor('terminal.offline', (x) => x.subject === T2);
    expect(m.data).toMatchObject({ terminal: T2, reason: 'logout' });
    await until('webhook caught up', () => (he.northboundEvents!.stats().sinks.every((s) => s.pending === 0) && hook.accepted().some((e) => e.type === 'terminal.offline') ? true : undefined));
    expect(hook.requests[0]!.status).toBe(503);
    const types = new Set(hook.accepted().map((e) => e.type.split('.')[0]));
    expect([...types].sort()).toEqual(['alarm', 'control', 'terminal']);
    const mqttIds = got.filter((g) => /^(alarm|control|terminal)\./.test(g.m.type)).map((g) => g.m.id);
    expect(hook.accepted().map((e) => e.id)).toEqual(mqttIds);
    const st = he.northboundEvents!.stats();
    for (const s of st.sinks) expect(s.dropped).toEqual({ 'queue-full': 0, failed: 0, rejected: 0, shutdown: 0 });
    expect(st.sinks.find((s) => s.sink.startsWith('webhook'))!.retries).toBe(1);
    const key = he.northbound!.keys.create({ name: 'ops', roles: ['operator'], by: 'test' }).key;
    const metrics = await (await fetch(`${he.northbound!.url}/metrics`, { headers: { authorization: `Bearer ${key}` } })).text();
    expect(metrics).toMatch(/^hes_northbound_delivered_total\{sink="mqtt mqtt:\/\/127\.0\.0\.1:\d+"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^hes_northbound_dropped_total\{sink="webhook http:\/\/127\.0\.0\.1:\d+\/hook",reason="failed"\} 0$/m);
    expect(metrics).toMatch(/^hes_northbound_pending\{sink="webhook [^"]+"\} 0$/m);
    expect(st.published).toMatchObject({ terminal: expect.any(Number), alarm: expect.any(Number), event: expect.any(Number), control: expect.any(Number), prepay: 1, reading: expect.any(Number) });
  });
});
