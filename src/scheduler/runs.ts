/**
 * Runs: one pass of a task over a set of terminals, with live progress for `hes collect run` and the
 * admin API. The registry keeps the last `keep` runs.
 */
import type { TaskName } from './config.js';
import type { RunInfo, RunMode } from './api.js';
import type { TerminalOutcome } from './tasks/series.js';

export class Run {
  readonly info: RunInfo;

  constructor(id: number, task: TaskName, mode: RunMode, total: number, startedAt: number, dates?: string[]) {
    this.info = {
      id,
      task,
      mode,
      state: 'running',
      startedAt: new Date(startedAt).toISOString(),
      terminals: { total, done: 0, complete: 0, gaps: 0, offline: 0, skipped: 0, failed: 0 },
      requests: { sent: 0, ok: 0, failed: 0 },
      readings: 0,
      events: 0,
      points: { expected: 0, missingBefore: 0, missingAfter: 0 },
      problems: [],
    };
    if (dates) this.info.dates = dates;
  }

  get id(): number {
    return this.info.id;
  }

  request(ok: boolean): void {
    this.info.requests.sent++;
    if (ok) this.info.requests.ok++;
    else this.info.requests.failed++;
  }

  /** A series/snapshot pass over one terminal (one day) ended. */
  seriesOutcome(o: TerminalOutcome): void {
    const i = this.info;
    i.readings += o.stats.readings;
    i.points.expected += o.expected;
    i.points.missingBefore += o.gapsBefore;
    i.points.missingAfter += o.gapsAfter;
    if (o.stats.errors.length) this.problem(o.terminal, o.stats.errors[0]!);
    this.terminalDone(o.status);
  }

  terminalDone(status: 'complete' | 'gaps' | 'offline' | 'skipped' | 'failed'): void {
    this.info.terminals.done++;
    this.info.terminals[status]++;
  }

  problem(terminal: string, message: string): void {
    if (this.info.problems.length < 10) this.info.problems.push(`${terminal}: ${message}`);
  }

  finish(now: number, error?: unknown): void {
    this.info.state = error === undefined ? 'done' : 'failed';
    this.info.finishedAt = new Date(now).toISOString();
    if (error !== undefined) this.info.error = error instanceof Error ? error.message : String(error);
  }
}

export class RunRegistry {
  private readonly runs = new Map<number, Run>();
  private nextId = 1;

  constructor(private readonly keep = 200) {}

  create(task: TaskName, mode: RunMode, total: number, now: number, dates?: string[]): Run {
    const r = new Run(this.nextId++, task, mode, total, now, dates);
    this.runs.set(r.id, r);
    while (this.runs.size > this.keep) {
      const oldest = this.runs.keys().next().value!;
      const o = this.runs.get(oldest)!;
      if (o.info.state === 'running') break;
      this.runs.delete(oldest);
    }
    return r;
  }

  get(id: number): Run | undefined {
    return this.runs.get(id);
  }

  list(): RunInfo[] {
    return [...this.runs.values()].map((r) => r.info);
  }
}
