/**
 * ERC registry: decodes/encodes one event record of AFN0E (ERC code, Le, body).
 *
 * Typed ERCs (1–14, 17, 19–21, 23–33) decode to their full field set; ERC15, 16, 18, 22, 34, 35, 36
 * decode to `{ time, raw }` (event time plus the rest as hex). A record whose Le does not match its
 * typed layout (vendor extension, 2013 variant) or whose code is unknown (e.g. vendor ERC52) decodes
 * to `data: null` with the whole body in `raw` — never an error, since Le delimits it.
 * ERCs whose body changed in 1376.1-2013 carry a second layout (`node2013`, so far ERC14 with its
 * attribute byte), used for frames decoded or encoded as revision 2013.
 */
import { Buffer } from 'node:buffer';
import { BinaryReader } from '../../codec/cursor.js';
import type { BinaryWriter } from '../../codec/cursor.js';
import { EncodeError } from '../../codec/errors.js';
import { bytes, compile, REST, struct } from '../layout.js';
import type { CompiledLayout, ValueOf } from '../layout.js';
import type { UnitContext } from '../registry.js';
import type { ErcDef } from './common.js';
import { CONTROL_ERCS } from './control.js';
import type * as C from './control.js';
import { MEASUREMENT_ERCS } from './measurement.js';
import type * as X from './measurement.js';
import { METER_ERCS } from './meter.js';
import type * as M from './meter.js';
import { TERMINAL_ERCS } from './terminal.js';
import type * as T from './terminal.js';

/** Body of ERCs decoded only to time + raw bytes. */
export const GENERIC_ERC = struct({ time: 'A15', raw: bytes(REST) });

const GENERIC: [number, string, string][] = [
  [15, 'harmonic over limit', '谐波越限告警'],
  [16, 'DC analog over limit', '直流模拟量越限记录'],
  [18, 'capacitor self-lock', '电容器投切自锁记录'],
  [22, 'energy difference over limit', '有功总电能量差动越限事件记录'],
  [34, 'CT abnormal', 'CT异常事件记录'],
  [35, 'unknown meter found', '发现未知电表事件记录'],
  [36, 'control output switch state change', '控制输出回路开关接入状态量变位记录'],
];

/** Value types of the typed ERCs. */
export interface ErcTypes {
  1: ValueOf<typeof T.ERC1>;
  2: ValueOf<typeof T.ERC2>;
  3: ValueOf<typeof T.ERC3>;
  4: ValueOf<typeof T.ERC4>;
  5: ValueOf<typeof C.ERC5>;
  6: ValueOf<typeof C.ERC6>;
  7: ValueOf<typeof C.ERC7>;
  8: ValueOf<typeof M.ERC8>;
  9: ValueOf<typeof X.ERC9>;
  10: ValueOf<typeof X.ERC10>;
  11: ValueOf<typeof X.ERC11>;
  12: ValueOf<typeof M.ERC12>;
  13: ValueOf<typeof M.ERC13>;
  /** 2009 body, or the 2013 one with its attribute byte (decoded only in revision-2013 frames). */
  14: ValueOf<typeof T.ERC14> | ValueOf<typeof T.ERC14_2013>;
  17: ValueOf<typeof X.ERC17>;
  19: ValueOf<typeof C.ERC19>;
  20: ValueOf<typeof T.ERC20>;
  21: ValueOf<typeof T.ERC21>;
  23: ValueOf<typeof C.ERC23>;
  24: ValueOf<typeof X.ERC24>;
  25: ValueOf<typeof X.ERC25>;
  26: ValueOf<typeof X.ERC26>;
  27: ValueOf<typeof M.ERC27>;
  28: ValueOf<typeof M.ERC28>;
  29: ValueOf<typeof M.ERC29>;
  30: ValueOf<typeof M.ERC30>;
  31: ValueOf<typeof M.ERC31>;
  32: ValueOf<typeof T.ERC32>;
  33: ValueOf<typeof M.ERC33>;
}
export type GenericErcData = ValueOf<typeof GENERIC_ERC>;

/** One event record. `data` is the typed body (see ErcTypes), `{ time, raw }`, or null (see `raw`). */
export interface ErcRecord {
  erc: number;
  data: Record<string, unknown> | null;
  /** Whole body as hex when `data` is null. */
  raw?: string;
}

/** Narrows a record to a typed ERC. */
export function isErc<K extends keyof ErcTypes>(rec: ErcRecord, erc: K): rec is { erc: K; data: ErcTypes[K] & Record<string, unknown> } {
  return rec.erc === erc && rec.data !== null;
}

export interface ErcEntry extends ErcDef {
  readonly layout: CompiledLayout<Record<string, unknown>>;
  /** The 1376.1-2013 body, when it differs (see ErcDef.node2013). */
  readonly layout2013?: CompiledLayout<Record<string, unknown>>;
}

const ERCS = new Map<number, ErcEntry>();
for (const d of [...TERMINAL_ERCS, ...CONTROL_ERCS, ...METER_ERCS, ...MEASUREMENT_ERCS]) {
  const layout = compile(d.node, `ERC${d.erc}`) as CompiledLayout<Record<string, unknown>>;
  const layout2013 = d.node2013 ? (compile(d.node2013, `ERC${d.erc} (2013)`) as CompiledLayout<Record<string, unknown>>) : undefined;
  ERCS.set(d.erc, layout2013 ? { ...d, layout, layout2013 } : { ...d, layout });
}

/** The body layout of `entry` for a record of Le bytes in a frame of `revision`. */
function layoutFor(entry: ErcEntry, le: number, revision: number): CompiledLayout<Record<string, unknown>> {
  const alt = entry.layout2013;
  return revision === 2013 && alt !== undefined && alt.size === le ? alt : entry.layout;
}

/** Whether `data` has every field of the 2013 body of `entry` (then it is encoded with that body in 2013). */
function uses2013(entry: ErcEntry, data: Record<string, unknown>, revision: number): boolean {
  const alt = entry.node2013;
  return revision === 2013 && alt !== undefined && alt.fields.every(([k]) => k in data);
}
const genericLayout = compile(GENERIC_ERC, 'ERC') as CompiledLayout<Record<string, unknown>>;
for (const [erc, name, nameZh] of GENERIC) ERCS.set(erc, { erc, name, nameZh, node: GENERIC_ERC, typed: false, layout: genericLayout });

export function lookupErc(erc: number): ErcEntry | undefined {
  return ERCS.get(erc);
}
export function allErcs(): ErcEntry[] {
  return [...ERCS.values()].sort((a, b) => a.erc - b.erc);
}

/** Decodes one record at the cursor (ERC, Le, body); consumes exactly 2 + Le bytes. */
export function decodeErcRecord(r: BinaryReader, ctx: UnitContext): ErcRecord {
  r.need(2, 'ERC record header');
  const erc = r.u8();
  const le = r.u8();
  r.need(le, `ERC${erc} body (Le ${le})`);
  const start = r.pos;
  const end = start + le;
  r.pos = end;
  const entry = ERCS.get(erc);
  const layout = entry ? layoutFor(entry, le, ctx.revision) : undefined;
  if (layout && (layout.size < 0 || layout.size === le)) {
    const sub = new BinaryReader(r.buf, start, end, r.bias);
    try {
      const data = layout.decode(sub, ctx);
      if (sub.pos === end) return { erc, data };
    } catch {
      // falls through to raw: Le delimits the record, so a misfit body is kept rather than failing the frame
    }
  }
  return { erc, data: null, raw: r.buf.toString('hex', start, end).toUpperCase() };
}

/** Encodes one record (Le computed from the body). */
export function encodeErcRecord(w: BinaryWriter, rec: ErcRecord, ctx: UnitContext): void {
  if (!Number.isInteger(rec.erc) || rec.erc < 0 || rec.erc > 255) throw new EncodeError('erc', `${rec.erc} is not 0..255`);
  w.u8(rec.erc);
  const lePos = w.pos;
  w.u8(0);
  if (rec.data === null) {
    const raw = rec.raw ?? '';
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(raw)) throw new EncodeError(`ERC${rec.erc}.raw`, 'expected hex bytes');
    w.raw(Buffer.from(raw, 'hex'));
  } else {
    const entry = ERCS.get(rec.erc);
    if (!entry) throw new EncodeError(`ERC${rec.erc}`, 'unknown ERC needs data: null and raw');
    const layout = entry.layout2013 && uses2013(entry, rec.data, ctx.revision) ? entry.layout2013 : entry.layout;
    layout.encode(w, rec.data, ctx);
  }
  const le = w.pos - lePos - 1;
  if (le > 255) throw new EncodeError(`ERC${rec.erc}`, `body of ${le} bytes exceeds Le 255`);
  w.buf[lePos] = (le + w.bias) & 0xff;
}
