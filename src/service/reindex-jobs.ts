/**
 * Reindex runs of the coverage index inside the running head-end (`hes store reindex`, POST
 * /v1/store/reindex): one at a time, with progress, so the index that 补采 reads is the one being filled
 * (no second process writing the file under the head-end's cache).
 */
import { ConflictError, NotFoundError } from './errors.js';
import type { SeriesKind } from '../store/quantities.js';
import type { CoveredStore } from '../store/coverage/covered-store.js';

export interface ReindexJob {
  id: number;
  state: 'running' | 'done' | 'failed';
  /** Data time range [from, to), UTC ms. */
  from: number;
  to: number;
  /** The kind being scanned, and readings indexed so far over all kinds. */
  kind: SeriesKind | null;
  readings: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  /** The index's start after the run (data times before it are asked of the store). */
  authoritativeFrom: number | null;
}

export interface CoverageInfo {
  file: string;
  /** Data times from here on are answered by the index (UTC ms; null: every data time). */
  authoritativeFrom: number | null;
  /** Per kind, the first data time the index answers (start and retention; UTC ms, null: every one). */
  answersFrom: Record<'day' | 'billingDay' | 'month' | 'curve', number | null>;
  job: ReindexJob | null;
}

/** The coverage part of /v1/status. */
export function coverageStatus(i: CoverageInfo): { file: string; authoritativeFrom: string | null; reindexing: boolean } {
  return { file: i.file, authoritativeFrom: i.authoritativeFrom === null ? null : new Date(i.authoritativeFrom).toISOString(), reindexing: i.job?.state === 'running' };
}

export class ReindexJobs {
  private last: ReindexJob | null = null;
  private readonly jobs = new Map<number, ReindexJob>();
  private seq = 0;

  constructor(
    private readonly store: CoveredStore,
    private readonly now: () => number = Date.now,
  ) {}

  info(): CoverageInfo {
    const index = this.store.index;
    const orNull = (t: number): number | null => (t === Number.MIN_SAFE_INTEGER ? null : t);
    const answersFrom = { day: orNull(index.answersFrom('day')), billingDay: orNull(index.answersFrom('billingDay')), month: orNull(index.answersFrom('month')), curve: orNull(index.answersFrom('curve')) };
    return { file: index.file, authoritativeFrom: orNull(index.authoritativeFrom), answersFrom, job: this.last ? { ...this.last } : null };
  }

  /** Starts indexing [from, to); refused while another run is going. */
  start(from: number, to: number): ReindexJob {
    if (this.last?.state === 'running') throw new ConflictError('busy', `reindex run ${this.last.id} is still running (${this.last.readings} readings so far)`);
    const job: ReindexJob = {
      id: ++this.seq,
      state: 'running',
      from,
      to,
      kind: null,
      readings: 0,
      startedAt: new Date(this.now()).toISOString(),
      finishedAt: null,
      error: null,
      authoritativeFrom: null,
    };
    this.last = job;
    this.jobs.set(job.id, job);
    void this.store
      .reindex(from, to, (p) => {
        job.kind = p.kind;
        job.readings = p.readings;
      })
      .then(
        (r) => {
          job.readings = r.readings;
          job.authoritativeFrom = r.authoritativeFrom;
          job.state = 'done';
        },
        (e: unknown) => {
          job.error = e instanceof Error ? e.message : String(e);
          job.state = 'failed';
        },
      )
      .finally(() => {
        job.finishedAt = new Date(this.now()).toISOString();
      });
    return { ...job };
  }

  get(id: number): ReindexJob {
    const j = this.jobs.get(id);
    if (!j) throw new NotFoundError('reindex', `no reindex run ${id}`);
    return { ...j };
  }
}
