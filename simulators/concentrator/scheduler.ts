/**
 * Time for the concentrator sessions: a clock and one-shot timers behind a small interface, so that a
 * fleet of thousands of terminals shares ONE timer wheel (one OS timer for all heartbeats, login
 * timeouts and back-offs) and tests run on a manual clock.
 *
 * `TimerWheel` is a hashed wheel: `slots` buckets of `tickMs`; a timer due in d ms goes to bucket
 * (tick + ceil(d / tickMs)) mod slots with the number of whole turns it must wait. Scheduling and
 * cancelling are O(1); a tick visits one bucket. Timers fire at most one tick late, never early, in the
 * order they are due within a tick. Driven by one `setInterval(tickMs)` while timers are pending (`start`),
 * or by `advance(ms)` on a manual clock.
 */

export interface TimerHandle {
  /** Absolute due time (ms, scheduler clock). */
  readonly at: number;
}

export interface Scheduler {
  /** Current time in ms (UTC epoch ms for the real clock). */
  now(): number;
  /** Calls `fn` once after `delayMs` (≥ 0). */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle | null | undefined): void;
}

interface WheelEntry extends TimerHandle {
  at: number;
  fn: (() => void) | null;
  rounds: number;
}

export interface TimerWheelOptions {
  /** Resolution in ms (default 50). */
  tickMs?: number;
  /** Buckets (default 2048: one turn = 102 s at 50 ms). */
  slots?: number;
  /** Clock (default Date.now). With a manual clock, drive the wheel with `advance`. */
  now?: () => number;
  /** Drive the wheel with a real interval (default true when `now` is not given). */
  autoTick?: boolean;
  /** Called with an error thrown by a timer callback (default: rethrown asynchronously). */
  onError?: (err: unknown) => void;
}

export class TimerWheel implements Scheduler {
  readonly tickMs: number;
  private readonly buckets: WheelEntry[][];
  private readonly clock: () => number;
  private readonly autoTick: boolean;
  private readonly onError: (err: unknown) => void;
  /** Time of the last processed tick boundary. */
  private cursorTime: number;
  private cursor = 0;
  private pending = 0;
  private interval: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  /** Timers fired since creation. */
  fired = 0;

  constructor(opts: TimerWheelOptions = {}) {
    this.tickMs = opts.tickMs ?? 50;
    const slots = opts.slots ?? 2048;
    this.buckets = Array.from({ length: slots }, () => []);
    this.clock = opts.now ?? Date.now;
    this.autoTick = opts.autoTick ?? opts.now === undefined;
    this.onError =
      opts.onError ??
      ((err) => {
        queueMicrotask(() => {
          throw err;
        });
      });
    this.cursorTime = this.clock();
  }

  now(): number {
    return this.clock();
  }

  /** Timers scheduled and not yet fired or cancelled. */
  get size(): number {
    return this.pending;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const now = this.clock();
    const at = now + Math.max(0, delayMs);
    // Ticks from the cursor until `at` is reached (at least 1: the current bucket is being / was processed).
    const ticks = Math.max(1, Math.ceil((at - this.cursorTime) / this.tickMs));
    const n = this.buckets.length;
    const e: WheelEntry = { at, fn, rounds: Math.floor((ticks - 1) / n) };
    this.buckets[(this.cursor + ticks) % n]!.push(e);
    this.pending++;
    if (this.autoTick && !this.interval && !this.stopped) {
      this.interval = setInterval(() => this.advanceTo(this.clock()), this.tickMs);
    }
    return e;
  }

  clearTimer(handle: TimerHandle | null | undefined): void {
    const e = handle as WheelEntry | null | undefined;
    if (e && e.fn) {
      e.fn = null;
      this.pending--;
    }
  }

  /** Manual clocks: process every tick up to the clock's current time. */
  advance(): void {
    this.advanceTo(this.clock());
  }

  private advanceTo(now: number): void {
    const n = this.buckets.length;
    while (this.cursorTime + this.tickMs <= now) {
      this.cursorTime += this.tickMs;
      this.cursor = (this.cursor + 1) % n;
      const bucket = this.buckets[this.cursor]!;
      if (bucket.length === 0) continue;
      // Callbacks may schedule into this very bucket (a full turn later): process a snapshot.
      const due: WheelEntry[] = [];
      let keep = 0;
      for (let i = 0; i < bucket.length; i++) {
        const e = bucket[i]!;
        if (!e.fn) continue;
        if (e.rounds > 0) {
          e.rounds--;
          bucket[keep++] = e;
        } else due.push(e);
      }
      bucket.length = keep;
      due.sort((a, b) => a.at - b.at);
      for (const e of due) {
        const fn = e.fn;
        if (!fn) continue;
        e.fn = null;
        this.pending--;
        this.fired++;
        try {
          fn();
        } catch (err) {
          this.onError(err);
        }
      }
    }
    if (this.pending === 0 && this.interval) {
      clearInterval(this.interval);
      this.interval = null;
    }
  }

  /** Stops the interval; pending timers never fire. */
  stop(): void {
    this.stopped = true;
    if (this.interval) clearInterval(this.interval);
    this.interval = null;
  }
}

/** setTimeout-backed scheduler (one OS timer per pending timer): for a single terminal. */
export const realScheduler: Scheduler = {
  now: Date.now,
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    return { at: Date.now() + delayMs, t } as TimerHandle;
  },
  clearTimer(handle) {
    const t = (handle as { t?: ReturnType<typeof setTimeout> } | null | undefined)?.t;
    if (t) clearTimeout(t);
  },
};

/** A manual clock for tests: `clock.advance(ms)` moves time and runs the wheel. */
export class ManualClock {
  time: number;
  readonly wheel: TimerWheel;
  constructor(start = Date.UTC(2024, 4, 1, 0, 0, 0), tickMs = 10) {
    this.time = start;
    this.wheel = new TimerWheel({ now: () => this.time, tickMs, autoTick: false });
  }
  advance(ms: number, step = this.wheel.tickMs): void {
    const end = this.time + ms;
    while (this.time < end) {
      this.time = Math.min(end, this.time + step);
      this.wheel.advance();
    }
  }
}
