/**
 * Planner: Pn × Fn batching into DA/DT units and frames within the limits; the frames encode, a simulated
 * terminal answers every (Pn, Fn) asked, and nothing is asked twice.
 */
import { describe, expect, it } from 'vitest';
import type { KnownUnit } from '../../../protocols/gw376/index.js';
import { builders, decodeFrame, decodeMessage, encodeMessage } from '../../../protocols/gw376/index.js';
import { SimulatedTerminal } from '../../../simulators/concentrator/index.js';
import { TD_BYTES } from '../../../src/scheduler/fns.js';
import { REQUEST_OVERHEAD, planRequests, type BatchLimits, type Need } from '../../../src/scheduler/planner.js';

const TARGET = { a1: '1101', a2: 7, msa: 1 };
const LIMITS: BatchLimits = { pnPerUnit: 8, maxPointsPerRequest: 64, maxRequestBytes: 4096 };
const DAY = { year: 2024, month: 5, day: 2 };
const daily = (pns: number[], fns = [161, 162, 163, 164]): Need[] => pns.map((pn) => ({ pn, fns, td: DAY, tdKey: '2024-05-02' }));
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

function frameOf(units: KnownUnit[], afn = 0x0d, seq = 0): Buffer {
  return encodeMessage({ ...builders.requestHeader(afn, TARGET, { seq, now: new Date(Date.UTC(2024, 4, 3, 2)) }), units });
}

function pairs(units: readonly KnownUnit[]): string[] {
  return units.map((u) => `${u.pn}/${u.fn}`);
}

describe('planRequests', () => {
  it('200 meters × F161–F164: 8 Pn per DA, 64 Pn per request, every pair once, frames within the limit', () => {
    const plan = planRequests(0x0d, daily(range(1, 200)), TD_BYTES.d, LIMITS);
    expect(plan).toHaveLength(4);
    expect(plan.map((r) => r.pns.length)).toEqual([64, 64, 64, 8]);
    const all = plan.flatMap((r) => pairs(r.units));
    expect(all).toHaveLength(800);
    expect(new Set(all).size).toBe(800);
    for (const r of plan) {
      const f = decodeFrame(frameOf(r.units));
      // The planner counts a Tp (6 bytes) the AFN0D request may or may not carry.
      expect(f.userLength).toBeLessThanOrEqual(r.bytes);
      expect(f.userLength).toBeGreaterThanOrEqual(r.bytes - 6);
      expect(r.bytes).toBeLessThanOrEqual(LIMITS.maxRequestBytes);
      // 8 DA/DT units of 8 Pn × 4 Fn, each with 32 Td_d
      const m = decodeMessage(frameOf(r.units));
      expect(new Set(m.units.map((u) => u.block)).size).toBe(r.pns.length / 8);
      expect(m.units.every((u) => !u.raw && (u.data as { td: unknown }).td !== undefined)).toBe(true);
    }
    expect(plan[0]!.bytes).toBe(REQUEST_OVERHEAD + 8 * (4 + 8 * 4 * 3));
  });

  it('respects a small frame (radio channel, 255 bytes): units split by points', () => {
    const plan = planRequests(0x0d, daily(range(1, 40)), TD_BYTES.d, { ...LIMITS, maxRequestBytes: 255 });
    for (const r of plan) expect(decodeFrame(frameOf(r.units)).userLength).toBeLessThanOrEqual(255);
    expect(new Set(plan.flatMap((r) => pairs(r.units))).size).toBe(160);
  });

  it('pnPerUnit 1: one point per DA', () => {
    const plan = planRequests(0x0d, daily(range(1, 10)), TD_BYTES.d, { ...LIMITS, pnPerUnit: 1 });
    const m = decodeMessage(frameOf(plan[0]!.units));
    expect(new Set(m.units.map((u) => u.block)).size).toBe(10);
  });

  it('points with different time labels or Fns never share a DA', () => {
    const needs: Need[] = [
      { pn: 1, fns: [161], td: DAY, tdKey: 'a' },
      { pn: 2, fns: [161], td: { year: 2024, month: 5, day: 1 }, tdKey: 'b' },
      { pn: 3, fns: [161, 162], td: DAY, tdKey: 'a' },
      { pn: 4, fns: [161], td: DAY, tdKey: 'a' },
    ];
    const [r] = planRequests(0x0d, needs, TD_BYTES.d, LIMITS);
    const byBlock = new Map<number, KnownUnit[]>();
    for (const u of r!.units) byBlock.set(u.block!, [...(byBlock.get(u.block!) ?? []), u]);
    const shapes = [...byBlock.values()].map((us) => [...new Set(us.map((u) => u.pn))].join(',') + ':' + [...new Set(us.map((u) => u.fn))].join(','));
    expect(shapes.sort()).toEqual(['1,4:161', '2:161', '3:161,162'].sort());
    expect(decodeMessage(frameOf(r!.units)).units).toHaveLength(5);
  });

  it('curve Fns are split across frames only along quantities (F89–F91 u and F92–F94 i stay whole)', () => {
    const td = { start: { year: 2024, month: 5, day: 2, hour: 0, minute: 0 }, density: 1, points: 96 };
    const needs: Need[] = [{ pn: 1, fns: [89, 90, 91, 92, 93, 94], td, tdKey: 'c', together: [[89, 90, 91], [92, 93, 94]] }];
    const plan = planRequests(0x0d, needs, TD_BYTES.c, { ...LIMITS, maxRequestBytes: REQUEST_OVERHEAD + 4 + 3 * 7 });
    expect(plan.map((r) => [...new Set(r.units.map((u) => u.fn))])).toEqual([[89, 90, 91], [92, 93, 94]]);
  });

  it('AFN0C needs carry no time label', () => {
    const plan = planRequests(0x0c, range(1, 12).map((pn) => ({ pn, fns: [25, 33], tdKey: '' })), 0, LIMITS);
    expect(plan).toHaveLength(1);
    expect(plan[0]!.units.every((u) => u.data === undefined)).toBe(true);
    const m = decodeMessage(frameOf(plan[0]!.units, 0x0c));
    expect(pairs(m.units as KnownUnit[]).sort()).toEqual(range(1, 12).flatMap((pn) => [`${pn}/25`, `${pn}/33`]).sort());
  });

  it('a simulated terminal answers every (Pn, Fn) of a planned request', () => {
    const dev = new SimulatedTerminal({ a1: '1101', a2: 7 }, { meterCount: 50, maxUserLength: 800 });
    const plan = planRequests(0x0d, daily(range(1, 50)), TD_BYTES.d, LIMITS);
    const got: string[] = [];
    plan.forEach((r, i) => {
      const replies = dev.receive(frameOf(r.units, 0x0d, i & 15), Date.UTC(2024, 4, 3, 2));
      for (const f of replies) got.push(...pairs(decodeMessage(f).units as KnownUnit[]));
    });
    expect(got.sort()).toEqual(plan.flatMap((r) => pairs(r.units)).sort());
  });
});
