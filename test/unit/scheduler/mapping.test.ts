/**
 * 376.1 data groups → store readings, end to end without a network: a planned request goes to a simulated
 * terminal, its answer is decoded by the codec and mapped; every value equals the model's formula
 * (simulators/model.ts), invalid markers become null (never 0), all-null readings are not written.
 */
import { describe, expect, it } from 'vitest';
import type { ErcRecord } from '../../../protocols/gw376/erc/registry.js';
import { builders, decodeMessage, encodeMessage, type Gw376Message } from '../../../protocols/gw376/index.js';
import { INDICATION_QUANTITIES, SimulatedTerminal, curvePoint, f25Of, profileOf, registerValues } from '../../../simulators/concentrator/index.js';
import { energyWhAt, instantAt, quantityWhAt } from '../../../simulators/model.js';
import type { RequestResult } from '../../../src/fep/request-queue.js';
import { readingsOf } from '../../../src/scheduler/executor.js';
import { TD_BYTES } from '../../../src/scheduler/fns.js';
import { storedEventOf } from '../../../src/scheduler/mapping/events.js';
import { planRequests, type Need } from '../../../src/scheduler/planner.js';
import { LocalCalendar, curvePointsOfDay } from '../../../src/scheduler/time.js';
import type { SeriesKind } from '../../../src/store/quantities.js';
import type { Reading } from '../../../src/store/store.js';

const cal = new LocalCalendar(480);
const ID = { a1: '1101', a2: 7 };
const KEY = '1101-00007';
/** 10:00 CST, 3 May 2024. */
const NOW = Date.UTC(2024, 4, 3, 2, 0, 0);
const DAY = { year: 2024, month: 5, day: 2 };
const LIMITS = { pnPerUnit: 8, maxPointsPerRequest: 64, maxRequestBytes: 4096 };
const ctx = { seed: 1, terminal: KEY };
/** Meter id = 1000 + Pn. */
const meterOfPn = new Map(Array.from({ length: 8 }, (_, i) => [i + 1, 1001 + i]));

function ask(dev: SimulatedTerminal, afn: number, needs: Need[], td: number, kind: SeriesKind): Reading[] {
  const out: Reading[] = [];
  planRequests(afn, needs, td, LIMITS).forEach((r, i) => {
    const frame = encodeMessage({ ...builders.requestHeader(afn, { ...ID, msa: 1 }, { seq: i & 15, now: new Date(NOW) }), units: r.units });
    const messages: Gw376Message[] = dev.receive(frame, NOW).map((f) => decodeMessage(f));
    const result: RequestResult = { terminal: KEY, afn, units: messages.flatMap((m) => m.units), messages, frames: messages.length, attempts: 1, latencyMs: 0 };
    out.push(...readingsOf(result, { terminal: KEY, kind, quality: 'collected', meterOfPn }, cal, NOW).readings);
  });
  return out.sort((a, b) => a.meter - b.meter || a.quantity.localeCompare(b.quantity) || a.time - b.time);
}

describe('mapping 376.1 answers to readings', () => {
  it('daily frozen F161–F164: day 00:00, read time, total + 4 rates = the model registers', () => {
    const dev = new SimulatedTerminal(ID, { meterCount: 8 });
    const needs = [1, 2, 3, 4, 5, 6, 7, 8].map((pn) => ({ pn, fns: [161, 162, 163, 164], td: DAY, tdKey: 'd' }));
    const rs = ask(dev, 0x0d, needs, TD_BYTES.d, 'day');
    expect(rs).toHaveLength(32);
    const t = cal.dayStart(DAY);
    for (const r of rs) {
      const pn = r.meter - 1000;
      const k = ['ea_imp', 'er_imp', 'ea_exp', 'er_exp'].indexOf(r.quantity);
      expect(r).toMatchObject({ kind: 'day', time: t, readAt: t, quality: 'collected' });
      expect(r.values).toEqual(registerValues(energyWhAt(profileOf(ctx, pn), t), INDICATION_QUANTITIES[k]!));
    }
  });

  it('energy used F5–F8 (Td D) and F21 (Td month M) are stored at the end of the period they cover', () => {
    const dev = new SimulatedTerminal(ID, { meterCount: 8 });
    const rs = ask(dev, 0x0d, [{ pn: 6, fns: [5, 6, 7, 8], td: DAY, tdKey: 'd' }], TD_BYTES.d, 'day');
    const from = cal.dayStart(DAY);
    const to = cal.dayStart({ ...DAY, day: DAY.day + 1 });
    const p = profileOf(ctx, 6);
    const byQ = new Map(rs.map((r) => [r.quantity, r]));
    expect([...byQ.keys()].sort()).toEqual(['ea_exp_use', 'ea_imp_use', 'er_exp_use', 'er_imp_use']);
    for (const r of rs) expect(r).toMatchObject({ kind: 'day', time: to, quality: 'collected' });
    // The meter's own count (A.13, 0.0001 kWh): Wh used per tariff, total = their sum.
    const r4 = (v: number | null) => Math.round(v! * 10_000);
    const wh = quantityWhAt(p, to, 'forwardActive').map((x, i) => x - quantityWhAt(p, from, 'forwardActive')[i]!);
    expect(byQ.get('ea_imp_use')!.values.map(r4)).toEqual([wh.reduce((a, b) => a + b, 0), ...wh].map((x) => x * 10));
    expect(byQ.get('ea_imp_use')!.values[0]).toBeGreaterThan(0);
    const month = ask(dev, 0x0d, [{ pn: 6, fns: [21], td: { year: 2024, month: 4 }, tdKey: 'm' }], TD_BYTES.m, 'month');
    expect(month).toHaveLength(1);
    expect(month[0]).toMatchObject({ kind: 'month', quantity: 'ea_imp_use', time: cal.monthStart({ year: 2024, month: 5 }) });
    expect(month[0]!.values[0]).toBeGreaterThan(byQ.get('ea_imp_use')!.values[0]!);
  });

  it('a missing meter answers EEH: all-null readings are not written', () => {
    const dev = new SimulatedTerminal(ID, { meterCount: 8 });
    dev.faults.set({ meterMissing: new Set([3]) }, NOW);
    const rs = ask(dev, 0x0d, [{ pn: 3, fns: [161], td: DAY, tdKey: 'd' }, { pn: 4, fns: [161], td: DAY, tdKey: 'd' }], TD_BYTES.d, 'day');
    expect(rs.map((r) => r.meter)).toEqual([1004]);
  });

  it('curves: F81–F84 make p, F89–F91 u, F92–F94 i, F101 ea_imp — one reading per point', () => {
    const dev = new SimulatedTerminal(ID, { meterCount: 8 });
    const td = { start: { ...DAY, hour: 0, minute: 0 }, density: 1, points: 96 };
    const fns = [81, 82, 83, 84, 89, 90, 91, 92, 93, 94, 101];
    const rs = ask(dev, 0x0d, [{ pn: 2, fns, td, tdKey: 'c' }], TD_BYTES.c, 'curve');
    const points = curvePointsOfDay(cal, DAY, 15);
    expect(rs).toHaveLength(4 * 96);
    const p = profileOf(ctx, 2);
    const step = 15 * 60_000;
    const byQ = (q: string) => rs.filter((r) => r.quantity === q);
    expect(byQ('p').map((r) => r.time)).toEqual(points);
    for (const r of byQ('p')) expect(r.values).toEqual([81, 82, 83, 84].map((fn) => curvePoint(fn, p, r.time, step)));
    for (const r of byQ('u')) expect(r.values).toEqual([89, 90, 91].map((fn) => curvePoint(fn, p, r.time, step)));
    for (const r of byQ('i')) expect(r.values).toEqual([92, 93, 94].map((fn) => curvePoint(fn, p, r.time, step)));
    for (const r of byQ('ea_imp')) expect(r.values).toEqual([curvePoint(101, p, r.time, step)]);
  });

  it('curves F97–F100: energy used in the interval ending at each point', () => {
    const dev = new SimulatedTerminal(ID, { meterCount: 8 });
    const td = { start: { ...DAY, hour: 0, minute: 15 }, density: 1, points: 8 };
    const rs = ask(dev, 0x0d, [{ pn: 3, fns: [97, 98, 99, 100], td, tdKey: 'c' }], TD_BYTES.c, 'curve');
    const p = profileOf(ctx, 3);
    const step = 15 * 60_000;
    expect(new Set(rs.map((r) => r.quantity))).toEqual(new Set(['ea_imp_use', 'er_imp_use', 'ea_exp_use', 'er_exp_use']));
    const imp = rs.filter((r) => r.quantity === 'ea_imp_use');
    expect(imp.map((r) => r.time)).toEqual(Array.from({ length: 8 }, (_, i) => cal.dayStart(DAY) + (i + 1) * step));
    for (const r of imp) expect(r.values).toEqual([curvePoint(97, p, r.time, step)]);
  });

  it('AFN0C F25 → snapshot p/q/pf/u/i/i0/s at the read time', () => {
    const dev = new SimulatedTerminal(ID, { meterCount: 8 });
    const rs = ask(dev, 0x0c, [{ pn: 5, fns: [25], tdKey: '' }], 0, 'snapshot');
    const f = f25Of(instantAt(profileOf(ctx, 5), NOW), NOW) as Record<string, number>;
    const v = (q: string) => rs.find((r) => r.quantity === q)!.values;
    expect(rs.every((r) => r.time === NOW && r.kind === 'snapshot')).toBe(true);
    expect(v('p')).toEqual([f.p, f.pa, f.pb, f.pc]);
    expect(v('pf')).toEqual([f.pf, f.pfa, f.pfb, f.pfc]);
    expect(v('u')).toEqual([f.ua, f.ub, f.uc]);
    expect(v('i')).toEqual([f.ia, f.ib, f.ic]);
    expect(v('i0')).toEqual([f.i0]);
    expect(v('s')).toEqual([f.s, f.sa, f.sb, f.sc]);
  });

  it('monthly frozen F177 → month reading at 00:00 of the 1st', () => {
    const dev = new SimulatedTerminal(ID, { meterCount: 8 });
    const rs = ask(dev, 0x0d, [{ pn: 1, fns: [177], td: { year: 2024, month: 5 }, tdKey: 'm' }], TD_BYTES.m, 'month');
    const t = cal.monthStart({ year: 2024, month: 5 });
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ kind: 'month', quantity: 'ea_imp', time: t });
    expect(rs[0]!.values).toEqual(registerValues(energyWhAt(profileOf(ctx, 1), t), 'forwardActive'));
  });

  it('an ERC record → StoredEvent with its own time and the meter of its Pn', () => {
    const rec: ErcRecord = { erc: 31, data: { time: { year: 2024, month: 5, day: 3, hour: 9, minute: 45 }, pn: { pn: 4, start: true }, lastSuccess: null, activeEnergy: 12.5, reactiveEnergy: null } };
    const e = storedEventOf(rec, { cal, terminal: 9, meterOf: (pn) => meterOfPn.get(pn), important: false, now: NOW });
    expect(e).toMatchObject({ terminal: 9, meter: 1004, erc: 31, important: false, time: cal.at(2024, 5, 3, 9, 45) });
    const power: ErcRecord = { erc: 14, data: { powerOff: { year: 2024, month: 5, day: 3, hour: 1, minute: 0 }, powerOn: null } };
    expect(storedEventOf(power, { cal, terminal: 9, meterOf: () => undefined, important: true, now: NOW }).time).toBe(cal.at(2024, 5, 3, 1, 0));
    const raw: ErcRecord = { erc: 52, data: null, raw: 'AABB' };
    const r = storedEventOf(raw, { cal, terminal: 9, meterOf: () => undefined, important: false, now: NOW });
    expect(r.time).toBe(NOW);
    expect(r.record).toEqual({ erc: 52, data: null, raw: 'AABB' });
  });
});
