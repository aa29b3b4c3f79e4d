/**
 * The terminal's calendar clock (终端日历时钟, AFN0C F2): real time plus an offset, plus a drift in ppm
 * accumulated since the drift was last set. AFN05 F31 (对时命令) sets it; the fault layer sets the drift.
 * Values are UTC ms; the terminal shows them as Beijing local time (UTC+8), like the meters.
 */
export class TerminalClock {
  private offsetMs = 0;
  private driftPpm = 0;
  private driftSince = 0;

  constructor(offsetMs = 0) {
    this.offsetMs = offsetMs;
  }

  /** The terminal's time at real time `now`. */
  at(now: number): number {
    return Math.round(now + this.offsetMs + (this.driftPpm === 0 ? 0 : ((now - this.driftSince) * this.driftPpm) / 1e6));
  }

  /** Sets the clock to `time` at real time `now` (AFN05 F31); the drift keeps running from now. */
  set(time: number, now: number): void {
    this.offsetMs = time - now;
    this.driftSince = now;
  }

  /** Changes the drift at `now`, keeping what the old drift accumulated. */
  setDrift(ppm: number, now: number): void {
    this.offsetMs = this.at(now) - now;
    this.driftPpm = ppm;
    this.driftSince = now;
  }

  /** Current offset from real time at `now`, ms (for persistence). */
  offsetAt(now: number): number {
    return this.at(now) - now;
  }
}
