/**
 * Deterministic value functions of the simulators: (seed, id, time) → energy registers and instantaneous
 * values. Pure: no I/O, no clock, no global state except a bounded cache of derived profiles. The meter
 * simulator keys it by (seed, meter address); the concentrator simulator by (seed, `${terminal}/${pn}`).
 *
 * ── The formula ────────────────────────────────────────────────────────────────────────────────────
 * Per-id parameters: h = FNV-1a-32(`${seed}:${id}`) seeds mulberry32, whose draws give, in order:
 *   scale ∈ [0.6, 2.4)               load multiplier
 *   pv    = 25 % of ids: peak PV export 1500..4000 W, else 0
 *   tanφ  ∈ [0.25, 0.45)             reactive/active ratio of the load (PF 0.91..0.97)
 *   phase weights wa, wb, wc          0.30..0.40 each, normalised (three-phase imbalance)
 *   voltage offsets oa, ob, oc        −3.0..+3.0 V per phase (transformer tap / line drop)
 *   initial registers                  forward active 1000..20000 kWh spread over the 4 tariffs, and
 *                                      proportionate starting values for the other channels
 * Time: local time = UTC + 8 h (Beijing, no DST). The day is cut into 96 steps of 15 minutes; step s of a
 * day covers [s·15 min, (s+1)·15 min). The epoch is 2020-01-01T00:00 local (a Wednesday); nothing accrues
 * before it.
 * Load of step s on weekday d (0 = Sunday), in W:
 *   shape(s)  = 250 + 900·g(h, 8, 1.2) + 400·g(h, 13, 1.5) + 1400·g(h, 19.5, 1.8),  h = (s + 0.5)/4,
 *               g(h, μ, σ) = exp(−(h − μ)² / (2σ²))
 *   load(d,s) = scale · WEEK[d] · shape(s),  WEEK = [1.15, 0.95, 0.95, 0.95, 0.95, 1.00, 1.15]
 *   pvW(s)    = pv · max(0, sin(π(h − 6)/12))
 *   net step energy, integer Wh: e(d,s) = round((load − pvW)/4)   (the step's average power is 4·e W)
 * Channels per step (integer Wh/varh/VAh, each step belongs to one tariff by its hour, TARIFF_BY_HOUR):
 *   forward active  = max(e, 0)          reverse active = max(−e, 0)
 *   import (e > 0): valley tariff (4) → quadrant IV = round(e·0.2), else quadrant I = round(e·tanφ)
 *   export (e < 0): quadrant II = round(|e|·0.1)                  (quadrant III never accrues)
 *   apparent        = round(√(e² + q²)) to forward (e > 0) or reverse (e < 0)
 * Energy at time t = initial + Σ over completed steps since the epoch + floor(e·elapsed/15 min) of the
 * running step. Sums over whole weeks and days use per-weekday totals, so any t costs ≤ 7 + 96 steps.
 * Registers (XXXXXX.XX): kWh = floor(Wh/10)/100, rolling over at 1 000 000 kWh like a 6-digit meter;
 * a total is the floor of the summed tariffs' Wh (it can differ from the sum of the displayed tariffs
 * by a few 0.01, as on real meters). Combined active = forward + reverse, combined reactive 1 = QI + QII,
 * combined reactive 2 = QIII + QIV (the default combination words 05H/05H/50H, DL/T 645-2007 04000601..3).
 * Instantaneous values at t use the running step's average power with a ±2 % per-minute ripple r(minute)
 * (same hash), split over the phases by the weights; voltage = 220 V + offset + 4 V·cos(2π·(h − 3)/24)
 * (higher at night) − 1 V per imported phase kW (export raises it) + ±0.5 V per-minute noise; current = |S_phase| / U; PF = P/|S|;
 * frequency = 50 Hz ± 0.03; out-of-limit periods (voltageExcursion): on about one local day in ten per
 * id, one phase leaves the GB/T 12325 band (220 V −10 %…+7 %, i.e. 198…235.4 V) for 1–3 whole hours
 * starting between 08:00 and 19:00 — over-voltage +28 V or under-voltage −32 V, drawn from
 * FNV-1a(`${seed}:${id}#ex#${day}`); values are quantised to the DL/T 645 resolutions (V 0.1, A 0.001, kW 0.001,
 * PF 0.001, Hz 0.01), so a test can compare what the meter sends with what these functions return.
 */

export type ModelId = string | number;

export const STEP_MS = 15 * 60_000;
export const STEPS_PER_DAY = 96;
export const DAY_MS = 86_400_000;
/** Beijing time, the meter's local time. */
export const LOCAL_OFFSET_MS = 8 * 3_600_000;
/** 2020-01-01T00:00 local, in UTC ms. */
export const EPOCH_MS = Date.UTC(2020, 0, 1) - LOCAL_OFFSET_MS;
const EPOCH_DOW = 3; // Wednesday
const WEEK = [1.15, 0.95, 0.95, 0.95, 0.95, 1.0, 1.15] as const;

/**
 * Tariff of each local hour (1 sharp 尖, 2 peak 峰, 3 flat 平, 4 valley 谷), a typical provincial TOU table:
 * 00–08 valley, 08–10 peak, 10–11 sharp, 11–12 peak, 12–17 flat, 17–19 peak, 19–21 sharp, 21–22 peak,
 * 22–23 flat, 23–24 valley.
 */
export const TARIFF_BY_HOUR: readonly number[] = [4, 4, 4, 4, 4, 4, 4, 4, 2, 2, 1, 2, 3, 3, 3, 3, 3, 2, 2, 1, 1, 2, 3, 4];

/** Energy channels, in this order everywhere. */
export const CHANNELS = ['forwardActive', 'reverseActive', 'q1', 'q2', 'q3', 'q4', 'forwardApparent', 'reverseApparent'] as const;
export type Channel = (typeof CHANNELS)[number];
const NCH = CHANNELS.length;
export const CH: Record<Channel, number> = Object.fromEntries(CHANNELS.map((c, i) => [c, i])) as Record<Channel, number>;

/** Accumulated energy: [channel][tariff 0..3] in integer Wh (varh, VAh). */
export type EnergyWh = number[][];

// ── implementation notes (speed; the values are those of the formula above, bit for bit) ─────────
// Energy is kept flat: index c·4 + k (channel c, tariff k), 32 numbers. Every term is an integer Wh,
// so sums may be regrouped freely (exact below 2^53). WEEK has three distinct values, so a week has
// three day types and a day boundary costs initial + Σ count × day-type total. Day-type totals are
// computed per channel group on first use (F161 needs forward active only) into a small shared slab,
// so a profile holds no arrays and a million meters asked once each allocate next to nothing.

/** Channel groups computed together: active (0, 1), reactive (2..5), apparent (6, 7). */
const G_ACTIVE = 1;
const G_REACTIVE = 2;
const G_APPARENT = 4;
const G_ALL = 7;
const GROUP_OF_CHANNEL = [G_ACTIVE, G_ACTIVE, G_REACTIVE, G_REACTIVE, G_REACTIVE, G_REACTIVE, G_APPARENT, G_APPARENT] as const;
const NK = 4;
const NFLAT = NCH * NK;

/** Day type of each weekday: index of its WEEK value among the distinct ones. */
const DAY_TYPE_WEEK: readonly number[] = [...new Set(WEEK)];
const DAY_TYPE: readonly number[] = WEEK.map((w) => DAY_TYPE_WEEK.indexOf(w));
const NTYPES = DAY_TYPE_WEEK.length;
/** Days of each type in a week, and in the first r days counted from the epoch's weekday (r = 0..6). */
const TYPE_PER_WEEK: readonly number[] = DAY_TYPE_WEEK.map((_, ty) => DAY_TYPE.filter((x) => x === ty).length);
const TYPE_BEFORE: readonly (readonly number[])[] = Array.from({ length: 7 }, (_, r) =>
  DAY_TYPE_WEEK.map((_, ty) => Array.from({ length: r }, (__, i) => DAY_TYPE[(EPOCH_DOW + i) % 7]!).filter((x) => x === ty).length),
);

/** Initial register of channel c as a ratio of forward active (q3 starts at 0). */
function initialRatio(c: number, tanPhi: number, pv: boolean): number {
  switch (c) {
    case 0: return 1;
    case 1: return pv ? 0.15 : 0;
    case 2: return tanPhi;
    case 3: return pv ? 0.015 : 0;
    case 5: return 0.05;
    case 6: return 1.05;
    case 7: return pv ? 0.151 : 0;
    default: return 0;
  }
}
const SPLIT = [0.1, 0.3, 0.3, 0.3] as const;

/** The derived parameters of one id (profileFor). */
export class Profile {
  /** Forward active at the epoch, whole kWh. */
  readonly fwdKwh: number;
  /** scale · WEEK of each day type: the same product, hence the same floats, as scale · WEEK[dow]. */
  readonly dayScale: readonly number[];
  /** Slot of this profile's day-type totals in the shared slab (internal; −1 = none). */
  slot = -1;

  constructor(
    readonly key: string,
    readonly scale: number,
    readonly pvPeakW: number,
    readonly tanPhi: number,
    readonly phaseWeights: readonly [number, number, number],
    /** Per-phase voltage offsets in 0.1 V. */
    readonly voltageOffsets: readonly [number, number, number],
    fwdKwh: number,
  ) {
    this.fwdKwh = fwdKwh;
    this.dayScale = DAY_TYPE_WEEK.map((w) => scale * w);
  }

  /** The initial registers [channel][tariff]. */
  get initialWh(): EnergyWh {
    const flat = new Float64Array(NFLAT);
    setInitial(this, G_ALL, flat);
    return nested(flat);
  }
}

/** Writes the initial registers of the groups in `mask` into `out` (fwdKwh·1000·ratio·split, rounded). */
function setInitial(p: Profile, mask: number, out: Float64Array): void {
  const pv = p.pvPeakW > 0;
  for (let c = 0; c < NCH; c++) {
    if ((GROUP_OF_CHANNEL[c]! & mask) === 0) continue;
    const r = initialRatio(c, p.tanPhi, pv);
    for (let k = 0; k < NK; k++) out[c * NK + k] = Math.round(p.fwdKwh * 1000 * r * SPLIT[k]!);
  }
}

const nested = (flat: ArrayLike<number>): EnergyWh =>
  Array.from({ length: NCH }, (_, c) => [flat[c * NK]!, flat[c * NK + 1]!, flat[c * NK + 2]!, flat[c * NK + 3]!]);

// ── hashing ─────────────────────────────────────────────────────────────────────────────────────

/** FNV-1a 32-bit of a string (UTF-16 code units). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small deterministic PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform in [−1, 1) from a key and an integer index (for per-minute noise). */
function noise(key: string, index: number): number {
  return mulberry32(hash32(`${key}#${index}`))() * 2 - 1;
}

// ── profile ─────────────────────────────────────────────────────────────────────────────────────

const gauss = (h: number, mu: number, sigma: number): number => Math.exp(-((h - mu) ** 2) / (2 * sigma * sigma));

/** The daily load shape at scale 1, W, per step (documented above). */
export const BASE_SHAPE: readonly number[] = Array.from({ length: STEPS_PER_DAY }, (_, s) => {
  const h = (s + 0.5) / 4;
  return 250 + 900 * gauss(h, 8, 1.2) + 400 * gauss(h, 13, 1.5) + 1400 * gauss(h, 19.5, 1.8);
});

export const tariffOfStep = (s: number): number => TARIFF_BY_HOUR[Math.floor(s / 4)]!;

/** max(0, sin(π(h − 6)/12)) per step, h = (s + 0.5)/4: the PV shape, computed once. */
const PV_SHAPE: readonly number[] = Array.from({ length: STEPS_PER_DAY }, (_, s) => Math.max(0, Math.sin((Math.PI * ((s + 0.5) / 4 - 6)) / 12)));

/** Net energy of step `s` on weekday `dow`, integer Wh (negative = export). */
export function stepNetWh(p: Profile, dow: number, s: number): number {
  const load = p.scale * WEEK[dow]! * BASE_SHAPE[s]!;
  const pv = p.pvPeakW * PV_SHAPE[s]!;
  return Math.round((load - pv) / 4);
}

// Typed copies of the step tables for the hot loops (same doubles).
const BASE_F = Float64Array.from(BASE_SHAPE);
const PV_F = Float64Array.from(PV_SHAPE);
/** Tariff index 0..3 of each step. */
const TARIFF_INDEX = Int32Array.from({ length: STEPS_PER_DAY }, (_, s) => TARIFF_BY_HOUR[Math.floor(s / 4)]! - 1);
const VALLEY = 3;

/**
 * Math.round(x) for |x| < 2^52, as the hot loops use it. V8 compiles Math.round with a data-dependent
 * branch that mispredicts on every other step (4× slower here); floor(x + 0.5) is branch-free and equal
 * to it in that range (x + 0.5 is exact, or rounds without crossing an integer) except for
 * x = 0.49999999999999994, where x + 0.5 rounds up to 1. A zero's sign may differ: no sum sees it.
 */
export function roundHalfUp(x: number): number {
  const r = Math.floor(x + 0.5);
  return r === 1 && x < 0.5 ? 0 : r;
}

// Flat offsets (c·4) of the channels, CHANNELS order.
const O_FWD = 0;
const O_REV = 4;
const O_Q1 = 8;
const O_Q2 = 12;
const O_Q4 = 20;
const O_FWD_APP = 24;
const O_REV_APP = 28;

/**
 * Adds whole steps [s0, s1) of a day with scale·WEEK = `ds` into `acc` at `off`, groups in `mask` only.
 * sqrt of an integer sum of squares is never within an ulp of x.5, so Math.sqrt rounds exactly like
 * Math.hypot here.
 */
function addSteps(p: Profile, ds: number, s0: number, s1: number, acc: Float64Array, off: number, mask: number): void {
  const pv = p.pvPeakW;
  const tan = p.tanPhi;
  const active = (mask & G_ACTIVE) !== 0;
  const reactive = (mask & G_REACTIVE) !== 0;
  const apparent = (mask & G_APPARENT) !== 0;
  for (let s = s0; s < s1; s++) {
    const e = roundHalfUp((ds * BASE_F[s]! - pv * PV_F[s]!) / 4);
    if (e === 0) continue;
    const t = TARIFF_INDEX[s]!;
    const k = off + t;
    if (e > 0) {
      if (active) acc[O_FWD + k]! += e;
      if (reactive || apparent) {
        const q = roundHalfUp(e * (t === VALLEY ? 0.2 : tan));
        if (reactive) acc[(t === VALLEY ? O_Q4 : O_Q1) + k]! += q;
        if (apparent) acc[O_FWD_APP + k]! += roundHalfUp(Math.sqrt(e * e + q * q));
      }
    } else {
      if (active) acc[O_REV + k]! += -e;
      if (reactive || apparent) {
        const q = roundHalfUp(-e * 0.1);
        if (reactive) acc[O_Q2 + k]! += q;
        if (apparent) acc[O_REV_APP + k]! += roundHalfUp(Math.sqrt(e * e + q * q));
      }
    }
  }
}

/** Adds the first `elapsedMs` (0 < elapsedMs < STEP_MS) of step `s`: floor(x·elapsed/15 min) per channel. */
function addPartialStep(p: Profile, ds: number, s: number, elapsedMs: number, acc: Float64Array, mask: number): void {
  const e = Math.round((ds * BASE_F[s]! - p.pvPeakW * PV_F[s]!) / 4);
  if (e === 0) return;
  const k = TARIFF_INDEX[s]!;
  const part = (x: number): number => Math.floor((x * elapsedMs) / STEP_MS);
  if (e > 0) {
    const q = k === VALLEY ? Math.round(e * 0.2) : Math.round(e * p.tanPhi);
    if (mask & G_ACTIVE) acc[O_FWD + k]! += part(e);
    if (mask & G_REACTIVE) acc[(k === VALLEY ? O_Q4 : O_Q1) + k]! += part(q);
    if (mask & G_APPARENT) acc[O_FWD_APP + k]! += part(Math.round(Math.sqrt(e * e + q * q)));
  } else {
    const q = Math.round(-e * 0.1);
    if (mask & G_ACTIVE) acc[O_REV + k]! += part(-e);
    if (mask & G_REACTIVE) acc[O_Q2 + k]! += part(q);
    if (mask & G_APPARENT) acc[O_REV_APP + k]! += part(Math.round(Math.sqrt(e * e + q * q)));
  }
}

/** Runs of consecutive steps of one tariff: (first step, end step, tariff index) triples. */
const RUNS: Int32Array = (() => {
  const out: number[] = [];
  for (let s = 0; s < STEPS_PER_DAY; s++) {
    if (s === 0 || TARIFF_INDEX[s] !== TARIFF_INDEX[s - 1]) out.push(s, s + 1, TARIFF_INDEX[s]!);
    else out[out.length - 2] = s + 1;
  }
  return Int32Array.from(out);
})();

/**
 * Whole-day forward and reverse active Wh of a day with scale·WEEK = `ds`, added at `off`: the F161
 * path, summed per tariff run in locals. Without PV, pv·PV = +0 and x − 0 = x, so e = round(ds·base/4).
 */
function addActiveDay(pv: number, ds: number, acc: Float64Array, off: number): void {
  for (let r = 0; r < RUNS.length; r += 3) {
    const s1 = RUNS[r + 1]!;
    let fwd = 0;
    let rev = 0;
    if (pv === 0) {
      for (let s = RUNS[r]!; s < s1; s++) fwd += roundHalfUp((ds * BASE_F[s]!) / 4);
    } else {
      for (let s = RUNS[r]!; s < s1; s++) {
        const e = roundHalfUp((ds * BASE_F[s]! - pv * PV_F[s]!) / 4);
        if (e > 0) fwd += e;
        else rev -= e;
      }
    }
    const k = off + RUNS[r + 2]!;
    acc[O_FWD + k]! += fwd;
    acc[O_REV + k]! += rev;
  }
}

// Day-type totals (NTYPES × 32) of the last SLOTS profiles used, in one preallocated slab: reused while
// a terminal answers the Fns of its points, recomputed (≈ 1 µs per group) for a profile asked again later.
const SLOTS = 512;
const SLOT_SIZE = NTYPES * NFLAT;
const slab = new Float64Array(SLOTS * SLOT_SIZE);
const slotOwner: (Profile | undefined)[] = new Array<Profile | undefined>(SLOTS).fill(undefined);
const slotDone = new Int32Array(SLOTS);
let nextSlot = 0;

/** Offset in `slab` of the day-type totals of `p`, with the groups in `mask` computed. */
function totalsOf(p: Profile, mask: number): number {
  let slot = p.slot;
  if (slot < 0 || slotOwner[slot] !== p) {
    slot = nextSlot;
    nextSlot = (nextSlot + 1) % SLOTS;
    slotOwner[slot] = p;
    slotDone[slot] = 0;
    p.slot = slot;
    slab.fill(0, slot * SLOT_SIZE, (slot + 1) * SLOT_SIZE);
  }
  const base = slot * SLOT_SIZE;
  const missing = mask & ~slotDone[slot]!;
  if (missing === 0) return base;
  for (let ty = 0; ty < NTYPES; ty++) {
    if (missing & G_ACTIVE) addActiveDay(p.pvPeakW, p.dayScale[ty]!, slab, base + ty * NFLAT);
    if (missing & ~G_ACTIVE) addSteps(p, p.dayScale[ty]!, 0, STEPS_PER_DAY, slab, base + ty * NFLAT, missing & ~G_ACTIVE);
  }
  slotDone[slot] = slotDone[slot]! | missing;
  return base;
}

// Bounded cache of two generations: a full young generation becomes the old one and the previous old
// is dropped. O(1) per miss — evicting the oldest Map entry one by one is not: V8 leaves deleted entries
// as holes that keys().next() walks over. ≤ 20 000 small profiles whatever the fleet's size. Keyed by
// the key's hash (needed for a new profile anyway; int keys are cheaper than fresh strings), checked
// against the key: a collision is a miss that replaces the entry.
const CACHE_GEN = 10_000;
let young = new Map<number, Profile>();
let old = new Map<number, Profile>();

function cached(h: number, key: string): Profile | undefined {
  const y = young.get(h);
  if (y !== undefined && y.key === key) return y;
  const o = old.get(h);
  if (o === undefined || o.key !== key) return undefined;
  remember(h, o);
  return o;
}

function remember(h: number, p: Profile): void {
  if (young.size >= CACHE_GEN) {
    old = young;
    young = new Map();
  }
  young.set(h, p);
}

/** Drops every cached profile and total (tests: values must not depend on what was computed before). */
export function clearProfileCache(): void {
  young = new Map();
  old = new Map();
  slotOwner.fill(undefined);
}

/** The derived parameters of one id (cached). */
export function profileFor(seed: ModelId, id: ModelId): Profile {
  const key = `${seed}:${id}`;
  const h = hash32(key) | 0;
  const hit = cached(h, key);
  if (hit) return hit;
  const rnd = mulberry32(h);
  const scale = 0.6 + 1.8 * rnd();
  const pvPeakW = rnd() < 0.25 ? Math.round(1500 + 2500 * rnd()) : 0;
  const tanPhi = 0.25 + 0.2 * rnd();
  const w0 = 0.3 + 0.1 * rnd();
  const w1 = 0.3 + 0.1 * rnd();
  const w2 = 0.3 + 0.1 * rnd();
  const sum = w0 + w1 + w2;
  const phaseWeights = [w0 / sum, w1 / sum, w2 / sum] as const;
  const voltageOffsets = [Math.round(60 * rnd() - 30), Math.round(60 * rnd() - 30), Math.round(60 * rnd() - 30)] as const;
  const fwdKwh = 1000 + Math.floor(19000 * rnd());
  const profile = new Profile(key, scale, pvPeakW, tanPhi, phaseWeights, voltageOffsets, fwdKwh);
  remember(h, profile);
  return profile;
}

// ── energy ──────────────────────────────────────────────────────────────────────────────────────

/** Local calendar position of a UTC instant relative to the epoch. */
function position(t: number): { day: number; dow: number; step: number; intoStep: number } | null {
  const local = t - EPOCH_MS;
  if (local <= 0) return null;
  const day = Math.floor(local / DAY_MS);
  const rem = local - day * DAY_MS;
  const step = Math.floor(rem / STEP_MS);
  return { day, dow: (EPOCH_DOW + day) % 7, step, intoStep: rem - step * STEP_MS };
}

/**
 * Flat Wh (c·4 + k) accumulated up to `t` into `out`, for the channels of the groups in `mask` (the
 * others are left as they were). No allocation.
 */
function accumulate(p: Profile, t: number, mask: number, out: Float64Array): Float64Array {
  setInitial(p, mask, out);
  const local = t - EPOCH_MS;
  if (local <= 0) return out;
  const day = Math.floor(local / DAY_MS);
  const rem = local - day * DAY_MS;
  const step = Math.floor(rem / STEP_MS);
  const intoStep = rem - step * STEP_MS;
  const base = totalsOf(p, mask);
  const weeks = Math.floor(day / 7);
  const before = TYPE_BEFORE[day % 7]!;
  for (let ty = 0; ty < NTYPES; ty++) {
    const n = weeks * TYPE_PER_WEEK[ty]! + before[ty]!;
    if (n === 0) continue;
    const o = base + ty * NFLAT;
    for (let c = 0; c < NCH; c++) {
      if ((GROUP_OF_CHANNEL[c]! & mask) === 0) continue;
      for (let i = c * NK; i < c * NK + NK; i++) out[i]! += n * slab[o + i]!;
    }
  }
  const ds = p.dayScale[DAY_TYPE[(EPOCH_DOW + day) % 7]!]!;
  if (step > 0) addSteps(p, ds, 0, step, out, 0, mask);
  if (intoStep > 0) addPartialStep(p, ds, step, intoStep, out, mask);
  return out;
}

/** Scratch of the register paths (single-threaded, never held across calls). */
const scratch = new Float64Array(NFLAT);

/** Integer Wh per channel and tariff accumulated up to `t` (UTC ms), including the initial registers. */
export function energyWhAt(p: Profile, t: number): EnergyWh {
  return nested(accumulate(p, t, G_ALL, scratch));
}

/** `a − b` channel by channel (registers since a meter clear). */
export function subtractWh(a: EnergyWh, b: EnergyWh): EnergyWh {
  return a.map((row, c) => row.map((x, k) => x - b[c]![k]!));
}

/** A register as XXXXXX.XX kWh with rollover at 10^6 kWh. */
export function kwh(wh: number): number {
  const sign = wh < 0 ? -1 : 1;
  return (sign * (Math.floor(Math.abs(wh) / 10) % 100_000_000)) / 100;
}

export interface TariffRegister {
  total: number;
  /** Tariffs 1..4 (sharp, peak, flat, valley). */
  rates: [number, number, number, number];
}

export type Quantity =
  | 'combinedActive'
  | 'forwardActive'
  | 'reverseActive'
  | 'combinedReactive1'
  | 'combinedReactive2'
  | 'q1'
  | 'q2'
  | 'q3'
  | 'q4'
  | 'forwardApparent'
  | 'reverseApparent';

/** DL/T 645-2007 energy DI2 → quantity (附录A 表A.1). */
export const QUANTITY_BY_DI2: readonly Quantity[] = [
  'combinedActive', 'forwardActive', 'reverseActive', 'combinedReactive1', 'combinedReactive2', 'q1', 'q2', 'q3', 'q4', 'forwardApparent', 'reverseApparent',
];

const COMBINE: Record<Quantity, readonly number[]> = {
  combinedActive: [CH.forwardActive, CH.reverseActive],
  forwardActive: [CH.forwardActive],
  reverseActive: [CH.reverseActive],
  combinedReactive1: [CH.q1, CH.q2],
  combinedReactive2: [CH.q3, CH.q4],
  q1: [CH.q1],
  q2: [CH.q2],
  q3: [CH.q3],
  q4: [CH.q4],
  forwardApparent: [CH.forwardApparent],
  reverseApparent: [CH.reverseApparent],
};

/** Channel groups a quantity needs. */
const GROUPS_OF: Record<Quantity, number> = Object.fromEntries(
  QUANTITY_BY_DI2.map((q) => [q, COMBINE[q].reduce((m, c) => m | GROUP_OF_CHANNEL[c]!, 0)]),
) as Record<Quantity, number>;

/** Wh of tariff k of a quantity from flat Wh: (0 + first channel) + second, as register() sums. */
function rateWh(flat: ArrayLike<number>, chans: readonly number[], k: number): number {
  let s = 0;
  for (let j = 0; j < chans.length; j++) s += flat[chans[j]! * NK + k]!;
  return s;
}

/** The register of one quantity (total + 4 tariffs) from accumulated Wh. */
export function register(wh: EnergyWh, q: Quantity): TariffRegister {
  const rates = [0, 1, 2, 3].map((k) => COMBINE[q].reduce((s, c) => s + wh[c]![k]!, 0));
  return { total: kwh(rates[0]! + rates[1]! + rates[2]! + rates[3]!), rates: rates.map(kwh) as TariffRegister['rates'] };
}

/**
 * [total, tariff 1..4] kWh of one quantity at `t`: `register(energyWhAt(p, t), q)` as one array,
 * computing only the channels the quantity needs (the daily-frozen answer path).
 */
export function registerValuesAt(p: Profile, t: number, q: Quantity): number[] {
  const flat = accumulate(p, t, GROUPS_OF[q], scratch);
  const chans = COMBINE[q];
  const r0 = rateWh(flat, chans, 0);
  const r1 = rateWh(flat, chans, 1);
  const r2 = rateWh(flat, chans, 2);
  const r3 = rateWh(flat, chans, 3);
  return [kwh(r0 + r1 + r2 + r3), kwh(r0), kwh(r1), kwh(r2), kwh(r3)];
}

/** Wh per tariff [1..4] of one quantity at `t` (no kWh rounding). */
export function quantityWhAt(p: Profile, t: number, q: Quantity): [number, number, number, number] {
  const flat = accumulate(p, t, GROUPS_OF[q], scratch);
  const chans = COMBINE[q];
  return [rateWh(flat, chans, 0), rateWh(flat, chans, 1), rateWh(flat, chans, 2), rateWh(flat, chans, 3)];
}

/** All registers at `t`. */
export function energyAt(p: Profile, t: number): Record<Quantity, TariffRegister> {
  const flat = accumulate(p, t, G_ALL, scratch);
  const out = {} as Record<Quantity, TariffRegister>;
  for (const q of QUANTITY_BY_DI2) {
    const chans = COMBINE[q];
    const r = [rateWh(flat, chans, 0), rateWh(flat, chans, 1), rateWh(flat, chans, 2), rateWh(flat, chans, 3)];
    out[q] = { total: kwh(r[0]! + r[1]! + r[2]! + r[3]!), rates: [kwh(r[0]!), kwh(r[1]!), kwh(r[2]!), kwh(r[3]!)] };
  }
  return out;
}

// ── demand ──────────────────────────────────────────────────────────────────────────────────────

export interface DemandValue {
  /** kW (kvar, kVA) with 4 decimals; 0 when no step completed. */
  demand: number;
  /** UTC ms of the end of the 15-minute step, or null. */
  at: number | null;
}

/** Wh of channel `c` in whole step `s` of weekday `dow` (0 when the step's energy goes elsewhere). */
function stepChannelWh(p: Profile, dow: number, s: number, c: number): number {
  const e = stepNetWh(p, dow, s);
  if (e === 0) return 0;
  const valley = TARIFF_INDEX[s] === 3;
  if (e > 0) {
    if (c === CH.forwardActive) return e;
    const q = valley ? Math.round(e * 0.2) : Math.round(e * p.tanPhi);
    if (c === (valley ? CH.q4 : CH.q1)) return q;
    return c === CH.forwardApparent ? Math.round(Math.sqrt(e * e + q * q)) : 0;
  }
  if (c === CH.reverseActive) return -e;
  const q = Math.round(-e * 0.1);
  if (c === CH.q2) return q;
  return c === CH.reverseApparent ? Math.round(Math.sqrt(e * e + q * q)) : 0;
}

/**
 * Maximum demand of a channel between `from` and `to` (UTC ms): the largest 15-minute average power
 * (block demand, period 15 min) over the steps that ended in (from, to], per tariff and overall.
 */
export function maxDemand(p: Profile, channel: Channel, from: number, to: number): { total: DemandValue; rates: DemandValue[] } {
  const rates: DemandValue[] = [0, 1, 2, 3].map(() => ({ demand: 0, at: null }));
  const total: DemandValue = { demand: 0, at: null };
  const c = CH[channel];
  let end = Math.max(EPOCH_MS, Math.ceil((from - EPOCH_MS) / STEP_MS) * STEP_MS + EPOCH_MS);
  if (end <= from) end += STEP_MS;
  for (; end <= to; end += STEP_MS) {
    const pos = position(end - 1)!;
    const k = TARIFF_INDEX[pos.step]!;
    const kw = (stepChannelWh(p, pos.dow, pos.step, c) * 4) / 1000;
    if (kw > rates[k]!.demand) rates[k] = { demand: kw, at: end };
    if (kw > total.demand) {
      total.demand = kw;
      total.at = end;
    }
  }
  return { total, rates };
}

// ── instantaneous values ────────────────────────────────────────────────────────────────────────

export interface PhaseValues {
  /** V, 0.1 V resolution. */
  voltage: number;
  /** A, 0.001 A resolution, negative when exporting. */
  current: number;
  /** kW, kvar, kVA (0.001 resolution), P and Q signed. */
  activePower: number;
  reactivePower: number;
  apparentPower: number;
  /** Signed, 0.001. */
  powerFactor: number;
  /** Phase angle φ = atan2(Q, P), 0..360°, 0.1° (current lags the voltage by φ). */
  angle: number;
}

export interface InstantValues {
  phases: [PhaseValues, PhaseValues, PhaseValues];
  activePower: number;
  reactivePower: number;
  apparentPower: number;
  powerFactor: number;
  /** Hz, 0.01. */
  frequency: number;
  /** A, 0.001. */
  neutralCurrent: number;
  /** °C, 0.1. */
  temperature: number;
  /** V, 0.01. */
  clockBattery: number;
  /** Whether active power flows to the grid (status word 1 bit4). */
  reverse: boolean;
}

/** x/1000 at 0.001; `+ 0` turns −0 (a small export rounded to nothing) into 0, which is what a meter shows. */
const r3 = (x: number): number => Math.round(x) / 1000 + 0;

/** Instantaneous values at `t` (UTC ms). Before the epoch the first step of the epoch is used. */
/** An out-of-limit voltage period of one local day (documented in the header), or null. */
export interface VoltageExcursion {
  /** Phase index 0..2 (A, B, C). */
  phase: number;
  /** Local hours [fromHour, toHour). */
  fromHour: number;
  toHour: number;
  /** Voltage change in 0.1 V: +280 (over-voltage) or −320 (under-voltage). */
  deltaDv: number;
}

/** The out-of-limit period of local day `day` (days since the epoch), if that day has one. */
export function voltageExcursion(p: Profile, day: number): VoltageExcursion | null {
  const rnd = mulberry32(hash32(`${p.key}#ex#${day}`));
  if (rnd() >= 0.1) return null;
  const phase = Math.floor(rnd() * 3);
  const fromHour = 8 + Math.floor(rnd() * 12);
  const toHour = fromHour + 1 + Math.floor(rnd() * 3);
  return { phase, fromHour, toHour, deltaDv: rnd() < 0.5 ? 280 : -320 };
}

export function instantAt(p: Profile, t: number): InstantValues {
  const pos = position(Math.max(t, EPOCH_MS + 1))!;
  const minute = Math.floor(t / 60_000);
  const e = stepNetWh(p, pos.dow, pos.step);
  const k = tariffOfStep(pos.step);
  const totalW = Math.round(e * 4 * (1 + 0.02 * noise(p.key, minute)));
  const tan = e > 0 ? (k === 4 ? -0.2 : p.tanPhi) : 0;
  const h = (pos.step * STEP_MS + pos.intoStep) / 3_600_000;
  const excursion = voltageExcursion(p, pos.day);
  const wa = Math.round(totalW * p.phaseWeights[0]);
  const wb = Math.round(totalW * p.phaseWeights[1]);
  const ws = [wa, wb, totalW - wa - wb];
  const phases = ws.map((w, i): PhaseValues => {
    // Quadrant I (import, inductive), IV (valley, capacitive), II (export, Q > 0).
    const q = Math.round(e >= 0 ? w * tan : Math.abs(w) * 0.1);
    const s = Math.hypot(w, q);
    const ex = excursion && excursion.phase === i && h >= excursion.fromHour && h < excursion.toHour ? excursion.deltaDv : 0;
    const dv = p.voltageOffsets[i]! + 40 * Math.cos((2 * Math.PI * (h - 3)) / 24) - w / 100 + 5 * noise(p.key, minute * 3 + i) + ex;
    const voltage = Math.round(2200 + dv) / 10;
    const current = Math.round((s * 1000) / voltage) / 1000;
    let angle = Math.round((Math.atan2(q, w) * 1800) / Math.PI) / 10;
    if (angle < 0) angle = Math.round((angle + 360) * 10) / 10;
    return {
      voltage,
      current: w < 0 && current !== 0 ? -current : current,
      activePower: r3(w),
      reactivePower: r3(q),
      apparentPower: r3(s),
      powerFactor: s === 0 ? 1 : Math.round((w / s) * 1000) / 1000,
      angle: angle >= 360 ? 0 : angle,
    };
  }) as InstantValues['phases'];
  const P = ws[0]! + ws[1]! + ws[2]!;
  const Q = phases.reduce((s, x) => s + Math.round(x.reactivePower * 1000), 0);
  const S = Math.hypot(P, Q);
  // Neutral current: phasor sum of the phase current magnitudes at 0°, −120°, +120° (unity PF assumed).
  const mags = phases.map((x) => Math.abs(x.current));
  const re = mags[0]! - 0.5 * mags[1]! - 0.5 * mags[2]!;
  const im = (Math.sqrt(3) / 2) * (mags[2]! - mags[1]!);
  return {
    phases,
    activePower: r3(P),
    reactivePower: r3(Q),
    apparentPower: r3(S),
    powerFactor: S === 0 ? 1 : Math.round((P / S) * 1000) / 1000,
    frequency: Math.round(5000 + 3 * Math.sin((2 * Math.PI * (minute % 37)) / 37) + noise(p.key, -minute)) / 100,
    neutralCurrent: Math.round(Math.hypot(re, im) * 1000) / 1000,
    temperature: Math.round(250 + 60 * Math.sin((2 * Math.PI * (h - 9)) / 24)) / 10,
    clockBattery: 3.6,
    reverse: P < 0,
  };
}

// ── local calendar helpers (meters keep Beijing time) ───────────────────────────────────────────

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday. */
  week: number;
}

// One-entry memo: a terminal's answer converts the same data time for every point it carries.
let lastT = NaN;
let last: LocalParts | undefined;

export function localParts(t: number): LocalParts {
  if (t === lastT && last) return { ...last };
  const d = new Date(t + LOCAL_OFFSET_MS);
  lastT = t;
  last = {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    week: d.getUTCDay(),
  };
  return { ...last };
}

/** UTC ms of a local calendar time (month 1..12; out-of-range values roll over like Date.UTC). */
export function fromLocal(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute, second) - LOCAL_OFFSET_MS;
}
