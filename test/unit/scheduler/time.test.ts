import { describe, expect, it } from 'vitest';
import { LocalCalendar, curvePointsOfDay, densityCodeOf, densityMinutesOf, formatDate, formatMonth } from '../../../src/scheduler/time.js';

const cal = new LocalCalendar(480);

describe('local calendar (China time, UTC+8)', () => {
  it('00:00 of a local day is 16:00 UTC the day before', () => {
    expect(new Date(cal.dayStart({ year: 2024, month: 5, day: 3 })).toISOString()).toBe('2024-05-02T16:00:00.000Z');
    expect(new Date(cal.monthStart({ year: 2024, month: 1 })).toISOString()).toBe('2023-12-31T16:00:00.000Z');
  });

  it('the local date of an instant changes at 16:00 UTC', () => {
    expect(cal.dateOf(Date.UTC(2024, 4, 2, 15, 59, 59))).toEqual({ year: 2024, month: 5, day: 2 });
    expect(cal.dateOf(Date.UTC(2024, 4, 2, 16, 0, 0))).toEqual({ year: 2024, month: 5, day: 3 });
    expect(cal.partsOf(Date.UTC(2024, 4, 2, 16, 30, 5))).toEqual({ year: 2024, month: 5, day: 3, hour: 0, minute: 30, second: 5 });
  });

  it('adds days and months across month and year ends', () => {
    expect(cal.addDays({ year: 2024, month: 2, day: 28 }, 1)).toEqual({ year: 2024, month: 2, day: 29 });
    expect(cal.addDays({ year: 2024, month: 12, day: 31 }, 1)).toEqual({ year: 2025, month: 1, day: 1 });
    expect(cal.addDays({ year: 2024, month: 3, day: 1 }, -1)).toEqual({ year: 2024, month: 2, day: 29 });
    expect(cal.addMonths({ year: 2024, month: 12 }, 1)).toEqual({ year: 2025, month: 1 });
    expect(cal.addMonths({ year: 2024, month: 1 }, -1)).toEqual({ year: 2023, month: 12 });
    expect(cal.daysBetween({ year: 2024, month: 4, day: 29 }, { year: 2024, month: 5, day: 2 }).map(formatDate)).toEqual(['2024-04-29', '2024-04-30', '2024-05-01', '2024-05-02']);
    expect(cal.daysBetween({ year: 2024, month: 5, day: 2 }, { year: 2024, month: 5, day: 1 })).toEqual([]);
  });

  it('A.15 fields of a terminal are local time', () => {
    const t = cal.fromParts({ year: 2024, month: 5, day: 3, hour: 0, minute: 15 });
    expect(new Date(t).toISOString()).toBe('2024-05-02T16:15:00.000Z');
    expect(cal.minuteOf(t)).toEqual({ year: 2024, month: 5, day: 3, hour: 0, minute: 15 });
  });

  it('a day has 96 curve points of 15 min, 24 of 60 min', () => {
    const pts = curvePointsOfDay(cal, { year: 2024, month: 5, day: 3 }, 15);
    expect(pts).toHaveLength(96);
    expect(pts[0]).toBe(cal.dayStart({ year: 2024, month: 5, day: 3 }));
    expect(pts[95]! - pts[0]!).toBe(95 * 15 * 60_000);
    expect(curvePointsOfDay(cal, { year: 2024, month: 5, day: 3 }, 60)).toHaveLength(24);
  });

  it('Td_c density codes', () => {
    expect([15, 30, 60, 5, 1].map(densityCodeOf)).toEqual([1, 2, 3, 254, 255]);
    expect(densityMinutesOf(1)).toBe(15);
    expect(densityMinutesOf(7)).toBeUndefined();
    expect(() => densityCodeOf(10)).toThrow(RangeError);
    expect(formatMonth({ year: 2024, month: 5 })).toBe('2024-05');
  });
});
