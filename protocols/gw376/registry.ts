/**
 * The Q/GDW 376.1 data-unit registry: one entry per (AFN, Fn) with its layouts per direction.
 *
 * Data units are concatenated without per-unit lengths (Q/GDW 376.1-2009 §5.2.3.5), so every
 * known Fn must decode exactly its own bytes; an unknown Fn ends parsing of the frame and the rest
 * of the data area is returned raw with its DA/DT (never an error). Adding an Fn = adding one entry
 * in the AFN's file under `afn/` and one test.
 */
import type { BinaryReader, BinaryWriter } from '../codec/cursor.js';
import { fnsOfDt } from './data-id.js';

/** Frame direction: `down` = master → terminal (DIR=0), `up` = terminal → master (DIR=1). */
export type Direction = 'down' | 'up';

/** What a layout's decoder/encoder may need beyond its own bytes. */
export interface UnitContext {
  readonly afn: number;
  readonly fn: number;
  /** Measuring point (0 = p0, the terminal itself). */
  readonly pn: number;
  readonly dir: Direction;
  /** Protocol revision of the frame: 2009 (Q/GDW 376.1-2009) or 2013 (Q/GDW 1376.1-2013). */
  readonly revision: 2009 | 2013;
}

/** How one direction of one Fn is laid out on the wire. */
export interface UnitLayout<T> {
  /** Decodes exactly this unit's bytes; throws DataError when they do not fit the definition. */
  decode(r: BinaryReader, ctx: UnitContext): T;
  /** Writes `value`; throws EncodeError for values the format cannot represent. */
  encode(w: BinaryWriter, value: T, ctx: UnitContext): void;
  /** Bytes every value encodes to, when fixed (compiled layouts); absent or -1 when variable. */
  readonly size?: number;
  /**
   * False when `decode` never reads its context (compiled layouts without custom nodes): the message
   * layer then skips building one per unit. Absent means it may read it.
   */
  readonly decodeReadsContext?: boolean;
}

export interface FnEntry<Down = unknown, Up = unknown> {
  readonly afn: number;
  readonly fn: number;
  /** English name, then the standard's Chinese name. */
  readonly name: string;
  readonly nameZh: string;
  /** Layout of the unit's data in a downlink frame (absent: the unit carries only DA/DT). */
  readonly down?: UnitLayout<Down>;
  /** Layout of the unit's data in an uplink frame (absent: the unit carries only DA/DT). */
  readonly up?: UnitLayout<Up>;
  /** Whether `pn` must be 0 (p0) for this Fn. */
  readonly p0Only?: boolean;
}

/** Per-AFN facts used by the frame layer (AUX presence, default control function code). */
export interface AfnInfo {
  readonly afn: number;
  readonly name: string;
  readonly nameZh: string;
  /** Downlink frames of this AFN carry the 16-byte PW (§5.2.3.6.1: AFN 01, 04, 05, 06, 0F, 10). */
  readonly needsPw: boolean;
  /** Whether the master sets TpV (time label) by default on requests of this AFN. */
  readonly needsTp: boolean;
  /** Default downlink control function code (PRM=1): 1 reset, 10 class-1, 11 class-2, 4 user data. */
  readonly downFunction: number;
  /** Whether downlink requests of this AFN ask for a confirm (CON=1). */
  readonly confirm: boolean;
}

const entries = new Map<number, FnEntry>();
const afns = new Map<number, AfnInfo>();

const key = (afn: number, fn: number): number => (afn << 8) | fn;

/** PW flag per AFN for the frame layer's hot path: -1 not registered, 0 no PW, 1 PW (§5.2.3.6.1). */
const pwFlags = new Int8Array(256).fill(-1);

export function registerAfn(info: AfnInfo): void {
  afns.set(info.afn, info);
  pwFlags[info.afn & 0xff] = info.needsPw ? 1 : 0;
}

/** Whether downlink frames of a registered AFN carry PW: 1 yes, 0 no, -1 the AFN is not registered. */
export function afnPwFlag(afn: number): number {
  return pwFlags[afn & 0xff]!;
}

export function registerFns(list: readonly FnEntry[]): void {
  for (const e of list) {
    const k = key(e.afn, e.fn);
    if (entries.has(k)) throw new Error(`duplicate 376.1 registry entry AFN${e.afn.toString(16)} F${e.fn}`);
    entries.set(k, e);
  }
  dtPlans.clear();
  lastPlanKey = -1;
}

/**
 * What one DT of one AFN and direction stands for, resolved once and cached (the message layer's
 * per-unit lookup): its Fns in ascending order and each Fn's layout for that direction (undefined
 * when the Fn carries only DA/DT). `known` is false when a Fn of the DT is not registered; `fns` is
 * empty when the DT addresses no Fn. The arrays are shared: copy them before handing them out.
 */
export interface DtPlan {
  readonly fns: readonly number[];
  readonly layouts: readonly (UnitLayout<unknown> | undefined)[];
  readonly known: boolean;
}

const dtPlans = new Map<number, DtPlan>();

/** The plan of the last lookup, and its key (-1: none): consecutive units usually share a DT. */
let lastPlanKey = -1;
let lastPlan: DtPlan = { fns: [], layouts: [], known: false };

/** Small enough to be inlined into the message layer's unit loop; the lookup proper is `planOf`. */
export function dtPlan(afn: number, dir: Direction, dt: number): DtPlan {
  const k = (afn << 17) | (dir === 'down' ? 0 : 0x10000) | dt;
  return k === lastPlanKey ? lastPlan : planOf(k, afn, dir, dt);
}

function planOf(k: number, afn: number, dir: Direction, dt: number): DtPlan {
  let plan = dtPlans.get(k);
  if (plan === undefined) {
    const fns = fnsOfDt(dt);
    const layouts: (UnitLayout<unknown> | undefined)[] = [];
    let known = true;
    for (const fn of fns) {
      const e = lookupFn(afn, fn);
      if (!e) {
        known = false;
        break;
      }
      layouts.push((dir === 'down' ? e.down : e.up) as UnitLayout<unknown> | undefined);
    }
    plan = { fns, layouts, known };
    dtPlans.set(k, plan);
  }
  lastPlanKey = k;
  lastPlan = plan;
  return plan;
}

export function lookupFn(afn: number, fn: number): FnEntry | undefined {
  return entries.get(key(afn, fn));
}

export function lookupAfn(afn: number): AfnInfo | undefined {
  return afns.get(afn);
}

export function allFns(): FnEntry[] {
  return [...entries.values()];
}
