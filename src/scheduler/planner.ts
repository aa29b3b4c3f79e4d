/**
 * Request planning (pure): which (Pn, Fn, time label) a terminal is asked for, packed into as few frames
 * as its limits allow.
 *
 * Q/GDW 376.1-2009 §5.2.3.5.1: one data unit identifier addresses up to 8 points of one DA group × up to 8
 * Fns of one DT group; its blocks follow point-major, then Fn ascending. In an AFN0D request every
 * (point, Fn) block is the Fn's time label (§5.13: Td_d, Td_m or Td_c). Points share a DA here only when
 * they need the same Fns with the same time label (a DA holding points with different labels is
 * UNVERIFIED against real terminals; `pnPerUnit` 1 sends one point per DA, like builders.readDailyFrozen).
 * A request frame's user data (C, A, AFN, SEQ, units, Tp) stays within `maxRequestBytes` (§5.1.2);
 * `maxPointsPerRequest` bounds the reply, which the terminal may split over several frames (the FEP
 * reassembles them). The Fns that fill one store quantity for one point always travel in one request, so
 * each reading is written whole.
 */
import type { KnownUnit } from '../../protocols/gw376/index.js';

/** One point's need: the Fns to ask and the time label value (`{ td }` data of the request). */
export interface Need {
  pn: number;
  fns: readonly number[];
  /** The Td value (A.20 / A.21 / Td_c object); undefined for AFN0C. */
  td?: unknown;
  /** Equality key of `td` (needs with equal keys may share a DA). */
  tdKey: string;
  /** Fns that must stay in one request (one store quantity), as lists; default: all `fns` together. */
  together?: readonly (readonly number[])[];
}

export interface BatchLimits {
  pnPerUnit: number;
  maxPointsPerRequest: number;
  maxRequestBytes: number;
}

export interface PlannedRequest {
  afn: number;
  units: KnownUnit[];
  /** Distinct points asked, ascending. */
  pns: number[];
  /** User-data bytes of the request frame. */
  bytes: number;
}

/** User data of a read request besides its units: C 1, A 5, AFN 1, SEQ 1, Tp 6. */
export const REQUEST_OVERHEAD = 14;

interface Block {
  pns: number[];
  fns: number[];
  td: unknown;
  bytes: number;
}

const group8 = (n: number): number => (n - 1) >> 3;

/** Splits `fns` (one DT group) into chunks that fit `maxFns`, never cutting a `together` list. */
function chunkFns(fns: readonly number[], together: readonly (readonly number[])[] | undefined, maxFns: number): number[][] {
  if (fns.length <= maxFns) return [[...fns]];
  const atoms: number[][] = [];
  const used = new Set<number>();
  for (const t of together ?? []) {
    const a = t.filter((f) => fns.includes(f) && !used.has(f));
    a.forEach((f) => used.add(f));
    if (a.length) atoms.push(a);
  }
  for (const f of fns) if (!used.has(f)) atoms.push([f]);
  const out: number[][] = [];
  let cur: number[] = [];
  for (const a of atoms) {
    if (cur.length && cur.length + a.length > maxFns) {
      out.push(cur);
      cur = [];
    }
    cur.push(...a);
  }
  if (cur.length) out.push(cur);
  return out.map((c) => c.sort((x, y) => x - y));
}

/** Packs the needs of one terminal into requests of AFN `afn` whose time labels take `tdBytes` each. */
export function planRequests(afn: number, needs: readonly Need[], tdBytes: number, limits: BatchLimits): PlannedRequest[] {
  const room = limits.maxRequestBytes - REQUEST_OVERHEAD;
  const perPn = Math.max(1, Math.min(8, limits.pnPerUnit));
  // 1. Buckets of points that need the same Fns of one DT group with the same label, per DA group.
  const buckets = new Map<string, { fns: number[]; td: unknown; together: Need['together']; pns: number[] }>();
  for (const n of needs) {
    const byDt = new Map<number, number[]>();
    for (const fn of [...new Set(n.fns)].sort((a, b) => a - b)) {
      const g = group8(fn);
      let l = byDt.get(g);
      if (!l) byDt.set(g, (l = []));
      l.push(fn);
    }
    for (const fns of byDt.values()) {
      const key = `${n.tdKey}|${fns.join(',')}|${group8(n.pn)}`;
      let b = buckets.get(key);
      if (!b) buckets.set(key, (b = { fns, td: n.td, together: n.together, pns: [] }));
      if (!b.pns.includes(n.pn)) b.pns.push(n.pn);
    }
  }
  // 2. Blocks (one DA/DT each) that fit a request on their own.
  const blocks: Block[] = [];
  for (const b of buckets.values()) {
    const maxFns = tdBytes > 0 ? Math.max(1, Math.floor((room - 4) / tdBytes)) : 8;
    for (const fns of chunkFns(b.fns, b.together, maxFns)) {
      const per = fns.length * tdBytes;
      const pnsFit = per > 0 ? Math.max(1, Math.floor((room - 4) / per)) : 8;
      const step = Math.min(perPn, pnsFit, limits.maxPointsPerRequest);
      const pns = b.pns.sort((x, y) => x - y);
      for (let i = 0; i < pns.length; i += step) {
        const part = pns.slice(i, i + step);
        blocks.push({ pns: part, fns, td: b.td, bytes: 4 + part.length * per });
      }
    }
  }
  blocks.sort((a, b) => a.pns[0]! - b.pns[0]! || a.fns[0]! - b.fns[0]!);
  // 3. Requests: blocks in point order while the frame and the point budget allow. The blocks of one point
  //    stay together where they can (a point's quantities in one answer).
  const out: PlannedRequest[] = [];
  let cur: Block[] = [];
  let bytes = 0;
  let pnSet = new Set<number>();
  const flush = (): void => {
    if (!cur.length) return;
    out.push(toRequest(afn, cur, REQUEST_OVERHEAD + bytes));
    cur = [];
    bytes = 0;
    pnSet = new Set();
  };
  for (const b of blocks) {
    const added = b.pns.filter((p) => !pnSet.has(p)).length;
    if (cur.length && (bytes + b.bytes > room || pnSet.size + added > limits.maxPointsPerRequest)) flush();
    cur.push(b);
    bytes += b.bytes;
    for (const p of b.pns) pnSet.add(p);
  }
  flush();
  return out;
}

function toRequest(afn: number, blocks: readonly Block[], bytes: number): PlannedRequest {
  const units: KnownUnit[] = [];
  const pns = new Set<number>();
  blocks.forEach((b, block) => {
    for (const pn of b.pns) {
      pns.add(pn);
      for (const fn of b.fns) units.push(b.td === undefined ? { pn, fn, block } : { pn, fn, data: { td: b.td }, block });
    }
  });
  return { afn, units, pns: [...pns].sort((a, b) => a - b), bytes };
}
