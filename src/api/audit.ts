/**
 * The API's audit log (table `api_audit`, migration 0005, append-only): every write through the API and
 * every key created or revoked — who (key name and id), what (method and route, or CLI command, the
 * object, the request's parameters with secrets left out), when, and the outcome (HTTP status).
 */
import type { Db, Stmt } from '../archive/db.js';

export interface AuditEntry {
  actor: string;
  keyId?: string;
  action: string;
  target?: string;
  status: number;
  detail?: Record<string, unknown>;
}

export interface AuditRecord extends Omit<AuditEntry, 'detail'> {
  id: number;
  at: string;
  target: string;
  detail: Record<string, unknown>;
}

interface Row {
  id: number;
  at: number;
  actor: string;
  key_id: string | null;
  action: string;
  target: string;
  status: number;
  detail: string;
}

/** Keys of request bodies never written to the log. */
const SECRET_KEYS = /^(key|secret|password|pw|token)$/i;

export function redact(v: unknown, depth = 0): unknown {
  if (depth > 6) return '…';
  if (Array.isArray(v)) return v.length > 50 ? [...v.slice(0, 50).map((x) => redact(x, depth + 1)), `… ${v.length - 50} more`] : v.map((x) => redact(x, depth + 1));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, SECRET_KEYS.test(k) ? '[redacted]' : redact(x, depth + 1)]));
  if (typeof v === 'string' && v.length > 500) return `${v.slice(0, 500)}…`;
  return v;
}

export class ApiAudit {
  private readonly insert: Stmt;
  private readonly page: Stmt;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.insert = db.prepare('INSERT INTO api_audit (at, actor, key_id, action, target, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.page = db.prepare('SELECT * FROM api_audit WHERE id < ? ORDER BY id DESC LIMIT ?');
  }

  record(e: AuditEntry): void {
    this.insert.run(this.now(), e.actor, e.keyId ?? null, e.action, e.target ?? '', e.status, JSON.stringify(redact(e.detail ?? {})));
  }

  /** Newest first; `before` = an id from the previous page. */
  list(o: { before?: number; limit: number }): AuditRecord[] {
    return (this.page.all(o.before ?? Number.MAX_SAFE_INTEGER, o.limit) as Row[]).map((r) => {
      const x: AuditRecord = { id: r.id, at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, target: r.target, status: r.status, detail: JSON.parse(r.detail) as Record<string, unknown> };
      if (r.key_id !== null) x.keyId = r.key_id;
      return x;
    });
  }
}
