/**
 * Which meters / accounts a bulk query covers, read from the archive in pages (keyset on the archive
 * meter id, so a page is one index range and a cursor is the last id): every meter, or filtered by region
 * (A1), substation, line, taiqu, account list, or 抄表日. Each row carries what billing needs to key it
 * (account, customer, meter address, terminal, Pn) and the meter's CT × PT multiplier.
 */
import type { Db, Stmt } from '../archive/db.js';

export interface MeterFilter {
  /** Region codes (A1). */
  regions?: readonly string[];
  substations?: readonly string[];
  lines?: readonly string[];
  taiqus?: readonly string[];
  /** Account numbers (户号). */
  accounts?: readonly string[];
  /** Only meters of accounts with this 抄表日. */
  readingDay?: number;
  /** Only meters with an account. */
  withAccount?: boolean;
}

export interface SelectedMeter {
  /** Archive meter id (the store's meter key). */
  id: number;
  address: string;
  terminal: string;
  terminalId: number;
  pn: number;
  region: string;
  taiqu: string;
  line: string;
  substation: string;
  wiring: string;
  tariffCount: number;
  /** CT ratio × PT ratio (倍率): register difference × multiplier = primary energy. */
  multiplier: number;
  accountNo?: string;
  customerId?: string;
  customerName?: string;
  readingDay?: number;
}

interface Row {
  id: number;
  meter_address: string;
  terminal_key: string;
  terminal_id: number;
  pn: number;
  region: string;
  taiqu_id: string;
  line_id: string;
  substation_id: string;
  wiring: string;
  tariff_count: number;
  ct_ratio: number;
  pt_ratio: number;
  account_no: string | null;
  customer_id: string | null;
  name: string | null;
  reading_day: number | null;
}

const SELECT = `SELECT m.id, m.meter_address, t.terminal_key, t.id AS terminal_id, m.pn, r.code AS region, q.taiqu_id, l.line_id, s.substation_id,
  m.wiring, m.tariff_count, m.ct_ratio, m.pt_ratio, c.account_no, c.customer_id, c.name, c.reading_day
  FROM meters m JOIN terminals t ON t.id = m.terminal JOIN regions r ON r.id = t.region JOIN taiqu q ON q.id = t.taiqu
  JOIN lines l ON l.id = q.line JOIN substations s ON s.id = l.substation LEFT JOIN customers c ON c.meter = m.id`;

function meterOf(r: Row): SelectedMeter {
  const m: SelectedMeter = {
    id: r.id,
    address: r.meter_address,
    terminal: r.terminal_key,
    terminalId: r.terminal_id,
    pn: r.pn,
    region: r.region,
    taiqu: r.taiqu_id,
    line: r.line_id,
    substation: r.substation_id,
    wiring: r.wiring,
    tariffCount: r.tariff_count,
    multiplier: r.ct_ratio * r.pt_ratio,
  };
  if (r.account_no !== null) m.accountNo = r.account_no;
  if (r.customer_id !== null) m.customerId = r.customer_id;
  if (r.name !== null) m.customerName = r.name;
  if (r.reading_day !== null) m.readingDay = r.reading_day;
  return m;
}

const IN_JSON = (col: string): string => `${col} IN (SELECT value FROM json_each(?))`;

export class MeterSelection {
  /** Prepared statements by SQL text (a filter shape is prepared once). */
  private readonly stmts = new Map<string, Stmt>();

  constructor(private readonly db: Db) {}

  private st(sql: string): Stmt {
    let s = this.stmts.get(sql);
    if (!s) {
      if (this.stmts.size > 256) this.stmts.clear();
      s = this.db.prepare<unknown[]>(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private where(f: MeterFilter): { sql: string; args: unknown[] } {
    const parts: string[] = [];
    const args: unknown[] = [];
    const list = (col: string, v: readonly string[] | undefined): void => {
      if (v === undefined) return;
      parts.push(IN_JSON(col));
      args.push(JSON.stringify(v));
    };
    list('r.code', f.regions);
    list('s.substation_id', f.substations);
    list('l.line_id', f.lines);
    list('q.taiqu_id', f.taiqus);
    list('c.account_no', f.accounts);
    if (f.readingDay !== undefined) {
      parts.push('c.reading_day = ?');
      args.push(f.readingDay);
    }
    if (f.withAccount) parts.push('c.id IS NOT NULL');
    return { sql: parts.join(' AND '), args };
  }

  /** One page of meters with id > `after`, in id order. */
  page(f: MeterFilter, after: number, limit: number): SelectedMeter[] {
    const w = this.where(f);
    const sql = `${SELECT} WHERE m.id > ?${w.sql ? ` AND ${w.sql}` : ''} ORDER BY m.id LIMIT ?`;
    return (this.st(sql).all(after, ...w.args, limit) as Row[]).map(meterOf);
  }

  /** Every selected meter, page by page (the archive is read one page at a time). */
  async *all(f: MeterFilter, after = 0, pageSize = 500): AsyncGenerator<SelectedMeter[]> {
    let last = after;
    for (;;) {
      const page = this.page(f, last, pageSize);
      if (page.length === 0) return;
      yield page;
      if (page.length < pageSize) return;
      last = page.at(-1)!.id;
      // Let other requests run between pages of a long export.
      await new Promise((r) => setImmediate(r));
    }
  }

  /** The meter of an account (current), if any. */
  ofAccount(accountNo: string): SelectedMeter | undefined {
    const r = this.st(`${SELECT} WHERE c.account_no = ?`).get(accountNo) as Row | undefined;
    return r && meterOf(r);
  }

  /** Meters by archive id (any order of ids; result in id order). */
  byIds(ids: readonly number[]): SelectedMeter[] {
    if (ids.length === 0) return [];
    return (this.st(`${SELECT} WHERE ${IN_JSON('m.id')} ORDER BY m.id`).all(JSON.stringify(ids)) as Row[]).map(meterOf);
  }

  /** Names of the filter's unknown areas/accounts (for a 404 that says which). */
  unknown(f: MeterFilter): string[] {
    const out: string[] = [];
    const check = (what: string, sql: string, v: readonly string[] | undefined): void => {
      if (!v) return;
      const found = new Set((this.st(sql).all(JSON.stringify(v)) as { k: string }[]).map((r) => r.k));
      for (const x of v) if (!found.has(x)) out.push(`${what} ${x}`);
    };
    check('region', `SELECT code AS k FROM regions WHERE ${IN_JSON('code')}`, f.regions);
    check('substation', `SELECT substation_id AS k FROM substations WHERE ${IN_JSON('substation_id')}`, f.substations);
    check('line', `SELECT line_id AS k FROM lines WHERE ${IN_JSON('line_id')}`, f.lines);
    check('taiqu', `SELECT taiqu_id AS k FROM taiqu WHERE ${IN_JSON('taiqu_id')}`, f.taiqus);
    check('account', `SELECT account_no AS k FROM customers WHERE ${IN_JSON('account_no')}`, f.accounts);
    return out;
  }
}
