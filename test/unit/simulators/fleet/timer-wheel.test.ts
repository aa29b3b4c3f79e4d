import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, TimerWheel } from '../../../../simulators/concentrator/scheduler.js';

describe('TimerWheel (one shared timer for a fleet)', () => {
  it('fires every timer at or after its due time, at most one tick late, in due order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 250_000 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 100 }), (delays, tick) => {
        let now = 1_000_000;
        const wheel = new TimerWheel({ now: () => now, tickMs: tick, slots: 64, autoTick: false });
        const fired: { d: number; at: number }[] = [];
        for (const d of delays) wheel.setTimer(d, () => fired.push({ d, at: now }));
        const end = 1_000_000 + 250_000 + 2 * tick;
        while (now < end) {
          now += 37;
          wheel.advance();
        }
        expect(fired).toHaveLength(delays.length);
        for (const f of fired) {
          expect(f.at).toBeGreaterThanOrEqual(1_000_000 + f.d);
          expect(f.at).toBeLessThan(1_000_000 + f.d + tick + 37);
        }
        for (let i = 1; i < fired.length; i++) expect(fired[i]!.d >= fired[i - 1]!.d || fired[i]!.at > fired[i - 1]!.at).toBe(true);
        expect(wheel.size).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('cancelled timers never fire; timers scheduled from callbacks work (periodic heartbeats)', () => {
    const clock = new ManualClock(0, 10);
    const w = clock.wheel;
    const seen: number[] = [];
    const h = w.setTimer(100, () => seen.push(-1));
    w.clearTimer(h);
    const beat = (): void => {
      seen.push(clock.time);
      if (seen.length < 5) w.setTimer(300, beat);
    };
    w.setTimer(300, beat);
    clock.advance(2000);
    expect(seen).toEqual([300, 600, 900, 1200, 1500]);
    expect(w.size).toBe(0);
  });

  it('runs 10 000 periodic timers with one interval', async () => {
    const w = new TimerWheel({ tickMs: 20 });
    let n = 0;
    for (let i = 0; i < 10_000; i++) w.setTimer(i % 100, () => n++);
    await new Promise((r) => setTimeout(r, 250));
    expect(n).toBe(10_000);
    w.stop();
  });
});
