/**
 * Data-unit identifier DA/DT (Q/GDW 376.1-2009 §5.2.3.5.1, same in 1376.1-2013).
 *
 * DA = DA1 (bitmap of 8 points of a group) + DA2 (group number, binary): pn = (DA2-1)*8 + bit + 1,
 * pn 1..2040. DA1=DA2=0 is p0 (the terminal). DA1=FFH, DA2=00H is "all valid measurement points, p0
 * excluded" (three public sources agree; the digest's FFFF is accepted on decode as a device variant).
 * DT = DT1 (bitmap of 8 Fns) + DT2 (group 0..30): Fn = DT2*8 + bit + 1, Fn 1..248.
 *
 * One DA/DT addresses up to 8 points x 8 Fns. Its data blocks are ordered point-major, then Fn ascending
 * (all Fns of p(i) before p(i+1)) — the standard's data-organisation rule as generally implemented;
 * UNVERIFIED against the standard's text, no public source seen contradicts it.
 */
import { EncodeError } from '../codec/errors.js';

export const MAX_PN = 2040;
export const MAX_FN = 248;
/** Pseudo point number for "all valid measurement points" (DA1=FFH, DA2=00H). */
export const PN_ALL = 0xffff;

/** Points addressed by DA (LE u16: DA1 low byte, DA2 high byte); empty when the DA is invalid. */
export function pnsOfDa(da: number): number[] {
  const bits = da & 0xff;
  const grp = da >> 8;
  if (grp === 0) {
    if (bits === 0) return [0];
    if (bits === 0xff) return [PN_ALL];
    return [];
  }
  if (grp === 0xff && bits === 0xff) return [PN_ALL];
  return bitNumbers(bits, (grp - 1) * 8 + 1);
}

/** `base + b` for every set bit b of an 8-bit bitmap, ascending (array allocated at its size). */
function bitNumbers(bits: number, base: number): number[] {
  const out = new Array<number>(BIT_COUNT[bits]!);
  let k = 0;
  for (let b = 0; b < 8; b++) if (bits & (1 << b)) out[k++] = base + b;
  return out;
}

const BIT_COUNT = Uint8Array.from({ length: 256 }, (_, i) => {
  let n = 0;
  for (let v = i; v; v &= v - 1) n++;
  return n;
});

/** Fns addressed by DT (LE u16: DT1 low byte, DT2 high byte); empty when no bit is set or DT2 > 30. */
export function fnsOfDt(dt: number): number[] {
  const grp = dt >> 8;
  if (grp > 30) return [];
  return bitNumbers(dt & 0xff, grp * 8 + 1);
}

/** DA of a single point (0 = p0, PN_ALL = all valid points). */
export function daOfPn(pn: number): number {
  if (pn === 0) return 0;
  if (pn === PN_ALL) return 0x00ff;
  if (!Number.isInteger(pn) || pn < 0 || pn > MAX_PN) throw new EncodeError('pn', `${pn} is not 0..${MAX_PN}`);
  const i = pn - 1;
  return (((i >> 3) + 1) << 8) | (1 << (i & 7));
}

/** DT of a single Fn. */
export function dtOfFn(fn: number): number {
  if (!Number.isInteger(fn) || fn < 1 || fn > MAX_FN) throw new EncodeError('fn', `${fn} is not 1..${MAX_FN}`);
  const i = fn - 1;
  return ((i >> 3) << 8) | (1 << (i & 7));
}

/** DA for several points of one group (or a single p0 / PN_ALL). Throws EncodeError otherwise. */
export function daOfPns(pns: readonly number[]): number {
  if (pns.length === 0) throw new EncodeError('pn', 'no point given');
  let da = daOfPn(pns[0]!);
  if (pns.length === 1) return da;
  const grp = da >> 8;
  if (grp === 0) throw new EncodeError('pn', 'p0 / all-points cannot share a DA with other points');
  for (let i = 1; i < pns.length; i++) {
    const d = daOfPn(pns[i]!);
    if (d >> 8 !== grp) throw new EncodeError('pn', `points ${pns.join(',')} are not in one group of 8`);
    da |= d;
  }
  return da;
}

/** DT for several Fns of one group. Throws EncodeError otherwise. */
export function dtOfFns(fns: readonly number[]): number {
  if (fns.length === 0) throw new EncodeError('fn', 'no Fn given');
  let dt = dtOfFn(fns[0]!);
  const grp = dt >> 8;
  for (let i = 1; i < fns.length; i++) {
    const d = dtOfFn(fns[i]!);
    if (d >> 8 !== grp) throw new EncodeError('fn', `Fns ${fns.join(',')} are not in one group of 8`);
    dt |= d;
  }
  return dt;
}

/** One DA/DT and the (pn, fn) blocks it stands for, in wire order (point-major, Fn ascending). */
export interface DataId {
  da: number;
  dt: number;
  pns: number[];
  fns: number[];
}

export function dataId(da: number, dt: number): DataId {
  return { da, dt, pns: pnsOfDa(da), fns: fnsOfDt(dt) };
}

/**
 * Minimal-ish DA/DT units for a set of (pn, fn) pairs: pairs are bucketed by (point group, Fn group);
 * in each bucket points sharing the same Fn set share a unit (or Fns sharing the same point set, whichever
 * gives fewer units). Duplicates are dropped. Units come out in order of first appearance of their bucket.
 */
export function groupDataIds(pairs: readonly { pn: number; fn: number }[]): DataId[] {
  const one = oneDataId(pairs);
  if (one) return [one];
  // bucket key -> 8x8 bit matrix: rows[pointBit] = Fn bitmap. Keys: (DA2 << 5 | DT2) for real points,
  // 1 << 20 | DA << 5 | DT2 for p0 / all-points (never merged with real points).
  const buckets: Bucket[] = []; // in order of first appearance
  let index: Map<number, Bucket> | undefined; // by key, once there are many buckets
  let lastKey = -1;
  let last: Bucket | undefined;
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    const da = daOfPn(pair.pn);
    const dt = dtOfFn(pair.fn);
    const special = da >> 8 === 0;
    const key = special ? (1 << 20) | (da << 5) | (dt >> 8) : ((da >> 8) << 5) | (dt >> 8);
    let b = key === lastKey ? last : index ? index.get(key) : findBucket(buckets, key);
    if (!b) {
      b = { key, da2: da >> 8, pnSpecial: special ? da : -1, dt2: dt >> 8, rows: [0, 0, 0, 0, 0, 0, 0, 0] };
      buckets.push(b);
      if (index) index.set(key, b);
      else if (buckets.length > 8) index = new Map(buckets.map((x) => [x.key, x]));
    }
    lastKey = key;
    last = b;
    const row = special ? 0 : 31 - Math.clz32(da & 0xff);
    b.rows[row]! |= dt & 0xff;
  }
  const out: DataId[] = [];
  for (const b of buckets) {
    const daBase = b.da2 << 8;
    const dtBase = b.dt2 << 8;
    if (b.pnSpecial >= 0) {
      out.push(dataId(b.pnSpecial, dtBase | b.rows[0]!));
      continue;
    }
    // Partition by identical Fn bitmaps (rows) or identical point bitmaps (columns), whichever gives
    // fewer units; units in order of first appearance of their bitmap.
    const rows = b.rows;
    for (let c = 0; c < 8; c++) COLS[c] = 0;
    for (let r = 0; r < 8; r++) {
      for (let fnBits = rows[r]!; fnBits !== 0; fnBits &= fnBits - 1) COLS[31 - Math.clz32(fnBits & -fnBits)]! |= 1 << r;
    }
    const byRow = distinctNonZero(rows) <= distinctNonZero(COLS);
    const v = byRow ? rows : COLS;
    for (let i = 0; i < 8; i++) {
      const x = v[i]!;
      if (!x || firstIndexOf(v, x) !== i) continue;
      let members = 0; // rows (points) having Fn bitmap x, or columns (Fns) having point bitmap x
      for (let j = i; j < 8; j++) if (v[j] === x) members |= 1 << j;
      out.push(byRow ? dataId(daBase | members, dtBase | x) : dataId(daBase | x, dtBase | members));
    }
  }
  return out;
}

/**
 * The usual request shape — one Fn for points of one group of 8 (or a single p0 / all-points) — is a
 * single DA/DT: returns it, or undefined when the pairs need the general grouping. Validates pairs in
 * the same order as the general path, so the same first error is thrown.
 */
function oneDataId(pairs: readonly { pn: number; fn: number }[]): DataId | undefined {
  let da = 0;
  let dt = 0;
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    const d = daOfPn(pair.pn);
    const t = dtOfFn(pair.fn);
    if (i === 0) {
      da = d;
      dt = t;
    } else if (t !== dt || d >> 8 !== da >> 8 || (d >> 8 === 0 && d !== da)) return undefined;
    else da |= d;
  }
  return pairs.length > 0 ? dataId(da, dt) : undefined;
}

interface Bucket {
  key: number;
  da2: number;
  pnSpecial: number;
  dt2: number;
  rows: number[];
}

/** Column bitmaps (points having each Fn bit) of the bucket being split. */
const COLS: number[] = [0, 0, 0, 0, 0, 0, 0, 0];

function findBucket(buckets: readonly Bucket[], key: number): Bucket | undefined {
  for (let i = 0; i < buckets.length; i++) if (buckets[i]!.key === key) return buckets[i];
  return undefined;
}

/** Number of distinct non-zero values among v[0..7]. */
function distinctNonZero(v: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < 8; i++) if (v[i] && firstIndexOf(v, v[i]!) === i) n++;
  return n;
}

function firstIndexOf(v: readonly number[], x: number): number {
  let i = 0;
  while (v[i] !== x) i++;
  return i;
}
