/**
 * Which meter each account (户号) had when (table `account_meters`, migration 0005). The archive keeps
 * only an account's current meter; when a re-import swaps it (换表), the old meter's readings stay in the
 * store under the old meter id. `refresh()` compares the archive with the recorded history in two set
 * statements and records every change it sees (the old row closed, the new one opened, at the time of
 * the refresh); it runs when the archive changed (PRAGMA data_version), at most every `minIntervalMs`.
 */
import type { Db, Stmt } from '../archive/db.js';

export interface AccountMeter {
  meter: number;
  address: string;
  /** When the head-end first saw the meter on the account (0 = already there when recording began). */
  since: number;
  /** When another meter replaced it (absent = current). */
  until?: number;
}

export class MeterHistory {
  private readonly close: Stmt;
  private readonly open: Stmt;
  private readonly ofAccount: Stmt;
  private version = -1;
  private checkedAt = -Infinity;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
    private readonly minIntervalMs = 5_000,
  ) {
    this.close = db.prepare(
      `UPDATE account_meters SET until = ? WHERE until IS NULL AND NOT EXISTS
       (SELECT 1 FROM customers c WHERE c.account_no = account_meters.account_no AND c.meter = account_meters.meter)`,
    );
    this.open = db.prepare(
      `INSERT INTO account_meters (account_no, meter, meter_address, since, until)
       SELECT c.account_no, c.meter, m.meter_address,
         CASE WHEN EXISTS (SELECT 1 FROM account_meters h WHERE h.account_no = c.account_no) THEN ? ELSE 0 END, NULL
       FROM customers c JOIN meters m ON m.id = c.meter
       WHERE NOT EXISTS (SELECT 1 FROM account_meters h WHERE h.account_no = c.account_no AND h.meter = c.meter AND h.until IS NULL)
       ON CONFLICT (account_no, meter) DO UPDATE SET until = NULL, since = excluded.since`,
    );
    this.ofAccount = db.prepare('SELECT meter, meter_address, since, until FROM account_meters WHERE account_no = ? ORDER BY since, meter');
  }

  /** Records the archive's current account → meter links if the archive changed; returns whether it looked. */
  refresh(force = false): boolean {
    const t = this.now();
    if (!force && t - this.checkedAt < this.minIntervalMs) return false;
    this.checkedAt = t;
    const v = this.db.pragma('data_version', { simple: true }) as number;
    if (!force && v === this.version) return false;
    this.db.transaction(() => {
      this.close.run(t);
      this.open.run(t);
    })();
    // Our own commit does not change data_version for this connection: remember the value after it.
    this.version = this.db.pragma('data_version', { simple: true }) as number;
    return true;
  }

  /** The meters of an account, oldest first (refreshing first when due). */
  metersOf(accountNo: string): AccountMeter[] {
    this.refresh();
    return (this.ofAccount.all(accountNo) as { meter: number; meter_address: string; since: number; until: number | null }[]).map((r) => {
      const a: AccountMeter = { meter: r.meter, address: r.meter_address, since: r.since };
      if (r.until !== null) a.until = r.until;
      return a;
    });
  }
}
