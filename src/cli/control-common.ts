/**
 * Shared parts of the load-control commands (`hes control`, `hes scheme`, `hes prepay`, `hes audit`):
 * the operator identity (`--operator` / HES_OPERATOR, `--role` / HES_ROLE, sent as X-HES-Operator and
 * X-HES-Role until issue 8 brings API keys), target options, rendering of requests, and `--watch`.
 */
import type { Command } from 'commander';
import type { RequestDetail, RequestView } from '../control/service.js';
import type { TargetResult } from '../control/requests.js';
import { InputError } from '../errors.js';
import { clientOf, withApi, type AdminClient, type ApiOpts } from './admin-client.js';
import { CliExit } from './errors.js';

export interface ActorOpts extends ApiOpts {
  operator?: string;
  role?: string;
  json?: boolean;
}

export interface TargetOpts {
  terminal?: string;
  account?: string;
  taiqu?: string;
  line?: string;
  substation?: string;
}

/** `--url`, `--config`, `--operator`, `--role`, `--json`. */
export function withActor(cmd: Command): Command {
  return withApi(cmd)
    .option('--operator <name>', 'who acts (default: HES_OPERATOR)')
    .option('--role <roles>', 'roles: operator, admin, viewer (default: HES_ROLE or operator)')
    .option('--json', 'print JSON');
}

export function withTargets(cmd: Command): Command {
  return cmd
    .option('--terminal <keys>', 'terminal keys A1-A2, comma-separated')
    .option('--account <numbers>', 'account numbers (户号), comma-separated: their meters (1CH) or, for schemes, their terminals')
    .option('--taiqu <ids>', 'every terminal of these taiqu')
    .option('--line <ids>', 'every terminal on these 10 kV lines')
    .option('--substation <ids>', 'every terminal supplied by these substations');
}

export function selectorBody(o: TargetOpts): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const map = { terminal: 'terminals', account: 'accounts', taiqu: 'taiqus', line: 'lines', substation: 'substations' } as const;
  for (const [k, v] of Object.entries(map)) {
    const text = o[k as keyof TargetOpts];
    if (text !== undefined) out[v] = text.split(',').map((x) => x.trim()).filter(Boolean);
  }
  return out;
}

/** An API client that sends the operator identity. */
export function actorClient(o: ActorOpts, required = true): AdminClient {
  const name = o.operator ?? process.env.HES_OPERATOR;
  if (required && (name === undefined || name.trim() === '')) throw new InputError('operator', 'who acts? give --operator <name> or set HES_OPERATOR');
  const role = o.role ?? process.env.HES_ROLE;
  const headers: Record<string, string> = {};
  if (name) headers['x-hes-operator'] = encodeURIComponent(name.trim());
  if (role) headers['x-hes-role'] = role;
  return clientOf(o, headers);
}

export function ints(text: string | undefined, flag: string): number[] | undefined {
  if (text === undefined) return undefined;
  const out = text.split(',').map((x) => x.trim());
  if (out.some((x) => !/^\d{1,9}$/.test(x))) throw new InputError(flag, `'${text}' is not a list of numbers such as 1,2`);
  return out.map(Number);
}

export function int(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d{1,12}$/.test(text)) throw new InputError(flag, `'${text}' is not an integer`);
  return Number(text);
}

export function amount(text: string, flag: string): number {
  if (!/^\d{1,9}(\.\d{1,3})?$/.test(text)) throw new InputError(flag, `'${text}' is not an amount such as 50 or 12.5`);
  return Number(text);
}

const FINAL = new Set(['done', 'restored', 'rejected', 'expired', 'cancelled']);

export function headline(v: RequestView): string {
  const what = v.scheme ? `scheme ${v.scheme} (R${v.id}, ${v.action.kind})` : `R${v.id} ${v.action.kind}`;
  const waiting = v.state === 'pending' || v.state === 'staged' ? (v.needsApproval ? ', waiting for a second operator to approve' : '') : '';
  return `${what} ${v.state}${waiting}: ${v.targets} target${v.targets === 1 ? '' : 's'}, created by ${v.createdBy} ${v.createdAt}${v.approvedBy ? `, approved by ${v.approvedBy}` : ''}`;
}

export function progressLine(v: RequestView): string | undefined {
  const p = v.progress;
  if (!p) return undefined;
  return `${v.phase ?? 'run'}: ${p.done}/${p.total} done — sent ${p.sent}, confirmed ${p.confirmed}, verified ${p.verified}, failed ${p.failed}, skipped ${p.skipped}`;
}

function resultLine(r: TargetResult): string {
  const parts = [r.target.padEnd(14), r.outcome];
  if (r.evidence?.length) parts.push(`(${r.evidence.join(', ')})`);
  if (r.confirmMs !== undefined) parts.push(`confirm ${r.confirmMs} ms`);
  if (r.verifiedMs !== undefined) parts.push(`verified ${r.verifiedMs} ms`);
  if (r.customers) parts.push(`protected: ${r.customers.map((c) => `${c.account} (${c.reason})`).join(', ')}`);
  else if (r.detail && r.outcome !== 'confirmed-verified') parts.push(`— ${r.detail}`);
  return `  ${parts.join(' ')}`;
}

export function render(v: RequestView | RequestDetail, out: (s: string) => void, o: { results?: boolean } = {}): void {
  out(headline(v));
  out(`  hash ${v.hash}${v.reason ? `  reason: ${v.reason}` : ''}${v.override ? '  (admin override: protected customer)' : ''}`);
  if (v.protected?.length) for (const s of v.protected) out(`  protected (keep-power), never tripped by a scheme or batch: ${s.target} → ${s.customers.map((c) => `${c.account} (${c.reason})`).join(', ')}`);
  const p = progressLine(v);
  if (p) out(`  ${p}`);
  if (v.byOutcome) out(`  outcomes: ${Object.entries(v.byOutcome).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (o.results && 'results' in v) {
    for (const phase of ['run', 'restore'] as const) {
      const list = v.results[phase];
      if (!list?.length) continue;
      out(`  ${phase}:`);
      for (const r of list.slice(0, 200)) out(resultLine(r));
      if (list.length > 200) out(`  … ${list.length - 200} more (--json for all)`);
    }
  }
}

/** Exit status of a finished request: 1 when any target failed (denied, timeout, offline, error). */
export function failedTargets(v: RequestDetail): number {
  let n = 0;
  for (const list of Object.values(v.results)) for (const r of list ?? []) if (['denied', 'timeout', 'offline', 'error'].includes(r.outcome)) n++;
  return n;
}

/** Polls `path` every second, printing progress lines as they change, until the request settles. */
export async function watch(client: AdminClient, path: string, out: (s: string) => void, json: boolean | undefined, until: (v: RequestView) => boolean = (v) => FINAL.has(v.state)): Promise<RequestDetail> {
  let last = '';
  for (;;) {
    const v = await client.get<RequestDetail>(path);
    const line = `${v.state} ${progressLine(v) ?? ''}`;
    if (!json && line !== last) out(`${new Date().toISOString().slice(11, 19)} ${v.scheme ?? `R${v.id}`} ${line}`);
    last = line;
    if (until(v)) return v;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export function finish(v: RequestDetail): void {
  const n = failedTargets(v);
  if (n > 0) throw new CliExit(1, `${n} target(s) failed (denied, timeout, offline or error)`);
}

export { FINAL };
