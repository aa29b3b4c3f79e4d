/**
 * A campaign: one series task for one period (daily D, curve D, …) from its first round until its 补采
 * window closes. It knows which terminals still lack data (gaps left, or offline when their turn came):
 * - after a round with gaps, a 补采 round over those terminals follows with exponential back-off
 *   (firstDelayS · factor^k, at most maxDelayS) while the window is open;
 * - a lacking terminal that logs in is served at once;
 * - quality: `collected` for data a terminal is asked for the first time, `recollected` once it was asked
 *   before (the first request failed, the terminal had not read the meter yet, …).
 * Each pass recomputes the gaps from the store, so nothing stored is asked again.
 */
import type { Clock, Timer } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Quality } from '../store/store.js';
import type { RunMode } from './api.js';
import type { SchedulerConfig } from './config.js';
import type { SeriesTaskName } from './fns.js';
import type { TerminalTarget } from './targets.js';
import type { TerminalOutcome } from './tasks/series.js';
import type { LocalDate } from './time.js';
import { formatDate } from './time.js';

export interface CampaignHost {
  clock: Clock;
  config: SchedulerConfig;
  log: Logger;
  /** Runs one pass over `terminals`; `outcome` is called as each terminal finishes. */
  pass(c: Campaign, terminals: readonly TerminalTarget[], mode: RunMode, outcome: (t: TerminalTarget, o: TerminalOutcome) => void): Promise<void>;
  /** The terminal of a key, if it is (still) in the archive. */
  terminal(key: string): TerminalTarget | undefined;
  /** Whether the terminal is online now. */
  isOnline(key: string): boolean;
}

export class Campaign {
  readonly key: string;
  private readonly tried = new Set<string>();
  private readonly lacking = new Set<string>();
  private readonly busy = new Set<string>();
  private delayMs: number;
  private timer: Timer | undefined;
  private round: Promise<void> | undefined;
  private closed = false;
  recollectRounds = 0;

  constructor(
    private readonly host: CampaignHost,
    readonly task: SeriesTaskName,
    readonly date: LocalDate,
    readonly closesAt: number,
  ) {
    this.key = `${task}/${formatDate(date)}`;
    this.delayMs = host.config.recollect.firstDelayS * 1000;
  }

  get open(): boolean {
    return !this.closed && this.host.clock.now() < this.closesAt;
  }

  /** Terminals still lacking data. */
  get pending(): readonly string[] {
    return [...this.lacking].sort();
  }

  qualityFor(terminal: string): Quality {
    return this.tried.has(terminal) ? 'recollected' : 'collected';
  }

  /** Runs a round over `terminals` (the scheduled round, or a catch-up after a restart). */
  start(terminals: readonly TerminalTarget[], mode: RunMode = 'scheduled'): Promise<void> {
    if (this.round) return this.round;
    this.round = this.runRound(terminals, mode).finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  /** A terminal logged in: serve it now if it lacks data of this period. */
  online(key: string): void {
    if (!this.open || !this.lacking.has(key) || this.busy.has(key)) return;
    const t = this.host.terminal(key);
    if (!t) return;
    void this.passOver([t], 'login')
      .then(() => this.scheduleRecollect())
      .catch((e: unknown) => this.host.log.error({ err: e, campaign: this.key, terminal: key }, 'serving a late terminal failed'));
  }

  close(): void {
    this.closed = true;
    this.host.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async runRound(terminals: readonly TerminalTarget[], mode: RunMode): Promise<void> {
    await this.passOver(terminals, mode);
    this.scheduleRecollect();
  }

  private async passOver(terminals: readonly TerminalTarget[], mode: RunMode): Promise<void> {
    const todo = terminals.filter((t) => !this.busy.has(t.key));
    for (const t of todo) this.busy.add(t.key);
    try {
      await this.host.pass(this, todo, mode, (t, o) => {
        this.busy.delete(t.key);
        if (o.stats.requests > 0) this.tried.add(t.key);
        if (o.status === 'gaps' || o.status === 'offline') this.lacking.add(t.key);
        else this.lacking.delete(t.key);
        // Went offline during its turn and is back already: serve it again.
        if (o.status === 'offline' && this.host.isOnline(t.key)) this.online(t.key);
      });
    } finally {
      for (const t of todo) this.busy.delete(t.key);
    }
  }

  private scheduleRecollect(): void {
    const c = this.host.config.recollect;
    if (!c.enabled || this.closed || this.lacking.size === 0 || this.timer) return;
    const now = this.host.clock.now();
    if (now + this.delayMs >= this.closesAt) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * c.factor, c.maxDelayS * 1000);
    this.timer = this.host.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.open || this.lacking.size === 0) return;
      this.recollectRounds++;
      // Offline terminals are served when they log in; a round asks the online ones.
      const terminals = [...this.lacking].filter((k) => this.host.isOnline(k)).map((k) => this.host.terminal(k)).filter((t): t is TerminalTarget => t !== undefined);
      if (terminals.length === 0) {
        this.scheduleRecollect();
        return;
      }
      this.host.log.info({ event: 'recollect', campaign: this.key, terminals: terminals.length, round: this.recollectRounds }, '补采 round');
      void this.start(terminals, 'recollect').catch((e: unknown) => this.host.log.error({ err: e, campaign: this.key }, '补采 round failed'));
    }, delay);
  }
}
