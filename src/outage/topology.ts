/**
 * The 站-线-变-户 topology the outage view needs, read from the archive once and again after the archive
 * changes (PRAGMA data_version): every terminal with its taiqu, line and substation (names too) and how
 * many customers it serves; customers of a terminal on demand.
 */
import type { Db, Stmt } from '../archive/db.js';

export type AreaLevel = 'taiqu' | 'line' | 'substation';

export interface TerminalPlace {
  id: number;
  key: string;
  taiqu: string;
  line: string;
  substation: string;
  customers: number;
}

export interface AreaInfo {
  level: AreaLevel;
  id: string;
  name: string;
}

export interface CustomerRef {
  account: string;
  customerId: string;
  name: string;
  meterAddress: string;
  terminal: string;
  taiqu: string;
}

export interface OutageTopology {
  terminals(): readonly TerminalPlace[];
  terminal(key: string): TerminalPlace | undefined;
  terminalById(id: number): TerminalPlace | undefined;
  area(level: AreaLevel, id: string): AreaInfo | undefined;
  /** Customers served through a terminal, by account, after `afterAccount`. */
  customersOfTerminal(key: string, afterAccount: string, limit: number): CustomerRef[];
  /** The customer of an account. */
  customer(account: string): CustomerRef | undefined;
}

export class ArchiveTopology implements OutageTopology {
  private version = -1;
  private list: TerminalPlace[] = [];
  private byKey = new Map<string, TerminalPlace>();
  private byId = new Map<number, TerminalPlace>();
  private areas = new Map<string, AreaInfo>();
  private readonly st: Record<'terminals' | 'areas' | 'customers' | 'customer', Stmt>;

  constructor(private readonly db: Db) {
    this.st = {
      terminals: db.prepare(
        `SELECT t.id, t.terminal_key AS key, q.taiqu_id AS taiqu, l.line_id AS line, s.substation_id AS substation,
           (SELECT count(*) FROM meters m JOIN customers c ON c.meter = m.id WHERE m.terminal = t.id) AS customers
         FROM terminals t JOIN taiqu q ON q.id = t.taiqu JOIN lines l ON l.id = q.line JOIN substations s ON s.id = l.substation ORDER BY t.a1, t.a2`,
      ),
      areas: db.prepare(
        `SELECT 'taiqu' AS level, taiqu_id AS id, name FROM taiqu UNION ALL SELECT 'line', line_id, name FROM lines
         UNION ALL SELECT 'substation', substation_id, name FROM substations`,
      ),
      customers: db.prepare(
        `SELECT c.account_no AS account, c.customer_id AS customerId, c.name, m.meter_address AS meterAddress, t.terminal_key AS terminal, q.taiqu_id AS taiqu
         FROM customers c JOIN meters m ON m.id = c.meter JOIN terminals t ON t.id = m.terminal JOIN taiqu q ON q.id = c.taiqu
         WHERE t.terminal_key = ? AND c.account_no > ? ORDER BY c.account_no LIMIT ?`,
      ),
      customer: db.prepare(
        `SELECT c.account_no AS account, c.customer_id AS customerId, c.name, m.meter_address AS meterAddress, t.terminal_key AS terminal, q.taiqu_id AS taiqu
         FROM customers c JOIN meters m ON m.id = c.meter JOIN terminals t ON t.id = m.terminal JOIN taiqu q ON q.id = c.taiqu WHERE c.account_no = ?`,
      ),
    };
  }

  private load(): void {
    const v = this.db.pragma('data_version', { simple: true }) as number;
    if (v === this.version) return;
    this.version = v;
    this.list = this.st.terminals.all() as TerminalPlace[];
    this.byKey = new Map(this.list.map((t) => [t.key, t]));
    this.byId = new Map(this.list.map((t) => [t.id, t]));
    this.areas = new Map((this.st.areas.all() as AreaInfo[]).map((a) => [`${a.level}:${a.id}`, a]));
  }

  /** Forget the cached topology (after an import on this very connection). */
  invalidate(): void {
    this.version = -1;
  }

  terminals(): readonly TerminalPlace[] {
    this.load();
    return this.list;
  }

  terminal(key: string): TerminalPlace | undefined {
    this.load();
    return this.byKey.get(key);
  }

  terminalById(id: number): TerminalPlace | undefined {
    this.load();
    return this.byId.get(id);
  }

  area(level: AreaLevel, id: string): AreaInfo | undefined {
    this.load();
    return this.areas.get(`${level}:${id}`);
  }

  customersOfTerminal(key: string, afterAccount: string, limit: number): CustomerRef[] {
    return this.st.customers.all(key, afterAccount, limit) as CustomerRef[];
  }

  customer(account: string): CustomerRef | undefined {
    return this.st.customer.get(account) as CustomerRef | undefined;
  }
}
