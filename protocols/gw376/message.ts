/**
 * Message layer: a frame plus its data units as typed values, and back (Q/GDW 376.1-2009 §5.2.3.5).
 *
 * Units carry no length on the wire, so every (AFN, Fn, direction) is decoded through its registry
 * layout (`lookupFn`). A DA/DT with several points/Fns yields one unit per (pn, fn) in wire order
 * (point-major, then Fn ascending), each tagged with the index of its DA/DT (`block`) so that encoding
 * reproduces the original grouping byte for byte; units without `block` are grouped compactly.
 * An unknown Fn, or bytes that do not form a DA/DT, end parsing: the rest is kept as a raw unit
 * (`raw: true`) with its DA/DT and the reason — never an error. A known Fn whose bytes do not fit its
 * layout throws a DataError carrying the whole frame's hex.
 */
import { Buffer } from 'node:buffer';
import { BinaryReader, BinaryWriter } from '../codec/cursor.js';
import { DataError, EncodeError, ProtocolError } from '../codec/errors.js';
import { toHex } from '../codec/hex.js';
import type { DataId } from './data-id.js';
import { daOfPn, daOfPns, dataId, dtOfFn, dtOfFns, groupDataIds, pnsOfDa } from './data-id.js';
import type { DecodeOptions, EncodeOptions, FrameHeader, Revision } from './frame.js';
import {
  FRAME_OVERHEAD,
  type Gw376Frame,
  HEADER_USER_BYTES,
  PROTOCOL_ID,
  a1Text,
  auxLength,
  checkFrame,
  finishFrame,
  locateAux,
  readTp,
  writeAux,
  writeHeader,
} from './frame.js';
import type { Direction, FnEntry, UnitContext, UnitLayout } from './registry.js';
import { dtPlan, lookupFn } from './registry.js';
import { pwText } from './pw.js';

/** One (pn, fn) block of a known Fn. `data` is undefined for Fns that carry only DA/DT in this direction. */
export interface KnownUnit {
  raw?: false;
  pn: number;
  fn: number;
  data?: unknown;
  /** Index of the DA/DT this block belongs to (set by the decoder; optional when encoding). */
  block?: number;
}

/** Undecodable rest of the data area, from its DA/DT (when 4 bytes were left) to the AUX. */
export interface RawUnit {
  raw: true;
  reason: 'unknown-fn' | 'invalid-data-id' | 'short-data-id';
  /** DA and DT as LE u16 (undefined when fewer than 4 bytes were left). */
  da?: number;
  dt?: number;
  pns: number[];
  fns: number[];
  /** The bytes from the DA onwards (identifier included), as on the wire. */
  bytes: Buffer;
  block?: number;
}

export type MessageUnit = KnownUnit | RawUnit;

export interface Gw376Message extends FrameHeader {
  revision?: Revision;
  units: MessageUnit[];
  /** Set by the decoder when an announced AUX part did not fit and was treated as absent. */
  auxShortfall?: boolean;
}

/** Decodes bytes (or an already validated frame) into a message. */
export function decodeMessage(input: Buffer | Gw376Frame, opts?: DecodeOptions): Gw376Message {
  // isView: a cheaper test than instanceof against a class (one map check, no prototype walk).
  if (!ArrayBuffer.isView(input)) {
    // The edition is not on the wire: an explicit option wins over the one the frame was made with.
    return messageAt(input.buf, input.start, input.userLength, input.protocolId, opts?.revision ?? input.revision);
  }
  // Bytes: validated in place and read straight into the message (no frame object in between).
  const p = checkFrame(input, 0, input.length, opts);
  const l = input[p + 1]! | (input[p + 2]! << 8);
  return messageAt(input, p, l >>> 2, l & 3, opts?.revision ?? 2009);
}

/** The message of the validated frame whose 68H is at `p` (§5.2: C, A, AFN, SEQ, data units, AUX). */
function messageAt(buf: Buffer, p: number, userLength: number, protocolId: number, revision: Revision): Gw376Message {
  const aux = locateAux(buf, p, userLength);
  const dataEnd = aux.dataEnd;
  const pwAt = aux.pwAt;
  const ecAt = aux.ecAt;
  const tpAt = aux.tpAt;
  const shortfall = aux.shortfall;
  const c = buf[p + 6]!;
  const a3 = buf[p + 11]!;
  const afn = buf[p + 12]!;
  const seq = buf[p + 13]!;
  // Literal masks (C §5.2.1.1, SEQ §5.2.3.2; named in frame.ts): see locateAux.
  const dir: Direction = c & 0x80 /* C_DIR */ ? 'up' : 'down';
  // The data units (§5.2.3.5), from p + 14 to the AUX. Fast path, the usual frame: a first DA/DT of one
  // point and one Fn with data, decoded here rather than in a call (the general loop takes over after it
  // when more follows and gives the same units).
  const at = p + 14; // 68 L L 68, then HEADER_USER_BYTES
  let units: MessageUnit[] | undefined;
  if (dataEnd - at >= 4) {
    const da = buf[at]! | (buf[at + 1]! << 8);
    const pns = (PNS[da] ??= pnsOfDa(da));
    const plan = dtPlan(afn, dir, buf[at + 2]! | (buf[at + 3]! << 8));
    const layout = plan.layouts[0];
    if (pns.length === 1 && plan.fns.length === 1 && layout !== undefined) {
      const pn = pns[0]!;
      const fn = plan.fns[0]!;
      const r = new BinaryReader(buf, at + 4, dataEnd);
      // A layout that does not read its context gets the shared placeholder: one allocation less.
      const ctx: MutableContext = layout.decodeReadsContext === false ? UNREAD_CONTEXT : { afn, fn, pn, dir, revision };
      let data: unknown;
      try {
        data = layout.decode(r, ctx);
      } catch (e) {
        throw unitError(toHex(buf, p, p + userLength + FRAME_OVERHEAD), { afn, fn, pn, dir, revision }, e);
      }
      const u: KnownUnit = { pn, fn, data, block: 0 };
      if (r.pos === dataEnd) units = [u];
      else {
        if (r.pos > dataEnd) throw overrun(buf, p, userLength, dataEnd, r.pos, { afn, fn, pn, dir, revision });
        units = unitsFrom(r, { afn, fn, pn, dir, revision }, [u], 1, buf, p, userLength, dataEnd, afn, dir);
      }
    }
  }
  units ??= unitsFrom(new BinaryReader(buf, at, dataEnd), { afn, fn: 0, pn: 0, dir, revision }, undefined, 0, buf, p, userLength, dataEnd, afn, dir);
  // One literal with every key (absent AUX parts undefined): one object shape for all messages, no
  // property added later (§5.2.3.6 AUX: PW, EC, Tp).
  return {
    revision,
    protocolId,
    dir,
    prm: (c & 0x40) /* C_PRM */ !== 0,
    fcbAcd: (c & 0x20) /* C_FCB_ACD */ !== 0,
    fcv: (c & 0x10) /* C_FCV */ !== 0,
    func: c & 0x0f /* C_FUNC */,
    a1: a1Text(buf[p + 7]! | (buf[p + 8]! << 8)),
    a2: buf[p + 9]! | (buf[p + 10]! << 8),
    msa: a3 >> 1,
    group: (a3 & 1) !== 0,
    afn,
    seq: seq & 0x0f /* SEQ_NO */,
    fir: (seq & 0x40) /* SEQ_FIR */ !== 0,
    fin: (seq & 0x20) /* SEQ_FIN */ !== 0,
    con: (seq & 0x10) /* SEQ_CON */ !== 0,
    pw: pwAt >= 0 ? pwText(buf, pwAt) : undefined,
    ec: ecAt >= 0 ? { important: buf[ecAt]!, normal: buf[ecAt + 1]! } : undefined,
    tp: tpAt >= 0 ? readTp(buf, tpAt) : undefined,
    units,
    auxShortfall: shortfall ? true : undefined,
  };
}

/** A new Buffer holding `buf[at, at + n)` (what `Buffer.from(buf.subarray(…))` gives, without the view). */
function copyBytes(buf: Buffer, at: number, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  if (n > 64) buf.copy(out, 0, at, at + n);
  else for (let i = 0; i < n; i++) out[i] = buf[at + i]!;
  return out;
}

/** Points of each DA, computed once (shared: copied before being handed out). */
const PNS: (readonly number[] | undefined)[] = new Array<readonly number[] | undefined>(0x10000);

/** The unit context handed to layouts: one object per frame, updated per unit (valid during the call only). */
interface MutableContext {
  afn: number;
  fn: number;
  pn: number;
  dir: Direction;
  revision: Revision;
}

/** What context-free layouts are handed (they never read it; see UnitLayout.decodeReadsContext). */
const UNREAD_CONTEXT: MutableContext = Object.freeze({ afn: -1, fn: -1, pn: -1, dir: 'down', revision: 2009 }) as MutableContext;

/** Appends `u` (the first unit makes a one-element literal: the usual frame has one unit). */
function add(units: MessageUnit[] | undefined, u: MessageUnit): MessageUnit[] {
  if (units === undefined) return [u];
  units.push(u);
  return units;
}

/** Decodes the data units of a frame. */
export function decodeUnits(f: Gw376Frame, revision: Revision = f.revision): MessageUnit[] {
  return messageAt(f.buf, f.start, f.userLength, f.protocolId, revision).units;
}

/** The data units from the reader's position on (after `units` of blocks 0 … block - 1). */
function unitsFrom(
  r: BinaryReader,
  ctx: MutableContext,
  units: MessageUnit[] | undefined,
  block: number,
  buf: Buffer,
  p: number,
  userLength: number,
  end: number,
  afn: number,
  dir: Direction,
): MessageUnit[] {
  while (r.pos < end) {
    const idAt = r.pos;
    if (end - idAt < 4) {
      units = add(units, { raw: true, reason: 'short-data-id', pns: [], fns: [], bytes: buf.subarray(idAt, end), block });
      break;
    }
    const da = buf[idAt]! | (buf[idAt + 1]! << 8);
    const dt = buf[idAt + 2]! | (buf[idAt + 3]! << 8);
    r.pos = idAt + 4;
    const pns = (PNS[da] ??= pnsOfDa(da));
    const plan = dtPlan(afn, dir, dt);
    const fns = plan.fns;
    if (pns.length === 0 || fns.length === 0) {
      units = add(units, { raw: true, reason: 'invalid-data-id', da, dt, pns: pns.slice(), fns: fns.slice(), bytes: buf.subarray(idAt, end), block });
      break;
    }
    if (!plan.known) {
      units = add(units, { raw: true, reason: 'unknown-fn', da, dt, pns: pns.slice(), fns: fns.slice(), bytes: buf.subarray(idAt, end), block });
      break;
    }
    const layouts = plan.layouts;
    for (let k = 0; k < pns.length; k++) {
      const pn = pns[k]!;
      for (let i = 0; i < fns.length; i++) {
        const fn = fns[i]!;
        const layout = layouts[i];
        if (!layout) {
          units = add(units, { pn, fn, block });
          continue;
        }
        ctx.fn = fn;
        ctx.pn = pn;
        let data: unknown;
        try {
          data = layout.decode(r, ctx);
        } catch (e) {
          throw unitError(toHex(buf, p, p + userLength + FRAME_OVERHEAD), { ...ctx }, e);
        }
        if (r.pos > end) throw overrun(buf, p, userLength, end, r.pos, ctx);
        units = add(units, { pn, fn, data, block });
      }
    }
    block++;
  }
  return units ?? [];
}

/** The error for a unit that read past the data area. */
function overrun(buf: Buffer, p: number, userLength: number, end: number, pos: number, ctx: UnitContext): DataError {
  const expected = `data within the data area (overran it by ${pos - end} byte(s))`;
  return new DataError(unitName(ctx), expected, buf.subarray(p, p + userLength + FRAME_OVERHEAD));
}

function layoutOf(e: FnEntry, dir: Direction): UnitLayout<unknown> | undefined {
  return (dir === 'down' ? e.down : e.up) as UnitLayout<unknown> | undefined;
}

function unitName(ctx: UnitContext): string {
  return `AFN${ctx.afn.toString(16).toUpperCase().padStart(2, '0')} F${ctx.fn} p${ctx.pn} (${ctx.dir})`;
}

function unitError(frameHex: string, ctx: UnitContext, e: unknown): DataError {
  if (e instanceof DataError) {
    const err = new DataError(`${unitName(ctx)}: ${e.field}`, e.expected, frameHex);
    err.cause = e;
    return err;
  }
  const msg = e instanceof Error ? e.message : String(e);
  const err = new DataError(unitName(ctx), `decodable data (${e instanceof ProtocolError ? e.name : 'error'}: ${msg})`, frameHex);
  err.cause = e;
  return err;
}

/** Writers reused by `encodeMessage` (taken while in use, so that a nested call gets its own). */
let scratch: BinaryWriter | undefined = new BinaryWriter(512);
let exact: BinaryWriter | undefined = new BinaryWriter(0);

/** Encodes a message. The result may be a view of a larger buffer. */
export function encodeMessage(msg: Gw376Message, opts?: EncodeOptions): Buffer {
  const auxLen = auxLength(msg);
  // Fast path: when every unit has a fixed size the frame is written straight into a buffer of its
  // exact size. Grouping errors fall back to the general path, which raises them in the original order.
  const items = tryPlanUnits(msg);
  const dataLen = items ? itemsSize(msg, items) : -1;
  if (items && dataLen >= 0) {
    const total = FRAME_OVERHEAD + HEADER_USER_BYTES + dataLen + auxLen;
    const out = Buffer.allocUnsafe(total);
    const w = exact ?? new BinaryWriter(0);
    exact = undefined;
    try {
      w.buf = out;
      w.pos = 14;
      for (const item of items) {
        if (item.raw) w.raw(item.raw.bytes);
        else writeBlock(w, msg, item.id, item.run);
      }
      // A layout that wrote other than its declared size: use the general path.
      if (w.buf === out && w.pos === total - auxLen - 2) {
        writeHeader(out, 0, msg);
        writeAux(out, w.pos, msg);
        finishFrame(out, 0, total, msg.protocolId ?? PROTOCOL_ID, opts?.maxUserLength);
        return out;
      }
    } finally {
      w.buf = EMPTY;
      exact = w;
    }
  }
  const w = scratch ?? new BinaryWriter(64 + auxLen);
  scratch = undefined;
  try {
    w.pos = 0;
    w.fill(14, 0);
    writeUnits(w, msg);
    const auxAt = w.pos;
    w.fill(auxLen + 2, 0);
    const out = w.buf;
    writeHeader(out, 0, msg);
    writeAux(out, auxAt, msg);
    finishFrame(out, 0, w.pos, msg.protocolId ?? PROTOCOL_ID, opts?.maxUserLength);
    return copyBytes(out, 0, w.pos);
  } finally {
    if (w.buf.length <= 0x10000) scratch = w;
  }
}

const EMPTY = Buffer.alloc(0);

type Item = { raw: RawUnit } | { raw: undefined; id: DataId; run: KnownUnit[] };

/** The DA/DT blocks `writeUnits` would write, in order; undefined when grouping fails. */
function tryPlanUnits(msg: Gw376Message): Item[] | undefined {
  try {
    const items: Item[] = [];
    forEachRun(msg.units, (raw, run, withBlocks) => {
      if (raw) items.push({ raw });
      else if (withBlocks) items.push({ raw: undefined, id: blockId(run), run });
      else for (const id of groupDataIds(run)) items.push({ raw: undefined, id, run });
    });
    return items;
  } catch {
    return undefined;
  }
}

/** Bytes of the data units of `items`, or -1 when some unit's size is not fixed. */
function itemsSize(msg: Gw376Message, items: readonly Item[]): number {
  let n = 0;
  for (const item of items) {
    if (item.raw) {
      n += item.raw.bytes.length;
      continue;
    }
    const id = item.id;
    const plan = dtPlan(msg.afn, msg.dir, id.dt);
    if (!plan.known) return -1;
    let per = 0;
    for (const layout of plan.layouts) {
      if (!layout) continue;
      const size = layout.size ?? -1;
      if (size < 0) return -1;
      per += size;
    }
    n += 4 + id.pns.length * per;
  }
  return n;
}

/**
 * Splits units into raw units and runs of known units (one run per block when every unit carries its
 * block, else maximal runs between raw units).
 */
function forEachRun(
  units: readonly MessageUnit[],
  visit: (raw: RawUnit | undefined, run: KnownUnit[], withBlocks: boolean) => void,
): void {
  const n = units.length;
  let withBlocks = n > 0;
  for (let k = 0; k < n && withBlocks; k++) withBlocks = units[k]!.block !== undefined;
  let i = 0;
  while (i < n) {
    const u = units[i]!;
    if (u.raw) {
      visit(u, [], withBlocks);
      i++;
      continue;
    }
    let j = i + 1;
    if (withBlocks) while (j < n && !units[j]!.raw && units[j]!.block === u.block) j++;
    else while (j < n && !units[j]!.raw) j++;
    // The run is only read: the whole list is passed as is.
    visit(undefined, (i === 0 && j === n ? units : units.slice(i, j)) as KnownUnit[], withBlocks);
    i = j;
  }
}

/** Writes the data units of `msg` (DA/DT + data) at the writer's position. */
export function writeUnits(w: BinaryWriter, msg: Gw376Message): void {
  forEachRun(msg.units, (raw, run, withBlocks) => {
    if (raw) w.raw(raw.bytes);
    else if (withBlocks) writeBlock(w, msg, blockId(run), run);
    else {
      const ids = groupDataIds(run);
      for (let k = 0; k < ids.length; k++) writeBlock(w, msg, ids[k]!, run);
    }
  });
}

function blockId(run: KnownUnit[]): DataId {
  // Fast path: OR the points' DA and the Fns' DT bits; anything unusual goes to the checking path.
  let da = -1;
  let dt = -1;
  for (let i = 0; i < run.length; i++) {
    const u = run[i]!;
    const d = daOfPn(u.pn);
    const t = dtOfFn(u.fn);
    if (da < 0) {
      da = d;
      dt = t;
    } else if (d >> 8 !== da >> 8 || d >> 8 === 0 || t >> 8 !== dt >> 8) return blockIdChecked(run);
    else {
      da |= d;
      dt |= t;
    }
  }
  const id = dataId(da, dt);
  if (id.pns.length * id.fns.length === run.length) return id;
  return blockIdChecked(run);
}

/** blockId with the grouping checks and their errors. */
function blockIdChecked(run: KnownUnit[]): DataId {
  const pns = [...new Set(run.map((u) => u.pn))].sort((a, b) => a - b);
  const fns = [...new Set(run.map((u) => u.fn))].sort((a, b) => a - b);
  const id = dataId(daOfPns(pns), dtOfFns(fns));
  if (id.pns.length * id.fns.length !== run.length) {
    throw new EncodeError('units', `block ${run[0]!.block} must hold every pn x fn of its DA/DT exactly once (${run.length} given)`);
  }
  return id;
}

function writeBlock(w: BinaryWriter, msg: Gw376Message, id: DataId, run: KnownUnit[]): void {
  w.u16(id.da).u16(id.dt);
  const dir = msg.dir;
  const afn = msg.afn;
  const plan = dtPlan(afn, dir, id.dt);
  const pns = id.pns;
  const fns = id.fns;
  const ctx: MutableContext = { afn, fn: 0, pn: 0, dir, revision: msg.revision ?? 2009 };
  // Units usually come in wire order (point-major, Fn ascending): try the one after the last match
  // first, search the run only when it is not the one.
  let next = 0;
  for (let p = 0; p < pns.length; p++) {
    const pn = pns[p]!;
    for (let k = 0; k < fns.length; k++) {
      const fn = fns[k]!;
      let x = next;
      let u = run[x];
      if (u === undefined || u.pn !== pn || u.fn !== fn) {
        for (x = 0; x < run.length; x++) {
          const c = run[x]!;
          if (c.pn === pn && c.fn === fn) break;
        }
        u = run[x];
        if (!u) throw new EncodeError('units', `no unit for p${pn} F${fn}`);
      }
      next = x + 1;
      let layout: UnitLayout<unknown> | undefined;
      if (plan.known && plan.fns[k] === fn) layout = plan.layouts[k];
      else {
        const e = lookupFn(afn, fn);
        if (!e) throw new EncodeError('units', `AFN${afn.toString(16)} F${fn} is not registered; send it as a raw unit`);
        layout = layoutOf(e, dir);
      }
      if (!layout) {
        if (u.data !== undefined) throw new EncodeError('units', `AFN${afn.toString(16)} F${fn} carries no data ${dir}`);
        continue;
      }
      ctx.fn = fn;
      ctx.pn = pn;
      layout.encode(w, u.data, ctx);
    }
  }
}

/** Hex of the first bytes of a message's encoding, for logs. */
export function messageHex(msg: Gw376Message): string {
  return toHex(encodeMessage(msg));
}
