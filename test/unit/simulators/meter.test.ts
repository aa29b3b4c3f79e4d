import { describe, expect, it } from 'vitest';
import type { Dlt645Message } from '../../../protocols/dlt645/index.js';
import { SimulatedMeter } from '../../../simulators/meter/meter.js';
import { energyAt, fromLocal, instantAt, profileFor } from '../../../simulators/model.js';
import { ask, control, OPERATOR, PW, readValue, T } from './helpers.js';

const ADDRESS = '123456789012';
const make = (extra: Partial<ConstructorParameters<typeof SimulatedMeter>[0]> = {}, now = (): number => T): SimulatedMeter =>
  new SimulatedMeter({ address: ADDRESS, seed: 42, now, ...extra });
const err = (m: Dlt645Message): number => (m.kind === 'error' ? m.code : -1);

describe('SimulatedMeter: values are the model at the injected time', () => {
  it('energy registers (total, tariff block, reverse, combined reactive)', () => {
    const meter = make();
    const e = energyAt(profileFor(42, ADDRESS), T);
    expect(readValue(meter, '00010000')).toBe(e.forwardActive.total);
    expect(readValue(meter, '0001FF00')).toEqual(e.forwardActive);
    expect(readValue(meter, '00010300')).toBe(e.forwardActive.rates[2]);
    expect(readValue(meter, '00020000')).toBe(e.reverseActive.total);
    expect(readValue(meter, '00000000')).toBe(e.combinedActive.total);
    expect(readValue(meter, '00030000')).toBe(e.combinedReactive1.total);
    expect(readValue(meter, '00050000')).toBe(e.q1.total);
  });

  it('energy at the last settlement (1st of the month 00:00) for DI0 = 01', () => {
    const e = energyAt(profileFor(42, ADDRESS), fromLocal(2024, 5, 1));
    expect(readValue(make(), '00010001')).toBe(e.forwardActive.total);
  });

  it('instantaneous values: voltages, currents, powers, PF, frequency', () => {
    const meter = make();
    const iv = instantAt(profileFor(42, ADDRESS), T);
    expect(readValue(meter, '0201FF00')).toEqual({ a: iv.phases[0].voltage, b: iv.phases[1].voltage, c: iv.phases[2].voltage });
    expect(readValue(meter, '02020200')).toBe(iv.phases[1].current);
    expect(readValue(meter, '02030000')).toBe(iv.activePower);
    expect(readValue(meter, '02060000')).toBe(iv.powerFactor);
    expect(readValue(meter, '02800002')).toBe(iv.frequency);
  });

  it('clock, address and meter number', () => {
    const meter = make();
    expect(readValue(meter, '04000101')).toEqual({ week: 3, date: '2024-05-15' });
    expect(readValue(meter, '04000102')).toBe('12:07:30');
    expect(readValue(meter, '04000401')).toBe(ADDRESS);
    expect((ask(meter, { kind: 'readAddress' }, 'AAAAAAAAAAAA')!.decoded.message as { address: string }).address).toBe(ADDRESS);
  });

  it('an unknown DI and a DI the model has no value for get D1 with ERR 02', () => {
    const meter = make();
    const r = ask(meter, { kind: 'read', di: '0F0F0F0F' })!;
    expect(r.decoded.control).toBe(0xd1);
    expect(err(r.decoded.message)).toBe(0x02);
    // The digest's example frame (§4): 68 12 90 78 56 34 12 68 D1 01 35 8D 16.
    expect(r.bytes.toString('hex')).toBe('6812907856341268d101358d16');
    expect(err(ask(meter, { kind: 'read', di: '02080100' })!.decoded.message)).toBe(0x02); // waveform distortion: no model
    expect(err(ask(meter, { kind: 'read', di: '04000C03' })!.decoded.message)).toBe(0x02); // passwords are not readable
  });

  it('a 1997 meter answers 1997 DIs from the same model and ignores 2007 requests', () => {
    const meter = make({ edition: 1997 });
    const e = energyAt(profileFor(42, ADDRESS), T);
    expect(readValue(meter, '9010')).toBe(e.forwardActive.total);
    expect(readValue(meter, '901F')).toEqual(e.forwardActive);
    expect(readValue(meter, 'B611')).toBe(Math.round(instantAt(profileFor(42, ADDRESS), T).phases[0].voltage));
    expect(meter.handle({ ...ask(make(), { kind: 'read', di: '00010000' })!.decoded, direction: 'request' })).toBeNull();
  });
});

describe('SimulatedMeter: remote control and status word 3 (digest §5.3)', () => {
  const sw3 = (m: SimulatedMeter): number => (readValue(m, '04000503') as { raw: number }).raw;

  it('trip sets bit6 and bit4; direct close clears both', () => {
    const meter = make();
    expect(ask(meter, control('trip'))!.decoded.control).toBe(0x9c);
    expect(sw3(meter) & 0x50).toBe(0x50);
    expect(readValue(meter, '1D000001')).toBe(1);
    ask(meter, control('closeDirect'));
    expect(sw3(meter) & 0x50).toBe(0);
    expect(readValue(meter, '1E000001')).toBe(1);
  });

  it('close allowed clears bit6 and leaves bit4 until the button is pressed', () => {
    const meter = make();
    ask(meter, control('trip'));
    expect(meter.pressButton()).toBe(false); // command still "trip"
    ask(meter, control('closeAllowed'));
    expect(sw3(meter) & 0x50).toBe(0x10);
    expect(meter.pressButton()).toBe(true);
    expect(sw3(meter) & 0x50).toBe(0);
  });

  it('keep-power blocks trip until released', () => {
    const meter = make();
    ask(meter, control('keepPower'));
    expect(sw3(meter) & 0x1000).toBe(0x1000);
    const r = ask(meter, control('trip'))!;
    expect(r.decoded.control).toBe(0xdc);
    expect(meter.relayOpen).toBe(false);
    ask(meter, control('keepPowerRelease'));
    expect(ask(meter, control('trip'))!.decoded.control).toBe(0x9c);
    expect(meter.relayOpen).toBe(true);
  });

  it('the trip record carries the operator code and the time', () => {
    const meter = make();
    ask(meter, control('trip'));
    expect(readValue(meter, '1D000201')).toBe(OPERATOR);
    expect(readValue(meter, '1D000101')).toBe('2024-05-15T12:07:30');
  });
});

describe('SimulatedMeter: passwords, writes and administrative commands', () => {
  const bad = { level: 2, code: '123456' };

  it('a wrong password gets ERR 04 on write, control, clear; a configured level 4 password works', () => {
    const meter = make({ passwords: { 2: '000000', 4: '999999' } });
    const w = ask(meter, { kind: 'write', di: '04000102', password: bad, operator: OPERATOR, data: '', value: '08:00:00' })!;
    expect(w.decoded.control).toBe(0xd4);
    expect(err(w.decoded.message)).toBe(0x04);
    expect(err(ask(meter, control('trip', bad))!.decoded.message)).toBe(0x04);
    expect(err(ask(meter, { kind: 'meterClear', password: { level: 3, code: '000000' }, operator: OPERATOR })!.decoded.message)).toBe(0x04);
    expect(meter.relayOpen).toBe(false);
    expect(ask(meter, control('trip', { level: 4, code: '999999' }))!.decoded.control).toBe(0x9c);
  });

  it('writing date and time moves the meter clock and records programming and time-set events', () => {
    let now = T;
    const meter = make({}, () => now);
    const w = ask(meter, { kind: 'write', di: '04000102', password: PW, operator: OPERATOR, data: '', value: '08:00:00' })!;
    expect(w.decoded.control).toBe(0x94);
    expect(readValue(meter, '04000102')).toBe('08:00:00');
    ask(meter, { kind: 'write', di: '04000101', password: PW, operator: OPERATOR, data: '', value: { week: 1, date: '2024-01-01' } });
    now += 5000;
    expect(readValue(meter, '04000101')).toEqual({ week: 1, date: '2024-01-01' });
    expect(readValue(meter, '04000102')).toBe('08:00:05');
    expect(readValue(meter, '03300000')).toBe(2);
    const rec = readValue(meter, '03300001') as Record<string, unknown>;
    expect(rec).toMatchObject({ operator: OPERATOR, di1: '04000101', di2: 'FFFFFFFF' });
    expect(readValue(meter, '03300400')).toBe(2);
    // Energy follows real time, not the meter clock (the clock went back; registers did not).
    expect(readValue(meter, '00010000')).toBe(energyAt(profileFor(42, ADDRESS), now).forwardActive.total);
  });

  it('writes a generic parameter and reads it back; read-only DIs are refused', () => {
    const meter = make();
    expect(ask(meter, { kind: 'write', di: '04000103', password: PW, operator: OPERATOR, data: '', value: 30 })!.decoded.control).toBe(0x94);
    expect(readValue(meter, '04000103')).toBe(30);
    expect(err(ask(meter, { kind: 'write', di: '00010000', password: PW, operator: OPERATOR, data: '00000000' })!.decoded.message)).not.toBe(-1);
  });

  it('15H changes the address (reply from the new one), 17H the baud after the reply', () => {
    const meter = make();
    const r = ask(meter, { kind: 'writeAddress', newAddress: '000000000077' }, 'AAAAAAAAAAAA')!;
    expect(r.decoded.control).toBe(0x95);
    expect(r.decoded.address).toBe('000000000077');
    expect(meter.address).toBe('000000000077');
    const b = ask(meter, { kind: 'changeBaud', baud: 9600 })!;
    expect(b.decoded.control).toBe(0x97);
    expect(meter.baud).toBe(9600);
    expect((readValue(meter, '04000703') as { raw: number }).raw).toBe(0x20);
  });

  it('18H changes a password; the old one stops working', () => {
    const meter = make();
    const r = ask(meter, { kind: 'changePassword', di: '04000C03', old: PW, new: { level: 2, code: '654321' } })!;
    expect(r.decoded.control).toBe(0x98);
    expect(err(ask(meter, control('trip'))!.decoded.message)).toBe(0x04);
    expect(ask(meter, control('trip', { level: 2, code: '654321' }))!.decoded.control).toBe(0x9c);
  });

  it('16H 99999999 records an instant freeze with the energy at that time', () => {
    const meter = make();
    expect(ask(meter, { kind: 'freeze', minute: null, hour: null, day: null, month: null })!.decoded.control).toBe(0x96);
    expect(readValue(meter, '05010001')).toBe('2024-05-15T12:07');
    expect(readValue(meter, '05010101')).toEqual(energyAt(profileFor(42, ADDRESS), T).forwardActive);
  });

  it('daily freeze 05060101 is the energy at 00:00 of the meter day', () => {
    expect(readValue(make(), '05060101')).toEqual(energyAt(profileFor(42, ADDRESS), fromLocal(2024, 5, 15)).forwardActive);
  });

  it('meter clear zeroes the registers, which then grow again; demand reset and event clear are recorded', () => {
    let now = T;
    const meter = make({}, () => now);
    ask(meter, control('trip'));
    expect(ask(meter, { kind: 'meterClear', password: PW, operator: OPERATOR })!.decoded.control).toBe(0x9a);
    expect(readValue(meter, '00010000')).toBe(0);
    expect(readValue(meter, '1D000001')).toBe(0);
    expect(readValue(meter, '03300100')).toBe(1);
    now += 3_600_000;
    expect(readValue(meter, '00010000')).toBeGreaterThan(0);
    expect(ask(meter, { kind: 'demandReset', password: PW, operator: OPERATOR })!.decoded.control).toBe(0x99);
    expect(readValue(meter, '03300200')).toBe(1);
    expect(ask(meter, { kind: 'eventClear', password: PW, operator: OPERATOR, di: 'FFFFFFFF' })!.decoded.control).toBe(0x9b);
    expect(readValue(meter, '03300200')).toBe(0);
    expect(readValue(meter, '03300300')).toBe(1);
    expect((readValue(meter, '03300301') as Record<string, unknown>)['clearedDi']).toBe('FFFFFFFF');
  });

  it('broadcast time trims the clock within ±5 min and is never answered', () => {
    const meter = make();
    expect(ask(meter, { kind: 'broadcastTime', time: '2024-05-15T12:09:00' }, '999999999999')).toBeNull();
    expect(readValue(meter, '04000102')).toBe('12:09:00');
    ask(meter, { kind: 'broadcastTime', time: '2024-05-15T18:00:00' }, '999999999999');
    expect(readValue(meter, '04000102')).toBe('12:09:00');
  });
});

describe('SimulatedMeter: follow-up frames (B1H / 12H) when a reply exceeds 200 bytes', () => {
  it('a 202-byte demand-clear record comes as B1 + 92 and reassembles', () => {
    const meter = make();
    ask(meter, { kind: 'demandReset', password: PW, operator: OPERATOR });
    const whole = meter.dataOf(0x03300201) as Buffer;
    expect(whole.length).toBe(202);
    const first = ask(meter, { kind: 'read', di: '03300201' })!;
    expect(first.decoded.control).toBe(0xb1);
    expect(first.bytes[9]).toBe(200);
    const f1 = first.decoded.message as { raw: string };
    const next = ask(meter, { kind: 'readFollow', di: '03300201', seq: 1 })!;
    expect(next.decoded.control).toBe(0x92);
    const f2 = next.decoded.message as { raw: string; seq: number };
    expect(f2.seq).toBe(1);
    expect(Buffer.from((f1.raw + f2.raw).replace(/ /g, ''), 'hex')).toEqual(whole);
    // No more pending data: another follow-up is ERR 02.
    expect(ask(meter, { kind: 'readFollow', di: '03300201', seq: 2 })!.decoded.control).toBe(0xd2);
  });

  it('with a smaller frame limit a block is split over several follow-ups (B2 then 92)', () => {
    const meter = make({ maxReplyData: 12 });
    const whole = meter.dataOf(0x0001ff00) as Buffer;
    const parts: string[] = [];
    const first = ask(meter, { kind: 'read', di: '0001FF00' })!;
    expect(first.decoded.control).toBe(0xb1);
    parts.push((first.decoded.message as { raw: string }).raw);
    const controls: number[] = [];
    for (let seq = 1; seq < 10; seq++) {
      const r = ask(meter, { kind: 'readFollow', di: '0001FF00', seq })!;
      controls.push(r.decoded.control);
      parts.push((r.decoded.message as { raw: string }).raw);
      if (r.decoded.control === 0x92) break;
    }
    expect(controls).toEqual([0xb2, 0x92]);
    expect(Buffer.from(parts.join('').replace(/ /g, ''), 'hex')).toEqual(whole);
  });
});
