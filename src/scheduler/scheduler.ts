/**
 * The task clock: one timer per enabled task, armed for its next due time (timetable.ts) on the injected
 * clock; when it fires the task is triggered and the timer re-armed. Timers never wait longer than
 * `maxWaitMs` at once (a real clock's setTimeout cannot hold a month, and a wall clock that was corrected
 * is picked up at the next check).
 */
import type { Clock, Timer } from '../clock.js';
import type { Logger } from '../logger.js';
import type { SchedulerConfig, TaskName } from './config.js';
import { TASK_NAMES } from './config.js';
import type { LocalCalendar } from './time.js';
import { nextDue, type Due } from './timetable.js';

export interface TaskClockOptions {
  clock: Clock;
  cal: LocalCalendar;
  config: SchedulerConfig;
  log: Logger;
  /** Called at each due time. */
  fire(due: Due): void;
  maxWaitMs?: number;
}

export class TaskClock {
  private readonly timers = new Map<TaskName, Timer>();
  private readonly next = new Map<TaskName, Due>();
  private stopped = false;

  constructor(private readonly o: TaskClockOptions) {}

  start(): void {
    for (const task of TASK_NAMES) if (this.o.config.tasks[task].enabled) this.arm(task, nextDue(task, this.o.clock.now(), this.o.cal, this.o.config));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) this.o.clock.clearTimeout(t);
    this.timers.clear();
  }

  /** The next due time of each armed task. */
  upcoming(): Due[] {
    return [...this.next.values()].sort((a, b) => a.at - b.at);
  }

  private arm(task: TaskName, due: Due): void {
    if (this.stopped) return;
    this.next.set(task, due);
    const wait = Math.min(Math.max(0, due.at - this.o.clock.now()), this.o.maxWaitMs ?? 6 * 3_600_000);
    this.timers.set(
      task,
      this.o.clock.setTimeout(() => {
        this.timers.delete(task);
        if (this.stopped) return;
        const now = this.o.clock.now();
        if (now < due.at) return this.arm(task, due);
        try {
          this.o.fire(due);
        } catch (e) {
          this.o.log.error({ err: e, task }, 'task trigger failed');
        }
        this.arm(task, nextDue(task, Math.max(now, due.at), this.o.cal, this.o.config));
      }, wait),
    );
  }
}
