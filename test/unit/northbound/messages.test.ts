/**
 * Northbound message mapping (src/northbound/messages.ts) and the `northbound` configuration checks:
 * topics, type filters, ERC14 → power-off / power-on, meter faults with the archive's meter, prepayment
 * alarms, control results (targets listed up to 1 000), readings grouped per terminal and split at 500
 * meters, unknown meters counted; a wrong setting is named.
 */
import { describe, expect, it } from 'vitest';
import type { HesEvents } from '../../../src/bus.js';
import { DEFAULT_CONFIG, validateConfig } from '../../../src/config/schema.js';
import type { MeterLookup, MeterRef } from '../../../src/northbound/lookup.js';
import { MAX_LISTED_TARGETS, READINGS_PER_MESSAGE, controlMessage, eventMessages, prepayMessage, readingMessages, terminalMessage, topicOf, typeMatches } from '../../../src/northbound/messages.js';
import { LocalCalendar } from '../../../src/scheduler/time.js';
import type { Reading } from '../../../src/store/store.js';

const cal = new LocalCalendar(480);
const ref = { id: 'x', terminal: '1101-00002', a1: '1101', a2: 2 };

/** An archive of 2 terminals × 1000 meters: meter id = (terminal - 1) * 1000 + pn. */
const lookup: MeterLookup = {
  byId: (id: number): MeterRef | undefined => (id >= 1 && id <= 2000 ? { id, address: String(100000000000 + id), terminal: `1101-0000${Math.ceil(id / 1000)}`, pn: ((id - 1) % 1000) + 1, account: `A${id}` } : undefined),
  byPoint: (terminal: string, pn: number) => lookup.byId((Number(terminal.slice(5)) - 1) * 1000 + pn),
};

describe('topics and filters', () => {
  it('type segments then the subject under the prefix', () => {
    expect(topicOf('openhes', { type: 'alarm.power-off', subject: '1101-00002' })).toBe('openhes/alarm/power-off/1101-00002');
    expect(topicOf('site/a', { type: 'event.erc14', subject: '1101-00002' })).toBe('site/a/event/erc14/1101-00002');
  });
  it('a filter selects its family or the exact type, nothing that merely shares a prefix', () => {
    expect(typeMatches('alarm.power-off', ['alarm'])).toBe(true);
    expect(typeMatches('alarms.x', ['alarm'])).toBe(false);
    expect(typeMatches('terminal.online', ['terminal.offline'])).toBe(false);
    expect(typeMatches('anything', undefined)).toBe(true);
  });
});

describe('bus events → messages', () => {
  const at = cal.at(2026, 11, 22, 10, 0);
  it('terminal online / offline', () => {
    expect(terminalMessage('offline', { ...ref, at, reason: 'heartbeat-silence', channel: 'tcp', remote: '127.0.0.1:5' })).toEqual({
      type: 'terminal.offline',
      time: new Date(at).toISOString(),
      subject: '1101-00002',
      data: { terminal: '1101-00002', a1: '1101', a2: 2, channel: 'tcp', remote: '127.0.0.1:5', reason: 'heartbeat-silence' },
    });
  });

  it('ERC14 with the power-on time invalid is a power-off alarm at the power-off time; with both, power-on', () => {
    const ev = (powerOn: unknown): HesEvents['event'] => ({ ...ref, at, important: true, records: [{ erc: 14, data: { powerOff: { year: 2026, month: 11, day: 22, hour: 9, minute: 58 }, powerOn } }] });
    const off = eventMessages(ev(null), ev(null).records[0]!, cal, lookup);
    expect(off.map((m) => m.type)).toEqual(['event.erc14', 'alarm.power-off']);
    expect(off[1]!.time).toBe(new Date(cal.at(2026, 11, 22, 9, 58)).toISOString());
    expect(off[1]!.data).toMatchObject({ powerOff: new Date(cal.at(2026, 11, 22, 9, 58)).toISOString(), nameZh: '终端停/上电事件' });
    const on = eventMessages(ev({ year: 2026, month: 11, day: 22, hour: 9, minute: 59 }), ev({ year: 2026, month: 11, day: 22, hour: 9, minute: 59 }).records[0]!, cal, lookup);
    expect(on[1]!.type).toBe('alarm.power-on');
  });

  it('a meter ERC names the meter and account; an ordinary ERC raises no alarm', () => {
    const p: HesEvents['event'] = { ...ref, at, important: false, records: [{ erc: 10, data: { time: { year: 2026, month: 11, day: 22, hour: 9, minute: 0 }, pn: { pn: 7, start: true } } }, { erc: 3, data: null, raw: 'AB' }] };
    const fault = eventMessages(p, p.records[0]!, cal, lookup);
    expect(fault[1]).toMatchObject({ type: 'alarm.meter-fault', data: { pn: 7, meter: '100000001007', account: 'A1007', erc: 10 } });
    expect(eventMessages(p, p.records[1]!, cal, lookup).map((m) => m.type)).toEqual(['event.erc3']);
  });

  it('prepayment: alarm, trip and trip-blocked are alarms; top-up and close are not', () => {
    const m = (kind: HesEvents['prepay']['kind']) => prepayMessage({ account: '1101000020003', kind, balanceYuan: -1.5, at });
    expect(['alarm', 'trip', 'trip-blocked', 'topup', 'close'].map((k) => m(k as HesEvents['prepay']['kind']).type)).toEqual(['alarm.prepay-alarm', 'alarm.prepay-trip', 'alarm.prepay-trip-blocked', 'prepay.topup', 'prepay.close']);
  });

  it('control: a state change, and a result with its targets — counts only above 1 000 targets', () => {
    const p: HesEvents['control'] = { request: 17, kind: 'scheme', scheme: 'peak', state: 'done', phase: 'run', at };
    expect(controlMessage({ ...p, state: 'executing' }, undefined)).toMatchObject({ type: 'control.state', subject: '17', data: { state: 'executing' } });
    const few = controlMessage(p, { byOutcome: { 'confirmed-verified': 2 }, results: [{ target: 'a', outcome: 'confirmed-verified' }, { target: 'b', outcome: 'confirmed-verified' }] });
    expect(few).toMatchObject({ type: 'control.result', data: { scheme: 'peak', results: [{ target: 'a' }, { target: 'b' }] } });
    const many = controlMessage(p, { results: Array.from({ length: MAX_LISTED_TARGETS + 1 }, (_, i) => ({ target: String(i), outcome: 'offline' })) });
    expect(many.data.results).toBeUndefined();
    expect(many.data.resultsOmitted).toBe(MAX_LISTED_TARGETS + 1);
  });

  it('readings: day kinds only, one message per terminal and data time, split at 500 meters, registers by field name', () => {
    const day = cal.at(2026, 11, 22);
    const r = (meter: number, quantity: Reading['quantity'], kind: Reading['kind'] = 'day'): Reading => ({ meter, kind, quantity, time: day, values: [10, 1, 2, null, 4], quality: 'collected' });
    const readings: Reading[] = [];
    for (let id = 1; id <= 600; id++) readings.push(r(id, 'ea_imp'), r(id, 'er_imp'));
    readings.push(r(1001, 'ea_imp'), r(5000, 'ea_imp'), r(2, 'p', 'curve'));
    const out = readingMessages({ at: day + 3_600_000, readings }, new Set(['day']), lookup);
    expect(out.unknown).toBe(1);
    expect(out.drafts.map((d) => [d.type, d.subject, (d.data.meters as unknown[]).length])).toEqual([
      ['reading.daily', '1101-00001', READINGS_PER_MESSAGE],
      ['reading.daily', '1101-00001', 100],
      ['reading.daily', '1101-00002', 1],
    ]);
    expect((out.drafts[0]!.data.meters as unknown[])[0]).toEqual({
      meter: '100000000001',
      pn: 1,
      account: 'A1',
      dataTime: '2026-11-22T00:00:00+08:00',
      registers: { ea_imp: { values: { total: 10, r1: 1, r2: 2, r3: null, r4: 4 }, quality: 'collected' }, er_imp: { values: { total: 10, r1: 1, r2: 2, r3: null, r4: 4 }, quality: 'collected' } },
    });
  });
});

describe('configuration', () => {
  it('defaults are valid; wrong settings are each named', () => {
    expect(validateConfig(DEFAULT_CONFIG, 'defaults').northbound.mqtt).toBe('');
    const bad = { ...DEFAULT_CONFIG, northbound: { ...DEFAULT_CONFIG.northbound, mqtt: 'tcp://x', qos: 3, types: 'alarm,weather', readings: 'curve', webhooks: [{ url: 'ftp://x' }, { url: 'http://127.0.0.1:1/h', secret: 'short', types: ['Alarm!'], extra: 1 }] } };
    let problems: readonly string[] = [];
    try {
      validateConfig(bad, 'test');
    } catch (e) {
      problems = (e as { problems: readonly string[] }).problems;
    }
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'northbound.mqtt',
      'northbound.qos',
      'northbound.types',
      'northbound.readings',
      'northbound.webhooks[0].url',
      'northbound.webhooks[1].extra',
      'northbound.webhooks[1].secret',
      'northbound.webhooks[1].types',
    ]);
  });
});
