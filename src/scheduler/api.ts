/**
 * What the collection service offers the admin API (src/admin) and, through it, `hes collect`: JSON-ready
 * shapes (dates as YYYY-MM-DD, times as ISO strings).
 */
import type { TaskName } from './config.js';
import type { SeriesTaskName } from './fns.js';
import type { LocalDate } from './time.js';

/** scheduled: the task's own round; recollect: automatic 补采; login: a late terminal served at login; manual: `hes collect run`. */
export type RunMode = 'scheduled' | 'recollect' | 'login' | 'manual';

export interface RunSpec {
  task: TaskName;
  /** Days of a series task (a monthly task takes the month of each day); default today (curve: yesterday). */
  dates?: LocalDate[];
  /** Terminal keys; default every terminal of the archive. */
  terminals?: string[];
  /** Measuring points within those terminals; default all. */
  pns?: number[];
}

export interface RunProgress {
  /** Terminal passes (terminal × day for series tasks over several days). */
  terminals: { total: number; done: number; complete: number; gaps: number; offline: number; skipped: number; failed: number };
  requests: { sent: number; ok: number; failed: number };
  readings: number;
  events: number;
  /** Grid points (meter × quantity × time) of series tasks. */
  points: { expected: number; missingBefore: number; missingAfter: number };
  /** Clock patrol: terminals whose clock was set / could not be set. */
  clock?: { set: number; setFailed: number; drift: number };
}

export interface RunInfo extends RunProgress {
  id: number;
  task: TaskName;
  mode: RunMode;
  /** Days covered (series tasks). */
  dates?: string[];
  state: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt?: string;
  error?: string;
  /** First problems seen (terminal: message), at most 10. */
  problems: string[];
}

export type GroupBy = 'terminal' | 'taiqu' | 'region' | 'system';

export interface StatusQuery {
  date: LocalDate;
  task: SeriesTaskName;
  by: GroupBy;
}

export interface CompletenessRow {
  /** Terminal key, taiqu id, region code, or `system`. */
  group: string;
  terminals: number;
  /** Meters the task covers. */
  meters: number;
  /** Meters with every expected point stored. */
  complete: number;
  /** complete / meters (null when no meter is expected). */
  successRate: number | null;
  points: { expected: number; missing: number };
  /** Online time / elapsed time of the day, of the month (terminals of the group together). */
  onlineRate: number | null;
  monthOnlineRate: number | null;
}

export interface CompletenessReport {
  date: string;
  task: SeriesTaskName;
  by: GroupBy;
  system: CompletenessRow;
  rows: CompletenessRow[];
}

export interface CollectApi {
  /** Starts a run and returns at once (poll `runInfo` for progress). */
  run(spec: RunSpec): RunInfo;
  runs(): RunInfo[];
  /** NotFoundError when unknown (or forgotten: the last runs are kept). */
  runInfo(id: number): RunInfo;
  status(q: StatusQuery): Promise<CompletenessReport>;
}
