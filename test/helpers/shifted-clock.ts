/**
 * Real time moved to another date: `now()` is wall-clock time plus a fixed shift, timers are real ones.
 * Lets an integration test run the head-end and the simulators "at" 00:29:57 China time of a chosen day
 * (the scheduler's 00:30 round comes 3 s later) while every timeout and heartbeat keeps its real length.
 */
import { realScheduler, type Scheduler } from '../../simulators/concentrator/scheduler.js';
import { realClock, type Clock, type Timer } from '../../src/clock.js';

/** The shift that makes `now()` equal `at` at this moment. */
export const shiftTo = (at: number): number => at - Date.now();

export function shiftedClock(shiftMs: number): Clock {
  return {
    now: () => Date.now() + shiftMs,
    setTimeout: (fn, ms) => {
      const t = realClock.setTimeout(fn, ms);
      return Object.assign(t, { at: t.at + shiftMs }) as Timer;
    },
    clearTimeout: (t) => realClock.clearTimeout(t),
  };
}

export function shiftedScheduler(shiftMs: number): Scheduler {
  return { now: () => Date.now() + shiftMs, setTimer: (d, fn) => realScheduler.setTimer(d, fn), clearTimer: (h) => realScheduler.clearTimer(h) };
}
