/**
 * What a simulated meter answers for a DI: the value, shaped as the registry entry's `decode` would
 * return it, so `entry.encode(writer, value)` produces the bytes. `undefined` = the meter has no value
 * (the caller replies ERR 02, DL/T 645-2007 §4). Energy and instantaneous values come from
 * simulators/model.ts; parameters, status words, event records and freezes from the meter state.
 *
 * Time rule: physics (energy, power) runs on real time `now()`; what the meter stamps or schedules
 * (clock reads, records, daily/hourly freezes, settlements) runs on its own clock `clock()`. A scheduled
 * instant T on the meter clock happened at real time T − clockOffset, and its energy is taken there.
 */
import type { DiEntry, DiValue } from '../../protocols/dlt645/index.js';
import { lookupDi } from '../../protocols/dlt645/index.js';
import {
  CHANNELS, fromLocal, instantAt, localParts, maxDemand, QUANTITY_BY_DI2, register, TARIFF_BY_HOUR,
  type Channel, type EnergyWh, type InstantValues, type Profile, type Quantity,
} from '../model.js';
import { EVENT_CLASSES, EVENT_DIS, type EventLog, type Snapshot } from './events.js';

/** The meter state the answers need (implemented by SimulatedMeter). */
export interface MeterState {
  readonly profile: Profile;
  readonly address: string;
  readonly meterNumber: string;
  readonly baud: number;
  readonly phases: 1 | 3;
  readonly clockOffsetMs: number;
  /** Values written with 14H (generic parameters), by DI. */
  readonly params: ReadonlyMap<number, DiValue>;
  readonly events: EventLog;
  /** Instant freezes (16H with 99999999), newest first: meter-clock ms. */
  readonly instantFreezes: readonly number[];
  /** Settlement day and hour (04000B01), default 1st 00:00. */
  readonly settlement: { day: number; hour: number };
  now(): number;
  clock(): number;
  /** Accumulated Wh at real time t, since the last meter clear. */
  energyWhAt(t: number): EnergyWh;
  /** Real time from which the current max demand is computed (last settlement or demand reset). */
  demandStart(): number;
  statusWord(n: number): number;
}

// ── time formats (meter local time, digest §5.1) ──────────────────────────────────────────────────

const two = (n: number): string => String(n).padStart(2, '0');
export function stamp(t: number): string {
  const p = localParts(t);
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
}
export const stampMinute = (t: number): string => stamp(t).slice(0, 16);
const mmddhhmm = (t: number): string => `--${stamp(t).slice(5, 16)}`;

// ── schedules on the meter clock ──────────────────────────────────────────────────────────────────

/** Meter-clock instant of the last-n settlement (n ≥ 1). */
export function settlementInstant(state: MeterState, n: number): number {
  const p = localParts(state.clock());
  const { day, hour } = state.settlement;
  let month = p.month;
  if (fromLocal(p.year, month, day, hour) > state.clock()) month--;
  return fromLocal(p.year, month - (n - 1), day, hour);
}

const dailyFreezeInstant = (state: MeterState, n: number): number => {
  const p = localParts(state.clock());
  return fromLocal(p.year, p.month, p.day - (n - 1));
};
const hourlyFreezeInstant = (state: MeterState, n: number): number => {
  const p = localParts(state.clock());
  return fromLocal(p.year, p.month, p.day, p.hour - (n - 1));
};
/** Real time at which a meter-clock instant happened. */
const real = (state: MeterState, meterT: number): number => meterT - state.clockOffsetMs;

// ── energy & demand ───────────────────────────────────────────────────────────────────────────────

function tariffValue(reg: { total: DiValue; rates: DiValue[] }, rate: number): DiValue | undefined {
  if (rate === 0) return reg.total;
  if (rate >= 1 && rate <= 4) return reg.rates[rate - 1];
  if (rate === 0xff) return { total: reg.total, rates: reg.rates };
  return undefined;
}

function energyValue(state: MeterState, q: Quantity, rate: number, realT: number): DiValue | undefined {
  return tariffValue(register(state.energyWhAt(realT), q), rate);
}

const DEMAND_CHANNEL: Partial<Record<number, Channel>> = {
  0x01: 'forwardActive', 0x02: 'reverseActive', 0x05: 'q1', 0x06: 'q2', 0x07: 'q3', 0x08: 'q4', 0x09: 'forwardApparent', 0x0a: 'reverseApparent',
};

function demandValue(state: MeterState, di2: number, rate: number, period: number, timeOf: (t: number) => string): DiValue | undefined {
  const channel = DEMAND_CHANNEL[di2];
  if (!channel || period > 12) return undefined;
  const from = period === 0 ? state.demandStart() : real(state, settlementInstant(state, period + 1));
  const to = period === 0 ? state.now() : real(state, settlementInstant(state, period));
  const d = maxDemand(state.profile, channel, from, Math.max(from, to));
  const item = (x: { demand: number; at: number | null }): DiValue => ({ demand: x.demand, time: x.at === null ? null : timeOf(x.at + state.clockOffsetMs) });
  return tariffValue({ total: item(d.total), rates: d.rates.map(item) }, rate);
}

// ── instantaneous ─────────────────────────────────────────────────────────────────────────────────

type PhaseKey = 'voltage' | 'current' | 'activePower' | 'reactivePower' | 'apparentPower' | 'powerFactor' | 'angle';
const INSTANT_DI2: Partial<Record<number, PhaseKey>> = {
  0x01: 'voltage', 0x02: 'current', 0x03: 'activePower', 0x04: 'reactivePower', 0x05: 'apparentPower', 0x06: 'powerFactor', 0x07: 'angle',
};
const TOTALS: Partial<Record<PhaseKey, 'activePower' | 'reactivePower' | 'apparentPower' | 'powerFactor'>> = {
  activePower: 'activePower', reactivePower: 'reactivePower', apparentPower: 'apparentPower', powerFactor: 'powerFactor',
};

function phaseValue(state: MeterState, iv: InstantValues, key: PhaseKey, phase: number): DiValue | undefined {
  if (phase === 0) {
    const t = TOTALS[key];
    return t ? iv[t] : undefined;
  }
  if (phase > 3) return undefined;
  if (state.phases === 1 && phase > 1) return null; // single-phase meter: FFH fill (digest §5.1)
  return iv.phases[phase - 1]![key];
}

function instantValue(state: MeterState, di: number): DiValue | undefined {
  const di2 = (di >>> 16) & 0xff;
  const di1 = (di >>> 8) & 0xff;
  const di0 = di & 0xff;
  const iv = instantAt(state.profile, state.now());
  const key = INSTANT_DI2[di2];
  if (key && di0 === 0) return phaseValue(state, iv, key, di1);
  if (di2 === 0x80 && di1 === 0) {
    switch (di0) {
      case 0x01: return iv.neutralCurrent;
      case 0x02: return iv.frequency;
      case 0x03: case 0x04: return iv.activePower;
      case 0x05: return iv.reactivePower;
      case 0x06: return iv.apparentPower;
      case 0x07: return iv.temperature;
      case 0x08: return iv.clockBattery;
      case 0x09: return 3.55;
    }
  }
  return undefined;
}

// ── parameters ────────────────────────────────────────────────────────────────────────────────────

/** Day time-slot table from TARIFF_BY_HOUR: one slot per tariff change. */
function daySlots(): DiValue[] {
  const out: DiValue[] = [];
  TARIFF_BY_HOUR.forEach((t, h) => {
    if (h === 0 || TARIFF_BY_HOUR[h - 1] !== t) out.push({ tariff: t, start: `${two(h)}:00` });
  });
  return out;
}

function paramValue(state: MeterState, di: number): DiValue | undefined {
  const c = state.clock();
  const p = localParts(c);
  switch (di) {
    case 0x04000101: return { week: p.week, date: stamp(c).slice(0, 10) };
    case 0x04000102: return stamp(c).slice(11);
    case 0x04000103: return 15;
    case 0x04000104: return 1;
    case 0x04000201: return 1;
    case 0x04000202: return 1;
    case 0x04000203: return daySlots().length;
    case 0x04000204: return 4;
    case 0x04000205: return 0;
    case 0x04000401: return state.address;
    case 0x04000402: return state.meterNumber;
    case 0x04000403: return `SIM-${state.address}`;
    case 0x04000404: return state.phases === 3 ? '3x220V' : '220V';
    case 0x04000405: return '1.5(6)';
    case 0x04000406: return '60A';
    case 0x04000407: return '1.0';
    case 0x04000408: return '2.0';
    case 0x04000409: case 0x0400040a: return 1200;
    case 0x0400040b: return 'OPENHES-SM';
    case 0x0400040d: return 'DL/T645-2007';
    case 0x04000601: return { raw: 0x05 };
    case 0x04000602: return { raw: 0x05 };
    case 0x04000603: return { raw: 0x50 };
    case 0x04000701: case 0x04000702: return { raw: 0x04 }; // infrared 1200
    case 0x04000703: return { raw: zOf(state.baud) };
    case 0x04000704: case 0x04000705: return { raw: 0x08 };
    case 0x04000801: return { raw: 0x3e }; // Monday..Friday are working days
    case 0x04000802: return 1;
    case 0x04000b01: return `---${two(state.settlement.day)}T${two(state.settlement.hour)}`;
    case 0x04010000: return [{ dayTable: 1, start: '--01-01' }];
    case 0x04010001: return daySlots();
  }
  if (di >= 0x04000501 && di <= 0x04000507) return { raw: state.statusWord(di & 0xff) };
  return undefined;
}

function zOf(baud: number): number {
  const bits: Record<number, number> = { 600: 0x02, 1200: 0x04, 2400: 0x08, 4800: 0x10, 9600: 0x20, 19200: 0x40 };
  return bits[baud] ?? 0x08;
}

// ── events ────────────────────────────────────────────────────────────────────────────────────────

/** Fills a registry record from a snapshot: missing fields as FFH fill (DIs as FFFFFFFF). */
function fillRecord(entry: DiEntry, snap: Snapshot): DiValue {
  const out: Record<string, DiValue> = {};
  for (const f of entry.fields) {
    const v = snap[f.name];
    out[f.name] = v !== undefined ? v : f.format.kind === 'di' ? 'F'.repeat(2 * f.format.bytes) : null;
  }
  return entry.fields.length === 1 ? out[entry.fields[0]!.name]! : out;
}

function eventValue(state: MeterState, di: number, entry: DiEntry): DiValue | undefined {
  for (const cls of EVENT_CLASSES) {
    const { count, record } = EVENT_DIS[cls];
    if (di === count) return state.events.count(cls);
    const n = di & 0xff;
    if (n < 1 || n > 10) continue;
    if (cls === 'trip' || cls === 'close') {
      const base = record & 0xff000000;
      const item = (di >>> 8) & 0xff;
      if ((di & 0xffff0000) !== base || (item !== 0x01 && item !== 0x02 && item !== 0xff)) continue;
      const snap = state.events.record(cls, n);
      if (!snap) return undefined;
      if (item === 0x01) return snap['time'];
      if (item === 0x02) return snap['operator'];
      return fillRecord(entry, snap);
    }
    if ((di & 0xffffff00) === record) {
      const snap = state.events.record(cls, n);
      return snap ? fillRecord(entry, snap) : undefined;
    }
  }
  // Event classes the simulated meter never sees (loss of voltage, power down, …): counts and times 0.
  const di3 = di >>> 24;
  if ((di3 === 0x03 || (di3 >= 0x10 && di3 <= 0x1f)) && entry.fields.every((f) => f.format.kind === 'bcd')) {
    return entry.fields.length === 1 ? 0 : Object.fromEntries(entry.fields.map((f) => [f.name, 0]));
  }
  return undefined;
}

// ── freezes ───────────────────────────────────────────────────────────────────────────────────────

function freezeValue(state: MeterState, di: number): DiValue | undefined {
  const kind = (di >>> 16) & 0xff;
  const item = (di >>> 8) & 0xff;
  const n = di & 0xff;
  if (n === 0) return undefined;
  let at: number | undefined;
  if (kind === 0x06) at = dailyFreezeInstant(state, n);
  else if (kind === 0x04) at = hourlyFreezeInstant(state, n);
  else if (kind === 0x01) at = state.instantFreezes[n - 1];
  if (at === undefined) return undefined;
  if (item === 0x00) return stampMinute(at);
  if (kind === 0x04) {
    // Hourly freeze: totals only (01 forward, 02 reverse).
    if (item > 2) return undefined;
    return energyValue(state, QUANTITY_BY_DI2[item]!, 0, real(state, at));
  }
  if (item >= 0x01 && item <= 0x08) return energyValue(state, QUANTITY_BY_DI2[item]!, 0xff, real(state, at));
  return undefined;
}

// ── 2007 entry point ──────────────────────────────────────────────────────────────────────────────

/** The value of a 2007 DI, or undefined when this meter has none. */
export function value2007(state: MeterState, di: number, entry: DiEntry): DiValue | undefined {
  if (state.params.has(di)) return state.params.get(di);
  const di3 = di >>> 24;
  const di2 = (di >>> 16) & 0xff;
  const di1 = (di >>> 8) & 0xff;
  const di0 = di & 0xff;
  let v: DiValue | undefined;
  switch (di3) {
    case 0x00: {
      const q = QUANTITY_BY_DI2[di2];
      if (!q || di0 > 12) return undefined;
      const t = di0 === 0 ? state.now() : real(state, settlementInstant(state, di0));
      v = energyValue(state, q, di1, t);
      break;
    }
    case 0x01:
      v = demandValue(state, di2, di1, di0, stampMinute);
      break;
    case 0x02:
      v = instantValue(state, di);
      break;
    case 0x04:
      v = paramValue(state, di);
      break;
    case 0x05:
      v = freezeValue(state, di);
      break;
    default:
      v = eventValue(state, di, entry);
  }
  if (v === undefined && di3 === 0x03) v = eventValue(state, di, entry);
  return v === undefined ? composeBlock(state, di, entry, 2007) : v;
}

/**
 * A record block (a DI byte = FF, e.g. 0201FF00 voltages A/B/C, 040005FF status words 1..7): the items
 * are the registry's DIs with that byte = 00..FE, in DI order (digest §5, "listed items concatenated");
 * the i-th existing one fills the entry's i-th field.
 */
function composeBlock(state: MeterState, di: number, entry: DiEntry, version: 2007 | 1997): DiValue | undefined {
  if (entry.repeat || entry.fields.length < 2) return undefined;
  const nibbles = version === 2007 ? 8 : 4;
  let shift = -1;
  for (let b = 0; b < nibbles / 2; b++) if (((di >>> (8 * b)) & 0xff) === 0xff) shift = 8 * b;
  if (shift < 0) return undefined;
  const out: Record<string, DiValue> = {};
  let i = 0;
  for (let x = 0; x < 0xff && i < entry.fields.length; x++) {
    const item = ((di & ~(0xff << shift)) | (x << shift)) >>> 0;
    const e = lookupDi(item, version);
    if (!e || e.fields.length !== 1) continue;
    const v = version === 2007 ? value2007(state, item, e) : value1997(state, item, e);
    if (v === undefined) return undefined;
    out[entry.fields[i++]!.name] = v;
  }
  return i === entry.fields.length ? out : undefined;
}

// ── 1997 ──────────────────────────────────────────────────────────────────────────────────────────

const Q1997: Partial<Record<number, Quantity>> = {
  0x01: 'forwardActive', 0x02: 'reverseActive', 0x11: 'combinedReactive1', 0x12: 'combinedReactive2',
  0x13: 'q1', 0x14: 'q4', 0x15: 'q2', 0x16: 'q3',
};

/** The value of a 1997 DI (DL/T 645-1997 §7 table), or undefined. */
export function value1997(state: MeterState, di: number, entry: DiEntry): DiValue | undefined {
  if (state.params.has(di)) return state.params.get(di);
  // 9xxx energy, Axxx max demand, B0xx/B1xx/B4xx/B5xx its time. Digits: class, period (0 current,
  // 4 last month, 8 month before; +1 = reactive), quantity, tariff (0 total, 1..4, F block).
  const cls = di >>> 12;
  const d2 = (di >>> 8) & 0xf;
  const period = d2 & 0xe;
  const isDemandTime = cls === 0xb && (period === 0 || period === 4);
  if (cls === 0x9 || cls === 0xa || isDemandTime) {
    const q = Q1997[((d2 & 1) << 4) | ((di >>> 4) & 0xf)];
    const n = period === 0 ? 0 : period === 4 ? 1 : period === 8 ? 2 : -1;
    const rate = di & 0xf;
    if (!q || n < 0 || !(rate <= 4 || rate === 0xf)) return undefined;
    const r = rate === 0xf ? 0xff : rate;
    if (cls === 0x9) {
      const t = n === 0 ? state.now() : real(state, settlementInstant(state, n));
      return energyValue(state, q, r, t);
    }
    const di2 = q === 'forwardActive' ? 0x01 : q === 'reverseActive' ? 0x02 : -1;
    const d = di2 < 0 ? undefined : demandValue(state, di2, r, n, mmddhhmm);
    if (d === undefined) return undefined;
    const pick = (x: DiValue | undefined): DiValue => (x as Record<string, DiValue>)[cls === 0xa ? 'demand' : 'time']!;
    if (r !== 0xff) return pick(d);
    const block = d as { total: DiValue; rates: DiValue[] };
    return { total: pick(block.total), rates: block.rates.map(pick) };
  }
  const iv = (): InstantValues => instantAt(state.profile, state.now());
  switch (di) {
    case 0xb611: case 0xb612: case 0xb613: {
      const v = phaseValue(state, iv(), 'voltage', di - 0xb610);
      return typeof v === 'number' ? Math.round(v) : v;
    }
    case 0xb621: case 0xb622: case 0xb623: {
      const v = phaseValue(state, iv(), 'current', di - 0xb620);
      return typeof v === 'number' ? Math.abs(v) : v;
    }
    case 0xb630: return Math.abs(iv().activePower);
    case 0xb631: case 0xb632: case 0xb633: return abs(phaseValue(state, iv(), 'activePower', di - 0xb630));
    case 0xb640: return Math.abs(iv().reactivePower);
    case 0xb641: case 0xb642: case 0xb643: return abs(phaseValue(state, iv(), 'reactivePower', di - 0xb640));
    case 0xb650: return iv().powerFactor;
    case 0xb651: case 0xb652: case 0xb653: return phaseValue(state, iv(), 'powerFactor', di - 0xb650);
    case 0xb210: {
      const s = state.events.record('programming', 1);
      return s ? `--${String(s['time']).slice(5, 16)}` : null;
    }
    case 0xb211: {
      const s = state.events.record('demandClear', 1);
      return s ? `--${String(s['time']).slice(5, 16)}` : null;
    }
    case 0xb212: return Math.min(9999, state.events.count('programming'));
    case 0xb213: return Math.min(9999, state.events.count('demandClear'));
    case 0xc010: {
      const c = state.clock();
      return { week: localParts(c).week, date: stamp(c).slice(0, 10) };
    }
    case 0xc011: return stamp(state.clock()).slice(11);
    case 0xc020: return { raw: iv().reverse ? 0x10 : 0 };
    case 0xc030: case 0xc031: return 1200;
    case 0xc032: return state.meterNumber;
    case 0xc111: return 15;
    case 0xc112: return 1;
    case 0xc117: return `---${two(state.settlement.day)}T${two(state.settlement.hour)}`;
    case 0xc310: case 0xc311: return 1;
    case 0xc312: return daySlots().length;
    case 0xc313: return 4;
    case 0xc314: return 0;
  }
  return composeBlock(state, di, entry, 1997);
}

const abs = (v: DiValue | undefined): DiValue | undefined => (typeof v === 'number' ? Math.abs(v) : v);

/** The channels of the model, re-exported for record snapshots. */
export { CHANNELS };
