/**
 * Terminal online intervals (in-service time, 在线率) recorded from the bus into the head-end database
 * (table terminal_online, migration 0004): an interval opens on `online` and closes on `offline`; a second
 * login replacing the first session keeps the interval open. Open intervals are refreshed every
 * `touchMs`; intervals a stopped head-end left open are closed at their last refresh when the log starts,
 * and the head-end closes its open intervals when it stops (shutdown) — so the head-end's own downtime
 * never counts as terminal online time.
 *
 * Online rate of a terminal over [from, to) = online time / the part of the period already elapsed; the
 * domain target is a monthly average > 97 % (domain.md §5).
 */
import type { Db, Stmt } from '../archive/db.js';
import type { EventBus, HesEvents } from '../bus.js';
import type { Clock, Timer } from '../clock.js';
import type { Logger } from '../logger.js';

export interface OnlineLogOptions {
  db: Db;
  clock: Clock;
  /** Archive id of a terminal key (undefined: not in the archive, not recorded). */
  idOf(terminalKey: string): number | undefined;
  log: Logger;
  /** Refresh period of open intervals, ms (default 5 min). */
  touchMs?: number;
}

export class OnlineLog {
  private readonly st: Record<'open' | 'insert' | 'close' | 'closeAll' | 'touch' | 'recover' | 'sum' | 'sumOne', Stmt>;
  private timer: Timer | undefined;
  private readonly touchMs: number;
  private stopped = false;

  constructor(private readonly o: OnlineLogOptions) {
    const db = o.db;
    this.touchMs = o.touchMs ?? 300_000;
    this.st = {
      open: db.prepare('SELECT id FROM terminal_online WHERE terminal = ? AND offline_at IS NULL'),
      insert: db.prepare('INSERT INTO terminal_online (terminal, online_at, seen_at) VALUES (?, ?, ?)'),
      close: db.prepare('UPDATE terminal_online SET offline_at = max(online_at, ?), reason = ? WHERE terminal = ? AND offline_at IS NULL'),
      closeAll: db.prepare('UPDATE terminal_online SET offline_at = max(online_at, ?), reason = ? WHERE offline_at IS NULL'),
      touch: db.prepare('UPDATE terminal_online SET seen_at = ? WHERE offline_at IS NULL'),
      recover: db.prepare("UPDATE terminal_online SET offline_at = max(online_at, seen_at), reason = 'head-end stopped' WHERE offline_at IS NULL"),
      sum: db.prepare(`SELECT terminal, sum(min(coalesce(offline_at, @now), @to) - max(online_at, @from)) AS ms FROM terminal_online
        WHERE online_at < @to AND coalesce(offline_at, @now) > @from GROUP BY terminal`),
      sumOne: db.prepare(`SELECT sum(min(coalesce(offline_at, @now), @to) - max(online_at, @from)) AS ms FROM terminal_online
        WHERE terminal = @terminal AND online_at < @to AND coalesce(offline_at, @now) > @from`),
    };
  }

  /** Closes what a previous run left open, subscribes to the bus, starts the refresh. Returns the unsubscribe. */
  start(bus: EventBus<HesEvents>): () => void {
    const n = this.st.recover.run().changes;
    if (n > 0) this.o.log.info({ event: 'online-log-recovered', intervals: n }, 'closed online intervals left open by a previous run');
    const offs = [
      bus.subscribe('online', (p) => {
        const id = this.o.idOf(p.terminal);
        if (id !== undefined) this.opened(id, p.at);
      }),
      bus.subscribe('offline', (p) => {
        const id = this.o.idOf(p.terminal);
        if (id !== undefined) this.closed(id, p.at, p.reason);
      }),
    ];
    this.scheduleTouch();
    return () => offs.forEach((f) => f());
  }

  opened(terminal: number, at: number): void {
    if (this.st.open.get(terminal)) return; // a replacing session: the terminal never went offline
    this.st.insert.run(terminal, at, at);
  }

  closed(terminal: number, at: number, reason: string): void {
    this.st.close.run(at, reason, terminal);
  }

  /** Closes every open interval now (head-end shutdown). */
  stop(reason = 'shutdown'): void {
    if (this.stopped) return;
    this.stopped = true;
    this.o.clock.clearTimeout(this.timer);
    this.st.closeAll.run(this.o.clock.now(), reason);
  }

  private scheduleTouch(): void {
    if (this.stopped) return;
    this.timer = this.o.clock.setTimeout(() => {
      this.st.touch.run(this.o.clock.now());
      this.scheduleTouch();
    }, this.touchMs);
  }

  /** Online ms per terminal id within [from, to) (terminals never online are absent). */
  onlineMs(from: number, to: number): Map<number, number> {
    const now = this.o.clock.now();
    const rows = this.st.sum.all({ from, to, now }) as { terminal: number; ms: number | null }[];
    return new Map(rows.map((r) => [r.terminal, Math.max(0, r.ms ?? 0)]));
  }

  onlineMsOf(terminal: number, from: number, to: number): number {
    const r = this.st.sumOne.get({ terminal, from, to, now: this.o.clock.now() }) as { ms: number | null } | undefined;
    return Math.max(0, r?.ms ?? 0);
  }

  /** The elapsed part of [from, to) (the denominator of a rate), ms. */
  elapsed(from: number, to: number): number {
    return Math.max(0, Math.min(to, this.o.clock.now()) - from);
  }
}
