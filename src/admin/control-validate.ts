/**
 * Validation of the load-control admin API bodies (src/admin/control-routes.ts) into the typed inputs of
 * src/control: the operation with its parameters, the target selector, scheme and top-up inputs. Ranges
 * of the parameters are checked by src/control/commands.ts; here only shapes. Every problem is an
 * InputError naming the field.
 */
import { InputError } from '../errors.js';
import type { ControlParams, DownFloat, ParamFn, PeriodLimits, PowerControlType } from '../control/commands.js';
import type { DirectLink } from '../control/direct.js';
import type { TopUpInput } from '../control/prepayment.js';
import type { RequestState } from '../control/requests.js';
import type { CreateInput, SchemeInput, SchemeUpdate } from '../control/service.js';
import { SELECTOR_KEYS, type Selector } from '../control/targets.js';
import type { AuditQuery } from '../control/audit-chain.js';
import { asObject } from './validate.js';

type Obj = Record<string, unknown>;

const ACTION_FIELDS: Record<string, readonly string[]> = {
  trip: ['rounds', 'alarmMinutes', 'limitHalfHours'],
  close: ['rounds', 'direct'],
  'keep-power': ['halfHours'],
  release: [],
  'urge-fee': ['on'],
  'power-control': ['control', 'on', 'group', 'periods', 'scheme', 'downFloat', 'limits'],
  'set-param': ['fn', 'pn', 'value'],
};

const MAX_LIST = 200_000;

function strings(v: unknown, field: string): string[] {
  const list = typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : v;
  if (!Array.isArray(list) || list.length === 0) throw new InputError(field, 'expected a non-empty list of names');
  if (list.length > MAX_LIST) throw new InputError(field, `at most ${MAX_LIST} entries`);
  return list.map((x, i) => {
    if (typeof x !== 'string' || x.length === 0 || x.length > 64) throw new InputError(`${field}[${i}]`, `expected a name of 1..64 characters, got ${JSON.stringify(x)}`);
    return x;
  });
}

export function selectorOf(o: Obj): Selector {
  const s: Selector = {};
  for (const k of SELECTOR_KEYS) if (o[k] !== undefined) s[k] = strings(o[k], k);
  return s;
}

function noUnknown(o: Obj, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new InputError(k, `unknown field (allowed: ${allowed.join(', ')})`);
}

/** The operation and its parameters; ranges are checked by the control service. */
export function actionOf(o: Obj): ControlParams {
  const kind = o.action;
  if (typeof kind !== 'string' || !(kind in ACTION_FIELDS)) throw new InputError('action', `expected one of ${Object.keys(ACTION_FIELDS).join(', ')}, got ${JSON.stringify(kind)}`);
  const num = (k: string): number | undefined => (o[k] === undefined ? undefined : (o[k] as number));
  const list = (k: string): number[] | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v === 'number') return [v];
    if (!Array.isArray(v)) throw new InputError(k, 'expected a list of numbers');
    return v as number[];
  };
  const bool = (k: string): boolean | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw new InputError(k, 'expected true or false');
    return v;
  };
  switch (kind) {
    case 'trip': {
      const p: ControlParams = { kind: 'trip' };
      const rounds = list('rounds');
      if (rounds) p.rounds = rounds;
      if (o.alarmMinutes !== undefined) p.alarmMinutes = num('alarmMinutes')!;
      if (o.limitHalfHours !== undefined) p.limitHalfHours = num('limitHalfHours')!;
      return p;
    }
    case 'close': {
      const p: ControlParams = { kind: 'close' };
      const rounds = list('rounds');
      if (rounds) p.rounds = rounds;
      const direct = bool('direct');
      if (direct !== undefined) p.direct = direct;
      return p;
    }
    case 'keep-power':
      return o.halfHours !== undefined ? { kind: 'keep-power', halfHours: num('halfHours')! } : { kind: 'keep-power' };
    case 'release':
      return { kind: 'release' };
    case 'urge-fee':
      return { kind: 'urge-fee', on: bool('on') ?? true };
    case 'power-control': {
      const p: ControlParams = { kind: 'power-control', control: o.control as PowerControlType, on: bool('on') ?? true, group: (num('group') ?? 1) };
      const periods = list('periods');
      if (periods) p.periods = periods;
      if (o.scheme !== undefined) p.scheme = num('scheme')!;
      if (o.downFloat !== undefined) p.downFloat = o.downFloat as DownFloat;
      if (o.limits !== undefined) p.limits = o.limits as PeriodLimits; // checked by the service (checkParams)
      return p;
    }
    default:
      return { kind: 'set-param', fn: o.fn as ParamFn, pn: (num('pn') ?? 1), value: o.value };
  }
}

function reasonOf(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new InputError('reason', 'expected text');
  return v;
}

export function createInputOf(body: unknown): CreateInput {
  const o = asObject(body);
  const action = actionOf(o);
  noUnknown(o, ['action', 'reason', ...SELECTOR_KEYS, ...ACTION_FIELDS[action.kind]!]);
  const input: CreateInput = { action, selector: selectorOf(o) };
  const reason = reasonOf(o.reason);
  if (reason !== undefined) input.reason = reason;
  return input;
}

export function schemeInputOf(body: unknown): SchemeInput {
  const o = asObject(body);
  const action = actionOf(o);
  noUnknown(o, ['name', 'action', 'reason', 'until', ...SELECTOR_KEYS, ...ACTION_FIELDS[action.kind]!]);
  if (typeof o.name !== 'string') throw new InputError('name', 'required: the scheme name');
  const input: SchemeInput = { name: o.name, action, selector: selectorOf(o) };
  const reason = reasonOf(o.reason);
  if (reason !== undefined) input.reason = reason;
  if (o.until !== undefined) {
    const t = typeof o.until === 'string' ? Date.parse(o.until) : NaN;
    if (!Number.isFinite(t) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(o.until as string)) throw new InputError('until', `expected an ISO time such as 2026-07-01T18:00:00+08:00, got ${JSON.stringify(o.until)}`);
    input.until = t;
  }
  return input;
}

export function schemeUpdateOf(body: unknown): SchemeUpdate {
  const o = asObject(body);
  noUnknown(o, [...SELECTOR_KEYS, 'limits']);
  const u: SchemeUpdate = {};
  if (SELECTOR_KEYS.some((k) => o[k] !== undefined)) u.selector = selectorOf(o);
  if (o.limits !== undefined) u.limits = o.limits;
  if (u.selector === undefined && u.limits === undefined) throw new InputError('limits', 'nothing to change: give targets and/or limits');
  return u;
}

export function approveOf(body: unknown): { hash?: string } {
  const o = asObject(body);
  noUnknown(o, ['hash']);
  if (o.hash === undefined) return {};
  if (typeof o.hash !== 'string' || !/^[0-9a-f]{64}$/.test(o.hash)) throw new InputError('hash', 'expected the 64 hex digits of the request hash');
  return { hash: o.hash };
}

export function rejectOf(body: unknown): { reason?: string } {
  const o = asObject(body);
  noUnknown(o, ['reason']);
  const reason = reasonOf(o.reason);
  return reason !== undefined ? { reason } : {};
}

export function topUpOf(account: string, body: unknown): TopUpInput {
  const o = asObject(body);
  noUnknown(o, ['amount', 'ref', 'price', 'alarm', 'mode', 'group']);
  if (typeof o.amount !== 'number') throw new InputError('amount', 'required: the amount paid, yuan');
  const t: TopUpInput = { account, amountYuan: o.amount };
  if (o.ref !== undefined) t.ref = o.ref as string;
  if (o.price !== undefined) t.priceYuanPerKwh = o.price as number;
  if (o.alarm !== undefined) t.alarmYuan = o.alarm as number;
  if (o.mode !== undefined) {
    if (o.mode !== 'head-end' && o.mode !== 'terminal') throw new InputError('mode', "expected 'head-end' or 'terminal'");
    t.mode = o.mode;
  }
  if (o.group !== undefined) t.group = o.group as number;
  return t;
}

export function meterAddress(v: string | undefined): string {
  if (v === undefined || !/^\d{12}$/.test(v)) throw new InputError('meter', `expected a meter address of 12 digits, got ${JSON.stringify(v)}`);
  return v;
}

/** A direct meter link: { serial, settings? } | { tcp } | { remove: true }. */
export function meterLinkOf(body: unknown): DirectLink | 'remove' {
  const o = asObject(body);
  noUnknown(o, ['serial', 'settings', 'tcp', 'remove']);
  if (o.remove === true) return 'remove';
  if (typeof o.serial === 'string' && o.tcp === undefined) return { kind: 'serial', endpoint: o.serial, ...(typeof o.settings === 'string' ? { settings: o.settings } : {}) };
  if (typeof o.tcp === 'string' && o.serial === undefined && o.settings === undefined) return { kind: 'tcp', endpoint: o.tcp };
  throw new InputError('link', 'expected { serial: "/dev/ttyUSB0", settings?: "2400,8E1" }, { tcp: "host:port" } or { remove: true }');
}

export function account(v: string | undefined): string {
  if (v === undefined || !/^\d{6,20}$/.test(v)) throw new InputError('account', `expected an account number (户号, 6..20 digits), got ${JSON.stringify(v)}`);
  return v;
}

export function requestId(v: string | undefined): number {
  const m = v === undefined ? null : /^R?(\d{1,12})$/i.exec(v);
  if (!m) throw new InputError('id', `expected a request id such as 17 or R17, got ${JSON.stringify(v)}`);
  return Number(m[1]);
}

const STATES: readonly RequestState[] = ['pending', 'approved', 'executing', 'done', 'restoring', 'restored', 'rejected', 'expired', 'cancelled'];

export function listQueryOf(q: URLSearchParams): { state?: RequestState; limit?: number } {
  for (const k of q.keys()) if (!['state', 'limit'].includes(k)) throw new InputError(k, 'unknown query parameter (state, limit)');
  const out: { state?: RequestState; limit?: number } = {};
  const state = q.get('state');
  if (state !== null) {
    const s = state === 'staged' ? 'pending' : state;
    if (!STATES.includes(s as RequestState)) throw new InputError('state', `expected one of ${STATES.join(', ')}`);
    out.state = s as RequestState;
  }
  const limit = q.get('limit');
  if (limit !== null) {
    if (!/^\d{1,6}$/.test(limit)) throw new InputError('limit', 'expected a number');
    out.limit = Number(limit);
  }
  return out;
}

export function auditQueryOf(q: URLSearchParams): AuditQuery {
  for (const k of q.keys()) if (!['ref', 'kind', 'from', 'limit'].includes(k)) throw new InputError(k, 'unknown query parameter (ref, kind, from, limit)');
  const out: AuditQuery = {};
  const ref = q.get('ref');
  if (ref !== null) out.ref = ref;
  const kind = q.get('kind');
  if (kind !== null) out.kind = kind;
  for (const k of ['from', 'limit'] as const) {
    const v = q.get(k);
    if (v === null) continue;
    if (!/^\d{1,12}$/.test(v)) throw new InputError(k, 'expected a non-negative integer');
    out[k] = Number(v);
  }
  return out;
}
