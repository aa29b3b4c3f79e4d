/**
 * Commissioning runs inside the head-end: `start` validates and launches a run in the background,
 * `poll` returns its progress events after a cursor (the CLI polls; a client that goes away does not
 * stop the run). The last `keep` runs stay readable in memory with their progress; with a database
 * every finished report is also stored (CommissionStore) and `poll` finds it there after a restart.
 */
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { NotFoundError } from '../service/errors.js';
import type { CommissionDeps, TerminalRunOptions } from './context.js';
import { parseSteps, runTerminalCommissioning } from './runner.js';
import type { ControlPort } from './steps/control.js';
import type { CommissionStore } from './store.js';
import type { CommissionEvent, CommissionReport } from './types.js';

export type RunState = 'running' | 'done' | 'failed';

export interface RunPoll {
  id: string;
  terminal: string;
  state: RunState;
  events: CommissionEvent[];
  /** Cursor for the next poll (`after`). */
  next: number;
  report?: CommissionReport;
  error?: string;
}

interface Run {
  id: string;
  terminal: string;
  state: RunState;
  events: CommissionEvent[];
  report?: CommissionReport;
  error?: string;
}

export class CommissionService {
  private readonly runs = new Map<string, Run>();
  private seq = 0;
  private readonly log: Logger;

  constructor(
    private readonly deps: CommissionDeps,
    private readonly o: { logger?: Logger; keep?: number; control?: (roles: readonly string[]) => ControlPort; store?: CommissionStore } = {},
  ) {
    this.log = o.logger ?? silentLogger;
  }

  /** Starts a run; `terminal` must resolve (NotFoundError otherwise) — offline terminals are reported by the link step. */
  start(terminal: string, options: TerminalRunOptions, roles: readonly string[]): { id: string; terminal: string } {
    parseSteps(options.steps);
    this.deps.terminal(terminal); // NotFound for unknown terminals
    const id = `c${Date.now().toString(36)}-${++this.seq}`;
    const run: Run = { id, terminal, state: 'running', events: [] };
    this.runs.set(id, run);
    const keep = this.o.keep ?? 20;
    for (const k of this.runs.keys()) if (this.runs.size > keep && this.runs.get(k)!.state !== 'running') this.runs.delete(k);
    const control = this.o.control?.(roles);
    this.log.info({ event: 'commission-start', id, terminal, operator: options.operator, steps: options.steps }, 'commissioning started');
    runTerminalCommissioning({ ...this.deps, ...(control ? { control } : {}) }, terminal, options, (e) => run.events.push(e))
      .then((report) => {
        report.id = id;
        try {
          this.o.store?.save(id, report);
        } catch (e) {
          // The run's result stays readable in memory (and the CLI writes --report files) even so.
          this.log.error({ err: e, id, terminal }, 'commissioning report not stored');
        }
        run.report = report;
        run.state = 'done';
        this.log.info({ event: 'commission-done', id, terminal, verdict: report.verdict, counts: report.counts }, 'commissioning finished');
      })
      .catch((e: unknown) => {
        run.state = 'failed';
        run.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        this.log.error({ err: e, id, terminal }, 'commissioning run failed');
      });
    return { id, terminal };
  }

  poll(id: string, after = 0): RunPoll {
    const run = this.runs.get(id);
    if (!run) {
      const stored = this.o.store?.get(id);
      if (!stored) throw new NotFoundError('commission', `no commissioning run ${id}`);
      return { id, terminal: stored.target, state: 'done', events: [], next: after, report: stored };
    }
    const events = run.events.slice(after);
    const out: RunPoll = { id, terminal: run.terminal, state: run.state, events, next: after + events.length };
    if (run.state !== 'running' && out.next >= run.events.length) {
      if (run.report) out.report = run.report;
      if (run.error) out.error = run.error;
    }
    return out;
  }
}
