import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { decodeMessage as decode645, encodeMessage as encode645 } from '../../../../protocols/dlt645/index.js';
import { builders, decodeFrame, decodeMessage, type ForwardResponse } from '../../../../protocols/gw376/index.js';
import { meterAddress, SimulatedTerminal, type TerminalJSON } from '../../../../simulators/concentrator/index.js';
import { fromLocal } from '../../../../simulators/model.js';
import { ask, confirmFn, dataOf, ID, request, T, TARGET, terminal } from './helpers.js';

const read = () => request(0x0c, [{ pn: 0, fn: 2 }], { seq: 1 });

describe('fault flags', () => {
  it('slowMs is the reply delay a channel applies', () => {
    const t = terminal();
    expect(t.replyDelayMs()).toBe(0);
    t.faults.set({ slowMs: 1500 }, T);
    expect(t.replyDelayMs()).toBe(1500);
  });

  it('dropPercent loses that share of frames, deterministically from the seed', () => {
    const run = (seed: number) => {
      const t = terminal({ seed });
      t.faults.set({ dropPercent: 30 }, T);
      return Array.from({ length: 300 }, () => t.receive(read(), T).length);
    };
    const a = run(1);
    const lost = a.filter((n) => n === 0).length;
    expect(lost).toBeGreaterThan(50);
    expect(lost).toBeLessThan(130);
    expect(run(1)).toEqual(a);
    expect(run(2)).not.toEqual(a);
    const t = terminal();
    t.faults.set({ dropPercent: 100 }, T);
    expect(t.receive(read(), T)).toEqual([]);
    expect(t.faults.fired.dropped).toBe(1);
  });

  it('corrupt flips the CS; duplicate answers twice; denyAll answers AFN00 F2', () => {
    const t = terminal();
    t.faults.set({ corrupt: true }, T);
    const [bad] = t.receive(read(), T);
    expect(() => decodeFrame(bad!)).toThrow(/checksum|CS/i);
    t.faults.set({ corrupt: false, duplicate: true }, T);
    const two = t.receive(read(), T);
    expect(two).toHaveLength(2);
    expect(two[0]!.equals(two[1]!)).toBe(true);
    t.faults.set({ duplicate: false, denyAll: true }, T);
    expect(confirmFn(ask(t, read()))).toBe(2);
    t.faults.reset(T);
    expect(dataOf(ask(t, read())).get('2/0')).toBeDefined();
  });

  it('clockDriftPpm makes the clock run fast from the moment it is set', () => {
    const t = terminal();
    t.faults.set({ clockDriftPpm: 1000 }, T);
    const c = dataOf(ask(t, read(), T + 100_000)).get('2/0') as { clock: { minute: number; second: number } };
    // 100 s at +1000 ppm = +0.1 s → 12:09:10.1 shown as :10; after 1000 s, +1 s.
    expect(c.clock).toMatchObject({ minute: 9, second: 10 });
    const c2 = dataOf(ask(t, read(), T + 1_000_000)).get('2/0') as { clock: { minute: number; second: number } };
    expect(c2.clock).toMatchObject({ minute: 24, second: 11 });
  });

  it('powerOff: silent, then ERC14 with the outage and EE data inside it', () => {
    const t = terminal();
    const off = fromLocal(2024, 5, 14, 23, 30);
    const on = fromLocal(2024, 5, 15, 1, 0);
    t.faults.set({ powerOff: true }, off);
    expect(t.receive(read(), off + 60_000)).toEqual([]);
    expect(t.pendingReports(off + 60_000)).toEqual([]);
    t.faults.set({ powerOff: false }, on);
    const erc14 = t.events.list(true).find((r) => r.erc === 14);
    expect(erc14).toEqual({ erc: 14, data: { powerOff: { year: 2024, month: 5, day: 14, hour: 23, minute: 30 }, powerOn: { year: 2024, month: 5, day: 15, hour: 1, minute: 0 } } });
    const d = dataOf(ask(t, request(0x0d, [
      { pn: 1, fn: 161, data: { td: { year: 2024, month: 5, day: 15 } } },
      { pn: 1, fn: 161, data: { td: { year: 2024, month: 5, day: 14 } } },
    ])));
    // Same (fn, pn) twice: the map keeps the last; check both through the frames instead.
    expect(d.size).toBe(1);
    const [r] = ask(t, request(0x0d, [{ pn: 1, fn: 161, data: { td: { year: 2024, month: 5, day: 15 } } }]));
    expect(r!.units[0]).toMatchObject({ data: { time: null, values: [null, null, null, null, null] } });
    const [r14] = ask(t, request(0x0d, [{ pn: 1, fn: 161, data: { td: { year: 2024, month: 5, day: 14 } } }]));
    expect((r14!.units[0] as { data: { values: (number | null)[] } }).data.values[0]).not.toBeNull();
    const c = dataOf(ask(t, request(0x0d, [{ pn: 1, fn: 81, data: { td: { start: { year: 2024, month: 5, day: 14, hour: 23, minute: 0 }, density: 1, points: 12 } } }])));
    const vals = (c.get('81/1') as { values: (number | null)[] }).values;
    expect(vals.map((v) => v === null)).toEqual([false, false, true, true, true, true, true, true, true, false, false, false]);
    // ERC14 is reported actively.
    const rep = t.pendingReports(T).map((b) => decodeMessage(b));
    expect(rep[0]!.units[0]).toMatchObject({ data: { records: [{ erc: 14 }] } });
  });

  it('meterMissing: ERC31, EE data, empty forwards, F11 success count', () => {
    const t = terminal();
    t.faults.set({ meterMissing: new Set([5]) }, T);
    const erc31 = t.events.list(true).find((r) => r.erc === 31);
    expect(erc31).toMatchObject({ data: { pn: { pn: 5, start: true }, time: { hour: 12, minute: 7 }, lastSuccess: { hour: 12, minute: 0 } } });
    const d = dataOf(ask(t, request(0x0c, [{ pn: 5, fn: 25 }, { pn: 5, fn: 129 }, { pn: 0, fn: 11 }])));
    expect(d.get('25/5')).toMatchObject({ p: null, ua: null });
    expect(d.get('129/5')).toMatchObject({ values: [null, null, null, null, null] });
    expect(d.get('11/0')).toMatchObject({ ports: [{ meters: 8, success: 7 }] });
    const frame645 = encode645({ address: meterAddress(ID, 5), message: { kind: 'read', di: '00010000' }, version: 2007 });
    const [f] = ask(t, builders.forward645(TARGET, frame645, { seq: 3 }));
    expect((f!.units[0] as { data: ForwardResponse }).data.content.length).toBe(0);
    t.faults.set({ meterMissing: new Set() }, T + 60_000);
    expect(t.events.list(true).filter((r) => r.erc === 31).map((r) => (r.data as { pn: { start: boolean } }).pn.start)).toEqual([true, false]);
    const back = encode645({ address: meterAddress(ID, 5), message: { kind: 'read', di: '00010000' }, version: 2007 });
    const [g] = ask(t, builders.forward645(TARGET, back, { seq: 4 }));
    expect(decode645((g!.units[0] as { data: ForwardResponse }).data.content).message.kind).toBe('readReply');
  });
});

describe('persistence', () => {
  it('toJSON/fromJSON keeps parameters, controls and the clock offset', () => {
    const t = terminal({ meterCount: 200 });
    const f1 = { rts: 0, masterDelay: 0, wait: { timeout: 20, retries: 1 }, confirm: { class1: false, class2: false, class3: false }, heartbeat: 3 };
    const rec = { seq: 7, pn: 7, portBaud: { port: 2, baud: 6 }, protocol: 30, address: '000000000777', password: '000000000000', tariffs: { count: 4, reserved: 0 }, digits: { decimal: 1, integer: 2, reserved: 0 }, collector: '000000000000', userClass: { small: 0, big: 0 } };
    ask(t, request(0x04, [{ pn: 0, fn: 1, data: f1 }, { pn: 0, fn: 10, data: { n: 1, meters: [rec] } }]));
    ask(t, request(0x05, [{ pn: 0, fn: 25, data: { halfHours: 0 } }]));
    ask(t, builders.clockSet(TARGET, { year: 2024, month: 5, day: 15, hour: 13, minute: 0, second: 0, weekday: 3 }, { seq: 2 }));
    const json = JSON.parse(JSON.stringify(t.toJSON())) as TerminalJSON;
    const u = new SimulatedTerminal({ ...ID }, { meterCount: 200 });
    u.fromJSON(json, T + 5000);
    expect(u.heartbeatPeriodMs()).toBe(180_000);
    const q = dataOf(ask(u, request(0x0a, [{ pn: 0, fn: 10, data: { n: 1, seqs: [7] } }]), T + 5000));
    expect(q.get('10/0')).toMatchObject({ meters: [rec] });
    const d = dataOf(ask(u, request(0x0c, [{ pn: 0, fn: 5 }, { pn: 0, fn: 2 }]), T + 5000));
    expect(d.get('5/0')).toMatchObject({ flags: { keepPower: true } });
    expect(d.get('2/0')).toMatchObject({ clock: { hour: 13, minute: 0, second: 5 } });
    expect(confirmFn(ask(u, builders.remoteTrip(TARGET, { seq: 3, round: 1 }), T + 5000))).toBe(2);
  });
});

describe('memory', () => {
  it('1000 terminals × 200 meters stay small', () => {
    // A full GC before each measure (gc exposed at run time), so the difference is what the fleet holds.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    const fleet: SimulatedTerminal[] = [];
    const shared = { meterCount: 200 };
    for (let i = 1; i <= 1000; i++) fleet.push(new SimulatedTerminal({ a1: '1101', a2: i }, shared));
    // Touch each once (a heartbeat) so lazily built state exists as in a running fleet.
    for (const t of fleet) t.linkFrame('heartbeat', T);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    console.log(`1000 terminals x 200 meters: heap +${(grown / 1e6).toFixed(1)} MB (${Math.round(grown / 1000)} B per terminal)`);
    expect(grown).toBeLessThan(200e6);
    expect(fleet).toHaveLength(1000);
  });
});
