/**
 * Collection routes of the local admin API (added to src/admin/server.ts through `routes`):
 *
 *   GET  /v1/collect/status?date=YYYY-MM-DD[&task=daily|billingDay|monthly|curve][&by=terminal|taiqu|region|system]
 *                                    success rate and online rate of a day (completeness.ts)
 *   POST /v1/collect/run  { task, date? | from + to, terminal?: key | key[], pn?: [..] | "1-8" }
 *                                    starts a run (manual 补采 for series tasks) → the run, state running
 *   GET  /v1/collect/runs            the last runs (scheduled, 补采, login, manual)
 *   GET  /v1/collect/runs/:id        one run with its progress
 *
 * Errors as the other routes: 400 invalid-input, 404 not-found (unknown terminal or run).
 */
import type { CollectApi } from '../scheduler/api.js';
import type { Route } from './server.js';
import { runIdOf, runSpecOf, statusQueryOf } from './collect-validate.js';

export function collectRoutes(api: CollectApi): Route[] {
  return [
    { method: 'GET', pattern: /^\/v1\/collect\/status$/, handler: ({ query }) => api.status(statusQueryOf(query)) },
    { method: 'POST', pattern: /^\/v1\/collect\/run$/, handler: async ({ body }) => api.run(runSpecOf(await body())) },
    { method: 'GET', pattern: /^\/v1\/collect\/runs$/, handler: () => ({ runs: api.runs() }) },
    { method: 'GET', pattern: /^\/v1\/collect\/runs\/([^/]+)$/, handler: ({ params }) => api.runInfo(runIdOf(params[0])) },
  ];
}
