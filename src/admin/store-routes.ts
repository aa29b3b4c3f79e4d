/**
 * Store routes of the local admin API (with InfluxDB and the coverage index, src/store/coverage):
 *
 *   GET  /v1/store/coverage                   the index file, from which data time it answers, the last run
 *   POST /v1/store/reindex { from, to }       indexes what the store holds for days from..to (China time,
 *                                             inclusive) → the run, state running
 *   GET  /v1/store/reindex/:id                one run with its progress
 *
 * 409 conflict while a run is going; 400 for bad dates; 404 for an unknown run.
 */
import { InputError } from '../errors.js';
import type { ReindexJobs } from '../service/reindex-jobs.js';
import { DAY_MS, CST_OFFSET_MS } from '../store/time.js';
import type { Route } from './server.js';
import { asObject, dateOf } from './validate.js';

/** At most this many days per run (a run scans every indexed kind of each day). */
export const MAX_REINDEX_DAYS = 3660;

const cstStart = (d: { year: number; month: number; day: number }): number => Date.UTC(d.year, d.month - 1, d.day) - CST_OFFSET_MS;

/** `{ from: "YYYY-MM-DD", to: "YYYY-MM-DD" }` → [from 00:00, to + 1 day 00:00) China time. */
export function reindexRangeOf(body: unknown): { from: number; to: number } {
  const o = asObject(body);
  for (const k of Object.keys(o)) if (k !== 'from' && k !== 'to') throw new InputError(k, 'unknown field (takes from, to)');
  const from = cstStart(dateOf(o.from, 'from'));
  const to = cstStart(dateOf(o.to, 'to')) + DAY_MS;
  if (to <= from) throw new InputError('to', 'must not be before from');
  if ((to - from) / DAY_MS > MAX_REINDEX_DAYS) throw new InputError('to', `at most ${MAX_REINDEX_DAYS} days per run`);
  return { from, to };
}

function runIdOf(text: string | undefined): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new InputError('id', `expected a run id (a positive integer), got ${JSON.stringify(text)}`);
  return id;
}

export function storeRoutes(jobs: ReindexJobs): Route[] {
  return [
    { method: 'GET', pattern: /^\/v1\/store\/coverage$/, handler: () => jobs.info() },
    {
      method: 'POST',
      pattern: /^\/v1\/store\/reindex$/,
      handler: async ({ body }) => {
        const r = reindexRangeOf(await body());
        return jobs.start(r.from, r.to);
      },
    },
    { method: 'GET', pattern: /^\/v1\/store\/reindex\/([^/]+)$/, handler: ({ params }) => jobs.get(runIdOf(params[0])) },
  ];
}
