/**
 * The collection service the head-end composes: task clock, campaigns with 补采, runs with progress,
 * active-event storage, event polling, clock patrol, the online log and the completeness figures — over
 * injected FEP, bus, clock, store, archive and database. It implements `CollectApi` for the admin API.
 *
 * Work is bounded twice: `concurrency.terminals` terminals are worked on at once (all tasks together),
 * and each terminal has at most `concurrency.perTerminal` scheduler requests queued in the FEP, at priority
 * `scheduled`, so operator call-ups and control go first.
 */
import type { Db } from '../archive/db.js';
import type { EventBus, HesEvents } from '../bus.js';
import type { Clock } from '../clock.js';
import { InputError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { NotFoundError } from '../service/errors.js';
import type { ReadingStore } from '../store/store.js';
import type { CollectApi, CompletenessReport, RunInfo, RunMode, RunSpec, StatusQuery } from './api.js';
import { Campaign, type CampaignHost } from './campaign.js';
import { completeness } from './completeness.js';
import type { SchedulerConfig, TaskName } from './config.js';
import { TASK_NAMES, settingsFor } from './config.js';
import type { FepPort } from './executor.js';
import type { SeriesTaskName } from './fns.js';
import { KeyedLimiter, Limiter } from './limiter.js';
import { OnlineLog } from './online-log.js';
import { RunRegistry, type Run } from './runs.js';
import { TaskClock } from './scheduler.js';
import { WriteBatcher } from './write-batcher.js';
import type { CollectionArchive, TerminalTarget } from './targets.js';
import { ClockAudit, patrolClock } from './tasks/clock.js';
import { EventPointers, needsPolling, pollEvents, storeActiveReport, type EventEnv } from './tasks/events.js';
import { collectSeries, type SeriesEnv, type TerminalOutcome } from './tasks/series.js';
import { collectSnapshot } from './tasks/snapshot.js';
import type { LocalDate } from './time.js';
import { LocalCalendar, formatDate } from './time.js';
import { closeAt, defaultDate, lastDue, type Due } from './timetable.js';

export interface CollectionServiceOptions {
  config: SchedulerConfig;
  fep: FepPort;
  bus: EventBus<HesEvents>;
  clock: Clock;
  store: ReadingStore;
  archive: CollectionArchive;
  /** The head-end database (online log, event pointers, clock audit: migration 0004). */
  db: Db;
  logger?: Logger;
  /** Terminal local time, minutes east of UTC (default 480). */
  utcOffsetMinutes?: number;
}

const SERIES: readonly SeriesTaskName[] = ['daily', 'billingDay', 'monthly', 'curve'];
const isSeries = (t: TaskName): t is SeriesTaskName => (SERIES as readonly string[]).includes(t);
const MAX_DATES = 62;

export class CollectionService implements CollectApi {
  readonly cal: LocalCalendar;
  readonly online: OnlineLog;
  readonly pointers: EventPointers;
  readonly audit: ClockAudit;
  private readonly config: SchedulerConfig;
  private readonly log: Logger;
  private readonly global: Limiter;
  private readonly window: KeyedLimiter;
  private readonly registry = new RunRegistry();
  private readonly campaigns = new Map<string, Campaign>();
  private readonly taskClock: TaskClock;
  private readonly batcher: WriteBatcher;
  private readonly active = new Set<Promise<unknown>>();
  private readonly running = new Set<TaskName>();
  private readonly polling = new Set<string>();
  private readonly offs: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly o: CollectionServiceOptions) {
    this.config = o.config;
    this.log = o.logger ?? silentLogger;
    this.cal = new LocalCalendar(o.utcOffsetMinutes ?? 480);
    this.global = new Limiter(o.config.concurrency.terminals);
    this.window = new KeyedLimiter(o.config.concurrency.perTerminal);
    this.online = new OnlineLog({ db: o.db, clock: o.clock, log: this.log, idOf: (key) => o.archive.terminal(key)?.id });
    this.pointers = new EventPointers(o.db);
    this.audit = new ClockAudit(o.db);
    this.batcher = new WriteBatcher(o.store, undefined, (readings) => o.bus.publish('readings', { at: o.clock.now(), readings }));
    this.taskClock = new TaskClock({ clock: o.clock, cal: this.cal, config: o.config, log: this.log, fire: (due) => this.onDue(due) });
  }

  // ------------------------------------------------------------------ lifecycle

  /** Starts recording, listening and (when enabled) the task clock, with a catch-up of open periods. */
  start(): void {
    const bus = this.o.bus;
    this.offs.push(this.online.start(bus));
    this.offs.push(
      bus.subscribe('online', (p) => {
        for (const c of this.campaigns.values()) c.online(p.terminal);
      }),
      bus.subscribe('event', (p) => this.track(this.onActiveReport(p))),
      bus.subscribe('eventsPending', (p) => this.onEventsPending(p.terminal)),
    );
    if (!this.config.enabled) return;
    this.taskClock.start();
    const now = this.o.clock.now();
    for (const task of SERIES) {
      if (!this.config.tasks[task].enabled) continue;
      const due = lastDue(task, now, this.cal, this.config);
      if (now < closeAt(task, due.date, this.cal, this.config)) this.startCampaign(task, due.date);
    }
  }

  /** Stops scheduling; resolves when the work under way has settled (close the FEP meanwhile to cut it short). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.taskClock.stop();
    for (const c of this.campaigns.values()) c.close();
    for (const f of this.offs.splice(0)) f();
    this.online.stop();
    while (this.active.size) await Promise.allSettled([...this.active]);
  }

  /** Resolves when no run is under way (tests, benches). */
  async idle(): Promise<void> {
    while (this.active.size) await Promise.allSettled([...this.active]);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.active.add(p);
    void p.then(
      () => this.active.delete(p),
      (e: unknown) => {
        this.active.delete(p);
        this.log.error({ err: e }, 'collection work failed');
      },
    );
    return p;
  }

  // ------------------------------------------------------------------ triggers

  private onDue(due: Due): void {
    if (this.stopped) return;
    if (isSeries(due.task)) {
      this.startCampaign(due.task, due.date);
      return;
    }
    if (this.running.has(due.task)) {
      this.log.warn({ task: due.task }, 'previous run still under way: this one is skipped');
      return;
    }
    let terminals = this.o.archive.terminals().filter((t) => settingsFor(this.config, t)[due.task].enabled);
    if (due.task === 'events' && this.config.tasks.events.mode === 'auto') {
      const now = this.o.clock.now();
      terminals = terminals.filter((t) => needsPolling(this.pointers.of(t.id), now, this.config.tasks.events.activeWithinHours));
    }
    this.running.add(due.task);
    const run = this.registry.create(due.task, 'scheduled', terminals.length, this.o.clock.now());
    this.track(this.runTerminalTask(run, due.task, terminals).finally(() => this.running.delete(due.task)));
  }

  /** The campaign of a series period (created on first use; closed ones are dropped). */
  campaign(task: SeriesTaskName, date: LocalDate): Campaign {
    const now = this.o.clock.now();
    for (const [k, c] of this.campaigns) {
      if (now < c.closesAt) continue;
      c.close();
      this.campaigns.delete(k);
    }
    const key = `${task}/${formatDate(date)}`;
    let c = this.campaigns.get(key);
    if (!c) this.campaigns.set(key, (c = new Campaign(this.campaignHost(), task, date, closeAt(task, date, this.cal, this.config))));
    return c;
  }

  /** Starts (or joins) the round of a series period over every terminal. */
  startCampaign(task: SeriesTaskName, date: LocalDate): Promise<void> {
    const c = this.campaign(task, date);
    return this.track(c.start(this.o.archive.terminals()));
  }

  private campaignHost(): CampaignHost {
    return {
      clock: this.o.clock,
      config: this.config,
      log: this.log,
      terminal: (key) => this.o.archive.terminal(key),
      isOnline: (key) => this.o.fep.isOnline(key),
      pass: (c, terminals, mode, outcome) => this.track(this.seriesPass(c, terminals, mode, outcome)),
    };
  }

  private async seriesPass(c: Campaign, terminals: readonly TerminalTarget[], mode: RunMode, outcome: (t: TerminalTarget, o: TerminalOutcome) => void): Promise<void> {
    const run = this.registry.create(c.task, mode, terminals.length, this.o.clock.now(), [formatDate(c.date)]);
    if (mode !== 'login') this.log.info({ event: 'collect-round', run: run.id, task: c.task, date: formatDate(c.date), mode, terminals: terminals.length }, 'collection round');
    await this.forTerminals(run, terminals, async (t) => {
      const o = await collectSeries(this.env(run), c.task, c.date, t, c.qualityFor(t.key));
      run.seriesOutcome(o);
      outcome(t, o);
    }, (t) => outcome(t, failedOutcome(t.key)));
    this.finish(run);
  }

  /** Runs `fn` per terminal with the global bound; a throw counts the terminal as failed. */
  private async forTerminals(run: Run, terminals: readonly TerminalTarget[], fn: (t: TerminalTarget) => Promise<void>, failed?: (t: TerminalTarget) => void): Promise<void> {
    await Promise.all(
      terminals.map((t) =>
        this.global.run(async () => {
          if (this.stopped) {
            run.terminalDone('skipped');
            failed?.(t);
            return;
          }
          try {
            await fn(t);
          } catch (e) {
            run.problem(t.key, e instanceof Error ? e.message : String(e));
            run.terminalDone('failed');
            failed?.(t);
          }
        }),
      ),
    );
  }

  private finish(run: Run): void {
    run.finish(this.o.clock.now());
    const i = run.info;
    if (i.mode !== 'login') {
      this.log.info({ event: 'collect-run-done', run: i.id, task: i.task, mode: i.mode, dates: i.dates, terminals: i.terminals, requests: i.requests, readings: i.readings, events: i.events, missing: i.points.missingAfter }, 'collection run done');
    }
  }

  private env(run: Run): SeriesEnv {
    return {
      fep: this.o.fep,
      store: this.o.store,
      cal: this.cal,
      now: () => this.o.clock.now(),
      window: this.window,
      log: this.log,
      write: (rs) => this.batcher.write(rs),
      onRequest: (ok) => run.request(ok),
      config: this.config,
      archive: this.o.archive,
    };
  }

  private eventEnv(): EventEnv {
    return { fep: this.o.fep, store: this.o.store, cal: this.cal, archive: this.o.archive, pointers: this.pointers, now: () => this.o.clock.now() };
  }

  /** Snapshot, event polling or clock patrol over `terminals`. */
  private async runTerminalTask(run: Run, task: 'snapshot' | 'events' | 'clock', terminals: readonly TerminalTarget[], pns?: ReadonlySet<number>): Promise<void> {
    const fep = countingFep(this.o.fep, run);
    await this.forTerminals(run, terminals, async (t) => {
      if (task === 'snapshot') {
        run.seriesOutcome(await collectSnapshot(this.env(run), t, 'collected', pns));
      } else if (task === 'events') {
        const r = await pollEvents({ ...this.eventEnv(), fep }, t);
        run.info.events += r.events;
        if (r.error) run.problem(t.key, r.error);
        run.terminalDone(r.status === 'done' ? 'complete' : r.status);
      } else {
        const c = this.config.tasks.clock;
        const r = await patrolClock({ fep, cal: this.cal, audit: this.audit, now: () => this.o.clock.now(), thresholdS: c.thresholdS, set: c.set }, t);
        const k = (run.info.clock ??= { set: 0, setFailed: 0, drift: 0 });
        if (r.status === 'set') k.set++;
        if (r.status === 'set-failed') k.setFailed++;
        if (r.status === 'drift') k.drift++;
        if (r.error) run.problem(t.key, r.error);
        run.terminalDone(r.status === 'offline' ? 'offline' : r.status === 'failed' || r.status === 'set-failed' ? 'failed' : 'complete');
      }
    });
    this.finish(run);
  }

  // ------------------------------------------------------------------ events

  private async onActiveReport(p: HesEvents['event']): Promise<void> {
    const t = this.o.archive.terminal(p.terminal);
    if (!t) return;
    await storeActiveReport(this.eventEnv(), t, p);
  }

  private onEventsPending(key: string): void {
    const c = this.config.tasks.events;
    if (this.stopped || !this.config.enabled || !c.enabled || this.polling.has(key)) return;
    const t = this.o.archive.terminal(key);
    if (!t || !settingsFor(this.config, t).events.enabled) return;
    if (c.mode === 'auto' && !needsPolling(this.pointers.of(t.id), this.o.clock.now(), c.activeWithinHours)) return;
    this.polling.add(key);
    this.track(pollEvents(this.eventEnv(), t).finally(() => this.polling.delete(key)));
  }

  // ------------------------------------------------------------------ CollectApi

  run(spec: RunSpec): RunInfo {
    if (!TASK_NAMES.includes(spec.task)) throw new InputError('task', `unknown task '${String(spec.task)}' (one of ${TASK_NAMES.join(', ')})`);
    if (this.stopped) throw new InputError('task', 'the head-end is stopping');
    const terminals = spec.terminals?.map((k) => {
      const t = this.o.archive.terminal(k);
      if (!t) throw new NotFoundError('terminal', `terminal ${k} is not in the archive`);
      return t;
    }) ?? this.o.archive.terminals();
    const pns = spec.pns ? new Set(spec.pns) : undefined;
    const task = spec.task;
    if (!isSeries(task)) {
      if (spec.dates) throw new InputError('date', `the ${task} task takes no date (it reads what the terminal holds now)`);
      if (pns && task !== 'snapshot') throw new InputError('pn', `the ${task} task works on whole terminals: no points`);
      const run = this.registry.create(task, 'manual', terminals.length, this.o.clock.now());
      this.track(this.runTerminalTask(run, task, terminals, pns));
      return run.info;
    }
    let dates = spec.dates ?? [defaultDate(task, this.o.clock.now(), this.cal)];
    if (task === 'monthly') dates = [...new Map(dates.map((d) => [`${d.year}-${d.month}`, { year: d.year, month: d.month, day: 1 }])).values()];
    if (dates.length > MAX_DATES) throw new InputError('date', `at most ${MAX_DATES} days per run, got ${dates.length}`);
    const run = this.registry.create(task, 'manual', terminals.length * dates.length, this.o.clock.now(), dates.map(formatDate));
    this.track(
      (async () => {
        for (const date of dates) {
          await this.forTerminals(run, terminals, async (t) => run.seriesOutcome(await collectSeries(this.env(run), task, date, t, 'recollected', pns)));
        }
        this.finish(run);
      })(),
    );
    return run.info;
  }

  runs(): RunInfo[] {
    return this.registry.list();
  }

  runInfo(id: number): RunInfo {
    const r = this.registry.get(id);
    if (!r) throw new NotFoundError('run', `no collection run ${id} (only the last runs are kept)`);
    return r.info;
  }

  status(q: StatusQuery): Promise<CompletenessReport> {
    return completeness({ config: this.config, cal: this.cal, archive: this.o.archive, store: this.o.store }, this.online, q);
  }
}

/** The FEP with every request counted in a run's progress. */
function countingFep(fep: FepPort, run: Run): FepPort {
  const count = <T>(p: Promise<T>): Promise<T> =>
    p.then(
      (x) => (run.request(true), x),
      (e: unknown) => {
        run.request(false);
        throw e;
      },
    );
  return {
    isOnline: (k) => fep.isOnline(k),
    request: (k, r) => count(fep.request(k, r)),
    control: (k, units, o) => count(fep.control(k, units, o)),
  };
}

function failedOutcome(terminal: string): TerminalOutcome {
  return { terminal, status: 'gaps', meters: 0, expected: 0, gapsBefore: 0, gapsAfter: 0, metersWithGaps: 0, stats: { requests: 0, ok: 0, failed: 0, readings: 0, empty: 0, offline: false, errors: [] } };
}
