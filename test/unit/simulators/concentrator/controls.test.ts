import { describe, expect, it } from 'vitest';
import { decodeMessage as decode645, encodeMessage as encode645 } from '../../../../protocols/dlt645/index.js';
import { builders, decodeMessage, type ForwardResponse } from '../../../../protocols/gw376/index.js';
import { a1Of, meterAddress } from '../../../../simulators/concentrator/index.js';
import { energyWhAt, instantAt, profileFor, register } from '../../../../simulators/model.js';
import { ask, confirmFn, dataOf, ID, KEY, request, T, TARGET, terminal } from './helpers.js';

function totalKw(n: number, t = T): number {
  let kw = 0;
  for (let pn = 1; pn <= n; pn++) kw += instantAt(profileFor(1, `${KEY}/${pn}`), t).activePower;
  return kw;
}

function forward(t: ReturnType<typeof terminal>, address: string, di: string, now = T): { content: Buffer; value: unknown } {
  const frame645 = encode645({ address, message: { kind: 'read', di }, version: 2007 });
  const [r] = ask(t, builders.forward645(TARGET, frame645, { seq: 3 }), now);
  expect(r!.afn).toBe(0x10);
  const data = (r!.units[0] as { data: ForwardResponse }).data;
  if (data.content.length === 0) return { content: data.content, value: undefined };
  const m = decode645(data.content).message as { kind: string; value?: unknown };
  return { content: data.content, value: m.value };
}

describe('remote control (AFN05)', () => {
  it('trip → AFN00 with ACD/EC, ERC5 with the power, F6 round open, meters at 0 kW; close restores', () => {
    const t = terminal();
    const [ack] = ask(t, builders.remoteTrip(TARGET, { seq: 2, round: 1 }));
    expect(ack).toMatchObject({ afn: 0, fcbAcd: true, ec: { important: 1, normal: 0 } });
    expect(ack!.units[0]).toMatchObject({ fn: 1 });
    const d = dataOf(ask(t, request(0x0c, [{ pn: 0, fn: 5 }, { pn: 0, fn: 6 }, { pn: 1, fn: 25 }])));
    expect(d.get('6/0')).toMatchObject({ remoteTrip: [1] });
    expect(d.get('5/0')).toMatchObject({ flags: { keepPower: false } });
    expect(d.get('25/1')).toMatchObject({ p: 0, ia: 0, ua: instantAt(profileFor(1, `${KEY}/1`), T).phases[0].voltage });
    // The relay shows open in the meter's status word 3 (bit 4) through forwarding.
    expect(forward(t, meterAddress(ID, 1), '04000503').value).toMatchObject({ bits: { relay_open: true, relay_command_trip: true } });
    // AFN0E F1 returns ERC5; reading it clears ACD.
    const [ev] = ask(t, request(0x0e, [{ pn: 0, fn: 1, data: { pm: 0, pn: 1 } }]));
    // Read in this very exchange: the answer already has ACD=0.
    expect(ev!.fcbAcd).toBe(false);
    const rep = (ev!.units[0] as { data: { ec1: number; records: { erc: number; data: { rounds: number[]; power: number; powerAfter2Min: number } }[] } }).data;
    expect(rep.ec1).toBe(1);
    expect(rep.records).toHaveLength(1);
    expect(rep.records[0]).toMatchObject({ erc: 5, data: { rounds: [1], powerAfter2Min: 0 } });
    expect(rep.records[0]!.data.power).toBeCloseTo(totalKw(8), 1);
    const [after] = ask(t, request(0x0c, [{ pn: 0, fn: 2 }]));
    expect(after!.fcbAcd).toBe(false);
    expect(after!.ec).toBeUndefined();
    expect(confirmFn(ask(t, request(0x05, [{ pn: 1, fn: 2 }])))).toBe(1);
    expect(dataOf(ask(t, request(0x0c, [{ pn: 0, fn: 6 }]))).get('6/0')).toMatchObject({ remoteTrip: [] });
  });

  it('keep-power refuses a trip until it is lifted', () => {
    const t = terminal();
    expect(confirmFn(ask(t, request(0x05, [{ pn: 0, fn: 25, data: { halfHours: 0 } }])))).toBe(1);
    expect(dataOf(ask(t, request(0x0c, [{ pn: 0, fn: 5 }]))).get('5/0')).toMatchObject({ flags: { keepPower: true } });
    expect(confirmFn(ask(t, builders.remoteTrip(TARGET, { seq: 4, round: 1 })))).toBe(2);
    expect(t.events.list(true)).toEqual([]);
    expect(confirmFn(ask(t, request(0x05, [{ pn: 0, fn: 33 }])))).toBe(1);
    expect(confirmFn(ask(t, builders.remoteTrip(TARGET, { seq: 5, round: 1 })))).toBe(1);
    // Timed keep-power expires by itself.
    ask(t, request(0x05, [{ pn: 1, fn: 2 }]));
    ask(t, request(0x05, [{ pn: 0, fn: 25, data: { halfHours: 1 } }]));
    expect(confirmFn(ask(t, builders.remoteTrip(TARGET, { seq: 6, round: 2 })))).toBe(2);
    expect(confirmFn(ask(t, builders.remoteTrip(TARGET, { seq: 7, round: 2 }), T + 31 * 60_000))).toBe(1);
  });

  it('mixed results give AFN00 F3 per item', () => {
    const t = terminal();
    const [r] = ask(t, request(0x05, [{ pn: 0, fn: 29 }, { pn: 9, fn: 2 }]));
    expect(r!.units[0]).toMatchObject({ fn: 3, data: { afn: 5, items: [{ pns: [0], fns: [29], err: 0 }, { pns: [9], fns: [2], err: 1 }] } });
  });

  it('power control flags show in F5; purchase control counts the remaining energy down and trips (ERC19, ERC7)', () => {
    const t = terminal();
    const ok = (f: number, pn: number, data?: unknown) => confirmFn(ask(t, request(0x05, [{ pn, fn: f, ...(data ? { data } : {}) }])));
    expect(ok(9, 1, { periods: [1, 2], scheme: 1 })).toBe(1);
    expect(ok(12, 2, { slipMinutes: 1, floatCoefficient: -10, freezeDelayMinutes: 1, duration: 2, alarm1Minutes: 1, alarm2Minutes: 1, alarm3Minutes: 1, alarm4Minutes: 1 })).toBe(1);
    let f5 = dataOf(ask(t, request(0x0c, [{ pn: 0, fn: 5 }]))).get('5/0') as { groups: number[]; states: { scheme: number; powerControl: Record<string, boolean> }[] };
    expect(f5.groups).toEqual([1, 2]);
    expect(f5.states[0]).toMatchObject({ scheme: 1, periods: [1, 2], powerControl: { period: true, downFloat: false } });
    expect(f5.states[1]).toMatchObject({ powerControl: { period: false, downFloat: true } });
    ok(17, 1);
    ok(20, 2);
    f5 = dataOf(ask(t, request(0x0c, [{ pn: 0, fn: 5 }]))).get('5/0') as typeof f5;
    expect(f5.states.map((s) => s.powerControl.period || s.powerControl.downFloat)).toEqual([false, false]);

    // Purchase: 100 kWh refresh for group 1 (measured on meter 1), trip at 0.
    const f47 = { orderNo: 42, mode: 0xaa, amount: 100, alarmThreshold: 20, tripThreshold: 0 };
    expect(confirmFn(ask(t, request(0x04, [{ pn: 1, fn: 47, data: f47 }])))).toBe(1);
    expect(ok(16, 1)).toBe(1);
    const erc19 = t.events.list(true).concat(t.events.list(false)).find((r) => r.erc === 19);
    expect(erc19).toMatchObject({ data: { orderNo: 42, mode: 0xaa, amount: 100, remainingAfter: 100 } });
    const p = profileFor(1, `${KEY}/1`);
    const kwh = (x: number) => register(energyWhAt(p, x), 'forwardActive').total;
    const later = T + 86_400_000;
    const f167 = dataOf(ask(t, request(0x0c, [{ pn: 1, fn: 167 }]), later)).get('167/1') as { remainingEnergy: number };
    expect(f167.remainingEnergy).toBeCloseTo(100 - (kwh(later) - kwh(T)), 2);
    // Long enough to use 100 kWh: the group trips once.
    let when = later;
    while (100 - (kwh(when) - kwh(T)) > 0) when += 86_400_000;
    const f6 = dataOf(ask(t, request(0x0c, [{ pn: 0, fn: 6 }]), when)).get('6/0') as { states: { purchaseTrip: number[] }[] };
    expect(f6.states[0]!.purchaseTrip).toEqual([1]);
    expect(t.events.list(true).filter((r) => r.erc === 7)).toHaveLength(1);
    expect(dataOf(ask(t, request(0x0c, [{ pn: 1, fn: 25 }]), when)).get('25/1')).toMatchObject({ p: 0 });

    // The same order number again is refused and changes nothing (a resent frame never credits twice).
    const left = (dataOf(ask(t, request(0x0c, [{ pn: 1, fn: 23 }]), when)).get('23/1') as { remaining: number }).remaining;
    expect(left).toBe(Math.floor(100 - (kwh(when) - kwh(T))));
    const [again] = ask(t, request(0x04, [{ pn: 1, fn: 47, data: { ...f47, mode: 0x55 } }]), when);
    expect(again!.units[0]).toMatchObject({ fn: 2 });
    expect(t.params.get(47, 1)).toEqual(f47);
    expect(t.events.list(true).concat(t.events.list(false)).filter((r) => r.erc === 19)).toHaveLength(1);
    // A new order appends to what is left now; above the trip threshold the rounds close.
    expect(confirmFn(ask(t, request(0x04, [{ pn: 1, fn: 47, data: { ...f47, orderNo: 43, mode: 0x55, amount: 50 } }]), when))).toBe(1);
    expect((dataOf(ask(t, request(0x0c, [{ pn: 1, fn: 23 }]), when)).get('23/1') as { remaining: number }).remaining).toBe(Math.floor(100 - (kwh(when) - kwh(T)) + 50));
    const f6after = dataOf(ask(t, request(0x0c, [{ pn: 0, fn: 6 }]), when)).get('6/0') as { states: { purchaseTrip: number[] }[] };
    expect(f6after.states[0]!.purchaseTrip).toEqual([]);
    expect(t.controls.relayOpen(1)).toBe(false);
  });

  it('F31 sets the clock', () => {
    const t = terminal();
    const [r] = ask(t, builders.clockSet(TARGET, a1Of(T + 3_600_000), { seq: 1 }));
    expect(r!.units[0]).toMatchObject({ fn: 1 });
    const c = dataOf(ask(t, request(0x0c, [{ pn: 0, fn: 2 }]), T + 10_000)).get('2/0');
    expect(c).toMatchObject({ clock: { hour: 13, minute: 7, second: 40 } });
  });
});

describe('active reporting', () => {
  it('reports important events with CON, resends when unconfirmed, stops after the confirm; F37 forbids', () => {
    const t = terminal();
    expect(t.pendingReports(T)).toEqual([]);
    ask(t, builders.remoteTrip(TARGET, { seq: 2, round: 1 }));
    const [f] = t.pendingReports(T).map((b) => decodeMessage(b));
    expect(f).toMatchObject({ dir: 'up', prm: true, afn: 0x0e, con: true, fcbAcd: true, ec: { important: 1 } });
    expect(f!.units[0]).toMatchObject({ fn: 1, data: { pm: 0, pn: 1, records: [{ erc: 5 }] } });
    expect(t.pendingReports(T + 1000)).toEqual([]);
    const again = t.pendingReports(T + 31_000);
    expect(again).toHaveLength(1);
    expect(decodeMessage(again[0]!).seq).toBe(f!.seq);
    expect(t.receive(builders.masterConfirm(TARGET, f!.seq), T + 32_000)).toEqual([]);
    expect(t.pendingReports(T + 100_000)).toEqual([]);
    // The confirm counts as read: ACD clears.
    expect(ask(t, request(0x0c, [{ pn: 0, fn: 2 }]))[0]!.fcbAcd).toBe(false);

    ask(t, request(0x05, [{ pn: 0, fn: 37 }]));
    ask(t, request(0x05, [{ pn: 1, fn: 2 }]));
    ask(t, builders.remoteTrip(TARGET, { seq: 8, round: 1 }));
    expect(t.pendingReports(T + 200_000)).toEqual([]);
    ask(t, request(0x05, [{ pn: 0, fn: 29 }]));
    expect(t.pendingReports(T + 200_000)).toHaveLength(1);
  });
});

describe('forwarding (AFN10 F1)', () => {
  it('a DL/T 645 read of a Pn meter returns the model value; unknown meters give no content', () => {
    const t = terminal({ meterCount: 200 });
    const e = register(energyWhAt(profileFor(1, `${KEY}/150`), T), 'forwardActive');
    expect(forward(t, meterAddress(ID, 150), '00010000').value).toBe(e.total);
    expect(forward(t, meterAddress(ID, 150), '0001FF00').value).toEqual(e);
    expect(forward(t, meterAddress(ID, 201), '00010000').content.length).toBe(0);
    expect(forward(t, '123456789012', '00010000').content.length).toBe(0);
  });
});
