/**
 * The gap-driven series tasks, one terminal at a time: daily frozen, meter-reading-day frozen, monthly
 * frozen and curves. Each pass asks the store what of the task's grid (the terminal's meters × the
 * period's data times × the task's quantities) is missing, asks the terminal exactly that (planner), and
 * writes what comes back; a first pass and a 补采 pass differ only in the quality written.
 *
 * Periods (time labels, Q/GDW 376.1-2009 §5.13):
 * - daily D: Td_d = D, data time D 00:00 (run after 00:00 + offset on D); energy used (F5–F8) with
 *   Td_d = D − 1, the day that the D 00:00 freeze closes (stored at D 00:00, mapping/frozen.ts);
 * - billingDay D: Td_d = D for the accounts whose 抄表日 is D's day of month; F169… (抄表日冻结), then
 *   `fallbackFns` (the daily freeze of D, F161…) for points the terminal had no reading-day freeze of —
 *   a terminal freezes reading-day data only on its own AFN04 F33 reading days;
 * - monthly: Td_m = D's month, data time 00:00 of its 1st (F21–F24: Td_m = the month before);
 * - curve D: Td_c from D 00:00, every `densityMinutes`, the whole day (run on D + 1).
 */
import type { QuantityName, SeriesKind } from '../../store/quantities.js';
import type { Quality } from '../../store/store.js';
import type { SchedulerConfig, TerminalTaskSettings } from '../config.js';
import { settingsFor } from '../config.js';
import type { ExecContext, ExecStats } from '../executor.js';
import { addStats, executeRequests, newExecStats } from '../executor.js';
import { TASK_FNS, TD_BYTES, fnDef, quantitiesOf, type SeriesTaskName } from '../fns.js';
import { curveNeeds, findGaps, frozenNeeds, gapCount, type GapMap } from '../gaps.js';
import type { Need } from '../planner.js';
import { planRequests } from '../planner.js';
import type { CollectionArchive, MeterTarget, TerminalTarget } from '../targets.js';
import { isKeyUser } from '../targets.js';
import type { LocalDate } from '../time.js';
import { curvePointsOfDay } from '../time.js';

export const SERIES_KIND: Record<SeriesTaskName, SeriesKind> = { daily: 'day', billingDay: 'billingDay', monthly: 'month', curve: 'curve' };

export interface SeriesEnv extends ExecContext {
  config: SchedulerConfig;
  archive: CollectionArchive;
}

export type TerminalStatus = 'complete' | 'gaps' | 'offline' | 'skipped';

export interface TerminalOutcome {
  terminal: string;
  status: TerminalStatus;
  /** Meters the task covers at this terminal. */
  meters: number;
  /** Grid points (meter × quantity × time) expected. */
  expected: number;
  gapsBefore: number;
  gapsAfter: number;
  /** Meters with at least one gap left. */
  metersWithGaps: number;
  stats: ExecStats;
}

/** The grid of one task at one terminal for one period. */
export interface TaskGrid {
  kind: SeriesKind;
  quantities: QuantityName[];
  meters: MeterTarget[];
  times: number[];
  fns: number[];
}

/** What `task` covers at terminal `t` on `date` (meters filtered by `pns` when given). */
export function gridOf(env: Pick<SeriesEnv, 'config' | 'cal'>, task: SeriesTaskName, date: LocalDate, s: TerminalTaskSettings, meters: readonly MeterTarget[], pns?: ReadonlySet<number>): TaskGrid {
  const c = env.config;
  let ms = pns ? meters.filter((m) => pns.has(m.pn)) : [...meters];
  let times: number[];
  let fns: number[];
  switch (task) {
    case 'daily':
      times = [env.cal.dayStart(date)];
      fns = s.daily.fns;
      break;
    case 'billingDay':
      ms = ms.filter((m) => m.readingDay === date.day);
      times = [env.cal.dayStart(date)];
      fns = s.billingDay.fns;
      break;
    case 'monthly':
      times = [env.cal.monthStart(date)];
      fns = s.monthly.fns;
      break;
    case 'curve':
      if (s.curve.targets === 'key') ms = ms.filter((m) => isKeyUser(m, c.keyUsers));
      times = curvePointsOfDay(env.cal, date, s.curve.densityMinutes);
      fns = s.curve.fns;
      break;
  }
  return { kind: SERIES_KIND[task], quantities: quantitiesOf(TASK_FNS[task].afn, fns), meters: ms, times, fns };
}

function needsOf(env: SeriesEnv, task: SeriesTaskName, date: LocalDate, s: TerminalTaskSettings, gaps: GapMap, pnOf: ReadonlyMap<number, number>, fns: readonly number[]): Need[] {
  const afn = TASK_FNS[task].afn;
  if (task === 'curve') return curveNeeds(gaps, pnOf, { afn, fns, densityMinutes: s.curve.densityMinutes, cal: env.cal });
  const before = fns.filter((fn) => fnDef(afn, fn)?.tdBefore);
  const at = fns.filter((fn) => !before.includes(fn));
  const labelOf = (shift: number) =>
    task === 'monthly' ? { kind: 'm' as const, month: env.cal.dateOf(env.cal.at(date.year, date.month - shift, 1)) } : { kind: 'd' as const, date: env.cal.addDays(date, -shift) };
  const out = frozenNeeds(gaps, pnOf, { afn, fns: at, label: labelOf(0) });
  return before.length ? [...out, ...frozenNeeds(gaps, pnOf, { afn, fns: before, label: labelOf(1) })] : out;
}

/** One pass of a series task at one terminal. */
export async function collectSeries(env: SeriesEnv, task: SeriesTaskName, date: LocalDate, t: TerminalTarget, quality: Quality, pns?: ReadonlySet<number>): Promise<TerminalOutcome> {
  const s = settingsFor(env.config, t);
  const out: TerminalOutcome = { terminal: t.key, status: 'skipped', meters: 0, expected: 0, gapsBefore: 0, gapsAfter: 0, metersWithGaps: 0, stats: newExecStats() };
  if (!s[task].enabled) return out;
  const grid = gridOf(env, task, date, s, env.archive.meters(t.id), pns);
  out.meters = grid.meters.length;
  out.expected = grid.meters.length * grid.quantities.length * grid.times.length;
  if (out.expected === 0) {
    out.status = 'complete';
    return out;
  }
  const spec = { kind: grid.kind, quantities: grid.quantities, meters: grid.meters.map((m) => m.id), times: grid.times };
  let gaps = await findGaps(env.store, spec);
  out.gapsBefore = out.gapsAfter = gapCount(gaps);
  out.metersWithGaps = gaps.size;
  if (gaps.size === 0) {
    out.status = 'complete';
    return out;
  }
  if (!env.fep.isOnline(t.key)) {
    out.status = 'offline';
    out.stats.offline = true;
    return out;
  }
  const pnOf = new Map(grid.meters.map((m) => [m.id, m.pn]));
  const meterOfPn = new Map(grid.meters.map((m) => [m.pn, m.id]));
  const target = { terminal: t.key, kind: grid.kind, quality, meterOfPn };
  const afn = TASK_FNS[task].afn;
  const td = TD_BYTES[task === 'monthly' ? 'm' : task === 'curve' ? 'c' : 'd'];
  const plan = (fns: readonly number[]) => planRequests(afn, needsOf(env, task, date, s, gaps, pnOf, fns), td, s.batch);
  out.stats = await executeRequests(env, target, plan(grid.fns));
  gaps = await findGaps(env.store, spec);
  const fallback = task === 'billingDay' ? s.billingDay.fallbackFns : [];
  if (gaps.size > 0 && fallback.length > 0 && !out.stats.offline) {
    // The reading-day freeze was not there (not one of the terminal's F33 reading days): the daily
    // freeze of the same day gives the registers at the same instant, 00:00 of the reading day.
    out.stats = addStats(out.stats, await executeRequests(env, target, plan(fallback)));
    gaps = await findGaps(env.store, spec);
  }
  out.gapsAfter = gapCount(gaps);
  out.metersWithGaps = gaps.size;
  out.status = gaps.size === 0 ? 'complete' : out.stats.offline ? 'offline' : 'gaps';
  return out;
}
