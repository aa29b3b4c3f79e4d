/**
 * The tamper-evident audit log: every control request, approval, frame sent and answer received,
 * verification result, protection change and prepayment movement, appended to `audit_log` as a hash
 * chain. Record n stores hash_n = SHA-256(hash_{n-1} | n | at | kind | actor | ref | target | data); the
 * first record chains to 64 zeros. Editing, removing or inserting a record breaks every hash after it;
 * `verify` recomputes the chain and names the first record that does not fit.
 *
 * Writes: hashes are computed at `append` (in call order); rows reach the database in one transaction per
 * flush — at once for records appended with `{ flush: true }` (requests, approvals, money), otherwise
 * within `flushMs` or when `maxBuffered` records wait (frames of a scheme over thousands of terminals).
 * One writer per database (the running head-end); readers (`hes audit verify --data`) may run alongside.
 */
import type { Db, Stmt } from '../archive/db.js';
import type { Clock, Timer } from '../clock.js';
import { canonicalJson, sha256 } from './canonical.js';

export const GENESIS = '0'.repeat(64);

export type AuditKind =
  | 'request'
  | 'approval'
  | 'refusal'
  | 'cancel'
  | 'expired'
  | 'execute'
  | 'frame-out'
  | 'frame-in'
  | 'outcome'
  | 'erc'
  | 'summary'
  | 'protection'
  | 'scheme'
  | 'prepay'
  /** A direct meter link set or removed (meter-links.ts). */
  | 'link';

export interface AuditInput {
  kind: AuditKind;
  actor: string;
  ref?: string;
  target?: string;
  data?: unknown;
}

export interface AuditRecord {
  seq: number;
  at: number;
  kind: string;
  actor: string;
  ref: string;
  target: string;
  data: unknown;
  prev: string;
  hash: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  /** Records checked. */
  records: number;
  /** Last record of an intact chain. */
  head?: { seq: number; hash: string };
  /** The first record that does not fit the chain. */
  broken?: { seq: number; reason: string };
}

export interface AuditQuery {
  ref?: string;
  kind?: string;
  /** Records with seq ≥ from. */
  from?: number;
  limit?: number;
}

interface Row {
  seq: number;
  at: number;
  kind: string;
  actor: string;
  ref: string;
  target: string;
  data: string;
  prev: string;
  hash: string;
}

export function recordHash(prev: string, r: Omit<Row, 'prev' | 'hash'>): string {
  return sha256(`${prev}\n${r.seq}\n${r.at}\n${r.kind}\n${r.actor}\n${r.ref}\n${r.target}\n${r.data}`);
}

export class AuditChain {
  private seq: number;
  private last: string;
  private pending: Row[] = [];
  private timer: Timer | undefined;
  private readonly insert: Stmt;
  private readonly flushMs: number;
  private readonly maxBuffered: number;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    o: { flushMs?: number; maxBuffered?: number } = {},
  ) {
    this.flushMs = o.flushMs ?? 50;
    this.maxBuffered = o.maxBuffered ?? 2000;
    this.insert = db.prepare('INSERT INTO audit_log (seq, at, kind, actor, ref, target, data, prev, hash) VALUES (@seq, @at, @kind, @actor, @ref, @target, @data, @prev, @hash)');
    const top = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    this.seq = top?.seq ?? 0;
    this.last = top?.hash ?? GENESIS;
  }

  /** Appends one record; returns its sequence number. */
  append(r: AuditInput, o: { flush?: boolean } = {}): number {
    if (this.closed) throw new Error('audit chain closed');
    const base = { seq: this.seq + 1, at: this.clock.now(), kind: r.kind, actor: r.actor, ref: r.ref ?? '', target: r.target ?? '', data: canonicalJson(r.data ?? {}) };
    const row: Row = { ...base, prev: this.last, hash: recordHash(this.last, base) };
    this.seq = row.seq;
    this.last = row.hash;
    this.pending.push(row);
    if (o.flush || this.pending.length >= this.maxBuffered) this.flush();
    else this.timer ??= this.clock.setTimeout(() => this.flush(), this.flushMs);
    return row.seq;
  }

  /** Writes the buffered records in one transaction. */
  flush(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    this.db.transaction(() => {
      for (const row of rows) this.insert.run(row);
    })();
  }

  /** Head of the chain (including records not yet written). */
  head(): { seq: number; hash: string } {
    return { seq: this.seq, hash: this.last };
  }

  list(q: AuditQuery = {}): AuditRecord[] {
    this.flush();
    return listAudit(this.db, q);
  }

  verify(): AuditVerifyResult {
    this.flush();
    return verifyAudit(this.db);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }
}

function recordOf(r: Row): AuditRecord {
  let data: unknown;
  try {
    data = JSON.parse(r.data);
  } catch {
    data = r.data;
  }
  return { seq: r.seq, at: r.at, kind: r.kind, actor: r.actor, ref: r.ref, target: r.target, data, prev: r.prev, hash: r.hash };
}

/** Records in sequence order (read-only; usable on a database opened read-only). */
export function listAudit(db: Db, q: AuditQuery = {}): AuditRecord[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (q.ref !== undefined) {
    where.push('ref = ?');
    args.push(q.ref);
  }
  if (q.kind !== undefined) {
    where.push('kind = ?');
    args.push(q.kind);
  }
  if (q.from !== undefined) {
    where.push('seq >= ?');
    args.push(q.from);
  }
  const sql = `SELECT seq, at, kind, actor, ref, target, data, prev, hash FROM audit_log${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT ?`;
  return (db.prepare(sql).all(...args, q.limit ?? 1000) as Row[]).map(recordOf);
}

/** Walks the whole chain in order and reports the first record that does not fit. */
export function verifyAudit(db: Db): AuditVerifyResult {
  let prev = GENESIS;
  let expected = 1;
  let n = 0;
  let head: { seq: number; hash: string } | undefined;
  for (const r of db.prepare('SELECT seq, at, kind, actor, ref, target, data, prev, hash FROM audit_log ORDER BY seq').iterate() as IterableIterator<Row>) {
    n++;
    const broken = (reason: string): AuditVerifyResult => ({ ok: false, records: n, ...(head ? { head } : {}), broken: { seq: r.seq, reason } });
    if (r.seq !== expected) return broken(`sequence gap: expected record ${expected}, found ${r.seq} (records removed)`);
    if (r.prev !== prev) return broken('its previous-hash does not match the record before it (a record was removed, inserted or rewritten)');
    if (recordHash(prev, r) !== r.hash) return broken('its content does not match its hash (the record was edited)');
    prev = r.hash;
    head = { seq: r.seq, hash: r.hash };
    expected++;
  }
  return { ok: true, records: n, ...(head ? { head } : {}) };
}
