/**
 * Completeness figures (采集成功率, 在线率) of one day and one series task, per terminal, 台区, region and
 * for the whole system:
 * - success rate = meters with every expected point stored (all the task's quantities, all its data
 *   times) / meters the task covers — the same grid 补采 works on, read back from the store;
 * - online rate = online time of the group's terminals / (terminals × elapsed part of the day), and the
 *   same over the day's month (monthly in-service rate, target > 97 %, domain.md §5).
 */
import type { CompletenessReport, CompletenessRow, GroupBy, StatusQuery } from './api.js';
import { settingsFor } from './config.js';
import { findGaps, gapCount } from './gaps.js';
import type { OnlineLog } from './online-log.js';
import type { TerminalTarget } from './targets.js';
import { gridOf, type SeriesEnv } from './tasks/series.js';
import { formatDate } from './time.js';

interface Acc {
  terminals: number;
  meters: number;
  complete: number;
  expected: number;
  missing: number;
  onlineMs: number;
  monthOnlineMs: number;
}

const newAcc = (): Acc => ({ terminals: 0, meters: 0, complete: 0, expected: 0, missing: 0, onlineMs: 0, monthOnlineMs: 0 });

function groupOf(t: TerminalTarget, by: GroupBy): string {
  return by === 'terminal' ? t.key : by === 'taiqu' ? t.taiqu : by === 'region' ? t.region : 'system';
}

const ratio = (a: number, b: number): number | null => (b > 0 ? Math.round((a / b) * 1e6) / 1e6 : null);

export async function completeness(env: Pick<SeriesEnv, 'config' | 'cal' | 'archive' | 'store'>, online: OnlineLog, q: StatusQuery, terminals?: readonly TerminalTarget[]): Promise<CompletenessReport> {
  const from = env.cal.dayStart(q.date);
  const to = env.cal.dayStart(env.cal.addDays(q.date, 1));
  const mFrom = env.cal.monthStart(q.date);
  const mTo = env.cal.monthStart(env.cal.addMonths(q.date, 1));
  const dayMs = online.onlineMs(from, to);
  const monthMs = online.onlineMs(mFrom, mTo);
  const elapsed = online.elapsed(from, to);
  const mElapsed = online.elapsed(mFrom, mTo);
  const groups = new Map<string, Acc>();
  const sys = newAcc();
  for (const t of terminals ?? env.archive.terminals()) {
    const s = settingsFor(env.config, t);
    const acc = groups.get(groupOf(t, q.by)) ?? newAcc();
    groups.set(groupOf(t, q.by), acc);
    const add = (a: Acc): void => {
      a.terminals++;
      a.onlineMs += dayMs.get(t.id) ?? 0;
      a.monthOnlineMs += monthMs.get(t.id) ?? 0;
    };
    add(acc);
    add(sys);
    if (!s[q.task].enabled) continue;
    const grid = gridOf(env, q.task, q.date, s, env.archive.meters(t.id));
    if (grid.meters.length === 0) continue;
    const gaps = await findGaps(env.store, { kind: grid.kind, quantities: grid.quantities, meters: grid.meters.map((m) => m.id), times: grid.times });
    for (const a of [acc, sys]) {
      a.meters += grid.meters.length;
      a.complete += grid.meters.length - gaps.size;
      a.expected += grid.meters.length * grid.quantities.length * grid.times.length;
      a.missing += gapCount(gaps);
    }
  }
  const row = (group: string, a: Acc): CompletenessRow => ({
    group,
    terminals: a.terminals,
    meters: a.meters,
    complete: a.complete,
    successRate: ratio(a.complete, a.meters),
    points: { expected: a.expected, missing: a.missing },
    onlineRate: ratio(a.onlineMs, a.terminals * elapsed),
    monthOnlineRate: ratio(a.monthOnlineMs, a.terminals * mElapsed),
  });
  const rows = q.by === 'system' ? [] : [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([g, a]) => row(g, a));
  return { date: formatDate(q.date), task: q.task, by: q.by, system: row('system', sys), rows };
}
