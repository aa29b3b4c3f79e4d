/**
 * The archive service: reads of the master data for the CLI, the FEP and later the API. Synchronous
 * (better-sqlite3), prepared statements, every query on an index.
 *
 * - terminals by key (`1101-00001`, also `1101-1`) or archive id, and by (A1, A2);
 * - meters by 645 address, customers by account number (户号), customer id or name fragment;
 * - topology 站-线-变-户: customers of a taiqu / line / substation, and the chain above a customer;
 * - `ArchiveDirectory`: the FEP's `TerminalDirectory` over the archive (PW/MSA from config when the
 *   archive has none), cached per terminal and refreshed when the database changes (any connection).
 */
import type { Db, OpenOptions, Stmt } from './db.js';
import { openDatabase } from './db.js';
import type { MeterRef, TerminalDirectory, TerminalRecord } from '../fep/directory.js';
import { parseTerminalKey, terminalKeyOf } from '../fep/directory.js';
import { dialOutEndpoint, ENTITIES, type Entity } from './entities.js';

export interface TerminalInfo {
  id: number;
  key: string;
  a1: string;
  a2: number;
  taiqu: string;
  taiquName: string;
  line: string;
  substation: string;
  protocol: string;
  channel: string;
  endpoint: string;
  /** Meter count declared in terminals.csv. */
  meterCount: number;
  /** Meters of the terminal in the archive. */
  meters: number;
  pw?: string;
  msa?: number;
}

export interface MeterInfo {
  id: number;
  address: string;
  terminal: string;
  pn: number;
  port: number;
  protocol: string;
  baud: number;
  wiring: string;
  ctRatio: number;
  ptRatio: number;
  tariffCount: number;
  customerId?: string;
  accountNo?: string;
}

export interface CustomerInfo {
  id: number;
  customerId: string;
  accountNo: string;
  name: string;
  address?: string;
  taiqu: string;
  meterAddress: string;
  /** 抄表日, day of month 1..28. */
  readingDay: number;
  tariffClass: string;
  tariff?: string;
  prepaid: boolean;
}

/** 站-线-变-户: everything above a customer. */
export interface CustomerChain {
  customer: CustomerInfo;
  meter: MeterInfo;
  terminal: TerminalInfo;
  taiqu: { id: string; name: string; transformerKva: number };
  line: { id: string; name: string; voltageKv: number };
  substation: { id: string; name: string; voltageKv: number };
}

export type TopologyLevel = 'taiqu' | 'line' | 'substation';

interface TerminalRow {
  id: number;
  terminal_key: string;
  a1: string;
  a2: number;
  taiqu_id: string;
  taiqu_name: string;
  line_id: string;
  substation_id: string;
  protocol: string;
  channel: string;
  endpoint: string;
  meter_count: number;
  meters: number;
  pw: string | null;
  msa: number | null;
}

interface MeterRow {
  id: number;
  meter_address: string;
  terminal_key: string;
  pn: number;
  port: number;
  protocol: string;
  baud: number;
  wiring: string;
  ct_ratio: number;
  pt_ratio: number;
  tariff_count: number;
  customer_id: string | null;
  account_no: string | null;
}

interface CustomerRow {
  id: number;
  customer_id: string;
  account_no: string;
  name: string;
  address: string | null;
  taiqu_id: string;
  meter_address: string;
  reading_day: number;
  tariff_class: string;
  tariff: string | null;
  prepaid: number;
}

const TERMINAL_SELECT = `SELECT t.id, t.terminal_key, t.a1, t.a2, q.taiqu_id, q.name AS taiqu_name, l.line_id, s.substation_id, t.protocol, t.channel,
  t.endpoint, t.meter_count, (SELECT count(*) FROM meters m WHERE m.terminal = t.id) AS meters, t.pw, t.msa
  FROM terminals t JOIN taiqu q ON q.id = t.taiqu JOIN lines l ON l.id = q.line JOIN substations s ON s.id = l.substation`;

const METER_SELECT = `SELECT m.id, m.meter_address, t.terminal_key, m.pn, m.port, m.protocol, m.baud, m.wiring, m.ct_ratio, m.pt_ratio, m.tariff_count,
  c.customer_id, c.account_no FROM meters m JOIN terminals t ON t.id = m.terminal LEFT JOIN customers c ON c.id = m.customer`;

const CUSTOMER_SELECT = `SELECT c.id, c.customer_id, c.account_no, c.name, c.address, q.taiqu_id, m.meter_address, c.reading_day, c.tariff_class,
  c.tariff, c.prepaid FROM customers c JOIN taiqu q ON q.id = c.taiqu JOIN meters m ON m.id = c.meter`;

function terminalOf(r: TerminalRow): TerminalInfo {
  const t: TerminalInfo = {
    id: r.id,
    key: r.terminal_key,
    a1: r.a1,
    a2: r.a2,
    taiqu: r.taiqu_id,
    taiquName: r.taiqu_name,
    line: r.line_id,
    substation: r.substation_id,
    protocol: r.protocol,
    channel: r.channel,
    endpoint: r.endpoint,
    meterCount: r.meter_count,
    meters: r.meters,
  };
  if (r.pw !== null) t.pw = r.pw;
  if (r.msa !== null) t.msa = r.msa;
  return t;
}

function meterOf(r: MeterRow): MeterInfo {
  const m: MeterInfo = {
    id: r.id,
    address: r.meter_address,
    terminal: r.terminal_key,
    pn: r.pn,
    port: r.port,
    protocol: r.protocol,
    baud: r.baud,
    wiring: r.wiring,
    ctRatio: r.ct_ratio,
    ptRatio: r.pt_ratio,
    tariffCount: r.tariff_count,
  };
  if (r.customer_id !== null) m.customerId = r.customer_id;
  if (r.account_no !== null) m.accountNo = r.account_no;
  return m;
}

function customerOf(r: CustomerRow): CustomerInfo {
  const c: CustomerInfo = {
    id: r.id,
    customerId: r.customer_id,
    accountNo: r.account_no,
    name: r.name,
    taiqu: r.taiqu_id,
    meterAddress: r.meter_address,
    readingDay: r.reading_day,
    tariffClass: r.tariff_class,
    prepaid: r.prepaid === 1,
  };
  if (r.address !== null) c.address = r.address;
  if (r.tariff !== null) c.tariff = r.tariff;
  return c;
}

/** `%`, `_` and `\` literal in a LIKE pattern with ESCAPE '\'. */
const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export class Archive {
  private readonly stmts = new Map<string, Stmt>();

  constructor(readonly db: Db) {}

  /** Opens `<dataDir>/openhes.db` (migrating it). */
  static open(dataDir: string, o: OpenOptions = {}): Archive {
    return new Archive(openDatabase(dataDir, o));
  }

  close(): void {
    this.db.close();
  }

  private st(sql: string): Stmt {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare<unknown[]>(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Rows per table. */
  stats(): Record<Entity, number> {
    const out = {} as Record<Entity, number>;
    for (const e of ENTITIES) out[e] = (this.st(`SELECT count(*) AS n FROM ${e}`).get() as { n: number }).n;
    return out;
  }

  // ------------------------------------------------------------------ terminals

  /** By key (`1101-00001` or `1101-1`) or archive id (digits). */
  terminal(keyOrId: string | number): TerminalInfo | undefined {
    if (typeof keyOrId === 'number' || /^\d+$/.test(keyOrId)) {
      const r = this.st(`${TERMINAL_SELECT} WHERE t.id = ?`).get(Number(keyOrId)) as TerminalRow | undefined;
      return r && terminalOf(r);
    }
    const k = parseTerminalKey(keyOrId);
    return k ? this.terminalByAddress(k.a1, k.a2) : undefined;
  }

  terminalByAddress(a1: string, a2: number): TerminalInfo | undefined {
    const r = this.st(`${TERMINAL_SELECT} WHERE t.a1 = ? AND t.a2 = ?`).get(a1, a2) as TerminalRow | undefined;
    return r && terminalOf(r);
  }

  /** Terminals in key order (paged). */
  terminals(o: { limit?: number; offset?: number } = {}): TerminalInfo[] {
    return (this.st(`${TERMINAL_SELECT} ORDER BY t.a1, t.a2 LIMIT ? OFFSET ?`).all(o.limit ?? -1, o.offset ?? 0) as TerminalRow[]).map(terminalOf);
  }

  /** Terminals the head-end calls (channel tcp-out) and the address each listens on, in key order. */
  dialOutTerminals(): { key: string; host: string; port: number }[] {
    const rows = this.st("SELECT terminal_key, endpoint FROM terminals WHERE channel = 'tcp-out' ORDER BY a1, a2").all() as { terminal_key: string; endpoint: string }[];
    const out: { key: string; host: string; port: number }[] = [];
    for (const r of rows) {
      // The import checks the endpoint; a row written by other means without one is not callable.
      const ep = dialOutEndpoint(r.endpoint);
      if (ep) out.push({ key: r.terminal_key, ...ep });
    }
    return out;
  }

  /** Changes whenever another connection commits (PRAGMA data_version): cheap change detection. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** The meters (measuring points) of a terminal, by Pn. */
  metersOf(terminalKey: string): MeterInfo[] {
    const t = this.terminal(terminalKey);
    if (!t) return [];
    return (this.st(`${METER_SELECT} WHERE m.terminal = ? ORDER BY m.pn`).all(t.id) as MeterRow[]).map(meterOf);
  }

  // ------------------------------------------------------------------ meters and customers

  meter(address: string): MeterInfo | undefined {
    const r = this.st(`${METER_SELECT} WHERE m.meter_address = ?`).get(address) as MeterRow | undefined;
    return r && meterOf(r);
  }

  /** By account number (户号). */
  account(accountNo: string): CustomerInfo | undefined {
    const r = this.st(`${CUSTOMER_SELECT} WHERE c.account_no = ?`).get(accountNo) as CustomerRow | undefined;
    return r && customerOf(r);
  }

  customer(customerId: string): CustomerInfo | undefined {
    const r = this.st(`${CUSTOMER_SELECT} WHERE c.customer_id = ?`).get(customerId) as CustomerRow | undefined;
    return r && customerOf(r);
  }

  /**
   * Customers whose name contains `fragment` (case-insensitive), in archive order. Fragments of 3+
   * characters use the trigram index; shorter ones scan.
   */
  findByName(fragment: string, limit = 50): CustomerInfo[] {
    const f = fragment.trim();
    if (!f) return [];
    const rows =
      [...f].length >= 3
        ? (this.st(`${CUSTOMER_SELECT} WHERE c.id IN (SELECT rowid FROM customers_name_fts WHERE customers_name_fts MATCH ?) ORDER BY c.id LIMIT ?`).all(`"${f.replace(/"/g, '""')}"`, limit) as CustomerRow[])
        : (this.st(`${CUSTOMER_SELECT} WHERE c.name LIKE ? ESCAPE '\\' ORDER BY c.id LIMIT ?`).all(`%${likeEscape(f)}%`, limit) as CustomerRow[]);
    return rows.map(customerOf);
  }

  // ------------------------------------------------------------------ topology 站-线-变-户

  private topologyWhere(level: TopologyLevel): string {
    switch (level) {
      case 'taiqu':
        return 'c.taiqu = (SELECT id FROM taiqu WHERE taiqu_id = ?)';
      case 'line':
        return 'c.taiqu IN (SELECT q2.id FROM taiqu q2 JOIN lines l2 ON l2.id = q2.line WHERE l2.line_id = ?)';
      case 'substation':
        return 'c.taiqu IN (SELECT q2.id FROM taiqu q2 JOIN lines l2 ON l2.id = q2.line JOIN substations s2 ON s2.id = l2.substation WHERE s2.substation_id = ?)';
    }
  }

  /** Customers supplied through a taiqu, a 10 kV line or a substation (archive order, paged). */
  customersOf(level: TopologyLevel, id: string, o: { limit?: number; offset?: number } = {}): CustomerInfo[] {
    return (this.st(`${CUSTOMER_SELECT} WHERE ${this.topologyWhere(level)} ORDER BY c.id LIMIT ? OFFSET ?`).all(id, o.limit ?? -1, o.offset ?? 0) as CustomerRow[]).map(customerOf);
  }

  countCustomersOf(level: TopologyLevel, id: string): number {
    return (this.st(`SELECT count(*) AS n FROM customers c WHERE ${this.topologyWhere(level)}`).get(id) as { n: number }).n;
  }

  /** Taiqu of a line, lines of a substation (ids in archive order). */
  childrenOf(level: 'line' | 'substation', id: string): string[] {
    const sql =
      level === 'line'
        ? 'SELECT q.taiqu_id AS id FROM taiqu q JOIN lines l ON l.id = q.line WHERE l.line_id = ? ORDER BY q.id'
        : 'SELECT l.line_id AS id FROM lines l JOIN substations s ON s.id = l.substation WHERE s.substation_id = ? ORDER BY l.id';
    return (this.st(sql).all(id) as { id: string }[]).map((r) => r.id);
  }

  /** The chain above a customer (by customer id or account number): meter, terminal, taiqu, line, substation. */
  chainOf(customerOrAccount: string): CustomerChain | undefined {
    const customer = this.customer(customerOrAccount) ?? this.account(customerOrAccount);
    if (!customer) return undefined;
    const meter = this.meter(customer.meterAddress)!;
    const terminal = this.terminal(meter.terminal)!;
    const up = this.st(
      `SELECT q.taiqu_id, q.name AS tq_name, q.transformer_kva, l.line_id, l.name AS l_name, l.voltage_kv AS l_kv, s.substation_id, s.name AS s_name, s.voltage_kv AS s_kv
       FROM taiqu q JOIN lines l ON l.id = q.line JOIN substations s ON s.id = l.substation WHERE q.taiqu_id = ?`,
    ).get(customer.taiqu) as { taiqu_id: string; tq_name: string; transformer_kva: number; line_id: string; l_name: string; l_kv: number; substation_id: string; s_name: string; s_kv: number };
    return {
      customer,
      meter,
      terminal,
      taiqu: { id: up.taiqu_id, name: up.tq_name, transformerKva: up.transformer_kva },
      line: { id: up.line_id, name: up.l_name, voltageKv: up.l_kv },
      substation: { id: up.substation_id, name: up.s_name, voltageKv: up.s_kv },
    };
  }
}

export interface DirectoryDefaults {
  /** PW (32 hex digits) when the archive has none for a terminal (config fep.pw). */
  pw: string;
  /** MSA when the archive has none (config fep.msa). */
  msa: number;
}

/**
 * The FEP's terminal directory over the archive. Records (with their meters) are cached; the cache
 * is dropped when `PRAGMA data_version` says another connection committed, or on `invalidate()`.
 */
export class ArchiveDirectory implements TerminalDirectory {
  private readonly cache = new Map<string, TerminalRecord | null>();
  private version = -1;
  private readonly byAddress: Stmt;
  private readonly meters: Stmt;

  constructor(
    private readonly db: Db,
    private readonly defaults: DirectoryDefaults,
    private readonly maxCached = 200_000,
  ) {
    this.byAddress = db.prepare<unknown[]>('SELECT id, terminal_key, a1, a2, pw, msa FROM terminals WHERE a1 = ? AND a2 = ?');
    this.meters = db.prepare<unknown[]>('SELECT pn, meter_address, port, protocol FROM meters WHERE terminal = ? ORDER BY pn');
  }

  invalidate(): void {
    this.cache.clear();
  }

  lookup(a1: string, a2: number): TerminalRecord | undefined {
    const v = this.db.pragma('data_version', { simple: true }) as number;
    if (v !== this.version) {
      this.version = v;
      this.cache.clear();
    }
    const key = terminalKeyOf(a1, a2);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const rec = this.load(a1, a2);
    if (this.cache.size >= this.maxCached) this.cache.clear();
    this.cache.set(key, rec ?? null);
    return rec;
  }

  private load(a1: string, a2: number): TerminalRecord | undefined {
    const t = this.byAddress.get(a1, a2) as { id: number; terminal_key: string; a1: string; a2: number; pw: string | null; msa: number | null } | undefined;
    if (!t) return undefined;
    const meters: MeterRef[] = (this.meters.all(t.id) as { pn: number; meter_address: string; port: number; protocol: string }[]).map((m) => ({
      pn: m.pn,
      address: m.meter_address,
      port: m.port,
      edition: m.protocol === 'dlt645-1997' ? 1997 : 2007,
    }));
    return { id: t.terminal_key, a1: t.a1, a2: t.a2, pw: t.pw ?? this.defaults.pw, msa: t.msa ?? this.defaults.msa, meters };
  }
}
