/**
 * Who may use the northbound API: roles carried by API keys, and the Actor every request carries once
 * authenticated (`request.actor`), which other plugins (load control) receive as their operator.
 *
 * - billing: the billing (marketing) system — daily readings, the meter-reading-day export, consumption;
 * - service: customer-service agents — account lookup, summary, usage, curves, events, outages;
 * - operator: load-control operators — terminal state, outages (control routes join with their own rules);
 * - engineer: metering engineers — terminals, call-up, metrics, everything read-only of service/billing;
 * - admin: every route, and API key management.
 */
import type { Actor as ControlActor, Role as ControlRole } from '../../control/actor.js';
import { InputError } from '../../errors.js';

export type ApiRole = 'billing' | 'service' | 'operator' | 'engineer' | 'admin';

export const API_ROLES: readonly ApiRole[] = ['billing', 'service', 'operator', 'engineer', 'admin'];

export interface Actor {
  /** Key name as it appears in the audit log (`billing-sg186`, `agent-desk-3`). */
  name: string;
  roles: readonly ApiRole[];
  /** The API key's public id. */
  keyId: string;
}

export function isApiRole(s: string): s is ApiRole {
  return (API_ROLES as readonly string[]).includes(s);
}

/** "billing", "service,engineer" → roles; InputError naming `field` otherwise. */
export function parseRoles(text: string, field = 'role'): ApiRole[] {
  const list = text.split(',').map((r) => r.trim()).filter((r) => r !== '');
  if (list.length === 0) throw new InputError(field, `give at least one role (${API_ROLES.join(', ')})`);
  for (const r of list) if (!isApiRole(r)) throw new InputError(field, `'${r}' is not a role (${API_ROLES.join(', ')})`);
  return [...new Set(list as ApiRole[])];
}

/** Whether the actor may use a route open to `allowed` (admin may use every route). */
export function mayUse(actor: Actor, allowed: readonly ApiRole[]): boolean {
  return actor.roles.includes('admin') || actor.roles.some((r) => allowed.includes(r));
}

/**
 * The load-control operator of an API actor (src/control/actor.ts): admin → admin, operator →
 * operator, anyone else may only read (viewer).
 */
export function controlActorOf(a: Actor): ControlActor {
  const roles: ControlRole[] = [];
  if (a.roles.includes('admin')) roles.push('admin');
  if (a.roles.includes('operator')) roles.push('operator');
  if (roles.length === 0) roles.push('viewer');
  return { name: a.name, roles };
}
