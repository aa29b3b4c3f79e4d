/**
 * Builds request frames for technicians (`hes encode`): Q/GDW 376.1 master requests for any AFN/Fn
 * and point list, with the unit data the Fn's downlink layout needs (time labels for AFN0D, values for
 * AFN04/05), and DL/T 645 read requests.
 */
import { encodeMessage as encodeGw376, lookupAfn, lookupFn, builders, type KnownUnit, type MessageUnit } from '../../protocols/gw376/index.js';
import { encodeMessage as encode645 } from '../../protocols/dlt645/message.js';
import { ProtocolError } from '../../protocols/codec/errors.js';
import { checkPw } from '../../protocols/gw376/pw.js';
import { InputError } from '../errors.js';

/** Parses `1-8`, `1,3,5-7`, `0` into a sorted list of unique points (0..2040). */
export function parsePnList(text: string): number[] {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(part);
    if (!m) throw new InputError('pn', `'${part}' is not a point number or range like 1-8`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a > b || b > 2040) throw new InputError('pn', `'${part}' is not a range within 0..2040`);
    if (b - a > 2040) throw new InputError('pn', `'${part}' is too long`);
    for (let p = a; p <= b; p++) out.add(p);
  }
  return [...out].sort((x, y) => x - y);
}

export interface Gw376RequestSpec {
  afn: number;
  fns: readonly number[];
  pns: readonly number[];
  /** Region code A1, 4 digits. */
  area: string;
  /** Terminal address A2, 1..65535. */
  terminal: number;
  msa?: number;
  seq?: number;
  /** Unit data for every (pn, fn): e.g. `{ td: { year, month, day } }` for AFN0D daily Fns. */
  data?: unknown;
  tp?: boolean;
  /** PW (32 hex digits) for AFNs whose downlink frames carry one (§5.2.3.6.1); default 16 zero bytes. */
  pw?: string;
  now?: Date;
}

/** Builds one 376.1 request frame; every unit gets `data`. Throws InputError naming what is wrong. */
export function buildGw376Request(spec: Gw376RequestSpec): Buffer {
  const info = lookupAfn(spec.afn);
  if (!info) throw new InputError('afn', `AFN ${spec.afn.toString(16).toUpperCase()}H is not in the registry`);
  if (!/^\d{4}$/.test(spec.area)) throw new InputError('area', `'${spec.area}' is not a 4-digit region code (A1)`);
  if (!Number.isInteger(spec.terminal) || spec.terminal < 1 || spec.terminal > 65535) {
    throw new InputError('terminal', `${spec.terminal} is not a terminal address 1..65535 (A2)`);
  }
  if (spec.pw !== undefined) {
    if (!info.needsPw) throw new InputError('pw', `AFN ${spec.afn.toString(16).toUpperCase().padStart(2, '0')}H frames carry no PW (only AFN01/04/05/06/0F/10 do, Q/GDW 376.1 §5.2.3.6.1)`);
    try {
      checkPw(spec.pw);
    } catch (e) {
      throw new InputError('pw', (e as Error).message.replace(/^pw: /, ''));
    }
  }
  const units: MessageUnit[] = [];
  let block = 0;
  for (const pn of spec.pns) {
    for (const fn of spec.fns) {
      const entry = lookupFn(spec.afn, fn);
      if (!entry) throw new InputError('fn', `F${fn} of AFN ${spec.afn.toString(16).toUpperCase()}H is not in the registry`);
      if (entry.p0Only && pn !== 0) throw new InputError('pn', `F${fn} (${entry.name}) is addressed to p0 only`);
      const u: KnownUnit = { pn, fn };
      if (entry.down) {
        if (spec.data === undefined) throw new InputError('data', `F${fn} (${entry.name}) needs unit data in a downlink frame`);
        u.data = spec.data;
        // A unit with a time label stays alone in its DA/DT (grouping with labels is UNVERIFIED).
        u.block = block++;
      }
      units.push(u);
    }
  }
  const header = builders.requestHeader(spec.afn, { a1: spec.area, a2: spec.terminal, msa: spec.msa ?? 1 }, {
    seq: spec.seq ?? 0,
    ...(spec.tp === undefined ? {} : { tp: spec.tp }),
    ...(spec.pw === undefined ? {} : { pw: spec.pw }),
    ...(spec.now ? { now: spec.now } : {}),
  });
  try {
    return encodeGw376({ ...header, units });
  } catch (e) {
    if (e instanceof ProtocolError) throw new InputError('data', e.message);
    throw e;
  }
}

/** A DL/T 645 read request (with 4 FE) for `di` at `address`. */
export function buildDlt645Read(address: string, di: string, version: 2007 | 1997 = 2007): Buffer {
  return encode645({ address, version, message: { kind: 'read', di } });
}

/** Whether y-m-d[Th:mi] is a real calendar date/time (rejects 2026-13-01, 2026-02-30, 24:00). */
function realDate(y: number, m: number, d: number, h = 0, mi = 0): boolean {
  const t = new Date(Date.UTC(y, m - 1, d, h, mi));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d && t.getUTCHours() === h && t.getUTCMinutes() === mi && y >= 2000 && y <= 2099;
}

/** Td values from CLI-style options: --date, --month, or --from/--density/--points. */
export function timeLabelData(o: { date?: string; month?: string; from?: string; density?: number; points?: number }): unknown {
  if (o.date) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(o.date);
    if (!m || !realDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw new InputError('date', `'${o.date}' is not a date YYYY-MM-DD in 2000..2099`);
    return { td: { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } };
  }
  if (o.month) {
    const m = /^(\d{4})-(\d{2})$/.exec(o.month);
    if (!m || !realDate(Number(m[1]), Number(m[2]), 1)) throw new InputError('month', `'${o.month}' is not a month YYYY-MM in 2000..2099`);
    return { td: { year: Number(m[1]), month: Number(m[2]) } };
  }
  if (o.from) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(o.from);
    if (!m || !realDate(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]))) {
      throw new InputError('from', `'${o.from}' is not a time YYYY-MM-DDThh:mm in 2000..2099`);
    }
    const start = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]) };
    return { td: { start, density: o.density ?? 1, points: o.points ?? 96 } };
  }
  return undefined;
}
