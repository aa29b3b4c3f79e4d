/**
 * Keep-power protection (保电): customers (hospitals, water works …) that load control must not cut.
 * A protected customer is never tripped by a scheme or a batch — a terminal target serving one is
 * skipped and listed — and an explicit single trip of one needs the admin role and a reason. The flag
 * lives in `protected_customers` (by account number); a keep-power command on an account sets it, a
 * release clears it.
 */
import type { Db, Stmt } from '../archive/db.js';
import type { Target } from './targets.js';

export interface ProtectedCustomer {
  account: string;
  reason: string;
  setBy: string;
  setAt: number;
}

/** A target a protected customer stands behind. */
export interface Shield {
  target: string;
  customers: { account: string; reason: string }[];
}

export class Protection {
  private readonly get1: Stmt;
  private readonly put: Stmt;
  private readonly del: Stmt;
  private readonly all: Stmt;
  private readonly byTerminal: Stmt;

  constructor(db: Db) {
    this.get1 = db.prepare('SELECT account_no, reason, set_by, set_at FROM protected_customers WHERE account_no = ?');
    this.put = db.prepare(
      'INSERT INTO protected_customers (account_no, reason, set_by, set_at) VALUES (?, ?, ?, ?) ON CONFLICT(account_no) DO UPDATE SET reason = excluded.reason, set_by = excluded.set_by, set_at = excluded.set_at',
    );
    this.del = db.prepare('DELETE FROM protected_customers WHERE account_no = ?');
    this.all = db.prepare('SELECT account_no, reason, set_by, set_at FROM protected_customers ORDER BY account_no');
    this.byTerminal = db.prepare(
      `SELECT p.account_no, p.reason, t.terminal_key FROM protected_customers p JOIN customers c ON c.account_no = p.account_no
       JOIN meters m ON m.id = c.meter JOIN terminals t ON t.id = m.terminal`,
    );
  }

  get(account: string): ProtectedCustomer | undefined {
    const r = this.get1.get(account) as { account_no: string; reason: string; set_by: string; set_at: number } | undefined;
    return r && { account: r.account_no, reason: r.reason, setBy: r.set_by, setAt: r.set_at };
  }

  list(): ProtectedCustomer[] {
    return (this.all.all() as { account_no: string; reason: string; set_by: string; set_at: number }[]).map((r) => ({ account: r.account_no, reason: r.reason, setBy: r.set_by, setAt: r.set_at }));
  }

  protect(account: string, reason: string, by: string, at: number): void {
    this.put.run(account, reason, by, at);
  }

  unprotect(account: string): boolean {
    return this.del.run(account).changes > 0;
  }

  /** For each target, the protected customers behind it (a meter target: its own customer). */
  shields(targets: readonly Target[]): Shield[] {
    const byTerminal = new Map<string, { account: string; reason: string }[]>();
    const byAccount = new Map<string, string>();
    for (const r of this.byTerminal.all() as { account_no: string; reason: string; terminal_key: string }[]) {
      let l = byTerminal.get(r.terminal_key);
      if (!l) byTerminal.set(r.terminal_key, (l = []));
      l.push({ account: r.account_no, reason: r.reason });
      byAccount.set(r.account_no, r.reason);
    }
    const out: Shield[] = [];
    for (const t of targets) {
      if (t.level === 'meter') {
        const reason = t.account !== undefined ? byAccount.get(t.account) : undefined;
        if (reason !== undefined) out.push({ target: t.key, customers: [{ account: t.account!, reason }] });
      } else {
        const l = byTerminal.get(t.terminal);
        if (l) out.push({ target: t.key, customers: l });
      }
    }
    return out;
  }
}
