import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CH, DAY_MS, energyAt, energyWhAt, EPOCH_MS, fromLocal, instantAt, kwh, profileFor, register, STEP_MS, stepNetWh, tariffOfStep, voltageExcursion,
} from '../../../simulators/model.js';

const T = fromLocal(2024, 5, 15, 12, 7, 30);
const sumTariffs = (row: number[]): number => row.reduce((a, b) => a + b, 0);

describe('model: deterministic value functions', () => {
  it('same seed and id give the same profile and values; another id differs', () => {
    const a = profileFor(7, '000000000001');
    expect(profileFor(7, '000000000001')).toBe(a);
    expect(energyAt(a, T)).toEqual(energyAt(profileFor(7, '000000000001'), T));
    expect(profileFor(7, '000000000002').scale).not.toBe(a.scale);
    expect(profileFor(8, '000000000001').scale).not.toBe(a.scale);
  });

  it('energy is the sum of the fixed 15-minute steps from the epoch (checked by brute force)', () => {
    const p = profileFor(3, 'brute');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 21 * 86_400_000 }), (dt) => {
        const t = EPOCH_MS + dt;
        let fwd = sumTariffs(p.initialWh[CH.forwardActive]!);
        let rev = sumTariffs(p.initialWh[CH.reverseActive]!);
        const steps = Math.floor(dt / STEP_MS);
        for (let i = 0; i <= steps; i++) {
          const day = Math.floor(i / 96);
          const e = stepNetWh(p, (3 + day) % 7, i % 96);
          const elapsed = i < steps ? STEP_MS : dt - steps * STEP_MS;
          const part = (x: number): number => (elapsed === STEP_MS ? x : Math.floor((x * elapsed) / STEP_MS));
          if (e > 0) fwd += part(e);
          else rev += part(-e);
        }
        const wh = energyWhAt(p, t);
        expect(sumTariffs(wh[CH.forwardActive]!)).toBe(fwd);
        expect(sumTariffs(wh[CH.reverseActive]!)).toBe(rev);
      }),
      { numRuns: 40 },
    );
  });

  it('every register is monotonic in time', () => {
    const p = profileFor(1, 'mono');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 * 365 * 86_400_000 }), fc.integer({ min: 0, max: 3 * 86_400_000 }), (a, d) => {
        const x = energyWhAt(p, EPOCH_MS + a);
        const y = energyWhAt(p, EPOCH_MS + a + d);
        x.forEach((row, c) => row.forEach((v, k) => expect(y[c]![k]!).toBeGreaterThanOrEqual(v)));
      }),
      { numRuns: 60 },
    );
  });

  it('energy of 10:00–11:00 goes to tariff 1 (sharp) only; registers are floor(Wh/10)/100 kWh', () => {
    const p = profileFor(1, 'tou');
    const a = energyWhAt(p, fromLocal(2024, 3, 4, 10));
    const b = energyWhAt(p, fromLocal(2024, 3, 4, 11));
    expect(tariffOfStep(40)).toBe(1);
    const diff = b[CH.forwardActive]!.map((v, k) => v - a[CH.forwardActive]![k]!);
    expect(diff[0]).toBeGreaterThan(0);
    expect(diff.slice(1)).toEqual([0, 0, 0]);
    const reg = register(b, 'forwardActive');
    expect(reg.total).toBe(Math.floor(sumTariffs(b[CH.forwardActive]!) / 10) / 100);
    expect(kwh(123_456_789)).toBe(123456.78);
    expect(kwh(10_000_000_010)).toBe(0.01); // rollover at 10^6 kWh
  });

  it('instantaneous values are realistic and quantised to the DL/T 645 resolutions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 * 365 * 86_400_000 }), fc.string({ minLength: 1, maxLength: 12 }), (dt, id) => {
        const p = profileFor(1, id);
        const t = EPOCH_MS + dt;
        const iv = instantAt(p, t);
        const ex = voltageExcursion(p, Math.floor(dt / DAY_MS));
        const h = (dt % DAY_MS) / 3_600_000;
        for (const [i, ph] of iv.phases.entries()) {
          const out = ex !== null && ex.phase === i && h >= ex.fromHour && h < ex.toHour;
          // Inside an excursion the phase is outside 198…235.4 V; otherwise inside 200…240 V.
          if (out && ex.deltaDv > 0) expect(ph.voltage).toBeGreaterThan(235.4);
          else if (out) expect(ph.voltage).toBeLessThan(198);
          else {
            expect(ph.voltage).toBeGreaterThan(200);
            expect(ph.voltage).toBeLessThan(240);
          }
          expect(Math.round(ph.voltage * 10) / 10).toBe(ph.voltage);
          expect(Math.round(ph.current * 1000) / 1000).toBe(ph.current);
          expect(Math.abs(ph.powerFactor)).toBeLessThanOrEqual(1);
        }
        expect(iv.frequency).toBeGreaterThan(49.9);
        expect(iv.frequency).toBeLessThan(50.1);
        expect(Math.round(iv.activePower * 1000) / 1000).toBe(iv.activePower);
        expect(iv.phases.reduce((s, x) => s + Math.round(x.activePower * 1000), 0)).toBe(Math.round(iv.activePower * 1000));
      }),
      { numRuns: 300 },
    );
  });
});

describe('out-of-limit voltage periods', () => {
  it('about one day in ten has one, 1–3 hours long, within 08:00–22:00', () => {
    const p = profileFor(1, 'excursions');
    const days = Array.from({ length: 2000 }, (_, d) => voltageExcursion(p, d));
    const hits = days.filter((x) => x !== null);
    expect(hits.length).toBeGreaterThan(140);
    expect(hits.length).toBeLessThan(260);
    for (const x of hits) {
      expect(x.toHour - x.fromHour).toBeGreaterThanOrEqual(1);
      expect(x.toHour - x.fromHour).toBeLessThanOrEqual(3);
      expect(x.fromHour).toBeGreaterThanOrEqual(8);
      expect(x.toHour).toBeLessThanOrEqual(22);
    }
    expect(new Set(hits.map((x) => x.deltaDv > 0))).toEqual(new Set([true, false]));
  });
});
