/**
 * Who asks: the operator identity every control operation receives. Issue 8 (API keys, roles) will
 * produce it from real authentication; until then the local admin API takes it from request headers and
 * the CLI from `--operator` / HES_OPERATOR. The control service only ever sees an `Actor`.
 *
 * Roles: `operator` creates and approves requests; `admin` also may trip a protected (keep-power)
 * customer singly, with a reason, and change protection; `viewer` only reads. `system` is the head-end
 * itself (prepayment trips and closes), never a person.
 */
import { InputError } from '../errors.js';
import { ForbiddenError } from './errors.js';

export type Role = 'viewer' | 'operator' | 'admin' | 'system';

export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin', 'system'];

export interface Actor {
  /** Operator name as it appears in the audit log. */
  name: string;
  roles: readonly Role[];
}

/** The head-end acting on its own (prepayment policy). */
export const SYSTEM_ACTOR: Actor = { name: 'system', roles: ['system'] };

const NAME = /^[\p{L}\p{N}._@-]{1,64}$/u;

/** Validates an operator name and a role list ("operator", "admin,operator"). */
export function actorOf(name: string | undefined, roles: string | undefined): Actor {
  if (name === undefined || name.trim() === '') throw new InputError('operator', 'no operator given (X-HES-Operator header, --operator or HES_OPERATOR)');
  const n = name.trim();
  if (!NAME.test(n) || n === SYSTEM_ACTOR.name) throw new InputError('operator', `'${n}' is not an operator name (1..64 letters, digits, . _ @ -; not "system")`);
  const list = (roles ?? 'operator').split(',').map((r) => r.trim()).filter((r) => r !== '');
  for (const r of list) if (!ROLES.includes(r as Role) || r === 'system') throw new InputError('role', `'${r}' is not a role (viewer, operator, admin)`);
  return { name: n, roles: list.length ? (list as Role[]) : ['operator'] };
}

export function hasRole(a: Actor, r: Role): boolean {
  return a.roles.includes(r) || (r === 'operator' && a.roles.includes('admin'));
}

/** Throws ForbiddenError unless the actor may act as an operator (admin and system may too). */
export function requireOperator(a: Actor, what: string): void {
  if (!hasRole(a, 'operator') && !a.roles.includes('system')) throw new ForbiddenError('role', `${a.name} (${a.roles.join(',')}) may not ${what}: the operator role is needed`);
}

export function requireAdmin(a: Actor, what: string): void {
  if (!a.roles.includes('admin')) throw new ForbiddenError('role', `${a.name} (${a.roles.join(',')}) may not ${what}: the admin role is needed`);
}
