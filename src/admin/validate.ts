/**
 * Validation of admin API input: JSON bodies and query strings → the typed specs of src/service/api.ts.
 * Every problem is an InputError naming the field (→ 400 with `details.field`).
 */
import { InputError } from '../errors.js';
import type { ArchiveSyncSpec, CallSpec, LocalDate, LocalMinute, LocalMonth, MeterReadSpec, TerminalListQuery, TerminalState } from '../service/api.js';

export const MAX_PN = 2040;
export const MAX_PNS = 2040;
export const MAX_DIS = 64;
const DENSITY_MINUTES = [1, 5, 15, 30, 60];

type Obj = Record<string, unknown>;

export function asObject(v: unknown, what = 'body'): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError(what, 'expected a JSON object');
  return v as Obj;
}

function noUnknown(o: Obj, allowed: readonly string[], what = 'body'): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new InputError(k, `unknown field (${what} takes ${allowed.join(', ')})`);
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new InputError(field, `expected an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  return v;
}

export function terminalKey(v: unknown, field = 'terminal'): string {
  if (typeof v !== 'string' || !/^[0-9A-Fa-f]{4}-\d{1,5}$/.test(v)) throw new InputError(field, `expected a terminal key A1-A2 such as 1101-00001, got ${JSON.stringify(v)}`);
  const a2 = Number(v.slice(5));
  if (a2 < 1 || a2 > 65535) throw new InputError(field, `terminal address A2 must be 1..65535, got ${a2}`);
  return v;
}

/** AFN as a number (12) or hex text ("0C", "0x0c", "AFN0C"). */
export function afnOf(v: unknown): number {
  if (typeof v === 'number') return int(v, 'afn', 0, 255);
  if (typeof v === 'string') {
    const m = /^(?:AFN|0x)?([0-9A-Fa-f]{1,2})H?$/i.exec(v.trim());
    if (m) return parseInt(m[1]!, 16);
  }
  throw new InputError('afn', `expected an AFN such as "0C" or 12, got ${JSON.stringify(v)}`);
}

/** Fn as a number (25) or text ("F25", "25"). */
export function fnOf(v: unknown): number {
  if (typeof v === 'string') {
    const m = /^F?(\d{1,3})$/i.exec(v.trim());
    if (!m) throw new InputError('fn', `expected an Fn such as 25 or "F25", got ${JSON.stringify(v)}`);
    return int(Number(m[1]), 'fn', 1, 248);
  }
  return int(v, 'fn', 1, 248);
}

export function pnsOf(v: unknown): number[] {
  if (v === undefined) return [0];
  if (typeof v === 'number') return [int(v, 'pn', 0, MAX_PN)];
  if (!Array.isArray(v) || v.length === 0) throw new InputError('pn', 'expected a non-empty array of measuring points 0..2040');
  if (v.length > MAX_PNS) throw new InputError('pn', `at most ${MAX_PNS} points per call, got ${v.length}`);
  const out: number[] = [];
  const seen = new Set<number>();
  v.forEach((x, i) => {
    const pn = int(x, `pn[${i}]`, 0, MAX_PN);
    if (!seen.has(pn)) out.push(pn);
    seen.add(pn);
  });
  return out;
}

/** Ranges like "1-8", "1,3,5-7", "0" (CLI). */
export function parsePnList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d{1,4})\s*(?:-\s*(\d{1,4})\s*)?$/.exec(part);
    if (!m) throw new InputError('pn', `'${text}' is not a list of points such as 1-8 or 1,3,5-7`);
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    if (lo > MAX_PN || hi > MAX_PN || hi < lo) throw new InputError('pn', `'${part.trim()}' is not a range within 0..${MAX_PN}`);
    if (out.length + hi - lo + 1 > MAX_PNS) throw new InputError('pn', `at most ${MAX_PNS} points per call`);
    for (let p = lo; p <= hi; p++) out.push(p);
  }
  return [...new Set(out)];
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function dateOf(v: unknown, field = 'date'): LocalDate {
  const m = typeof v === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(v) : null;
  if (!m) throw new InputError(field, `expected a date YYYY-MM-DD, got ${JSON.stringify(v)}`);
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  checkYmd(d, field, v as string);
  return d;
}

export function monthOf(v: unknown, field = 'month'): LocalMonth {
  const m = typeof v === 'string' ? /^(\d{4})-(\d{2})$/.exec(v) : null;
  if (!m) throw new InputError(field, `expected a month YYYY-MM, got ${JSON.stringify(v)}`);
  const d = { year: Number(m[1]), month: Number(m[2]) };
  checkYmd({ ...d, day: 1 }, field, v as string);
  return d;
}

export function minuteOf(v: unknown, field = 'from'): LocalMinute {
  const m = typeof v === 'string' ? /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(v) : null;
  if (!m) throw new InputError(field, `expected a local time YYYY-MM-DDTHH:mm (terminal time), got ${JSON.stringify(v)}`);
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]) };
  checkYmd(d, field, v as string);
  if (d.hour > 23 || d.minute > 59) throw new InputError(field, `'${v as string}' is not a valid time`);
  return d;
}

function checkYmd(d: LocalDate, field: string, text: string): void {
  // The 376.1 date formats carry two-digit years (20YY).
  if (d.year < 2000 || d.year > 2099) throw new InputError(field, `'${text}': the year must be 2000..2099`);
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > daysIn(d.year, d.month)) throw new InputError(field, `'${text}' is not a calendar date`);
}

export function callSpecOf(body: unknown): CallSpec {
  const o = asObject(body);
  noUnknown(o, ['terminal', 'afn', 'fn', 'pn', 'date', 'month', 'from', 'density', 'points']);
  if (o.afn === undefined) throw new InputError('afn', 'required (0C real-time or 0D history)');
  if (o.fn === undefined) throw new InputError('fn', 'required');
  const s: CallSpec = { terminal: terminalKey(o.terminal), afn: afnOf(o.afn), fn: fnOf(o.fn), pns: pnsOf(o.pn) };
  if (o.date !== undefined) s.date = dateOf(o.date);
  if (o.month !== undefined) s.month = monthOf(o.month);
  if (o.from !== undefined) s.from = minuteOf(o.from);
  if (o.density !== undefined) {
    if (typeof o.density !== 'number' || !DENSITY_MINUTES.includes(o.density)) throw new InputError('density', `expected minutes per point, one of ${DENSITY_MINUTES.join(', ')}, got ${JSON.stringify(o.density)}`);
    s.densityMinutes = o.density;
  }
  if (o.points !== undefined) s.points = int(o.points, 'points', 1, 255);
  return s;
}

export function meterReadSpecOf(body: unknown): MeterReadSpec {
  const o = asObject(body);
  noUnknown(o, ['terminal', 'pn', 'address', 'di']);
  const s: MeterReadSpec = { terminal: terminalKey(o.terminal), di: [] };
  if ((o.pn === undefined) === (o.address === undefined)) throw new InputError('pn', 'give exactly one of pn and address');
  if (o.pn !== undefined) s.pn = int(o.pn, 'pn', 1, MAX_PN);
  if (o.address !== undefined) {
    if (typeof o.address !== 'string' || !/^\d{12}$/.test(o.address)) throw new InputError('address', `expected a 12-digit meter address, got ${JSON.stringify(o.address)}`);
    s.address = o.address;
  }
  const di = typeof o.di === 'string' ? [o.di] : o.di;
  if (!Array.isArray(di) || di.length === 0) throw new InputError('di', 'expected a non-empty array of data identifiers such as "00010000"');
  if (di.length > MAX_DIS) throw new InputError('di', `at most ${MAX_DIS} identifiers per request`);
  di.forEach((x, i) => {
    if (typeof x !== 'string' || !/^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{4})$/.test(x)) throw new InputError(`di[${i}]`, `expected 8 hex digits (DL/T 645-2007) or 4 (1997), got ${JSON.stringify(x)}`);
    s.di.push(x.toUpperCase());
  });
  return s;
}

/** `POST /v1/terminals/:key/archive-sync` body: `{ push?: boolean }`. */
export function archiveSyncSpecOf(key: string, body: unknown): ArchiveSyncSpec {
  const o = asObject(body);
  noUnknown(o, ['push']);
  if (o.push !== undefined && typeof o.push !== 'boolean') throw new InputError('push', `expected true or false, got ${JSON.stringify(o.push)}`);
  return { terminal: key, push: o.push === true };
}

const STATES: readonly TerminalState[] = ['online', 'offline', 'quarantine'];

export function listQueryOf(q: URLSearchParams): TerminalListQuery {
  for (const k of q.keys()) if (!['state', 'limit', 'offset'].includes(k)) throw new InputError(k, 'unknown query parameter (state, limit, offset)');
  const out: TerminalListQuery = {};
  const state = q.get('state');
  if (state !== null) {
    if (!STATES.includes(state as TerminalState)) throw new InputError('state', `expected one of ${STATES.join(', ')}, got '${state}'`);
    out.state = state as TerminalState;
  }
  for (const k of ['limit', 'offset'] as const) {
    const v = q.get(k);
    if (v === null) continue;
    if (!/^\d{1,9}$/.test(v)) throw new InputError(k, `expected a non-negative integer, got '${v}'`);
    out[k] = Number(v);
  }
  return out;
}
