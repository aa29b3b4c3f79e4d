/**
 * What the scheduler needs from the archive: the terminals with their class and grouping (region A1,
 * taiqu, protocol, channel) and their meters (archive id, Pn, customer facts that select key users and
 * meter-reading days). `ArchiveTargets` reads the head-end's database (read-only queries on the archive
 * tables, each on an index); tests may implement `CollectionArchive` over the same data.
 */
import type { Db, Stmt } from '../archive/db.js';

export interface TerminalTarget {
  /** Archive id (terminals.id). */
  id: number;
  /** `A1-A2` key. */
  key: string;
  a1: string;
  a2: number;
  /** Region code (A1 of the regions table). */
  region: string;
  taiqu: string;
  protocol: string;
  channel: string;
}

export interface MeterTarget {
  /** Archive id (meters.id): the store's meter key. */
  id: number;
  pn: number;
  wiring: string;
  tariffCount: number;
  accountNo?: string;
  tariffClass?: string;
  /** 抄表日 of the meter's account (1..28). */
  readingDay?: number;
}

export interface CollectionArchive {
  /** Every terminal, in key order. */
  terminals(): TerminalTarget[];
  /** By key `A1-A2` or archive id. */
  terminal(keyOrId: string | number): TerminalTarget | undefined;
  /** The meters (measuring points) of a terminal, by Pn. */
  meters(terminalId: number): MeterTarget[];
}

export interface KeyUserRule {
  tariffClasses: readonly string[];
  wirings: readonly string[];
  accounts: readonly string[];
}

/** 重点用户: a customer of a listed tariff class or account, or a meter of a listed wiring. */
export function isKeyUser(m: MeterTarget, rule: KeyUserRule): boolean {
  return (m.tariffClass !== undefined && rule.tariffClasses.includes(m.tariffClass)) || rule.wirings.includes(m.wiring) || (m.accountNo !== undefined && rule.accounts.includes(m.accountNo));
}

interface TerminalRow {
  id: number;
  terminal_key: string;
  a1: string;
  a2: number;
  region: string;
  taiqu: string;
  protocol: string;
  channel: string;
}

interface MeterRow {
  id: number;
  pn: number;
  wiring: string;
  tariff_count: number;
  account_no: string | null;
  tariff_class: string | null;
  reading_day: number | null;
}

const TERMINALS = `SELECT t.id, t.terminal_key, t.a1, t.a2, r.code AS region, q.taiqu_id AS taiqu, t.protocol, t.channel
  FROM terminals t JOIN regions r ON r.id = t.region JOIN taiqu q ON q.id = t.taiqu`;

const terminalOf = (r: TerminalRow): TerminalTarget => ({ id: r.id, key: r.terminal_key, a1: r.a1, a2: r.a2, region: r.region, taiqu: r.taiqu, protocol: r.protocol, channel: r.channel });

function meterOf(r: MeterRow): MeterTarget {
  const m: MeterTarget = { id: r.id, pn: r.pn, wiring: r.wiring, tariffCount: r.tariff_count };
  if (r.account_no !== null) m.accountNo = r.account_no;
  if (r.tariff_class !== null) m.tariffClass = r.tariff_class;
  if (r.reading_day !== null) m.readingDay = r.reading_day;
  return m;
}

/** The archive tables of the head-end database as the scheduler's targets. */
export class ArchiveTargets implements CollectionArchive {
  private readonly all: Stmt;
  private readonly byKey: Stmt;
  private readonly byId: Stmt;
  private readonly metersOf: Stmt;

  constructor(db: Db) {
    this.all = db.prepare(`${TERMINALS} ORDER BY t.a1, t.a2`);
    this.byKey = db.prepare(`${TERMINALS} WHERE t.terminal_key = ?`);
    this.byId = db.prepare(`${TERMINALS} WHERE t.id = ?`);
    this.metersOf = db.prepare(`SELECT m.id, m.pn, m.wiring, m.tariff_count, c.account_no, c.tariff_class, c.reading_day
      FROM meters m LEFT JOIN customers c ON c.id = m.customer WHERE m.terminal = ? ORDER BY m.pn`);
  }

  terminals(): TerminalTarget[] {
    return (this.all.all() as TerminalRow[]).map(terminalOf);
  }

  terminal(keyOrId: string | number): TerminalTarget | undefined {
    const r = (typeof keyOrId === 'number' ? this.byId.get(keyOrId) : this.byKey.get(keyOrId)) as TerminalRow | undefined;
    return r && terminalOf(r);
  }

  meters(terminalId: number): MeterTarget[] {
    return (this.metersOf.all(terminalId) as MeterRow[]).map(meterOf);
  }
}
