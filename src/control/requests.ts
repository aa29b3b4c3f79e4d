/**
 * Control requests and their per-target results in the database (`control_requests`,
 * `control_results`, migration 0003). State changes are compare-and-set (`WHERE state = ?`), so two
 * approvals or runs racing each other cannot both win.
 */
import type { Db, Stmt } from '../archive/db.js';
import type { ControlKind, ControlParams } from './commands.js';
import type { Shield } from './protection.js';
import type { Selector, Target } from './targets.js';

export type RequestState = 'pending' | 'approved' | 'executing' | 'done' | 'restoring' | 'restored' | 'rejected' | 'expired' | 'cancelled';

export type Outcome = 'confirmed-verified' | 'confirmed-not-verified' | 'denied' | 'timeout' | 'offline' | 'error' | 'skipped-protected';

export const OUTCOMES: readonly Outcome[] = ['confirmed-verified', 'confirmed-not-verified', 'denied', 'timeout', 'offline', 'error', 'skipped-protected'];

export interface TargetResult {
  target: string;
  outcome: Outcome;
  detail?: string;
  /** What showed the effect: 'AFN0C F6', 'SW3', 'ERC5' … */
  evidence?: string[];
  /** Protected customers behind a skipped target. */
  customers?: { account: string; reason: string }[];
  /** Command sent → answer, ms. */
  confirmMs?: number;
  /** Command sent → verified, ms. */
  verifiedMs?: number;
}

export interface Progress {
  total: number;
  sent: number;
  confirmed: number;
  verified: number;
  failed: number;
  skipped: number;
  done: number;
}

export type Phase = 'run' | 'restore';

export interface RequestParams {
  action: ControlParams;
  /** Schemes: restore automatically at this time (ms). */
  until?: number;
}

export interface ControlRequest {
  id: number;
  kind: ControlKind;
  scheme?: string;
  selector: Selector;
  params: RequestParams;
  targets: Target[];
  hash: string;
  reason?: string;
  override: boolean;
  needsApproval: boolean;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  approvedBy?: string;
  approvedAt?: number;
  approvedHash?: string;
  state: RequestState;
  startedAt?: number;
  finishedAt?: number;
  /** Progress of the last phase and the protected targets skipped. */
  summary?: { phase: Phase; progress: Progress; skipped: Shield[]; byOutcome: Partial<Record<Outcome, number>> };
}

interface Row {
  id: number;
  kind: string;
  scheme: string | null;
  selector: string;
  params: string;
  targets: string;
  hash: string;
  reason: string | null;
  override: number;
  needs_approval: number;
  created_by: string;
  created_at: number;
  expires_at: number;
  approved_by: string | null;
  approved_at: number | null;
  approved_hash: string | null;
  state: string;
  started_at: number | null;
  finished_at: number | null;
  summary: string | null;
}

function requestOf(r: Row): ControlRequest {
  const q: ControlRequest = {
    id: r.id,
    kind: r.kind as ControlKind,
    selector: JSON.parse(r.selector) as Selector,
    params: JSON.parse(r.params) as RequestParams,
    targets: JSON.parse(r.targets) as Target[],
    hash: r.hash,
    override: r.override === 1,
    needsApproval: r.needs_approval === 1,
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    state: r.state as RequestState,
  };
  if (r.scheme !== null) q.scheme = r.scheme;
  if (r.reason !== null) q.reason = r.reason;
  if (r.approved_by !== null) q.approvedBy = r.approved_by;
  if (r.approved_at !== null) q.approvedAt = r.approved_at;
  if (r.approved_hash !== null) q.approvedHash = r.approved_hash;
  if (r.started_at !== null) q.startedAt = r.started_at;
  if (r.finished_at !== null) q.finishedAt = r.finished_at;
  if (r.summary !== null) q.summary = JSON.parse(r.summary) as ControlRequest['summary'];
  return q;
}

export type NewRequest = Omit<ControlRequest, 'id' | 'state' | 'approvedBy' | 'approvedAt' | 'approvedHash' | 'startedAt' | 'finishedAt' | 'summary'>;

export class RequestStore {
  private readonly st: Record<string, Stmt>;

  constructor(private readonly db: Db) {
    this.st = {
      insert: db.prepare(
        `INSERT INTO control_requests (kind, scheme, selector, params, targets, hash, reason, override, needs_approval, created_by, created_at, expires_at, state)
         VALUES (@kind, @scheme, @selector, @params, @targets, @hash, @reason, @override, @needs_approval, @created_by, @created_at, @expires_at, 'pending')`,
      ),
      get: db.prepare('SELECT * FROM control_requests WHERE id = ?'),
      byScheme: db.prepare('SELECT * FROM control_requests WHERE scheme = ?'),
      setState: db.prepare('UPDATE control_requests SET state = @to WHERE id = @id AND state = @from'),
      approve: db.prepare("UPDATE control_requests SET state = 'approved', approved_by = @by, approved_at = @at, approved_hash = hash WHERE id = @id AND state = 'pending'"),
      start: db.prepare('UPDATE control_requests SET state = @to, started_at = @at WHERE id = @id AND state = @from'),
      finish: db.prepare('UPDATE control_requests SET state = @to, finished_at = @at, summary = @summary WHERE id = @id'),
      summary: db.prepare('UPDATE control_requests SET summary = @summary WHERE id = @id'),
      restage: db.prepare(
        "UPDATE control_requests SET selector = @selector, params = COALESCE(@params, params), targets = @targets, hash = @hash, expires_at = @expires_at, state = 'pending', approved_by = NULL, approved_at = NULL, approved_hash = NULL WHERE id = @id AND state IN ('pending', 'approved')",
      ),
      expire: db.prepare("SELECT id FROM control_requests WHERE state IN ('pending', 'approved') AND expires_at <= ?"),
      result: db.prepare('INSERT OR REPLACE INTO control_results (request, phase, target, outcome, detail, at) VALUES (?, ?, ?, ?, ?, ?)'),
      results: db.prepare('SELECT target, outcome, detail FROM control_results WHERE request = ? AND phase = ? ORDER BY target'),
    };
  }

  insert(r: NewRequest): number {
    const info = this.st.insert!.run({
      kind: r.kind,
      scheme: r.scheme ?? null,
      selector: JSON.stringify(r.selector),
      params: JSON.stringify(r.params),
      targets: JSON.stringify(r.targets),
      hash: r.hash,
      reason: r.reason ?? null,
      override: r.override ? 1 : 0,
      needs_approval: r.needsApproval ? 1 : 0,
      created_by: r.createdBy,
      created_at: r.createdAt,
      expires_at: r.expiresAt,
    });
    return Number(info.lastInsertRowid);
  }

  get(id: number): ControlRequest | undefined {
    const r = this.st.get!.get(id) as Row | undefined;
    return r && requestOf(r);
  }

  byScheme(name: string): ControlRequest | undefined {
    const r = this.st.byScheme!.get(name) as Row | undefined;
    return r && requestOf(r);
  }

  list(o: { state?: RequestState; schemes?: boolean; limit?: number } = {}): ControlRequest[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (o.state) {
      where.push('state = ?');
      args.push(o.state);
    }
    if (o.schemes !== undefined) where.push(o.schemes ? 'scheme IS NOT NULL' : 'scheme IS NULL');
    const sql = `SELECT * FROM control_requests${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, o.limit ?? 100) as Row[]).map(requestOf);
  }

  /** Compare-and-set of the state; false when the request was not in `from`. */
  transition(id: number, from: RequestState, to: RequestState): boolean {
    return this.st.setState!.run({ id, from, to }).changes === 1;
  }

  approve(id: number, by: string, at: number): boolean {
    return this.st.approve!.run({ id, by, at }).changes === 1;
  }

  start(id: number, from: RequestState, to: RequestState, at: number): boolean {
    return this.st.start!.run({ id, from, to, at }).changes === 1;
  }

  finish(id: number, to: RequestState, at: number, summary: ControlRequest['summary']): void {
    this.st.finish!.run({ id, to, at, summary: JSON.stringify(summary) });
  }

  saveSummary(id: number, summary: ControlRequest['summary']): void {
    this.st.summary!.run({ id, summary: JSON.stringify(summary) });
  }

  /** New targets (a changed scheme): back to pending, any approval dropped. */
  /** New selector/targets (and parameters, when given) and hash: back to pending, any approval dropped. */
  restage(id: number, selector: Selector, targets: Target[], hash: string, expiresAt: number, params?: RequestParams): boolean {
    return this.st.restage!.run({ id, selector: JSON.stringify(selector), params: params === undefined ? null : JSON.stringify(params), targets: JSON.stringify(targets), hash, expires_at: expiresAt }).changes === 1;
  }

  /** Requests waiting (pending or approved) past their expiry. */
  expiredIds(now: number): number[] {
    return (this.st.expire!.all(now) as { id: number }[]).map((r) => r.id);
  }

  saveResults(id: number, phase: Phase, results: readonly TargetResult[], at: number): void {
    this.db.transaction(() => {
      for (const r of results) {
        const { target, outcome, ...detail } = r;
        this.st.result!.run(id, phase, target, outcome, Object.keys(detail).length ? JSON.stringify(detail) : null, at);
      }
    })();
  }

  results(id: number, phase: Phase): TargetResult[] {
    return (this.st.results!.all(id, phase) as { target: string; outcome: string; detail: string | null }[]).map((r) => ({
      target: r.target,
      outcome: r.outcome as Outcome,
      ...(r.detail ? (JSON.parse(r.detail) as Omit<TargetResult, 'target' | 'outcome'>) : {}),
    }));
  }
}
