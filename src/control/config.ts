/**
 * Configuration of load control (section `control`) and prepayment (section `prepay`): types, defaults
 * and validators in the shape src/config/schema.ts uses ("path: what was wrong").
 */
import { CONTROL_KINDS } from './commands.js';

type Check = (v: unknown, path: string, problems: string[]) => void;

export interface ControlConfig {
  /** Operation kinds that need a second operator's approval, comma-separated (trip, close, keep-power, release, urge-fee, power-control, set-param, scheme, prepay). */
  approval: string;
  /** A request not approved within this is expired, s. */
  requestTtlS: number;
  /** A scheme must be approved and run within this of its creation (or last change), s. */
  schemeTtlS: number;
  /** Targets commanded at once by one request or scheme. */
  concurrency: number;
  /** Read-backs of the control state after a confirmed command before "confirmed-not-verified". */
  verifyAttempts: number;
  /** Pause between read-backs, ms. */
  verifyIntervalMs: number;
  /** How long a trip's ERC5 is awaited (after any alarm delay), ms. */
  ercWaitMs: number;
  /** Meter answer timeout a terminal applies when forwarding a 1CH command (AFN10 F1), s. */
  forwardTimeoutS: number;
  /** Validity of a DL/T 645 1CH command (its deadline N3..N8) after sending, s. */
  meterValidityS: number;
  /** Frame records of the audit chain are written within this, ms (requests, approvals, money at once). */
  auditFlushMs: number;
}

export interface PrepayConfig {
  /** Price of energy for new prepaid accounts, 厘 (0.001 yuan) per kWh. */
  priceLiPerKwh: number;
  /** Balance at or below which the urge-fee alarm starts, 厘. */
  alarmLi: number;
  /** Settle every prepaid account this often, s (0 = only on demand). */
  settleIntervalS: number;
  /** 'auto': trip at a negative balance (keep-power customers never); 'off': alarm only. */
  trip: 'auto' | 'off';
  /**
   * Who enforces the balance of an account opened without an explicit mode: 'head-end' (the balance
   * here, 1CH trips and closes) or 'terminal' (top-ups become AFN04 F47 purchase records, the terminal's
   * purchase control trips by itself; Q/GDW 376.1-2009 AFN04 F47, AFN05 F16).
   */
  mode: PrepayMode;
  /** Terminal mode: total-add group (总加组, Pn of F47/F16) of a new account. */
  group: number;
  /** Terminal mode: trip threshold written in F47, kWh (the alarm threshold is `alarmLi` / price). */
  tripKwh: number;
}

export type PrepayMode = 'head-end' | 'terminal';

export const DEFAULT_CONTROL: ControlConfig = {
  approval: 'trip,close,release,power-control,set-param,scheme',
  requestTtlS: 3600,
  schemeTtlS: 86_400,
  concurrency: 256,
  verifyAttempts: 3,
  verifyIntervalMs: 1000,
  ercWaitMs: 10_000,
  forwardTimeoutS: 10,
  meterValidityS: 300,
  auditFlushMs: 50,
};

export const DEFAULT_PREPAY: PrepayConfig = { priceLiPerKwh: 500, alarmLi: 10_000, settleIntervalS: 900, trip: 'auto', mode: 'head-end', group: 1, tripKwh: 0 };

const int = (min: number, max: number): Check => (v, path, problems) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) problems.push(`${path}: expected an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
};

export const CONTROL_CHECKS: Record<keyof ControlConfig, Check> = {
  approval: (v, path, problems) => {
    if (typeof v !== 'string') return void problems.push(`${path}: expected a comma-separated list of ${CONTROL_KINDS.join(', ')}`);
    for (const k of v.split(',').map((x) => x.trim()).filter(Boolean)) {
      if (!(CONTROL_KINDS as readonly string[]).includes(k)) problems.push(`${path}: '${k}' is not one of ${CONTROL_KINDS.join(', ')}`);
    }
  },
  requestTtlS: int(10, 7 * 86_400),
  schemeTtlS: int(60, 90 * 86_400),
  concurrency: int(1, 100_000),
  verifyAttempts: int(1, 20),
  verifyIntervalMs: int(0, 600_000),
  ercWaitMs: int(0, 3_600_000),
  forwardTimeoutS: int(1, 127),
  meterValidityS: int(10, 86_400),
  auditFlushMs: int(1, 10_000),
};

export const PREPAY_CHECKS: Record<keyof PrepayConfig, Check> = {
  priceLiPerKwh: int(1, 100_000),
  alarmLi: int(0, 100_000_000),
  settleIntervalS: int(0, 86_400),
  trip: (v, path, problems) => {
    if (v !== 'auto' && v !== 'off') problems.push(`${path}: expected auto or off, got ${JSON.stringify(v)}`);
  },
  mode: (v, path, problems) => {
    if (v !== 'head-end' && v !== 'terminal') problems.push(`${path}: expected head-end or terminal, got ${JSON.stringify(v)}`);
  },
  group: int(1, 8),
  tripKwh: int(-9_999_999, 9_999_999),
};
