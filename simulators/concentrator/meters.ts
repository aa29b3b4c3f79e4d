/**
 * Values of the meters behind a terminal, computed on demand from the model (simulators/model.ts) with
 * id `${terminalKey}/${pn}` — nothing is stored per meter. The shapes are those of the codec's AFN0C
 * (Q/GDW 376.1-2009 §5.12) and AFN0D (§5.13) layouts, so a test computes exactly what a head-end must store:
 *
 * - AFN0C (real-time, at real time `now`, read time = terminal clock): F25 power/PF/U/I (`instantAt`),
 *   F33/F34 energy sets, F129–F136 current indications, F137–F144 at 00:00 of the 1st of the clock's
 *   month, F165–F167 meter switch/parameter/purchase information.
 * - AFN0D daily (Td_d D): the registers at D 00:00 local (UTC+8) — F1/F2, F161–F168; F5–F8 the energy
 *   used during D, i.e. E(D+1 00:00) − E(D 00:00). Reading-day frozen (F9–F12, F169–F176): the same at
 *   D 00:00 when D is a reading day of AFN04 F33, EEH otherwise (F11/F12: max demand over the month
 *   before D 00:00). Monthly (Td_m M): the registers at 00:00 of the 1st of M (F17/F18, F177–F184;
 *   F19/F20 demand over M−1 .. M; F21–F24 the energy used during M).
 * - Curves (Td_c start, density, n): point i at start + i·density: F81–F95 power/U/I, F96 frequency,
 *   F97–F100 energy used in the interval ending at the point, F101–F104 indications, F105–F108 PF.
 * Points later than the terminal clock, inside a power-off outage of the terminal, or of a missing meter
 * are EEH (null). Energy channels: forward active, combined reactive 1 (QI+QII), reverse active, combined
 * reactive 2 (QIII+QIV), QI, QII, QIII, QIV (the order of F129–F136 / F161–F168).
 */
import type { DateA20, DateTimeA1, DateTimeA15, MonthA21, TimeA17 } from '../../protocols/gw376/formats.js';
import {
  fromLocal, instantAt, localParts, maxDemand, profileFor, quantityWhAt, register, registerValuesAt,
  type EnergyWh, type InstantValues, type ModelId, type Profile, type Quantity,
} from '../model.js';

/** Quantities of F129–F136 (0C), F161–F168 / F169–F176 / F177–F184 (0D), in Fn order. */
export const INDICATION_QUANTITIES: readonly Quantity[] = [
  'forwardActive', 'combinedReactive1', 'reverseActive', 'combinedReactive2', 'q1', 'q2', 'q3', 'q4',
];
/** Tariff count M reported with every register set. */
export const TARIFFS = 4;

export interface MeterContext {
  readonly seed: ModelId;
  /** Terminal key, e.g. `1101-01234`. */
  readonly terminal: string;
  /** Real time, UTC ms (what the model is evaluated at for real-time values). */
  readonly now: number;
  /** The terminal's clock at `now`: read times, and the limit of stored history. */
  readonly clock: number;
  /** Whether the meter is configured and answering (false: EEH data). */
  readonly present: (pn: number) => boolean;
  /** Whether history at `t` is missing because the terminal was powered off then. */
  readonly inOutage: (t: number) => boolean;
  /** Whether the meter's relay is open (remote trip): instantaneous power and current read 0. */
  readonly relayOpen: (pn: number) => boolean;
  /** Reading days (1..31) of AFN04 F33. */
  readonly readingDays: readonly number[];
}

export const modelIdOf = (terminal: string, pn: number): string => `${terminal}/${pn}`;

export function profileOf(ctx: Pick<MeterContext, 'seed' | 'terminal'>, pn: number): Profile {
  return profileFor(ctx.seed, modelIdOf(ctx.terminal, pn));
}

// ── time helpers ─────────────────────────────────────────────────────────────────────────────

export function a15Of(t: number): DateTimeA15 {
  const p = localParts(t);
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute };
}

export function a1Of(t: number): DateTimeA1 {
  const p = localParts(t);
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second, weekday: p.week === 0 ? 7 : p.week };
}

function a17Of(t: number | null): TimeA17 | null {
  if (t === null) return null;
  const p = localParts(t);
  return { month: p.month, day: p.day, hour: p.hour, minute: p.minute };
}

export const instantOfA15 = (v: DateTimeA15): number => fromLocal(v.year, v.month, v.day, v.hour, v.minute);
export const instantOfDay = (d: DateA20): number => fromLocal(d.year, d.month, d.day);
export const instantOfMonth = (m: MonthA21): number => fromLocal(m.year, m.month, 1);

/** Curve density codes (Td_c m): 1 = 15 min, 2 = 30, 3 = 60, 254 = 5, 255 = 1 (UNVERIFIED codes, digest §8.7). */
export function densityMs(code: number): number | undefined {
  switch (code) {
    case 1:
      return 15 * 60_000;
    case 2:
      return 30 * 60_000;
    case 3:
      return 60 * 60_000;
    case 254:
      return 5 * 60_000;
    case 255:
      return 60_000;
    default:
      return undefined;
  }
}

// ── register helpers ─────────────────────────────────────────────────────────────────────────

/** [total, tariff 1..4] of a quantity in kWh (kvarh). */
export function registerValues(wh: EnergyWh, q: Quantity): number[] {
  const r = register(wh, q);
  return [r.total, ...r.rates];
}

const nulls = (n: number): null[] => new Array<null>(n).fill(null);

// The sets below read only the quantities they carry at `t` (registerValuesAt), not all 11 registers.

/** Register set of quantity `q` of profile `p` at `t` (EEH when `p` is null), read time `time`. */
function tariffSet(time: number | null, p: Profile | null, t: number, q: Quantity): { time: DateTimeA15 | null; m: number; values: (number | null)[] } {
  return { time: time === null ? null : a15Of(time), m: TARIFFS, values: p ? registerValuesAt(p, t, q) : nulls(TARIFFS + 1) };
}

function energySet(time: number | null, p: Profile | null, t: number, reverse: boolean): Record<string, unknown> {
  const qs: Quantity[] = reverse ? ['reverseActive', 'combinedReactive2', 'q2', 'q3'] : ['forwardActive', 'combinedReactive1', 'q1', 'q4'];
  const v = (q: Quantity): (number | null)[] => (p ? registerValuesAt(p, t, q) : nulls(TARIFFS + 1));
  return { time: time === null ? null : a15Of(time), m: TARIFFS, active: v(qs[0]!), reactive: v(qs[1]!), quadrantX: v(qs[2]!), quadrantY: v(qs[3]!) };
}

/** Energy used between two instants, kWh with 4 decimals: [total, tariff 1..4] (A.13). */
function usedBetween(p: Profile, from: number, to: number, q: Quantity): number[] {
  const a = quantityWhAt(p, from, q);
  const b = quantityWhAt(p, to, q);
  const d = b.map((x, i) => x - a[i]!);
  return [d.reduce((s, x) => s + x, 0) / 1000, ...d.map((x) => x / 1000)];
}

function demandSet(p: Profile, from: number, to: number, reverse: boolean, time: number): Record<string, unknown> {
  const act = maxDemand(p, reverse ? 'reverseActive' : 'forwardActive', from, to);
  const rea = maxDemand(p, reverse ? 'q2' : 'q1', from, to);
  const max = (d: ReturnType<typeof maxDemand>): number[] => [d.total.demand, ...d.rates.map((r) => r.demand)];
  const at = (d: ReturnType<typeof maxDemand>): (TimeA17 | null)[] => [a17Of(d.total.at), ...d.rates.map((r) => a17Of(r.at))];
  return { time: a15Of(time), m: TARIFFS, activeMax: max(act), activeTime: at(act), reactiveMax: max(rea), reactiveTime: at(rea) };
}

function demandNulls(): Record<string, unknown> {
  return { time: null, m: TARIFFS, activeMax: nulls(5), activeTime: nulls(5), reactiveMax: nulls(5), reactiveTime: nulls(5) };
}

// ── AFN0C ────────────────────────────────────────────────────────────────────────────────────

const pf = (x: number): number => Math.round(x * 1000) / 10;

/** AFN0C F25 from instantaneous values (exported so tests build the expected value the same way). */
export function f25Of(iv: InstantValues, time: number, relayOpen = false): Record<string, unknown> {
  const [a, b, c] = iv.phases;
  const z = relayOpen ? 0 : 1;
  const n = (x: number): number => (relayOpen ? 0 : x);
  return {
    time: a15Of(time),
    p: n(iv.activePower), pa: n(a.activePower), pb: n(b.activePower), pc: n(c.activePower),
    q: n(iv.reactivePower), qa: n(a.reactivePower), qb: n(b.reactivePower), qc: n(c.reactivePower),
    pf: z ? pf(iv.powerFactor) : null, pfa: z ? pf(a.powerFactor) : null, pfb: z ? pf(b.powerFactor) : null, pfc: z ? pf(c.powerFactor) : null,
    ua: a.voltage, ub: b.voltage, uc: c.voltage,
    ia: n(a.current), ib: n(b.current), ic: n(c.current),
    i0: n(iv.neutralCurrent),
    s: n(iv.apparentPower), sa: n(a.apparentPower), sb: n(b.apparentPower), sc: n(c.apparentPower),
  };
}

function f25Nulls(time: number): Record<string, unknown> {
  const keys = ['p', 'pa', 'pb', 'pc', 'q', 'qa', 'qb', 'qc', 'pf', 'pfa', 'pfb', 'pfc', 'ua', 'ub', 'uc', 'ia', 'ib', 'ic', 'i0', 's', 'sa', 'sb', 'sc'];
  return { time: a15Of(time), ...Object.fromEntries(keys.map((k) => [k, null])) };
}

/** Purchase information of F167 when no purchase control is set for the point (deterministic from the registers). */
export interface PurchaseInfo {
  purchases: number;
  balance: number;
  totalPurchasedMoney: number;
  remainingEnergy: number;
  overdraftEnergy: number;
  totalPurchasedEnergy: number;
  creditLimitEnergy: number;
  alarmEnergy: number;
  faultEnergy: number;
}

/** Default prepayment picture: energy bought in blocks of 500 kWh, 0.5 yuan per kWh. */
export function defaultPurchase(fwdKwh: number): PurchaseInfo {
  const blocks = Math.floor(fwdKwh / 500) + 1;
  const total = blocks * 500;
  const remaining = Math.round((total - fwdKwh) * 100) / 100;
  return {
    purchases: Math.min(blocks, 9999),
    balance: Math.round(remaining * 0.5 * 10000) / 10000,
    totalPurchasedMoney: total * 0.5,
    remainingEnergy: remaining,
    overdraftEnergy: 0,
    totalPurchasedEnergy: total,
    creditLimitEnergy: 0,
    alarmEnergy: 50,
    faultEnergy: 0,
  };
}

/**
 * AFN0C data of a measuring point, or undefined when the Fn is not a per-meter Fn this simulator answers.
 * `purchase` overrides F167 (purchase control of the point's total-add group).
 */
export function realtimeOf(fn: number, pn: number, ctx: MeterContext, purchase?: PurchaseInfo): unknown {
  const present = ctx.present(pn);
  const time = ctx.clock;
  if (fn === 25) {
    if (!present) return f25Nulls(time);
    return f25Of(instantAt(profileOf(ctx, pn), ctx.now), time, ctx.relayOpen(pn));
  }
  if (fn === 33 || fn === 34) return energySet(time, present ? profileOf(ctx, pn) : null, ctx.now, fn === 34);
  if (fn >= 129 && fn <= 144) {
    const q = INDICATION_QUANTITIES[(fn - 129) % 8]!;
    const at = fn >= 137 ? monthStartOf(ctx.clock) : ctx.now;
    return tariffSet(time, present ? profileOf(ctx, pn) : null, at, q);
  }
  if (fn === 165) return { time: a15Of(time), programCount: present ? 0 : null, programLast: null, coverCount: present ? 0 : null, coverLast: null };
  if (fn === 166) return { time: a15Of(time), clockCount: present ? 0 : null, clockLast: null, tariffPeriodsCount: present ? 0 : null, tariffPeriodsLast: null };
  if (fn === 167) {
    if (!present) {
      return { time: a15Of(time), purchases: null, balance: null, totalPurchasedMoney: null, remainingEnergy: null, overdraftEnergy: null, totalPurchasedEnergy: null, creditLimitEnergy: null, alarmEnergy: null, faultEnergy: null };
    }
    const info = purchase ?? defaultPurchase(registerValuesAt(profileOf(ctx, pn), ctx.now, 'forwardActive')[0]!);
    return { time: a15Of(time), ...info };
  }
  return undefined;
}

/** 00:00 local of the 1st of the month of `t`. */
export function monthStartOf(t: number): number {
  const p = localParts(t);
  return fromLocal(p.year, p.month, 1);
}

// ── AFN0D ────────────────────────────────────────────────────────────────────────────────────

/** Which Td an AFN0D Fn carries (§5.13): d daily, m monthly, c curve; undefined = not answered. */
export function tdKindOf(fn: number): 'd' | 'm' | 'c' | undefined {
  if ((fn >= 1 && fn <= 12) || (fn >= 161 && fn <= 176)) return 'd';
  if ((fn >= 17 && fn <= 24) || (fn >= 177 && fn <= 184)) return 'm';
  if (fn >= 81 && fn <= 108) return 'c';
  return undefined;
}

/** AFN0D data (`{ td, ... }`) of a measuring point for the request's Td, or undefined when not answered. */
export function historyOf(fn: number, pn: number, td: unknown, ctx: MeterContext): unknown {
  const kind = tdKindOf(fn);
  if (kind === 'd') return { td, ...daily(fn, pn, td as DateA20, ctx) };
  if (kind === 'm') return { td, ...monthly(fn, pn, td as MonthA21, ctx) };
  if (kind === 'c') return curve(fn, pn, td as CurveTd, ctx);
  return undefined;
}

/** Whether a frozen value at `t` exists: not in the future, not in an outage, meter present. */
function stored(ctx: MeterContext, pn: number, t: number): boolean {
  return t <= ctx.clock && ctx.present(pn) && !ctx.inOutage(t);
}

function daily(fn: number, pn: number, d: DateA20, ctx: MeterContext): Record<string, unknown> {
  const t = instantOfDay(d);
  const readingDay = ctx.readingDays.includes(d.day);
  const isReading = (fn >= 9 && fn <= 12) || (fn >= 169 && fn <= 176);
  const ok = stored(ctx, pn, t) && (!isReading || readingDay);
  if (fn >= 5 && fn <= 8) {
    const end = fromLocal(d.year, d.month, d.day + 1);
    const q = (['forwardActive', 'combinedReactive1', 'reverseActive', 'combinedReactive2'] as const)[fn - 5]!;
    const okEnd = ok && stored(ctx, pn, end);
    return { m: TARIFFS, values: okEnd ? usedBetween(profileOf(ctx, pn), t, end, q) : nulls(TARIFFS + 1) };
  }
  if (fn === 1 || fn === 2 || fn === 9 || fn === 10) {
    return energySet(ok ? t : null, ok ? profileOf(ctx, pn) : null, t, fn === 2 || fn === 10);
  }
  if (fn === 3 || fn === 4 || fn === 11 || fn === 12) {
    if (!ok) return demandNulls();
    return demandSet(profileOf(ctx, pn), fromLocal(d.year, d.month - 1, d.day), t, fn === 4 || fn === 12, t);
  }
  const q = INDICATION_QUANTITIES[(fn - 161) % 8]!;
  return tariffSet(ok ? t : null, ok ? profileOf(ctx, pn) : null, t, q);
}

function monthly(fn: number, pn: number, m: MonthA21, ctx: MeterContext): Record<string, unknown> {
  const t = instantOfMonth(m);
  const ok = stored(ctx, pn, t);
  if (fn >= 21 && fn <= 24) {
    const end = fromLocal(m.year, m.month + 1, 1);
    const q = (['forwardActive', 'combinedReactive1', 'reverseActive', 'combinedReactive2'] as const)[fn - 21]!;
    const okEnd = ok && stored(ctx, pn, end);
    return { m: TARIFFS, values: okEnd ? usedBetween(profileOf(ctx, pn), t, end, q) : nulls(TARIFFS + 1) };
  }
  if (fn === 17 || fn === 18) return energySet(ok ? t : null, ok ? profileOf(ctx, pn) : null, t, fn === 18);
  if (fn === 19 || fn === 20) return ok ? demandSet(profileOf(ctx, pn), fromLocal(m.year, m.month - 1, 1), t, fn === 20, t) : demandNulls();
  const q = INDICATION_QUANTITIES[(fn - 177) % 8]!;
  return tariffSet(ok ? t : null, ok ? profileOf(ctx, pn) : null, t, q);
}

export interface CurveTd {
  start: DateTimeA15;
  density: number;
  points: number;
}

/** The value of curve Fn at instant `t` (exported so tests compute expectations the same way). */
export function curvePoint(fn: number, p: Profile, t: number, stepMs: number): number | null {
  if (fn >= 97 && fn <= 104) {
    const q = (['forwardActive', 'combinedReactive1', 'reverseActive', 'combinedReactive2'] as const)[(fn - 97) % 4]!;
    if (fn >= 101) return registerValuesAt(p, t, q)[0]!;
    return usedBetween(p, t - stepMs, t, q)[0]!;
  }
  const iv = instantAt(p, t);
  const [a, b, c] = iv.phases;
  switch (fn) {
    case 81: return iv.activePower;
    case 82: return a.activePower;
    case 83: return b.activePower;
    case 84: return c.activePower;
    case 85: return iv.reactivePower;
    case 86: return a.reactivePower;
    case 87: return b.reactivePower;
    case 88: return c.reactivePower;
    case 89: return a.voltage;
    case 90: return b.voltage;
    case 91: return c.voltage;
    case 92: return a.current;
    case 93: return b.current;
    case 94: return c.current;
    case 95: return iv.neutralCurrent;
    case 96: return iv.frequency;
    case 105: return pf(iv.powerFactor);
    case 106: return pf(a.powerFactor);
    case 107: return pf(b.powerFactor);
    case 108: return pf(c.powerFactor);
    default: return null;
  }
}

function curve(fn: number, pn: number, td: CurveTd, ctx: MeterContext): unknown {
  const step = densityMs(td.density);
  const start = instantOfA15(td.start);
  const values: (number | null)[] = [];
  const p = step !== undefined && ctx.present(pn) ? profileOf(ctx, pn) : undefined;
  for (let i = 0; i < td.points; i++) {
    const t = start + i * (step ?? 0);
    values.push(p && stored(ctx, pn, t) ? curvePoint(fn, p, t, step!) : null);
  }
  return { td, values };
}
