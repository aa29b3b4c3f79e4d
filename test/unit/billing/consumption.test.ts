import { describe, expect, it } from 'vitest';
import { fieldConsumption, registerConsumption, type MeterSeries } from '../../../src/billing/consumption.js';

const CAP = 1_000_000;
const p = (time: number, ...values: (number | null)[]) => ({ time, values });

describe('consumption between frozen readings', () => {
  it('difference of the two ends, per rate, at 4 decimals', () => {
    const s: MeterSeries[] = [{ meter: 1, points: [p(0, 100.1, 10, 20, 30, 40.1), p(1, 103.3, 10.5, 21, 31, 40.8), p(2, 110.2, 11, 22, 33, 44.2)] }];
    const c = registerConsumption(s, 0, 2, CAP, 4);
    expect(c.status).toBe('ok');
    expect(c.total.value).toBe(10.1);
    expect(c.rates.map((r) => r.value)).toEqual([1, 2, 3, 4.1]);
    expect(c.total.start).toEqual({ meter: 1, time: 0, value: 100.1 });
    expect(c.total.end).toEqual({ meter: 1, time: 2, value: 110.2 });
  });

  it('missing ends are flagged with no value; intermediate gaps do not matter', () => {
    const s: MeterSeries[] = [{ meter: 1, points: [p(1, 5), p(3, 9)] }];
    expect(fieldConsumption(s, 0, 0, 3, CAP)).toMatchObject({ status: 'missing-start', value: null, end: { value: 9 } });
    expect(fieldConsumption(s, 0, 1, 4, CAP)).toMatchObject({ status: 'missing-end', value: null, start: { value: 5 } });
    expect(fieldConsumption(s, 0, 10, 20, CAP)).toMatchObject({ status: 'missing', value: null });
    expect(fieldConsumption([{ meter: 1, points: [p(0, 1), p(5, 4)] }], 0, 0, 5, CAP)).toMatchObject({ status: 'ok', value: 3 });
    // an invalid (null) end is missing, never 0
    expect(fieldConsumption([{ meter: 1, points: [p(0, 1), p(5, null)] }], 0, 0, 5, CAP)).toMatchObject({ status: 'missing-end', value: null });
  });

  it('rollover of a 6-digit register is counted; an implausible decrease is refused', () => {
    const roll: MeterSeries[] = [{ meter: 1, points: [p(0, 999_990.5), p(1, 999_999.9), p(2, 12.25)] }];
    expect(fieldConsumption(roll, 0, 0, 2, CAP)).toMatchObject({ status: 'ok', value: 21.75, rollovers: 1 });
    const reset: MeterSeries[] = [{ meter: 1, points: [p(0, 5000), p(1, 20)] }];
    expect(fieldConsumption(reset, 0, 0, 1, CAP)).toMatchObject({ status: 'register-decreased', value: null, decrease: { from: { value: 5000 }, to: { value: 20 } } });
  });

  it('a meter replacement adds both segments and names the unmeasured interval', () => {
    const s: MeterSeries[] = [
      { meter: 1, points: [p(0, 500), p(1, 510), p(2, 518)] },
      { meter: 2, points: [p(3, 0.5), p(4, 4), p(5, 9.5)] },
    ];
    const c = fieldConsumption(s, 0, 0, 5, CAP);
    expect(c).toMatchObject({ status: 'replaced', value: 27, start: { meter: 1, value: 500 }, end: { meter: 2, value: 9.5 } });
    expect(c.replacements).toEqual([{ oldMeter: 1, newMeter: 2, oldLast: { meter: 1, time: 2, value: 518 }, newFirst: { meter: 2, time: 3, value: 0.5 } }]);
    // the period's start must be the first meter's reading
    expect(fieldConsumption([s[1]!], 0, 0, 5, CAP).status).toBe('missing-start');
  });
});
