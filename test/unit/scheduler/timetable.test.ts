import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULER } from '../../../src/scheduler/config.js';
import { LocalCalendar, formatDate } from '../../../src/scheduler/time.js';
import { closeAt, defaultDate, lastDue, nextDue } from '../../../src/scheduler/timetable.js';

const cal = new LocalCalendar(480);
const c = DEFAULT_SCHEDULER;
/** Local wall-clock time → UTC ms. */
const at = (d: number, h: number, m = 0, month = 5): number => cal.at(2024, month, d, h, m);
const iso = (t: number): string => {
  const p = cal.partsOf(t);
  return `${formatDate(p)} ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
};

describe('timetable', () => {
  it('daily: every day at 00:05 for that day', () => {
    const n = nextDue('daily', at(3, 0, 4), cal, c);
    expect([iso(n.at), formatDate(n.date)]).toEqual(['2024-05-03 00:05', '2024-05-03']);
    const m = nextDue('daily', at(3, 0, 5), cal, c);
    expect([iso(m.at), formatDate(m.date)]).toEqual(['2024-05-04 00:05', '2024-05-04']);
    const l = lastDue('daily', at(3, 0, 4), cal, c);
    expect([iso(l.at), formatDate(l.date)]).toEqual(['2024-05-02 00:05', '2024-05-02']);
  });

  it('curve: every day at 00:30 for the day before', () => {
    const n = nextDue('curve', at(3, 12), cal, c);
    expect([iso(n.at), formatDate(n.date)]).toEqual(['2024-05-04 00:30', '2024-05-03']);
    const l = lastDue('curve', at(3, 12), cal, c);
    expect([iso(l.at), formatDate(l.date)]).toEqual(['2024-05-03 00:30', '2024-05-02']);
  });

  it('monthly: the 1st at 00:15 for that month', () => {
    const n = nextDue('monthly', at(3, 12), cal, c);
    expect([iso(n.at), formatDate(n.date)]).toEqual(['2024-06-01 00:15', '2024-06-01']);
    const l = lastDue('monthly', at(1, 0, 10), cal, c);
    expect([iso(l.at), formatDate(l.date)]).toEqual(['2024-04-01 00:15', '2024-04-01']);
    const d = nextDue('monthly', cal.at(2024, 12, 20, 0, 0), cal, c);
    expect(iso(d.at)).toBe('2025-01-01 00:15');
  });

  it('snapshot and events: every interval aligned on local midnight', () => {
    const cfg = { ...c, tasks: { ...c.tasks, snapshot: { ...c.tasks.snapshot, intervalMinutes: 25 } } };
    expect(iso(nextDue('snapshot', at(3, 0, 10), cal, cfg).at)).toBe('2024-05-03 00:25');
    expect(iso(nextDue('snapshot', at(3, 23, 50), cal, cfg).at)).toBe('2024-05-04 00:00');
    expect(iso(nextDue('events', at(3, 10, 0), cal, c).at)).toBe('2024-05-03 11:00');
  });

  it('clock patrol at 02:00', () => {
    expect(iso(nextDue('clock', at(3, 1), cal, c).at)).toBe('2024-05-03 02:00');
    expect(iso(nextDue('clock', at(3, 2), cal, c).at)).toBe('2024-05-04 02:00');
  });

  it('the 补采 window closes at midnight of the run day (closeHours 24)', () => {
    expect(iso(closeAt('daily', { year: 2024, month: 5, day: 3 }, cal, c))).toBe('2024-05-04 00:00');
    expect(iso(closeAt('curve', { year: 2024, month: 5, day: 3 }, cal, c))).toBe('2024-05-05 00:00');
    expect(iso(closeAt('monthly', { year: 2024, month: 5, day: 1 }, cal, c))).toBe('2024-05-02 00:00');
  });

  it('default period of a manual run', () => {
    expect(formatDate(defaultDate('daily', at(3, 9), cal))).toBe('2024-05-03');
    expect(formatDate(defaultDate('curve', at(3, 9), cal))).toBe('2024-05-02');
    expect(formatDate(defaultDate('monthly', at(3, 9), cal))).toBe('2024-05-01');
  });
});
