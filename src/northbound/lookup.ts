/**
 * Who a message is about: an archive meter id (readings) or a terminal's measuring point (ERC records) →
 * meter address, account, customer and terminal, from the head-end database. Cached; the cache is dropped
 * when another connection changed the archive (`PRAGMA data_version`, looked at most every 10 s), and an
 * unknown meter is asked again next time (never cached as absent).
 */
import type { Db, Stmt } from '../archive/db.js';

export interface MeterRef {
  id: number;
  address: string;
  terminal: string;
  pn: number;
  account?: string;
  customer?: string;
}

export interface MeterLookup {
  byId(id: number): MeterRef | undefined;
  byPoint(terminal: string, pn: number): MeterRef | undefined;
}

interface Row {
  id: number;
  meter_address: string;
  terminal_key: string;
  pn: number;
  account_no: string | null;
  customer_id: string | null;
}

const SELECT = `SELECT m.id, m.meter_address, t.terminal_key, m.pn, c.account_no, c.customer_id
  FROM meters m JOIN terminals t ON t.id = m.terminal LEFT JOIN customers c ON c.meter = m.id`;

const CHECK_MS = 10_000;
const MAX_CACHED = 2_000_000;

export class ArchiveMeterLookup implements MeterLookup {
  private readonly ids = new Map<number, MeterRef>();
  private readonly points = new Map<string, MeterRef>();
  private readonly st: { id: Stmt; point: Stmt };
  private version = -1;
  private checkedAt = -Infinity;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.st = { id: db.prepare(`${SELECT} WHERE m.id = ?`), point: db.prepare(`${SELECT} WHERE t.terminal_key = ? AND m.pn = ?`) };
  }

  byId(id: number): MeterRef | undefined {
    this.fresh();
    return this.ids.get(id) ?? this.remember(this.st.id.get(id) as Row | undefined);
  }

  byPoint(terminal: string, pn: number): MeterRef | undefined {
    this.fresh();
    return this.points.get(`${terminal}/${pn}`) ?? this.remember(this.st.point.get(terminal, pn) as Row | undefined);
  }

  private remember(r: Row | undefined): MeterRef | undefined {
    if (!r) return undefined;
    const m: MeterRef = { id: r.id, address: r.meter_address, terminal: r.terminal_key, pn: r.pn };
    if (r.account_no !== null) m.account = r.account_no;
    if (r.customer_id !== null) m.customer = r.customer_id;
    if (this.ids.size >= MAX_CACHED) this.clear();
    this.ids.set(m.id, m);
    this.points.set(`${m.terminal}/${m.pn}`, m);
    return m;
  }

  private fresh(): void {
    const t = this.now();
    if (t - this.checkedAt < CHECK_MS) return;
    this.checkedAt = t;
    const v = this.db.pragma('data_version', { simple: true }) as number;
    if (v !== this.version) {
      this.version = v;
      this.clear();
    }
  }

  private clear(): void {
    this.ids.clear();
    this.points.clear();
  }
}
