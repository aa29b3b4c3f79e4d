/**
 * The injected clock (shared/docs/architecture.md, "Clock is injected"): time and one-shot timers behind
 * one small interface, so heartbeat supervision, request timeouts and Tp stamping run on real time in
 * production and on a manual clock in tests.
 */

/** Opaque handle of a pending timer. */
export interface Timer {
  /** Absolute due time (clock ms). */
  readonly at: number;
}

export interface Clock {
  /** Current time, UTC epoch ms. */
  now(): number;
  /** Calls `fn` once after `ms` (≥ 0). */
  setTimeout(fn: () => void, ms: number): Timer;
  /** Cancels a pending timer; a no-op for undefined or fired timers. */
  clearTimeout(t: Timer | undefined | null): void;
}

interface RealTimer extends Timer {
  readonly h: ReturnType<typeof setTimeout>;
}

/** Wall-clock time and Node timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const d = Math.max(0, ms);
    const t: RealTimer = { at: Date.now() + d, h: setTimeout(fn, d) };
    return t;
  },
  clearTimeout(t) {
    const h = (t as RealTimer | undefined | null)?.h;
    if (h !== undefined) clearTimeout(h);
  },
};

interface ManualTimer extends Timer {
  readonly id: number;
  fn: (() => void) | null;
}

/**
 * A clock that moves only when told: `advance(ms)` fires every timer due up to the new time, in due
 * order (timers scheduled by callbacks fire within the same call when they fall due before its end).
 */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(start = Date.UTC(2024, 4, 1, 0, 0, 0)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const timer: ManualTimer = { at: this.t + Math.max(0, ms), id: this.seq++, fn };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(t: Timer | undefined | null): void {
    const m = t as ManualTimer | undefined | null;
    if (m && m.fn) {
      m.fn = null;
      this.timers = this.timers.filter((x) => x !== m);
    }
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing what falls due. */
  advance(ms: number): void {
    const end = this.t + Math.max(0, ms);
    for (;;) {
      let next: ManualTimer | undefined;
      for (const x of this.timers) if (x.at <= end && (!next || x.at < next.at || (x.at === next.at && x.id < next.id))) next = x;
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      const fn = next.fn;
      next.fn = null;
      fn?.();
    }
    this.t = end;
  }

  /** Sets the time (forward only), firing what falls due. */
  set(time: number): void {
    this.advance(time - this.t);
  }
}
