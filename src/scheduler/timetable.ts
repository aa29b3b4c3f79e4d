/**
 * When each task is due (pure; local time of the terminals):
 * - daily, billingDay: every day at 00:00 + offset, for that day (Td_d = today);
 * - monthly: the 1st at 00:00 + offset, for that month (Td_m = this month);
 * - curve: every day at 00:00 + offset, for yesterday's curve;
 * - snapshot, events: every interval, aligned on local midnight;
 * - clock: every day at `atMinute` after 00:00.
 * The 补采 window of a series period closes `closeHours` after 00:00 of the day its round runs.
 */
import type { SchedulerConfig, TaskName } from './config.js';
import type { SeriesTaskName } from './fns.js';
import type { LocalCalendar, LocalDate } from './time.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time.js';

export interface Due {
  task: TaskName;
  /** When it runs, UTC ms. */
  at: number;
  /** The period's day (series tasks: the day of the data; monthly: the 1st). */
  date: LocalDate;
}

/** The run day of a series period (the day its first round is due). */
function runDayOf(task: SeriesTaskName, date: LocalDate, cal: LocalCalendar): LocalDate {
  return task === 'curve' ? cal.addDays(date, 1) : task === 'monthly' ? { year: date.year, month: date.month, day: 1 } : date;
}

/** The period a run day serves. */
function periodOf(task: SeriesTaskName, runDay: LocalDate, cal: LocalCalendar): LocalDate {
  return task === 'curve' ? cal.addDays(runDay, -1) : runDay;
}

function offsetOf(task: TaskName, c: SchedulerConfig): number {
  const t = c.tasks;
  switch (task) {
    case 'daily':
      return t.daily.offsetMinutes;
    case 'billingDay':
      return t.billingDay.offsetMinutes;
    case 'monthly':
      return t.monthly.offsetMinutes;
    case 'curve':
      return t.curve.offsetMinutes;
    case 'clock':
      return t.clock.atMinute;
    default:
      return 0;
  }
}

/** The latest due time ≤ `now` of a task (its current period). */
export function lastDue(task: TaskName, now: number, cal: LocalCalendar, c: SchedulerConfig): Due {
  if (task === 'snapshot' || task === 'events') {
    const every = (task === 'snapshot' ? c.tasks.snapshot.intervalMinutes : c.tasks.events.intervalMinutes) * MINUTE_MS;
    const day = cal.startOfDayAt(now);
    const at = day + Math.floor((now - day) / every) * every;
    return { task, at, date: cal.dateOf(at) };
  }
  const off = offsetOf(task, c) * MINUTE_MS;
  if (task === 'monthly') {
    const d = cal.dateOf(now);
    let m = { year: d.year, month: d.month };
    if (cal.monthStart(m) + off > now) m = cal.addMonths(m, -1);
    return { task, at: cal.monthStart(m) + off, date: { ...m, day: 1 } };
  }
  let day = cal.dateOf(now);
  if (cal.dayStart(day) + off > now) day = cal.addDays(day, -1);
  const at = cal.dayStart(day) + off;
  return { task, at, date: task === 'clock' ? day : periodOf(task as SeriesTaskName, day, cal) };
}

/** The first due time > `now`. */
export function nextDue(task: TaskName, now: number, cal: LocalCalendar, c: SchedulerConfig): Due {
  const last = lastDue(task, now, cal, c);
  if (task === 'snapshot' || task === 'events') {
    const every = (task === 'snapshot' ? c.tasks.snapshot.intervalMinutes : c.tasks.events.intervalMinutes) * MINUTE_MS;
    let at = last.at + every;
    // the interval restarts at local midnight
    const midnight = cal.startOfDayAt(last.at) + DAY_MS;
    if (at > midnight) at = midnight;
    return { task, at, date: cal.dateOf(at) };
  }
  if (task === 'monthly') {
    const m = cal.addMonths(last.date, 1);
    return { task, at: cal.monthStart(m) + offsetOf(task, c) * MINUTE_MS, date: { ...m, day: 1 } };
  }
  const runDay = cal.addDays(task === 'clock' ? last.date : runDayOf(task as SeriesTaskName, last.date, cal), 1);
  return { task, at: cal.dayStart(runDay) + offsetOf(task, c) * MINUTE_MS, date: task === 'clock' ? runDay : periodOf(task as SeriesTaskName, runDay, cal) };
}

/** When the 补采 window of a series period closes. */
export function closeAt(task: SeriesTaskName, date: LocalDate, cal: LocalCalendar, c: SchedulerConfig): number {
  return cal.dayStart(runDayOf(task, date, cal)) + c.recollect.closeHours * HOUR_MS;
}

/** The default period of a manual run of a series task at `now`: today (curve: yesterday; monthly: this month). */
export function defaultDate(task: SeriesTaskName, now: number, cal: LocalCalendar): LocalDate {
  const d = cal.dateOf(now);
  return task === 'curve' ? cal.addDays(d, -1) : task === 'monthly' ? { year: d.year, month: d.month, day: 1 } : d;
}
