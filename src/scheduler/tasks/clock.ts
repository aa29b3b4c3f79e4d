/**
 * Clock patrol (对时巡检): AFN0C F2 reads the terminal clock (A.1, local time, 1 s resolution); the offset
 * is the terminal time minus the head-end time at the middle of the exchange. Beyond the threshold the
 * clock is set with AFN05 F31 (对时命令, A.1, with PW and Tp, Q/GDW 376.1-2009 §5.6) — at `control`
 * priority so the time written is not aged by queued reads — read back, and the set is recorded in
 * `clock_audit` (migration 0004) whether it succeeded or not.
 */
import { builders } from '../../../protocols/gw376/index.js';
import type { Db, Stmt } from '../../archive/db.js';
import type { FepPort } from '../executor.js';
import { isObj } from '../mapping/parts.js';
import type { TerminalTarget } from '../targets.js';
import type { LocalCalendar } from '../time.js';

export interface ClockAuditRow {
  terminal: number;
  at: number;
  offsetMs: number;
  action: 'set' | 'set-failed';
  offsetAfterMs?: number;
  detail?: string;
}

export class ClockAudit {
  private readonly ins: Stmt;
  private readonly list: Stmt;

  constructor(db: Db) {
    this.ins = db.prepare('INSERT INTO clock_audit (terminal, at, offset_ms, action, offset_after_ms, detail) VALUES (?, ?, ?, ?, ?, ?)');
    this.list = db.prepare('SELECT terminal, at, offset_ms, action, offset_after_ms, detail FROM clock_audit WHERE terminal = ? ORDER BY at');
  }

  record(r: ClockAuditRow): void {
    this.ins.run(r.terminal, r.at, Math.round(r.offsetMs), r.action, r.offsetAfterMs === undefined ? null : Math.round(r.offsetAfterMs), r.detail ?? null);
  }

  of(terminal: number): ClockAuditRow[] {
    return (this.list.all(terminal) as { terminal: number; at: number; offset_ms: number; action: 'set' | 'set-failed'; offset_after_ms: number | null; detail: string | null }[]).map((r) => {
      const x: ClockAuditRow = { terminal: r.terminal, at: r.at, offsetMs: r.offset_ms, action: r.action };
      if (r.offset_after_ms !== null) x.offsetAfterMs = r.offset_after_ms;
      if (r.detail !== null) x.detail = r.detail;
      return x;
    });
  }
}

export interface ClockEnv {
  fep: FepPort;
  cal: LocalCalendar;
  audit: ClockAudit;
  now(): number;
  thresholdS: number;
  set: boolean;
}

export interface ClockOutcome {
  terminal: string;
  status: 'ok' | 'set' | 'set-failed' | 'offline' | 'failed' | 'drift';
  requests: number;
  offsetMs?: number;
  offsetAfterMs?: number;
  error?: string;
}

/** Terminal clock − head-end clock, ms (AFN0C F2). */
export async function readOffset(env: Pick<ClockEnv, 'fep' | 'cal' | 'now'>, terminal: string): Promise<number> {
  const t0 = env.now();
  const r = await env.fep.request(terminal, { afn: 0x0c, units: [{ pn: 0, fn: 2 }], priority: 'scheduled' });
  const t1 = env.now();
  const u = r.units.find((x) => !x.raw && x.fn === 2);
  const clock = u && !u.raw && isObj(u.data) ? u.data.clock : undefined;
  if (!isObj(clock) || typeof clock.second !== 'number') throw new Error('no terminal clock (AFN0C F2) in the reply');
  const terminalTime = env.cal.fromParts(clock as unknown as Parameters<LocalCalendar['fromParts']>[0]);
  return terminalTime - (t0 + t1) / 2;
}

export async function patrolClock(env: ClockEnv, t: TerminalTarget): Promise<ClockOutcome> {
  const out: ClockOutcome = { terminal: t.key, status: 'ok', requests: 0 };
  if (!env.fep.isOnline(t.key)) {
    out.status = 'offline';
    return out;
  }
  try {
    out.requests++;
    out.offsetMs = await readOffset(env, t.key);
  } catch (e) {
    out.status = env.fep.isOnline(t.key) ? 'failed' : 'offline';
    out.error = e instanceof Error ? e.message : String(e);
    return out;
  }
  // A.1 carries whole seconds: the offset read is exact to about 1 s, far inside the threshold (default 5 s).
  if (Math.abs(out.offsetMs) <= env.thresholdS * 1000) return out;
  if (!env.set) {
    out.status = 'drift';
    return out;
  }
  const at = env.now();
  try {
    out.requests++;
    await env.fep.control(t.key, [{ pn: 0, fn: 31, data: { clock: builders.clockOf(new Date(at), env.cal.offsetMinutes) } }], { priority: 'control' });
    out.status = 'set';
    try {
      out.requests++;
      out.offsetAfterMs = await readOffset(env, t.key);
    } catch {
      // the set was confirmed; the read-back is informative only
    }
  } catch (e) {
    out.status = 'set-failed';
    out.error = e instanceof Error ? e.message : String(e);
  }
  const row: ClockAuditRow = { terminal: t.id, at, offsetMs: out.offsetMs, action: out.status === 'set' ? 'set' : 'set-failed' };
  if (out.offsetAfterMs !== undefined) row.offsetAfterMs = out.offsetAfterMs;
  if (out.error !== undefined) row.detail = out.error;
  env.audit.record(row);
  return out;
}
