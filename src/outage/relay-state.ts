/**
 * The relay (supply switch) state of customers' meters as far as the head-end knows it: the last confirmed
 * meter-level trip or close of load control (tables control_requests / control_results, migration 0003,
 * written by src/control) and the prepayment state (prepay_accounts). Read-only; a head-end without
 * load control has no relay knowledge (`unknown`).
 *
 * A trip confirmed in its run phase opens the relay, its restore closes it; a close does the opposite.
 * DL/T 645 "close allowed" (1BH) leaves closing to the customer: shown as `close-allowed`. A trip made by
 * the head-end itself (actor `system`: prepayment policy) or an account in prepayment state `tripped`
 * is a prepayment trip. Terminal-level control rounds (AFN05 on a load-management terminal) are not
 * attributed to customers here.
 */
import type { Db, Stmt } from '../archive/db.js';

export type RelayPosition = 'open' | 'closed' | 'close-allowed';

export interface RelayState {
  account: string;
  position: RelayPosition;
  /** When the command that set it was confirmed (UTC ms). */
  since: number;
  /** prepayment: the head-end's prepayment policy; control: an operator's request. */
  by: 'prepayment' | 'control';
  /** Control request id. */
  request?: number;
}

export interface RelayStateSource {
  relayOf(account: string): RelayState | undefined;
  /** Every account whose relay is open (or close-allowed), by account. */
  openRelays(): RelayState[];
}

interface Row {
  target: string;
  phase: string;
  at: number;
  request: number;
  params: string;
  created_by: string;
  prepay_state: string | null;
}

const CONFIRMED = `('confirmed-verified', 'confirmed-not-verified')`;

function stateOf(r: Row): RelayState | undefined {
  let kind: string | undefined;
  let direct = false;
  try {
    const p = JSON.parse(r.params) as { action?: { kind?: string; direct?: boolean } };
    kind = p.action?.kind;
    direct = p.action?.direct === true;
  } catch {
    return undefined;
  }
  let position: RelayPosition;
  if (kind === 'trip') position = r.phase === 'restore' ? 'close-allowed' : 'open';
  else if (kind === 'close') position = r.phase === 'restore' ? 'open' : direct ? 'closed' : 'close-allowed';
  else return undefined;
  const prepay = r.created_by === 'system' || r.prepay_state === 'tripped';
  return { account: r.target, position, since: r.at, by: prepay ? 'prepayment' : 'control', request: r.request };
}

export class ControlRelayState implements RelayStateSource {
  private readonly one: Stmt | undefined;
  private readonly all: Stmt | undefined;

  constructor(db: Db) {
    const has = (t: string): boolean => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) !== undefined;
    if (!has('control_results') || !has('prepay_accounts')) return;
    const select = `SELECT x.target, x.phase, x.at, x.request, r.params, r.created_by, p.state AS prepay_state
      FROM control_results x JOIN control_requests r ON r.id = x.request JOIN customers c ON c.account_no = x.target
      LEFT JOIN prepay_accounts p ON p.account_no = x.target
      WHERE x.outcome IN ${CONFIRMED} AND r.kind IN ('trip', 'close', 'prepay')`;
    this.one = db.prepare(`${select} AND x.target = ? ORDER BY x.at DESC, x.request DESC LIMIT 1`);
    this.all = db.prepare(
      `${select} AND x.at = (SELECT max(y.at) FROM control_results y WHERE y.target = x.target AND y.outcome IN ${CONFIRMED}) ORDER BY x.target`,
    );
  }

  relayOf(account: string): RelayState | undefined {
    const r = this.one?.get(account) as Row | undefined;
    return r && stateOf(r);
  }

  openRelays(): RelayState[] {
    const rows = (this.all?.all() ?? []) as Row[];
    const out = new Map<string, RelayState>();
    for (const r of rows) {
      const s = stateOf(r);
      if (s && s.position !== 'closed') out.set(s.account, s);
    }
    return [...out.values()];
  }
}
