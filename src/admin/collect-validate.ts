/**
 * Validation of the collection routes' input (src/admin/collect-routes.ts): JSON bodies and query strings
 * → the typed specs of src/scheduler/api.ts. Every problem is an InputError naming the field (→ 400).
 */
import { InputError } from '../errors.js';
import type { GroupBy, RunSpec, StatusQuery } from '../scheduler/api.js';
import { TASK_NAMES, type TaskName } from '../scheduler/config.js';
import type { SeriesTaskName } from '../scheduler/fns.js';
import { LocalCalendar, type LocalDate } from '../scheduler/time.js';
import { asObject, dateOf, parsePnList, pnsOf, terminalKey } from './validate.js';

const SERIES: readonly SeriesTaskName[] = ['daily', 'billingDay', 'monthly', 'curve'];
const GROUPS: readonly GroupBy[] = ['terminal', 'taiqu', 'region', 'system'];
export const MAX_RUN_DAYS = 62;
export const MAX_RUN_TERMINALS = 100_000;

function noUnknown(o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new InputError(k, `unknown field (takes ${allowed.join(', ')})`);
}

export function taskOf(v: unknown, field = 'task'): TaskName {
  if (typeof v !== 'string' || !(TASK_NAMES as readonly string[]).includes(v)) throw new InputError(field, `expected a task, one of ${TASK_NAMES.join(', ')}; got ${JSON.stringify(v)}`);
  return v as TaskName;
}

export function seriesTaskOf(v: unknown, field = 'task'): SeriesTaskName {
  if (typeof v !== 'string' || !(SERIES as readonly string[]).includes(v)) throw new InputError(field, `expected a collection task with completeness figures, one of ${SERIES.join(', ')}; got ${JSON.stringify(v)}`);
  return v as SeriesTaskName;
}

/** Days from..to inclusive (local dates), at most MAX_RUN_DAYS. */
export function daysOf(from: LocalDate, to: LocalDate): LocalDate[] {
  const cal = new LocalCalendar(0);
  const days = cal.daysBetween(from, to);
  if (days.length === 0) throw new InputError('to', 'must not be before from');
  if (days.length > MAX_RUN_DAYS) throw new InputError('to', `at most ${MAX_RUN_DAYS} days per run, got ${days.length}`);
  return days;
}

/** `{ task, date? | from? + to?, terminal?: key | key[], pn?: number[] | "1-8" }` */
export function runSpecOf(body: unknown): RunSpec {
  const o = asObject(body);
  noUnknown(o, ['task', 'date', 'from', 'to', 'terminal', 'pn']);
  const spec: RunSpec = { task: taskOf(o.task) };
  if (o.date !== undefined && (o.from !== undefined || o.to !== undefined)) throw new InputError('date', 'give date, or from and to, not both');
  if (o.date !== undefined) spec.dates = [dateOf(o.date)];
  else if (o.from !== undefined || o.to !== undefined) {
    if (o.from === undefined || o.to === undefined) throw new InputError(o.from === undefined ? 'from' : 'to', 'from and to go together');
    spec.dates = daysOf(dateOf(o.from, 'from'), dateOf(o.to, 'to'));
  }
  if (o.terminal !== undefined) {
    const list = Array.isArray(o.terminal) ? o.terminal : [o.terminal];
    if (list.length === 0) throw new InputError('terminal', 'expected at least one terminal key');
    if (list.length > MAX_RUN_TERMINALS) throw new InputError('terminal', `at most ${MAX_RUN_TERMINALS} terminals per run`);
    spec.terminals = [...new Set(list.map((k, i) => terminalKey(k, `terminal[${i}]`)))].map(normalKey);
  }
  if (o.pn !== undefined) {
    const pns = typeof o.pn === 'string' ? parsePnList(o.pn) : pnsOf(o.pn);
    if (pns.includes(0)) throw new InputError('pn', 'measuring points are 1..2040 (p0 is the terminal itself)');
    spec.pns = pns;
  }
  return spec;
}

/** `1101-7` → `1101-00007` (the archive's key form). */
function normalKey(k: string): string {
  const [a1, a2] = k.split('-');
  return `${a1!.toUpperCase()}-${String(Number(a2)).padStart(5, '0')}`;
}

/** `?date=YYYY-MM-DD&task=daily&by=terminal` (task default daily, by default system). */
export function statusQueryOf(q: URLSearchParams): StatusQuery {
  for (const k of q.keys()) if (!['date', 'task', 'by'].includes(k)) throw new InputError(k, 'unknown query parameter (date, task, by)');
  const date = q.get('date');
  if (date === null) throw new InputError('date', 'required: the day, YYYY-MM-DD');
  const by = q.get('by') ?? 'system';
  if (!(GROUPS as readonly string[]).includes(by)) throw new InputError('by', `expected one of ${GROUPS.join(', ')}, got '${by}'`);
  return { date: dateOf(date), task: seriesTaskOf(q.get('task') ?? 'daily'), by: by as GroupBy };
}

export function runIdOf(v: string | undefined): number {
  if (v === undefined || !/^\d{1,9}$/.test(v) || Number(v) < 1) throw new InputError('id', `expected a run id (a positive integer), got '${v ?? ''}'`);
  return Number(v);
}
