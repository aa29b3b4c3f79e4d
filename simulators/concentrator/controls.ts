/**
 * Control state of a terminal (AFN05, Q/GDW 376.1-2009 §5.5; reported by AFN0C F5/F6 and ERC5/7/19).
 *
 * - F1 remote trip (遥控跳闸) of round Pn: after the alarm delay (D3..D0 minutes) the round's output opens,
 *   ERC5 records the total active power of the meters before and after; a power-limit time (D7..D4,
 *   ×0.5 h) closes it again by itself. Refused (AFN00 deny) while keep-power is on. F2 (允许合闸) closes.
 *   An open output opens the relay of every meter behind the terminal: their instantaneous power and
 *   current read 0 and their 645 status word 3 shows the relay open (energy registers keep the model).
 * - F25/F33 keep-power on (for D ×0.5 h, 0 = until F33) / off.
 * - F9/F17 period power control, F10/F18 factory holiday, F11/F19 shut-down, F12/F20 down-float,
 *   F15/F23 monthly energy, F16/F24 purchase control of total-add group Pn: flags shown in F5/F6
 *   (power control never trips here: the simulator has no load to shed).
 * - Purchase control: AFN04 F47 of group g appends (55H) or refreshes (AAH) the energy bought (ERC19).
 *   Remaining = bought − forward active energy used since, measured on meter Pn = g (simplification: a
 *   total-add group is its own meter), reported by AFN0C F23. With F16 on, remaining ≤ trip threshold
 *   trips the group's energy-control rounds (AFN04 F48, default round 1) once, with ERC7; a purchase
 *   that lifts the remaining energy above the threshold closes them again (the trip is re-evaluated).
 *   A purchase whose order number (购电单号) equals the group's last one is refused (AFN00 item denied,
 *   nothing changes), as terminals do so that a resent frame never credits twice.
 * - F26/F34 payment alarm, F28/F36 removal, F27/F35 talk, F29/F37 active reporting, F31 clock set.
 * - Meters' own relays: DL/T 645 1CH commands forwarded to a meter (AFN10 F1, forward.ts) change that
 *   meter's status word 3 (relay, keep-power, alarm bits), kept here per Pn; an open meter relay opens
 *   that meter only.
 */
import type { ErcRecord } from '../../protocols/gw376/erc/registry.js';
import { a15Of } from './meters.js';

export interface ControlEnv {
  readonly now: number;
  readonly clock: number;
  /** Total active power of the terminal's meters now, kW. */
  totalPowerKw(): number;
  /** Forward active energy (kWh) of the meter measuring total-add group `g` at real time `t`. */
  groupEnergyKwh(g: number, t: number): number;
  /** AFN04 value of (fn, pn). */
  param(fn: number, pn: number): unknown;
  addEvent(rec: ErcRecord): void;
  setClock(t: number): void;
}

interface GroupState {
  scheme: number;
  periods: number[];
  period: boolean;
  holiday: boolean;
  shutdown: boolean;
  downFloat: boolean;
  monthly: boolean;
  purchase: boolean;
}

interface PurchaseState {
  orderNo: number;
  /** Remaining kWh at `since` (real time). */
  remaining: number;
  since: number;
  sinceEnergy: number;
  alarm: number;
  trip: number;
  tripped: boolean;
}

export interface ControlsJSON {
  rounds: number;
  keepUntil: number;
  flags: number;
  groups: [number, GroupState][];
  purchases: [number, PurchaseState][];
  /** DL/T 645 status word 3 of meters changed by forwarded 1CH commands. */
  meters?: [number, number][];
}

/** DL/T 645-2007 status word 3, bit 4: relay open (digest §5.3). */
const SW3_RELAY_OPEN = 1 << 4;

const FLAG_PAYMENT_ALARM = 1;
const FLAG_REMOVED = 2;
const FLAG_NO_TALK = 4;
const FLAG_NO_REPORT = 8;

export type ControlResult = 'ok' | 'deny';

export class ControlState {
  /** Open remote-trip rounds, bit r−1 = round r. */
  private rounds = 0;
  /** Keep-power until this real time (Infinity: until F33; 0: off). */
  private keepUntil = 0;
  private flags = 0;
  private groups: Map<number, GroupState> | undefined;
  private purchases: Map<number, PurchaseState> | undefined;
  /** Status word 3 of the meters whose own relay/keep-power a forwarded 1CH changed, by Pn. */
  private meters: Map<number, number> | undefined;
  /** Scheduled trips (alarm delay) and automatic closes (power-limit time): [round, at, 'trip' | 'close']. */
  private timers: [number, number, 'trip' | 'close'][] | undefined;

  constructor(autoReport: boolean) {
    if (!autoReport) this.flags |= FLAG_NO_REPORT;
  }

  get autoReport(): boolean {
    return (this.flags & FLAG_NO_REPORT) === 0;
  }

  keepPower(now: number): boolean {
    return this.keepUntil > now;
  }

  /** Whether any output is open for meter `pn` (a remote-trip round, or the purchase trip of group pn). */
  relayOpen(pn: number): boolean {
    return this.rounds !== 0 || this.purchases?.get(pn)?.tripped === true || ((this.meters?.get(pn) ?? 0) & SW3_RELAY_OPEN) !== 0;
  }

  /** Whether a terminal output (remote-trip round, purchase trip of group pn) is open for meter `pn`. */
  outputOpen(pn: number): boolean {
    return this.rounds !== 0 || this.purchases?.get(pn)?.tripped === true;
  }

  /** Status word 3 of meter `pn` as its own 1CH commands left it (0 when never commanded). */
  meterStatus3(pn: number): number {
    return this.meters?.get(pn) ?? 0;
  }

  setMeterStatus3(pn: number, status3: number): void {
    const m = (this.meters ??= new Map());
    if (status3 === 0) m.delete(pn);
    else m.set(pn, status3);
  }

  trippedRounds(): number[] {
    return bitsOf(this.rounds);
  }

  /** Applies one AFN05 unit. */
  apply(fn: number, pn: number, data: unknown, env: ControlEnv): ControlResult {
    this.tick(env);
    switch (fn) {
      case 1: {
        if (pn < 1 || pn > 8 || this.keepPower(env.now)) return 'deny';
        const turn = (data as { turn: { alarmDelay: number; limitTime: number } }).turn;
        if (turn.alarmDelay > 0) this.schedule(pn, env.now + turn.alarmDelay * 60_000, 'trip');
        else this.trip(pn, env);
        if (turn.limitTime > 0) this.schedule(pn, env.now + turn.alarmDelay * 60_000 + turn.limitTime * 1_800_000, 'close');
        return 'ok';
      }
      case 2:
        if (pn < 1 || pn > 8) return 'deny';
        this.rounds &= ~(1 << (pn - 1));
        this.timers = this.timers?.filter(([r]) => r !== pn);
        return 'ok';
      case 25: {
        const h = (data as { halfHours: number }).halfHours;
        this.keepUntil = h === 0 ? Infinity : env.now + h * 1_800_000;
        return 'ok';
      }
      case 33:
        this.keepUntil = 0;
        return 'ok';
      case 26:
      case 34:
        this.flag(FLAG_PAYMENT_ALARM, fn === 26);
        return 'ok';
      case 27:
      case 35:
        this.flag(FLAG_NO_TALK, fn === 35);
        return 'ok';
      case 28:
      case 36:
        this.flag(FLAG_REMOVED, fn === 28);
        return 'ok';
      case 29:
      case 37:
        this.flag(FLAG_NO_REPORT, fn === 37);
        return 'ok';
      case 31: {
        const c = (data as { clock: { year: number; month: number; day: number; hour: number; minute: number; second: number } | null }).clock;
        if (!c) return 'deny';
        env.setClock(Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second) - 8 * 3_600_000);
        return 'ok';
      }
      case 9:
      case 10:
      case 11:
      case 12:
      case 15:
      case 16:
      case 17:
      case 18:
      case 19:
      case 20:
      case 23:
      case 24:
        return this.groupControl(fn, pn, data);
      case 32:
      case 38:
      case 39:
      case 49:
      case 50:
      case 51:
      case 52:
      case 53:
        return 'ok';
      default:
        return 'deny';
    }
  }

  private flag(bit: number, on: boolean): void {
    this.flags = on ? this.flags | bit : this.flags & ~bit;
  }

  private schedule(round: number, at: number, what: 'trip' | 'close'): void {
    (this.timers ??= []).push([round, at, what]);
  }

  private trip(round: number, env: ControlEnv): void {
    if (this.rounds & (1 << (round - 1))) return;
    const power = round3(env.totalPowerKw());
    this.rounds |= 1 << (round - 1);
    env.addEvent({ erc: 5, data: { time: a15Of(env.clock), rounds: [round], power, powerAfter2Min: 0 } });
  }

  private groupControl(fn: number, pn: number, data: unknown): ControlResult {
    if (pn < 1 || pn > 8) return 'deny';
    const g = this.group(pn);
    const on = fn <= 16;
    switch (fn <= 16 ? fn : fn - 8) {
      case 9: {
        g.period = on;
        if (on) {
          const d = data as { periods: number[]; scheme: number };
          g.periods = d.periods;
          g.scheme = d.scheme;
        }
        break;
      }
      case 10:
        g.holiday = on;
        break;
      case 11:
        g.shutdown = on;
        break;
      case 12:
        g.downFloat = on;
        break;
      case 15:
        g.monthly = on;
        break;
      case 16:
        g.purchase = on;
        if (!on) {
          const p = this.purchases?.get(pn);
          if (p) p.tripped = false;
        }
        break;
    }
    return 'ok';
  }

  private group(g: number): GroupState {
    const m = (this.groups ??= new Map());
    let s = m.get(g);
    if (!s) {
      s = { scheme: 0, periods: [], period: false, holiday: false, shutdown: false, downFloat: false, monthly: false, purchase: false };
      m.set(g, s);
    }
    return s;
  }

  /**
   * AFN04 F47 of group `g` (purchase parameters): updates the remaining energy and records ERC19;
   * 'deny' (nothing changed) for a repeated order number.
   */
  setPurchase(g: number, v: { orderNo: number; mode: number; amount: number | null; alarmThreshold: number | null; tripThreshold: number | null }, env: ControlEnv): ControlResult {
    if (g < 1 || g > 8 || (v.mode !== 0x55 && v.mode !== 0xaa)) return 'deny';
    if (this.purchases?.get(g)?.orderNo === v.orderNo) return 'deny';
    // An append adds to what is left now, after the energy used since the last purchase.
    const before = this.remaining(g, env.now, env);
    const used = env.groupEnergyKwh(g, env.now);
    const amount = v.amount ?? 0;
    const after = v.mode === 0xaa ? amount : (before ?? 0) + amount;
    const p: PurchaseState = { orderNo: v.orderNo, remaining: after, since: env.now, sinceEnergy: used, alarm: v.alarmThreshold ?? 0, trip: v.tripThreshold ?? 0, tripped: false };
    (this.purchases ??= new Map()).set(g, p);
    env.addEvent({
      erc: 19,
      data: {
        time: a15Of(env.clock), group: g, orderNo: v.orderNo, mode: v.mode, amount: v.amount, alarmThreshold: v.alarmThreshold, tripThreshold: v.tripThreshold,
        remainingBefore: before === undefined ? null : Math.round(before), remainingAfter: Math.round(after),
      },
    });
    return 'ok';
  }

  /** Remaining purchased energy of group `g` at real time `now` (kWh, 2 decimals), undefined when never set. */
  remaining(g: number, now: number, env?: Pick<ControlEnv, 'groupEnergyKwh'>): number | undefined {
    const p = this.purchases?.get(g);
    if (!p) return undefined;
    if (!env) return p.remaining;
    return Math.round((p.remaining - (env.groupEnergyKwh(g, now) - p.sinceEnergy)) * 100) / 100;
  }

  /** Runs what time brings: scheduled trips/closes, purchase trips. */
  tick(env: ControlEnv): void {
    if (this.timers?.length) {
      const due = this.timers.filter(([, at]) => at <= env.now).sort((a, b) => a[1] - b[1]);
      this.timers = this.timers.filter(([, at]) => at > env.now);
      for (const [round, , what] of due) {
        if (what === 'trip' && !this.keepPower(env.now)) this.trip(round, env);
        else if (what === 'close') this.rounds &= ~(1 << (round - 1));
      }
    }
    if (!this.purchases) return;
    for (const [g, p] of this.purchases) {
      if (p.tripped || !this.groups?.get(g)?.purchase) continue;
      const left = this.remaining(g, env.now, env)!;
      if (left > p.trip || this.keepPower(env.now)) continue;
      p.tripped = true;
      const rounds = ((env.param(48, g) as { rounds: number[] } | undefined)?.rounds) ?? [1];
      env.addEvent({
        erc: 7,
        data: { time: a15Of(env.clock), group: g, rounds, kind: { monthly: false, purchase: true }, energy: Math.round(left), setpoint: Math.round(p.trip) },
      });
    }
  }

  // ── AFN0C F5 / F6 ───────────────────────────────────────────────────────────────────────────

  /** AFN0C F5 终端控制设置状态. */
  settings(now: number, param: (fn: number, pn: number) => unknown): unknown {
    const gs = [...(this.groups?.keys() ?? [])].sort((a, b) => a - b);
    return {
      flags: { keepPower: this.keepPower(now), removed: (this.flags & FLAG_REMOVED) !== 0, paymentAlarm: (this.flags & FLAG_PAYMENT_ALARM) !== 0 },
      groups: gs,
      states: gs.map((g) => {
        const s = this.groups!.get(g)!;
        return {
          scheme: s.scheme,
          periods: s.periods,
          powerControl: { period: s.period, holiday: s.holiday, shutdown: s.shutdown, downFloat: s.downFloat },
          energyControl: { monthly: s.monthly, purchase: s.purchase },
          powerRounds: (param(45, g) as { rounds: number[] } | undefined)?.rounds ?? [1],
          energyRounds: (param(48, g) as { rounds: number[] } | undefined)?.rounds ?? [1],
        };
      }),
    };
  }

  /** AFN0C F6 终端当前控制状态. */
  current(param: (fn: number, pn: number) => unknown): unknown {
    const gs = [...(this.groups?.keys() ?? [])].sort((a, b) => a - b);
    return {
      remoteTrip: bitsOf(this.rounds),
      paymentAlarm: this.flags & FLAG_PAYMENT_ALARM ? 1 : 0,
      groups: gs,
      states: gs.map((g) => {
        const s = this.groups!.get(g)!;
        const p = this.purchases?.get(g);
        return {
          powerSetpoint: null,
          floatCoefficient: null,
          powerTrip: [],
          monthlyTrip: [],
          purchaseTrip: p?.tripped ? ((param(48, g) as { rounds: number[] } | undefined)?.rounds ?? [1]) : [],
          powerAlarm: { period: false, holiday: false, shutdown: false, downFloat: false },
          energyAlarm: { monthly: false, purchase: s.purchase && p !== undefined && !p.tripped && p.remaining <= p.alarm },
        };
      }),
    };
  }

  /** AFN01 F3/F4: back to the initial state. */
  clear(autoReport: boolean): void {
    this.rounds = 0;
    this.keepUntil = 0;
    this.flags = autoReport ? 0 : FLAG_NO_REPORT;
    this.groups = undefined;
    this.purchases = undefined;
    this.meters = undefined;
    this.timers = undefined;
  }

  toJSON(): ControlsJSON {
    return {
      rounds: this.rounds,
      keepUntil: this.keepUntil === Infinity ? -1 : this.keepUntil,
      flags: this.flags,
      groups: [...(this.groups ?? [])],
      purchases: [...(this.purchases ?? [])],
      ...(this.meters?.size ? { meters: [...this.meters] } : {}),
    };
  }

  fromJSON(j: ControlsJSON): void {
    this.rounds = j.rounds;
    this.keepUntil = j.keepUntil === -1 ? Infinity : j.keepUntil;
    this.flags = j.flags;
    this.groups = j.groups.length ? new Map(j.groups) : undefined;
    this.purchases = j.purchases.length ? new Map(j.purchases) : undefined;
    this.meters = j.meters?.length ? new Map(j.meters) : undefined;
  }
}

function bitsOf(x: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 8; i++) if (x & (1 << i)) out.push(i + 1);
  return out;
}

/** A kW value with 3 significant digits at most (what A.2 carries exactly). */
function round3(kw: number): number {
  return kw === 0 ? 0 : Number(kw.toPrecision(3));
}
