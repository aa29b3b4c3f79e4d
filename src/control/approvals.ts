/**
 * The two-person rule (issue 9, Safety): a control request is created by one operator and approved by
 * a different one before anything is sent, for the operation kinds configured (`control.approval`; by
 * default trips, closes, keep-power releases, power controls, control-parameter changes and schemes).
 * A request expires when not approved in time, and it is bound to a SHA-256 of its kind, parameters and
 * exact resolved target list: an approver may name the hash it reviewed, a changed target list gives a
 * different hash (and needs a new approval), and execution refuses a stored request whose targets or
 * parameters no longer hash to the approved value (an edited database row).
 */
import { ConflictError } from '../service/errors.js';
import { hasRole, requireAdmin, type Actor } from './actor.js';
import { hashOf } from './canonical.js';
import type { ControlKind, ControlParams } from './commands.js';
import { ForbiddenError } from './errors.js';
import type { Target } from './targets.js';

export interface ApprovalPolicy {
  /** Kinds that need a second operator. */
  required: ReadonlySet<ControlKind>;
  /** A request not approved within this is expired, ms. */
  requestTtlMs: number;
  /** A scheme must be approved and run within this of its creation, ms. */
  schemeTtlMs: number;
}

/** What the hash binds: the operation, its parameters and the exact targets (keys and levels). */
export function requestHash(kind: ControlKind, params: { action: ControlParams; until?: number }, targets: readonly Target[], override: boolean): string {
  return hashOf({ kind, params, targets: targets.map((t) => `${t.level}:${t.key}`), override });
}

export interface Approvable {
  id: number;
  kind: ControlKind;
  state: string;
  createdBy: string;
  expiresAt: number;
  hash: string;
  override: boolean;
}

/**
 * Throws unless `actor` may approve `r` now: an operator (admin for a protected-customer override) other
 * than its creator, before it expires, reviewing the request's current hash.
 */
export function checkApproval(r: Approvable, actor: Actor, now: number, reviewedHash: string | undefined): void {
  if (r.state !== 'pending') throw new ConflictError(r.state, `request ${r.id} is ${r.state}, not waiting for approval`);
  if (now >= r.expiresAt) throw new ConflictError('expired', `request ${r.id} expired at ${new Date(r.expiresAt).toISOString()}: create it again`);
  if (!hasRole(actor, 'operator')) throw new ForbiddenError('role', `${actor.name} may not approve control requests: the operator role is needed`);
  if (actor.name === r.createdBy) throw new ForbiddenError('two-person', `two-person rule: ${actor.name} created request ${r.id} and may not approve it; a different operator must`);
  if (r.override) requireAdmin(actor, `approve request ${r.id} (it trips a protected customer)`);
  if (reviewedHash !== undefined && reviewedHash !== r.hash) {
    throw new ConflictError('hash-mismatch', `request ${r.id} is ${r.hash.slice(0, 16)}…, not the ${reviewedHash.slice(0, 16)}… reviewed: its targets or parameters differ from what was reviewed`);
  }
}
