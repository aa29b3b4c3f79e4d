/** Control commands: parameters validated against the standard's ranges; plans per target level. */
import { describe, expect, it } from 'vitest';
import { checkA2, checkA3, checkParam, checkParams, planMeter, planTerminal, planTerminalSteps } from '../../../src/control/commands.js';
import { InputError } from '../../../src/errors.js';

const fieldOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.field;
    throw e;
  }
  return undefined;
};

describe('ranges (appendix A, AFN05/AFN04)', () => {
  it('A.2 takes three significant digits exactly, up to 999 × 10^4', () => {
    expect(checkA2(1230, 'v')).toBe(1230);
    expect(checkA2(0.125, 'v')).toBe(0.125);
    expect(checkA2(9_990_000, 'v')).toBe(9_990_000);
    expect(fieldOf(() => checkA2(1234, 'v'))).toBe('v');
    expect(fieldOf(() => checkA2(10_000_000, 'v'))).toBe('v');
    expect(fieldOf(() => checkA2(-5, 'v'))).toBe('v');
  });

  it('A.3 integers up to 9 999 999, or multiples of 1000 beyond', () => {
    expect(checkA3(9_999_999, 'v')).toBe(9_999_999);
    expect(checkA3(12_000_000, 'v')).toBe(12_000_000);
    expect(fieldOf(() => checkA3(12_000_001, 'v'))).toBe('v');
    expect(fieldOf(() => checkA3(1.5, 'v'))).toBe('v');
  });

  it('AFN05 F1: alarm delay and limit time are nibbles (0..15), rounds 1..8', () => {
    expect(checkParams({ kind: 'trip', rounds: [2, 1], alarmMinutes: 15 })).toEqual({ kind: 'trip', rounds: [1, 2], alarmMinutes: 15, limitHalfHours: 0 });
    expect(fieldOf(() => checkParams({ kind: 'trip', alarmMinutes: 16 }))).toBe('alarmMinutes');
    expect(fieldOf(() => checkParams({ kind: 'trip', limitHalfHours: -1 }))).toBe('limitHalfHours');
    expect(fieldOf(() => checkParams({ kind: 'trip', rounds: [9] }))).toBe('rounds[0]');
    expect(fieldOf(() => checkParams({ kind: 'trip', rounds: [1, 1] }))).toBe('rounds');
  });

  it('AFN05 F9 period control: periods 1..8, scheme 0..2, group 1..8', () => {
    expect(checkParams({ kind: 'power-control', control: 'period', on: true, group: 1, periods: [1, 3], scheme: 2 })).toMatchObject({ periods: [1, 3], scheme: 2 });
    expect(fieldOf(() => checkParams({ kind: 'power-control', control: 'period', on: true, group: 9, periods: [1] }))).toBe('group');
    expect(fieldOf(() => checkParams({ kind: 'power-control', control: 'period', on: true, group: 1, periods: [1], scheme: 3 }))).toBe('scheme');
    expect(fieldOf(() => checkParams({ kind: 'power-control', control: 'period', on: true, group: 1 }))).toBe('periods');
  });

  it('AFN04 F41–F48 values', () => {
    expect(checkParam(41, { schemes: [1], values: [{ periods: [1, 2], setpoints: [100, 0.5] }] })).toEqual({ schemes: [1], values: [{ periods: [1, 2], setpoints: [100, 0.5] }] });
    expect(fieldOf(() => checkParam(41, { schemes: [1], values: [{ periods: [1, 2], setpoints: [100] }] }))).toBe('value.values[0].setpoints');
    expect(fieldOf(() => checkParam(42, { setpoint: 100, start: { hour: 24, minute: 0 }, duration: 4, weekdays: [6, 7] }))).toBe('value.start.hour');
    expect(fieldOf(() => checkParam(43, { minutes: 61 }))).toBe('value.minutes');
    expect(fieldOf(() => checkParam(44, { start: { year: 2026, month: 2, day: 1 }, end: { year: 2026, month: 1, day: 1 }, setpoint: 10 }))).toBe('value.end');
    expect(fieldOf(() => checkParam(44, { start: { year: 2026, month: 2, day: 30 }, end: { year: 2026, month: 3, day: 1 }, setpoint: 10 }))).toBe('value.start');
    expect(checkParam(47, { orderNo: 7, mode: 'append', amount: 500, alarmThreshold: 50, tripThreshold: 0 })).toMatchObject({ mode: 0x55 });
    expect(fieldOf(() => checkParam(47, { orderNo: 7, mode: 'append', amount: 500, alarmThreshold: 10, tripThreshold: 20 }))).toBe('value.tripThreshold');
    expect(fieldOf(() => checkParams({ kind: 'set-param', fn: 40 as 41, pn: 1, value: {} }))).toBe('fn');
  });
});

describe('plans', () => {
  it('terminal: AFN05 units with their read-back check; trips expect ERC5 after the alarm delay', () => {
    const p = planTerminal(checkParams({ kind: 'trip', rounds: [1, 2], alarmMinutes: 2 }));
    expect(p.afn).toBe(0x05);
    expect(p.units).toEqual([
      { pn: 1, fn: 1, data: { turn: { alarmDelay: 2, limitTime: 0 } } },
      { pn: 2, fn: 1, data: { turn: { alarmDelay: 2, limitTime: 0 } } },
    ]);
    expect(p.check).toEqual({ fn: 6, rounds: [1, 2], open: true });
    expect(p.erc5).toEqual({ rounds: [1, 2], afterMs: 120_000 });
    expect(planTerminal({ kind: 'power-control', control: 'monthly-energy', on: false, group: 3 }).units).toEqual([{ pn: 3, fn: 23 }]);
    expect(planTerminal({ kind: 'keep-power', halfHours: 4 }).units).toEqual([{ pn: 0, fn: 25, data: { halfHours: 4 } }]);
    expect(planTerminal({ kind: 'set-param', fn: 46, pn: 1, value: { setpoint: 10 } })).toMatchObject({ afn: 0x04, check: { param: 46, pn: 1 } });
  });

  it('meter: DL/T 645 1CH commands with the status-word-3 bits they must show', () => {
    expect(planMeter({ kind: 'trip' })).toEqual({ level: 'meter', command: 'trip', check: { relay_open: true, relay_command_trip: true } });
    expect(planMeter({ kind: 'close' }).command).toBe('closeAllowed');
    expect(planMeter({ kind: 'close', direct: true }).command).toBe('closeDirect');
    expect(planMeter({ kind: 'release' }).command).toBe('keepPowerRelease');
    expect(() => planMeter({ kind: 'set-param', fn: 46, pn: 1, value: {} })).toThrow(InputError);
  });
});

describe('period control with AFN04 F41 limits (时段功控定值)', () => {
  const limits = { schemes: [1, 2], values: [{ periods: [1, 2, 3], setpoints: [120, 85.5, 40] }, { periods: [4], setpoints: [10] }] };
  const pc = (over: object): Parameters<typeof checkParams>[0] => ({ kind: 'power-control', control: 'period', on: true, group: 2, periods: [1, 2], limits, ...over }) as Parameters<typeof checkParams>[0];

  it('plans F41 on the group first, then F9, each with its read-back', () => {
    const steps = planTerminalSteps(checkParams(pc({})));
    expect(steps.map((s) => [s.afn, s.units.map((u) => [u.pn, u.fn])])).toEqual([
      [0x04, [[2, 41]]],
      [0x05, [[2, 9]]],
    ]);
    expect(steps[0]!.check).toEqual({ param: 41, pn: 2, value: limits });
    expect(steps[1]!.check).toEqual({ fn: 5, group: 2, control: 'period', on: true });
    // Without limits: F9 alone, as before.
    expect(planTerminalSteps(checkParams(pc({ limits: undefined }))).map((s) => s.units[0]!.fn)).toEqual([9]);
  });

  it('refuses bad limits naming the field, and limits not matching F9', () => {
    expect(fieldOf(() => checkParams(pc({ limits: { schemes: [1], values: [{ periods: [1, 2], setpoints: [120, 1234] }] } })))).toBe('limits.values[0].setpoints[1]');
    expect(fieldOf(() => checkParams(pc({ limits: { schemes: [4], values: [{ periods: [1], setpoints: [1] }] } })))).toBe('limits.schemes[0]');
    expect(fieldOf(() => checkParams(pc({ scheme: 2 })))).toBe('limits.schemes'); // F9 scheme 3 not in F41
    expect(fieldOf(() => checkParams(pc({ scheme: 1 })))).toBe('limits.values[1].periods'); // scheme 2 has period 4 only
    expect(fieldOf(() => checkParams(pc({ control: 'holiday' })))).toBe('limits');
    expect(fieldOf(() => checkParams(pc({ scheme: 1, periods: [4] })))).toBeUndefined();
  });
});
