/**
 * Finished commissioning reports in the head-end database (`commission_reports`, migration 0006), so a
 * technician's report outlives the in-memory list of recent runs and a restart of the head-end.
 */
import type { Db, Stmt } from '../archive/db.js';
import { parseReport } from './report.js';
import type { CommissionReport } from './types.js';

export class CommissionStore {
  private readonly put: Stmt;
  private readonly get1: Stmt;

  constructor(db: Db) {
    this.put = db.prepare('INSERT OR REPLACE INTO commission_reports (id, terminal, operator, verdict, started_at, finished_at, report) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.get1 = db.prepare('SELECT report FROM commission_reports WHERE id = ?');
  }

  save(id: string, r: CommissionReport): void {
    this.put.run(id, r.target, r.operator, r.verdict, r.startedAt, r.finishedAt, JSON.stringify(r));
  }

  get(id: string): CommissionReport | undefined {
    const row = this.get1.get(id) as { report: string } | undefined;
    return row ? parseReport(row.report, `stored report ${id}`) : undefined;
  }
}
