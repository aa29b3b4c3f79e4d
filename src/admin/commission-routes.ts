/**
 * Commissioning routes of the local admin API (src/commission; added through `routes`):
 *
 *   POST /v1/terminals/:key/commission  { steps?, setClock?, pushParams?, clockWarnS?, clockFailS?, rttWarnMs?, linkTimeoutMs?,
 *                                         master?: "ip:port", withControl?, dryRun?, testPn?, testTurn?,
 *                                         approvalWaitS?, operator?, recentEvents? }
 *                                       → { id, terminal }   (the run goes on in the head-end)
 *   GET  /v1/commission/:id?after=n     → { state: running|done|failed, events[], next, report? }
 *                                         (finished reports also from the database, after a restart)
 *
 * Control step: with `testPn` or `testTurn` the live loop runs (each request approved by a second
 * operator) unless `dryRun: true`; without a test target only the dry run exists.
 *
 * The operator is `X-HES-Operator` (or `operator` in the body; default "unknown"), roles `X-HES-Role`.
 */
import type http from 'node:http';
import { parseTerminalKey, terminalKeyOf } from '../fep/directory.js';
import { InputError } from '../errors.js';
import { DEFAULT_TERMINAL_OPTIONS, type TerminalRunOptions } from '../commission/context.js';
import type { CommissionService } from '../commission/service.js';
import { MAX_TURN } from '../commission/steps/control.js';
import { DEFAULT_STEPS } from '../commission/types.js';
import type { Route } from './server.js';
import { asObject } from './validate.js';

const FIELDS = ['steps', 'setClock', 'pushParams', 'clockWarnS', 'clockFailS', 'rttWarnMs', 'linkTimeoutMs', 'master', 'withControl', 'dryRun', 'testPn', 'testTurn', 'approvalWaitS', 'operator', 'recentEvents'];

function header(h: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function bool(v: unknown, field: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new InputError(field, `expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

function num(v: unknown, field: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new InputError(field, `expected a number in ${min}..${max}, got ${JSON.stringify(v)}`);
  return v;
}

export function commissionKey(v: string): string {
  const p = parseTerminalKey(v);
  if (!p) throw new InputError('terminal', `'${v}' is not a terminal key A1-A2 (e.g. 1101-00001)`);
  return terminalKeyOf(p.a1, p.a2);
}

export function masterOf(v: string, field = 'master'): { ip: string; port: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(v.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || m[1]!.split('.').some((x) => Number(x) > 255) || port < 1 || port > 65535) throw new InputError(field, `'${v}' is not an IPv4 address and port such as 10.0.0.1:9300`);
  return { ip: m[1]!, port };
}

export function runOptionsOf(body: unknown, headers: http.IncomingHttpHeaders): TerminalRunOptions {
  const o = asObject(body ?? {});
  for (const k of Object.keys(o)) if (!FIELDS.includes(k)) throw new InputError(k, `unknown field (takes ${FIELDS.join(', ')})`);
  let steps: string[];
  if (o.steps === undefined) steps = [...DEFAULT_STEPS];
  else if (Array.isArray(o.steps) && o.steps.every((s) => typeof s === 'string')) steps = o.steps as string[];
  else throw new InputError('steps', 'expected a list of step names');
  const withControl = bool(o.withControl, 'withControl');
  if (withControl && !steps.includes('control')) steps.push('control');
  const testPn = o.testPn === undefined ? undefined : num(o.testPn, 'testPn', 0, 1, 2040);
  const testTurn = o.testTurn === undefined ? undefined : num(o.testTurn, 'testTurn', 0, 1, MAX_TURN);
  if ((testPn !== undefined || testTurn !== undefined) && !withControl) throw new InputError(testPn !== undefined ? 'testPn' : 'testTurn', 'a test target goes with withControl');
  if (testPn !== undefined && testTurn !== undefined) throw new InputError('testTurn', 'give one of testPn and testTurn');
  if (testPn !== undefined && !Number.isInteger(testPn)) throw new InputError('testPn', 'expected an integer');
  if (testTurn !== undefined && !Number.isInteger(testTurn)) throw new InputError('testTurn', 'expected an integer');
  const hasTarget = testPn !== undefined || testTurn !== undefined;
  const dryRun = o.dryRun === undefined ? !hasTarget : bool(o.dryRun, 'dryRun');
  if (!dryRun && !hasTarget) throw new InputError('dryRun', 'the live control loop needs a test target: testPn (a test meter) or testTurn (a control round wired for testing)');
  const clockWarnS = num(o.clockWarnS, 'clockWarnS', DEFAULT_TERMINAL_OPTIONS.clockWarnS, 0, 86_400);
  const clockFailS = num(o.clockFailS, 'clockFailS', DEFAULT_TERMINAL_OPTIONS.clockFailS, 0, 86_400);
  if (clockFailS < clockWarnS) throw new InputError('clockFailS', `must be ≥ clockWarnS (${clockWarnS})`);
  const fromHeader = header(headers, 'x-hes-operator');
  const operator = fromHeader ? decodeURIComponent(fromHeader) : typeof o.operator === 'string' && o.operator.trim() ? o.operator.trim() : 'unknown';
  if (o.master !== undefined && typeof o.master !== 'string') throw new InputError('master', 'expected "ip:port"');
  const out: TerminalRunOptions = {
    ...DEFAULT_TERMINAL_OPTIONS,
    steps,
    operator,
    clockWarnS,
    clockFailS,
    rttWarnMs: num(o.rttWarnMs, 'rttWarnMs', DEFAULT_TERMINAL_OPTIONS.rttWarnMs, 1, 600_000),
    linkTimeoutMs: num(o.linkTimeoutMs, 'linkTimeoutMs', DEFAULT_TERMINAL_OPTIONS.linkTimeoutMs, 100, 600_000),
    setClock: bool(o.setClock, 'setClock'),
    pushParams: bool(o.pushParams, 'pushParams'),
    withControl,
    controlDryRun: dryRun,
    approvalWaitS: num(o.approvalWaitS, 'approvalWaitS', DEFAULT_TERMINAL_OPTIONS.approvalWaitS, 1, 86_400),
    recentEvents: num(o.recentEvents, 'recentEvents', DEFAULT_TERMINAL_OPTIONS.recentEvents, 0, 255),
  };
  if (typeof o.master === 'string') out.master = masterOf(o.master);
  if (testPn !== undefined) out.testPn = testPn;
  if (testTurn !== undefined) out.testTurn = testTurn;
  return out;
}

export function rolesOf(headers: http.IncomingHttpHeaders): string[] {
  const r = header(headers, 'x-hes-role');
  return r ? r.split(',').map((x) => x.trim()).filter(Boolean) : ['operator'];
}

export function commissionRoutes(service: CommissionService): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/v1\/terminals\/([^/]+)\/commission$/,
      handler: async ({ params, body, headers }) => {
        const key = commissionKey(params[0] ?? '');
        const options = runOptionsOf(await body().catch(() => ({})), headers);
        return service.start(key, options, rolesOf(headers));
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/commission\/([^/]+)$/,
      handler: ({ params, query }) => {
        const after = Number(query.get('after') ?? 0);
        if (!Number.isInteger(after) || after < 0) throw new InputError('after', 'expected a non-negative integer');
        return service.poll(params[0] ?? '', after);
      },
    },
  ];
}
