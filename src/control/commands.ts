/**
 * Control commands: typed operations → what goes on the wire, validated against the standard's ranges
 * before anything is sent.
 *
 * A terminal target (a concentrator or load-management terminal) gets AFN05 units (Q/GDW 376.1-2009
 * §5.5, digest §8.4) or AFN04 control parameters (F41–F48, digest §8.3 group 6); a meter target (a
 * customer's DL/T 645 meter, read directly or through its concentrator) gets a 1CH command (DL/T 645
 * digest §3.2). Each plan carries how to verify it: which state to read back and what it must show.
 */
import type { KnownUnit } from '../../protocols/gw376/index.js';
import { a2Value } from '../../protocols/gw376/formats.js';
import { InputError } from '../errors.js';

/** Operations; the kind is also the approval policy key (config control.approval). */
export type ControlKind = 'trip' | 'close' | 'keep-power' | 'release' | 'urge-fee' | 'power-control' | 'set-param' | 'scheme' | 'prepay';

export const CONTROL_KINDS: readonly ControlKind[] = ['trip', 'close', 'keep-power', 'release', 'urge-fee', 'power-control', 'set-param', 'scheme', 'prepay'];

/** AFN05 power/energy control switched on (F9–F16) or off (F17–F24) for a total-add group. */
export type PowerControlType = 'period' | 'holiday' | 'shutdown' | 'down-float' | 'monthly-energy' | 'purchase';

/** AFN05 Fn switching a control on; the Fn switching it off is this + 8 (§5.5: F9–F16 / F17–F24). */
const CONTROL_ON_FN: Record<PowerControlType, number> = { period: 9, holiday: 10, shutdown: 11, 'down-float': 12, 'monthly-energy': 15, purchase: 16 };

/** F12 当前功率下浮控投入 data (afn05-control.ts). */
export interface DownFloat {
  slipMinutes: number;
  floatCoefficient: number;
  freezeDelayMinutes: number;
  /** 控制时间, ×0.5 h. */
  duration: number;
  alarm1Minutes: number;
  alarm2Minutes: number;
  alarm3Minutes: number;
  alarm4Minutes: number;
}

export type ControlParams =
  | { kind: 'trip'; /** control rounds 1..8 (terminal targets) */ rounds?: number[]; /** F1 D3..D0, minutes */ alarmMinutes?: number; /** F1 D7..D4, ×0.5 h (0 = until closed) */ limitHalfHours?: number }
  | { kind: 'close'; rounds?: number[]; /** meter targets: 1CH 1CH direct close instead of 1BH close allowed */ direct?: boolean }
  | { kind: 'keep-power'; /** F25 duration ×0.5 h, 0 = until released */ halfHours?: number }
  | { kind: 'release' }
  | { kind: 'urge-fee'; on: boolean }
  | { kind: 'power-control'; control: PowerControlType; on: boolean; /** total-add group 1..8 */ group: number; periods?: number[]; scheme?: number; downFloat?: DownFloat; /** period control: AFN04 F41 时段功控定值 sent before F9 */ limits?: PeriodLimits }
  | { kind: 'set-param'; fn: ParamFn; /** total-add group (F41–F48) */ pn: number; value: unknown };

/** AFN04 F41 时段功控定值 of one total-add group: the schemes (1..3) set and per scheme the periods and setpoints (kW, A.2). */
export interface PeriodLimits {
  schemes: number[];
  values: { periods: number[]; setpoints: number[] }[];
}

/** AFN04 control parameters (group 6, Pn = total-add group): F41–F48. */
export type ParamFn = 41 | 42 | 43 | 44 | 45 | 46 | 47 | 48;
export const PARAM_FNS: readonly ParamFn[] = [41, 42, 43, 44, 45, 46, 47, 48];

/** DL/T 645 1CH commands (protocols/dlt645/messages.ts CONTROL_COMMANDS). */
export type MeterCommand = 'trip' | 'closeAllowed' | 'closeDirect' | 'alarm' | 'alarmRelease' | 'keepPower' | 'keepPowerRelease';

/** What a read-back must show. */
export type TerminalCheck =
  | { fn: 6; rounds: number[]; open: boolean }
  | { fn: 5; keepPower: boolean }
  | { fn: 5; paymentAlarm: boolean }
  | { fn: 5; group: number; control: PowerControlType; on: boolean }
  | { param: ParamFn; pn: number; value: unknown };

/** Bits of DL/T 645 status word 3 (registry names) a read-back must show. */
export type Sw3Check = Partial<Record<'relay_open' | 'relay_command_trip' | 'keep_power' | 'pre_trip_alarm', boolean>>;

export interface TerminalPlan {
  level: 'terminal';
  afn: 0x04 | 0x05;
  units: KnownUnit[];
  check: TerminalCheck;
  /** Trips: the ERC5 records expected (rounds) and when the trip happens (alarm delay). */
  erc5?: { rounds: number[]; afterMs: number };
}

export interface MeterPlan {
  level: 'meter';
  command: MeterCommand;
  check: Sw3Check;
}

export type Plan = TerminalPlan | MeterPlan;

// ------------------------------------------------------------------ validation helpers

function intIn(v: unknown, field: string, min: number, max: number, why: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new InputError(field, `expected an integer ${min}..${max} (${why}), got ${JSON.stringify(v)}`);
  return v;
}

function setOf(v: unknown, field: string, min: number, max: number, why: string): number[] {
  if (!Array.isArray(v) || v.length === 0) throw new InputError(field, `expected a non-empty list of ${min}..${max} (${why})`);
  const out = v.map((x, i) => intIn(x, `${field}[${i}]`, min, max, why));
  if (new Set(out).size !== out.length) throw new InputError(field, `repeats a value: ${JSON.stringify(v)}`);
  return [...out].sort((a, b) => a - b);
}

/** A.2 (±XXX × 10^k, k = −3..4, appendix A): three significant digits, exactly. */
export function checkA2(v: unknown, field: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(field, `expected a number (kW), got ${JSON.stringify(v)}`);
  if (v < min || Math.abs(v) > 999e4) throw new InputError(field, `${v} is outside ${min}..9990000 (A.2: ±999 × 10^4)`);
  for (let e = -3; e <= 4; e++) {
    const m = Math.round(e >= 0 ? Math.abs(v) / 10 ** e : Math.abs(v) * 10 ** -e);
    if (m <= 999 && a2Value(m, e) === Math.abs(v)) return v;
  }
  throw new InputError(field, `${v} has more than 3 significant digits: A.2 cannot carry it exactly`);
}

/** A.3 (±XXXXXXX, kWh or 厘; MWh/元 for multiples of 1000): an integer that fits. */
export function checkA3(v: unknown, field: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new InputError(field, `expected an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  const m = Math.abs(v);
  if (m > 9_999_999 && (m % 1000 !== 0 || m > 9_999_999_000)) throw new InputError(field, `${v} does not fit A.3 (≤ 9999999, or a multiple of 1000 ≤ 9999999000)`);
  return v;
}

function checkTime19(v: unknown, field: string): { hour: number; minute: number } {
  const o = v as { hour?: unknown; minute?: unknown } | null;
  if (typeof o !== 'object' || o === null) throw new InputError(field, 'expected { hour, minute }');
  return { hour: intIn(o.hour, `${field}.hour`, 0, 23, 'A.19'), minute: intIn(o.minute, `${field}.minute`, 0, 59, 'A.19') };
}

function checkDate20(v: unknown, field: string): { year: number; month: number; day: number } {
  const o = v as { year?: unknown; month?: unknown; day?: unknown } | null;
  if (typeof o !== 'object' || o === null) throw new InputError(field, 'expected { year, month, day }');
  const d = { year: intIn(o.year, `${field}.year`, 2000, 2099, 'A.20'), month: intIn(o.month, `${field}.month`, 1, 12, 'A.20'), day: intIn(o.day, `${field}.day`, 1, 31, 'A.20') };
  if (d.day > new Date(Date.UTC(d.year, d.month, 0)).getUTCDate()) throw new InputError(field, 'is not a calendar date');
  return d;
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError(field, 'expected an object');
  return v as Record<string, unknown>;
}

/**
 * AFN04 F41–F48 values in the codec's shape (afn04-set-params.ts), validated and normalised.
 * Ranges: A.2/A.3 per appendix A; group 6 sizes per public terminal code (UNVERIFIED byte-exact).
 */
export function checkParam(fn: ParamFn, value: unknown): unknown {
  const v = obj(value, 'value');
  switch (fn) {
    case 41: {
      // 时段功控定值: scheme flags 1..3, per scheme the periods 1..8 set and one A.2 setpoint per period.
      const schemes = setOf(v.schemes, 'value.schemes', 1, 3, 'period-control schemes');
      if (!Array.isArray(v.values) || v.values.length !== schemes.length) throw new InputError('value.values', `expected one entry per scheme (${schemes.length})`);
      const values = v.values.map((x, i) => {
        const e = obj(x, `value.values[${i}]`);
        const periods = setOf(e.periods, `value.values[${i}].periods`, 1, 8, 'control periods');
        if (!Array.isArray(e.setpoints) || e.setpoints.length !== periods.length) throw new InputError(`value.values[${i}].setpoints`, `expected one setpoint per period (${periods.length})`);
        return { periods, setpoints: e.setpoints.map((s, k) => checkA2(s, `value.values[${i}].setpoints[${k}]`)) };
      });
      return { schemes, values };
    }
    case 42: {
      // 厂休功控参数: setpoint A.2, start A.19, duration ×0.5 h, weekdays D1..D7.
      return {
        setpoint: checkA2(v.setpoint, 'value.setpoint'),
        start: checkTime19(v.start, 'value.start'),
        duration: intIn(v.duration, 'value.duration', 1, 48, '×0.5 h, within a day'),
        weekdays: setOf(v.weekdays, 'value.weekdays', 1, 7, 'Monday = 1 … Sunday = 7'),
      };
    }
    case 43:
      return { minutes: intIn(v.minutes, 'value.minutes', 1, 60, 'power slip time, minutes') };
    case 44: {
      const start = checkDate20(v.start, 'value.start');
      const end = checkDate20(v.end, 'value.end');
      const k = (d: typeof start): number => d.year * 10000 + d.month * 100 + d.day;
      if (k(end) < k(start)) throw new InputError('value.end', 'is before the start');
      return { start, end, setpoint: checkA2(v.setpoint, 'value.setpoint') };
    }
    case 45:
    case 48:
      return { rounds: setOf(v.rounds, 'value.rounds', 1, 8, 'control rounds') };
    case 46:
      return { setpoint: checkA3(v.setpoint, 'value.setpoint') };
    case 47: {
      // 购电量（费）控参数: order no. u32, 55H append / AAH refresh, amounts A.3.
      const mode = v.mode === 'append' || v.mode === 0x55 ? 0x55 : v.mode === 'refresh' || v.mode === 0xaa ? 0xaa : undefined;
      if (mode === undefined) throw new InputError('value.mode', "expected 'append' (55H) or 'refresh' (AAH)");
      const alarmThreshold = checkA3(v.alarmThreshold, 'value.alarmThreshold');
      const tripThreshold = checkA3(v.tripThreshold, 'value.tripThreshold', -9_999_999);
      if (tripThreshold > alarmThreshold) throw new InputError('value.tripThreshold', 'must not exceed the alarm threshold');
      return { orderNo: intIn(v.orderNo, 'value.orderNo', 0, 0xffffffff, 'purchase order number'), mode, amount: checkA3(v.amount, 'value.amount', -9_999_999), alarmThreshold, tripThreshold };
    }
  }
}

/**
 * F41 limits for an F9 switching on scheme `scheme` (0..2 = schemes 1..3) over `periods`: ranges as in
 * checkParam(41), errors named `limits.…`; the F9 scheme must be set in F41 and each F9 period must have
 * a setpoint in it (§5.5 F9: the terminal controls against F41's setpoints of that scheme).
 */
function checkLimits(v: unknown, scheme: number, periods: number[]): PeriodLimits {
  let out: PeriodLimits;
  try {
    out = checkParam(41, v) as PeriodLimits;
  } catch (e) {
    if (e instanceof InputError) throw new InputError(e.field.replace(/^value/, 'limits'), e.message.slice(e.field.length + 2));
    throw e;
  }
  const i = out.schemes.indexOf(scheme + 1);
  if (i < 0) throw new InputError('limits.schemes', `does not hold scheme ${scheme + 1}, the one AFN05 F9 switches on`);
  const missing = periods.filter((n) => !out.values[i]!.periods.includes(n));
  if (missing.length > 0) throw new InputError(`limits.values[${i}].periods`, `has no setpoint for period(s) ${missing.join(', ')} switched on by AFN05 F9`);
  return out;
}

/** Validates and normalises the parameters of an operation (before any target is resolved). */
export function checkParams(p: ControlParams): ControlParams {
  switch (p.kind) {
    case 'trip': {
      const out: ControlParams = { kind: 'trip', alarmMinutes: intIn(p.alarmMinutes ?? 0, 'alarmMinutes', 0, 15, 'AFN05 F1 D3..D0 alarm delay, minutes'), limitHalfHours: intIn(p.limitHalfHours ?? 0, 'limitHalfHours', 0, 15, 'AFN05 F1 D7..D4 power-limit time, ×0.5 h') };
      if (p.rounds !== undefined) out.rounds = setOf(p.rounds, 'rounds', 1, 8, 'control rounds');
      return out;
    }
    case 'close': {
      const out: ControlParams = { kind: 'close', direct: p.direct ?? false };
      if (p.rounds !== undefined) out.rounds = setOf(p.rounds, 'rounds', 1, 8, 'control rounds');
      return out;
    }
    case 'keep-power':
      return { kind: 'keep-power', halfHours: intIn(p.halfHours ?? 0, 'halfHours', 0, 255, 'AFN05 F25 duration ×0.5 h, 0 = until released') };
    case 'release':
      return { kind: 'release' };
    case 'urge-fee':
      if (typeof p.on !== 'boolean') throw new InputError('on', 'expected true or false');
      return { kind: 'urge-fee', on: p.on };
    case 'power-control': {
      if (!(p.control in CONTROL_ON_FN)) throw new InputError('control', `expected one of ${Object.keys(CONTROL_ON_FN).join(', ')}`);
      if (typeof p.on !== 'boolean') throw new InputError('on', 'expected true or false');
      const out: ControlParams = { kind: 'power-control', control: p.control, on: p.on, group: intIn(p.group, 'group', 1, 8, 'total-add group') };
      if (p.on && p.control === 'period') {
        out.periods = setOf(p.periods, 'periods', 1, 8, 'AFN05 F9 control periods');
        out.scheme = intIn(p.scheme ?? 0, 'scheme', 0, 2, 'AFN05 F9 scheme number (0..2 = schemes 1..3)');
      }
      if (p.limits !== undefined) {
        if (!p.on || p.control !== 'period') throw new InputError('limits', 'AFN04 F41 limits go with period control switched on (AFN05 F9) only');
        out.limits = checkLimits(p.limits, out.scheme ?? 0, out.periods ?? []);
      }
      if (p.on && p.control === 'down-float') {
        const d = obj(p.downFloat, 'downFloat');
        out.downFloat = {
          slipMinutes: intIn(d.slipMinutes, 'downFloat.slipMinutes', 1, 60, 'slip time, minutes'),
          floatCoefficient: intIn(d.floatCoefficient, 'downFloat.floatCoefficient', -79, 79, 'A.4 %'),
          freezeDelayMinutes: intIn(d.freezeDelayMinutes, 'downFloat.freezeDelayMinutes', 0, 255, 'minutes'),
          duration: intIn(d.duration, 'downFloat.duration', 1, 255, '×0.5 h'),
          alarm1Minutes: intIn(d.alarm1Minutes ?? 0, 'downFloat.alarm1Minutes', 0, 255, 'minutes'),
          alarm2Minutes: intIn(d.alarm2Minutes ?? 0, 'downFloat.alarm2Minutes', 0, 255, 'minutes'),
          alarm3Minutes: intIn(d.alarm3Minutes ?? 0, 'downFloat.alarm3Minutes', 0, 255, 'minutes'),
          alarm4Minutes: intIn(d.alarm4Minutes ?? 0, 'downFloat.alarm4Minutes', 0, 255, 'minutes'),
        };
      }
      return out;
    }
    case 'set-param': {
      if (!PARAM_FNS.includes(p.fn)) throw new InputError('fn', `expected one of the control parameters F${PARAM_FNS.join(', F')} (AFN04 group 6)`);
      return { kind: 'set-param', fn: p.fn, pn: intIn(p.pn, 'pn', 1, 8, 'total-add group'), value: checkParam(p.fn, p.value) };
    }
  }
}

/** Whether an operation can act on a meter (1CH) as well as on a terminal. */
export function meterCapable(p: ControlParams): boolean {
  return p.kind === 'trip' || p.kind === 'close' || p.kind === 'keep-power' || p.kind === 'release' || p.kind === 'urge-fee';
}

/** The AFN05/AFN04 plan of a validated operation for a terminal. */
export function planTerminal(p: ControlParams): TerminalPlan {
  switch (p.kind) {
    case 'trip': {
      const rounds = p.rounds ?? [1];
      const turn = { alarmDelay: p.alarmMinutes ?? 0, limitTime: p.limitHalfHours ?? 0 };
      return { level: 'terminal', afn: 0x05, units: rounds.map((pn) => ({ pn, fn: 1, data: { turn } })), check: { fn: 6, rounds, open: true }, erc5: { rounds, afterMs: turn.alarmDelay * 60_000 } };
    }
    case 'close': {
      const rounds = p.rounds ?? [1];
      return { level: 'terminal', afn: 0x05, units: rounds.map((pn) => ({ pn, fn: 2 })), check: { fn: 6, rounds, open: false } };
    }
    case 'keep-power':
      return { level: 'terminal', afn: 0x05, units: [{ pn: 0, fn: 25, data: { halfHours: p.halfHours ?? 0 } }], check: { fn: 5, keepPower: true } };
    case 'release':
      return { level: 'terminal', afn: 0x05, units: [{ pn: 0, fn: 33 }], check: { fn: 5, keepPower: false } };
    case 'urge-fee':
      return { level: 'terminal', afn: 0x05, units: [{ pn: 0, fn: p.on ? 26 : 34 }], check: { fn: 5, paymentAlarm: p.on } };
    case 'power-control': {
      const fn = CONTROL_ON_FN[p.control] + (p.on ? 0 : 8);
      const unit: KnownUnit = { pn: p.group, fn };
      if (p.on && p.control === 'period') unit.data = { periods: p.periods ?? [], scheme: p.scheme ?? 0 };
      if (p.on && p.control === 'down-float') unit.data = p.downFloat;
      return { level: 'terminal', afn: 0x05, units: [unit], check: { fn: 5, group: p.group, control: p.control, on: p.on } };
    }
    case 'set-param':
      return { level: 'terminal', afn: 0x04, units: [{ pn: p.pn, fn: p.fn, data: p.value }], check: { param: p.fn, pn: p.pn, value: p.value } };
  }
}

/**
 * The plans of an operation for a terminal, in order: period control with limits first sets AFN04 F41
 * (read back from AFN0A F41), then switches AFN05 F9 on (read back from AFN0C F5).
 */
export function planTerminalSteps(p: ControlParams): TerminalPlan[] {
  const main = planTerminal(p);
  if (p.kind !== 'power-control' || p.limits === undefined) return [main];
  return [planTerminal({ kind: 'set-param', fn: 41, pn: p.group, value: p.limits }), main];
}

/** The DL/T 645 1CH plan of a validated operation for a meter. */
export function planMeter(p: ControlParams): MeterPlan {
  switch (p.kind) {
    case 'trip':
      return { level: 'meter', command: 'trip', check: { relay_open: true, relay_command_trip: true } };
    case 'close':
      // 1BH (close allowed) leaves the relay open until the customer presses the button; 1CH closes it.
      return p.direct ? { level: 'meter', command: 'closeDirect', check: { relay_open: false, relay_command_trip: false } } : { level: 'meter', command: 'closeAllowed', check: { relay_command_trip: false } };
    case 'keep-power':
      return { level: 'meter', command: 'keepPower', check: { keep_power: true } };
    case 'release':
      return { level: 'meter', command: 'keepPowerRelease', check: { keep_power: false } };
    case 'urge-fee':
      return { level: 'meter', command: p.on ? 'alarm' : 'alarmRelease', check: { pre_trip_alarm: p.on } };
    default:
      throw new InputError('kind', `${p.kind} acts on terminals only (give --terminal)`);
  }
}
