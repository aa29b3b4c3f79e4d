import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { DEFAULT_CONFIG, validateConfig, type ConfigError } from '../../../src/config/schema.js';
import { DEFAULT_SCHEDULER, settingsFor, type SchedulerConfig } from '../../../src/scheduler/config.js';

const withScheduler = (s: unknown): unknown => ({ ...DEFAULT_CONFIG, scheduler: s });

function problems(s: unknown): string[] {
  try {
    validateConfig(withScheduler(s), 'test');
    return [];
  } catch (e) {
    return (e as ConfigError).problems.slice();
  }
}

describe('scheduler configuration', () => {
  it('defaults: every task enabled for a new archive, and valid', () => {
    expect(loadConfig({ env: {} }).scheduler).toEqual(DEFAULT_SCHEDULER);
    for (const t of Object.values(DEFAULT_SCHEDULER.tasks)) expect(t.enabled).toBe(true);
    expect(problems(DEFAULT_SCHEDULER)).toEqual([]);
  });

  it('names every wrong setting with its path', () => {
    const bad = JSON.parse(JSON.stringify(DEFAULT_SCHEDULER)) as Record<string, unknown> & { tasks: Record<string, Record<string, unknown>> };
    bad.tasks.daily!.fns = [161, 81];
    bad.tasks.curve!.densityMinutes = 10;
    bad.tasks.clock!.thresholdS = 0;
    (bad as Record<string, unknown>).batch = { pnPerUnit: 9, maxPointsPerRequest: 64, maxRequestBytes: 20000 };
    bad.profiles = [{ match: { region: '11' }, tasks: { curve: { targets: 'some', offsetMinutes: 3 } } }, { batch: { pnPerUnit: 0 } }];
    bad.extra = 1;
    expect(problems(bad).sort()).toEqual(
      [
        'scheduler.tasks.daily.fns[1]: F81 is not collected by the daily task (one of 1, 2, 5, 6, 7, 8, 161, 162, 163, 164, 165, 166, 167, 168)',
        'scheduler.tasks.curve.densityMinutes: expected one of 1, 5, 15, 30, 60, got 10',
        'scheduler.tasks.clock.thresholdS: expected an integer in 1..86400, got 0',
        'scheduler.batch.pnPerUnit: expected an integer in 1..8, got 9',
        'scheduler.batch.maxRequestBytes: expected an integer in 64..16383, got 20000',
        "scheduler.profiles[0].match.region: expected a 4-digit A1 code, got \"11\"",
        'scheduler.profiles[0].tasks.curve.offsetMinutes: unknown setting (known: enabled, fns, densityMinutes, targets)',
        'scheduler.profiles[0].tasks.curve.targets: expected one of all, key, got "some"',
        'scheduler.extra: unknown setting',
        'scheduler.profiles[1].match: missing',
        'scheduler.profiles[1].batch.pnPerUnit: expected an integer in 1..8, got 0',
      ].sort(),
    );
  });

  it('a file overrides single settings (merged over the defaults)', () => {
    const c = validateConfig(withScheduler({ ...DEFAULT_SCHEDULER, tasks: { ...DEFAULT_SCHEDULER.tasks, curve: { ...DEFAULT_SCHEDULER.tasks.curve, targets: 'all' } } }), 'test');
    expect(c.scheduler.tasks.curve.targets).toBe('all');
  });

  it('profiles per region / terminal class apply in order', () => {
    const c: SchedulerConfig = {
      ...DEFAULT_SCHEDULER,
      profiles: [
        { match: { region: '1101' }, tasks: { curve: { targets: 'all' } } },
        { match: { region: '1101', protocol: 'gw376.1-2013' }, tasks: { curve: { densityMinutes: 60 }, clock: { enabled: false } } },
        { match: { channel: 'mqtt' }, tasks: { snapshot: { enabled: false } }, batch: { maxRequestBytes: 255 } },
      ],
    };
    const a = settingsFor(c, { region: '1101', protocol: 'gw376.1-2009', channel: 'tcp' });
    expect([a.curve.targets, a.curve.densityMinutes, a.clock.enabled, a.snapshot.enabled]).toEqual(['all', 15, true, true]);
    const b = settingsFor(c, { region: '1101', protocol: 'gw376.1-2013', channel: 'mqtt' });
    expect([b.curve.targets, b.curve.densityMinutes, b.clock.enabled, b.snapshot.enabled]).toEqual(['all', 60, false, false]);
    expect(b.batch).toEqual({ ...DEFAULT_SCHEDULER.batch, maxRequestBytes: 255 });
    const o = settingsFor(c, { region: '1102', protocol: 'gw376.1-2013', channel: 'tcp' });
    expect([o.curve.targets, o.curve.densityMinutes]).toEqual(['key', 15]);
  });
});
