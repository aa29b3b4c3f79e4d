import { describe, expect, it } from 'vitest';
import { builders, decodeMessage, MultiFrameAssembler, type Gw376Message } from '../../../../protocols/gw376/index.js';
import { curvePoint, f25Of, meterAddress, profileOf, registerValues } from '../../../../simulators/concentrator/index.js';
import { energyWhAt, fromLocal, instantAt, profileFor } from '../../../../simulators/model.js';
import { ask, confirmFn, dataOf, ID, KEY, request, T, TARGET, terminal } from './helpers.js';

describe('link frames', () => {
  it('login, heartbeat, logout are AFN02 F1/F3/F2 with CON and increasing PSEQ; the master confirm needs no answer', () => {
    const t = terminal();
    const login = decodeMessage(t.linkFrame('login', T));
    expect(login).toMatchObject({ dir: 'up', prm: true, afn: 2, con: true, seq: 0, a1: ID.a1, a2: ID.a2, msa: 0 });
    expect(login.units).toMatchObject([{ pn: 0, fn: 1 }]);
    const hb = decodeMessage(t.linkFrame('heartbeat', T));
    expect(hb.units).toMatchObject([{ pn: 0, fn: 3 }]);
    expect(hb.seq).toBe(1);
    expect(decodeMessage(t.linkFrame('logout', T)).units).toMatchObject([{ fn: 2 }]);
    expect(t.heartbeatPeriodMs()).toBe(60_000);
    expect(t.receive(builders.linkConfirm(TARGET, 0), T)).toEqual([]);
  });

  it('a 2013 terminal puts its clock in the heartbeat', () => {
    const t = terminal({ revision: 2013, clockOffsetMs: 60_000 });
    const hb = decodeMessage(t.linkFrame('heartbeat', T), { revision: 2013 });
    expect(hb.units[0]).toMatchObject({ fn: 3, data: { clock: { year: 2024, month: 5, day: 15, hour: 12, minute: 8, second: 30, weekday: 3 } } });
  });
});

describe('header rules', () => {
  it('echoes MSA, sequence and Tp; ignores frames for other terminals; denies unsupported Fns', () => {
    const t = terminal();
    const [r] = ask(t, request(0x0c, [{ pn: 0, fn: 2 }], { seq: 9, tp: true }));
    expect(r).toMatchObject({ dir: 'up', prm: false, afn: 0x0c, seq: 9, msa: 1, fir: true, fin: true });
    expect(r!.tp).toBeDefined();
    expect(r!.units[0]).toMatchObject({ fn: 2, data: { clock: { year: 2024, month: 5, day: 15, hour: 12, minute: 7, second: 30 } } });
    const other = builders.readRealtime({ ...TARGET, a2: 999 }, 25, [1], { seq: 1 });
    expect(t.receive(other, T)).toEqual([]);
    expect(confirmFn(ask(t, request(0x0c, [{ pn: 1, fn: 26 }])))).toBe(2);
    expect(confirmFn(ask(t, request(0x09, [{ pn: 0, fn: 1 }])))).toBeUndefined();
    expect(ask(t, request(0x09, [{ pn: 0, fn: 1 }]))[0]!.units[0]).toMatchObject({ fn: 1, data: { vendor: 'OHES', protocolVersion: '2009' } });
  });

  it('checks PW: zeros pass, another PW is denied with ERC20, policy "fail" denies all', () => {
    const t = terminal();
    const f1 = { rts: 0, masterDelay: 0, wait: { timeout: 30, retries: 3 }, confirm: { class1: false, class2: false, class3: true }, heartbeat: 2 };
    expect(confirmFn(ask(t, request(0x04, [{ pn: 0, fn: 1, data: f1 }])))).toBe(1);
    expect(confirmFn(ask(t, request(0x04, [{ pn: 0, fn: 1, data: f1 }], { pw: '11'.repeat(16) })))).toBe(2);
    expect(t.events.list(true).map((r) => r.erc)).toContain(20);
    const f = terminal({ pwPolicy: 'fail' });
    expect(confirmFn(ask(f, request(0x05, [{ pn: 0, fn: 29 }])))).toBe(2);
  });

  it('checks PW against its own password (hex in either case); ERC20 records the PW that failed', () => {
    const t = terminal({ password: 'a1b2c3d4'.repeat(4) });
    expect(confirmFn(ask(t, request(0x05, [{ pn: 0, fn: 29 }], { pw: 'A1B2C3D4'.repeat(4) })))).toBe(1);
    expect(confirmFn(ask(t, request(0x05, [{ pn: 0, fn: 29 }])))).toBe(2);
    const erc20 = t.events.list(true).filter((r) => r.erc === 20);
    expect(erc20.at(-1)?.data).toMatchObject({ pw: '00'.repeat(16), msa: 1 });
    expect(() => terminal({ password: 'secret' })).toThrow(/pw: 32 hex digits/);
  });

  it('a CON=1 control is confirmed with AFN00 F1 echoing the sequence', () => {
    const t = terminal();
    const [r] = ask(t, request(0x05, [{ pn: 0, fn: 29 }], { seq: 7 }));
    expect(r).toMatchObject({ afn: 0, seq: 7, fir: true, fin: true, con: false });
    expect(r!.units[0]).toMatchObject({ fn: 1 });
  });
});

describe('parameters (AFN04 → AFN0A)', () => {
  it('F1 and F10 set then queried return the same values; F1 drives the heartbeat period', () => {
    const t = terminal({ meterCount: 200 });
    const f1 = { rts: 2, masterDelay: 3, wait: { timeout: 45, retries: 2 }, confirm: { class1: false, class2: true, class3: true }, heartbeat: 5 };
    const rec = (seq: number, pn: number, address: string) => ({
      seq, pn, portBaud: { port: 2, baud: 3 }, protocol: 30, address, password: '000000000000', tariffs: { count: 4, reserved: 0 },
      digits: { decimal: 1, integer: 2, reserved: 0 }, collector: '000000000000', userClass: { small: 1, big: 2 },
    });
    const f10 = { n: 2, meters: [rec(3, 3, '999900000003'), rec(201, 201, '999900000201')] };
    expect(confirmFn(ask(t, request(0x04, [{ pn: 0, fn: 1, data: f1 }, { pn: 0, fn: 10, data: f10 }])))).toBe(1);
    expect(t.heartbeatPeriodMs()).toBe(300_000);
    const q = dataOf(ask(t, request(0x0a, [{ pn: 0, fn: 1 }])));
    expect(q.get('1/0')).toEqual(f1);
    const q10 = dataOf(ask(t, request(0x0a, [{ pn: 0, fn: 10, data: { n: 3, seqs: [1, 3, 201] } }])));
    const meters = (q10.get('10/0') as { meters: { seq: number; address: string; protocol: number }[] }).meters;
    expect(meters.map((m) => [m.seq, m.address, m.protocol])).toEqual([[1, meterAddress(ID, 1), 30], [3, '999900000003', 30], [201, '999900000201', 30]]);
    expect(meters[1]).toEqual(f10.meters[0]);
    // Parameter change recorded (ERC3, general event).
    expect(t.events.list(false).map((r) => r.erc)).toEqual([3]);
  });

  it('defaults: F1, F3, F9, F10, F25, F33', () => {
    const t = terminal();
    const d = dataOf(ask(t, request(0x0a, [{ pn: 0, fn: 1 }, { pn: 0, fn: 3 }, { pn: 0, fn: 9 }, { pn: 0, fn: 33 }])));
    expect(d.get('1/0')).toMatchObject({ heartbeat: 1 });
    expect(d.get('3/0')).toMatchObject({ ip: '127.0.0.1', apn: 'CMNET' });
    expect((d.get('9/0') as { important: number[] }).important).toContain(14);
    expect(d.get('33/0')).toMatchObject({ n: 1, ports: [{ port: 2, days: [1] }] });
    const m = dataOf(ask(t, request(0x0a, [{ pn: 0, fn: 10, data: { n: 1, seqs: [8] } }])));
    expect(m.get('10/0')).toMatchObject({ n: 1, meters: [{ seq: 8, pn: 8, protocol: 30, portBaud: { port: 2, baud: 3 }, address: '101012340008' }] });
    expect(dataOf(ask(t, request(0x0a, [{ pn: 3, fn: 25 }]))).get('25/3')).toMatchObject({ ratedVoltage: 220, wiring: { mode: 2 } });
  });
});

describe('real-time data (AFN0C)', () => {
  it('F25 of several points equals the model', () => {
    const t = terminal();
    const d = dataOf(ask(t, builders.readRealtime(TARGET, 25, [1, 2, 3, 8], { seq: 3 })));
    for (const pn of [1, 2, 3, 8]) {
      expect(d.get(`25/${pn}`)).toEqual(f25Of(instantAt(profileFor(1, `${KEY}/${pn}`), T), T));
    }
    const p1 = d.get('25/1') as { p: number; ua: number };
    expect(p1.p).toBe(instantAt(profileFor(1, `${KEY}/1`), T).activePower);
    // Not configured: left out, and nothing answerable → deny.
    expect(confirmFn(ask(t, builders.readRealtime(TARGET, 25, [9], { seq: 4 })))).toBe(2);
  });

  it('F33 and F129 current energies equal the model registers', () => {
    const t = terminal({ seed: 7 });
    const d = dataOf(ask(t, request(0x0c, [{ pn: 2, fn: 33 }, { pn: 2, fn: 129 }])));
    const wh = energyWhAt(profileFor(7, `${KEY}/2`), T);
    expect(d.get('129/2')).toEqual({ time: { year: 2024, month: 5, day: 15, hour: 12, minute: 7 }, m: 4, values: registerValues(wh, 'forwardActive') });
    expect(d.get('33/2')).toMatchObject({ active: registerValues(wh, 'forwardActive'), reactive: registerValues(wh, 'combinedReactive1'), quadrantX: registerValues(wh, 'q1'), quadrantY: registerValues(wh, 'q4') });
  });

  it('F11 reading status and F166/F167', () => {
    const t = terminal({ meterCount: 20 });
    const d = dataOf(ask(t, request(0x0c, [{ pn: 0, fn: 11 }, { pn: 4, fn: 166 }, { pn: 4, fn: 167 }])));
    expect(d.get('11/0')).toMatchObject({ n: 1, ports: [{ port: 2, meters: 20, success: 20 }] });
    expect(d.get('166/4')).toMatchObject({ clockCount: 0 });
    const f167 = d.get('167/4') as { remainingEnergy: number; totalPurchasedEnergy: number };
    expect(f167.remainingEnergy).toBeGreaterThan(0);
    expect(f167.totalPurchasedEnergy % 500).toBe(0);
  });
});

describe('history (AFN0D)', () => {
  it('F161 for 200 points comes multi-frame with a small frame limit and equals the model at 00:00', () => {
    const t = terminal({ meterCount: 200, maxUserLength: 600 });
    const pns = Array.from({ length: 200 }, (_, i) => i + 1);
    const [req] = builders.readDailyFrozen(TARGET, pns, { year: 2024, month: 5, day: 15 }, { seq: 14 });
    const frames = t.receive(req!, T);
    expect(frames.length).toBeGreaterThan(5);
    const asm = new MultiFrameAssembler<Gw376Message>();
    let done: Gw376Message[] | undefined;
    const seqs: number[] = [];
    for (const f of frames) {
      expect(f.length - 8).toBeLessThanOrEqual(600);
      const m = decodeMessage(f);
      seqs.push(m.seq);
      const r = asm.push(m);
      if (r.status === 'complete') done = r.frames;
    }
    expect(seqs.slice(0, 3)).toEqual([14, 15, 0]);
    expect(done).toHaveLength(frames.length);
    const d = dataOf(done!);
    expect(d.size).toBe(200);
    const midnight = fromLocal(2024, 5, 15);
    for (const pn of pns) {
      expect(d.get(`161/${pn}`)).toEqual({
        td: { year: 2024, month: 5, day: 15 },
        time: { year: 2024, month: 5, day: 15, hour: 0, minute: 0 },
        m: 4,
        values: registerValues(energyWhAt(profileOf({ seed: 1, terminal: KEY }, pn), midnight), 'forwardActive'),
      });
    }
  });

  it('daily F1/F5, monthly F17/F177, reading-day F9; future days are EE', () => {
    const t = terminal();
    const day = { year: 2024, month: 5, day: 14 };
    const d = dataOf(ask(t, request(0x0d, [
      { pn: 1, fn: 1, data: { td: day } },
      { pn: 1, fn: 5, data: { td: day } },
      { pn: 1, fn: 177, data: { td: { year: 2024, month: 5 } } },
      { pn: 1, fn: 17, data: { td: { year: 2024, month: 4 } } },
      { pn: 1, fn: 9, data: { td: { year: 2024, month: 5, day: 1 } } },
      { pn: 1, fn: 161, data: { td: { year: 2024, month: 5, day: 16 } } },
    ])));
    const p = profileFor(1, `${KEY}/1`);
    expect(d.get('1/1')).toMatchObject({ active: registerValues(energyWhAt(p, fromLocal(2024, 5, 14)), 'forwardActive') });
    const used = (d.get('5/1') as { values: number[] }).values[0]!;
    const wh = (t0: number) => energyWhAt(p, t0)[0]!.reduce((s, x) => s + x, 0);
    expect(used).toBeCloseTo((wh(fromLocal(2024, 5, 15)) - wh(fromLocal(2024, 5, 14))) / 1000, 4);
    expect(d.get('177/1')).toMatchObject({ td: { year: 2024, month: 5 }, values: registerValues(energyWhAt(p, fromLocal(2024, 5, 1)), 'forwardActive') });
    expect(d.get('17/1')).toMatchObject({ active: registerValues(energyWhAt(p, fromLocal(2024, 4, 1)), 'forwardActive') });
    expect(d.get('9/1')).toMatchObject({ active: registerValues(energyWhAt(p, fromLocal(2024, 5, 1)), 'forwardActive') });
    expect(d.get('161/1')).toMatchObject({ time: null, values: [null, null, null, null, null] });
  });

  it('curves F81, F89, F92, F101 at the requested density; points after the clock are EE', () => {
    const t = terminal();
    const start = { year: 2024, month: 5, day: 15, hour: 10, minute: 0 };
    const td = { start, density: 1, points: 12 };
    const d = dataOf(ask(t, request(0x0d, [81, 89, 92, 101].map((fn) => ({ pn: 2, fn, data: { td } })))));
    const p = profileFor(1, `${KEY}/2`);
    const t0 = fromLocal(2024, 5, 15, 10, 0);
    for (const fn of [81, 89, 92, 101]) {
      const v = d.get(`${fn}/2`) as { td: unknown; values: (number | null)[] };
      expect(v.td).toEqual(td);
      const expected = Array.from({ length: 12 }, (_, i) => (t0 + i * 900_000 <= T ? curvePoint(fn, p, t0 + i * 900_000, 900_000) : null));
      expect(v.values).toEqual(expected);
      expect(v.values.slice(9)).toEqual([null, null, null]);
    }
    expect((d.get('89/2') as { values: number[] }).values[0]).toBe(instantAt(p, t0).phases[0].voltage);
    // 5-minute density.
    const d5 = dataOf(ask(t, request(0x0d, [{ pn: 2, fn: 81, data: { td: { start, density: 254, points: 3 } } }])));
    expect((d5.get('81/2') as { values: number[] }).values).toEqual([0, 1, 2].map((i) => instantAt(p, t0 + i * 300_000).activePower));
  });
});
