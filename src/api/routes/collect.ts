/**
 * Collection (src/scheduler) under /api/v1: completeness figures and manual 补采 — what `hes collect`
 * does through the local admin API (src/admin/collect-routes.ts), with the same validators.
 *
 *   GET  /collect/status?date=&task=&by=          success rate, online rate (day, month)     operator, engineer
 *   POST /collect/run { task, date | from+to, terminal?, pn? }   starts a run (manual 补采)   engineer, operator
 *   GET  /collect/runs · GET /collect/runs/{id}   runs and their progress                    operator, engineer
 */
import type { FastifyPluginAsync } from 'fastify';
import { runIdOf, runSpecOf, statusQueryOf } from '../../admin/collect-validate.js';
import type { CollectApi } from '../../scheduler/api.js';
import { TASK_NAMES } from '../../scheduler/config.js';
import type { ApiRole } from '../auth/roles.js';
import { ANY_OBJECT, DATE, TERMINAL_KEY, errors, queryParams } from '../schemas.js';

const READ: readonly ApiRole[] = ['operator', 'engineer'];

const RATE = { type: ['number', 'null'], description: '0..1; null when nothing is expected' } as const;
const ROW = {
  $id: 'CompletenessRow',
  type: 'object',
  properties: {
    group: { type: 'string', description: 'terminal key, taiqu id, region code or `system`' },
    terminals: { type: 'integer' },
    meters: { type: 'integer', description: 'meters the task covers' },
    complete: { type: 'integer', description: 'meters with every expected point stored' },
    successRate: RATE,
    points: { type: 'object', properties: { expected: { type: 'integer' }, missing: { type: 'integer' } } },
    onlineRate: RATE,
    monthOnlineRate: RATE,
  },
} as const;

const RUN = {
  $id: 'CollectionRun',
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'integer' },
    task: { type: 'string', enum: [...TASK_NAMES] },
    mode: { type: 'string', enum: ['scheduled', 'recollect', 'login', 'manual'] },
    dates: { type: 'array', items: { type: 'string' } },
    state: { type: 'string', enum: ['running', 'done', 'failed'] },
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    terminals: ANY_OBJECT,
    requests: ANY_OBJECT,
    readings: { type: 'integer' },
    events: { type: 'integer' },
    points: ANY_OBJECT,
    problems: { type: 'array', items: { type: 'string' } },
  },
} as const;

const RUN_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['task'],
  properties: {
    task: { type: 'string', enum: [...TASK_NAMES] },
    date: DATE,
    from: DATE,
    to: DATE,
    terminal: { anyOf: [TERMINAL_KEY, { type: 'array', items: TERMINAL_KEY, minItems: 1 }] },
    pn: { anyOf: [{ type: 'array', items: { type: 'integer', minimum: 1, maximum: 2040 }, minItems: 1 }, { type: 'string', pattern: '^[0-9,\\- ]{1,200}$' }], description: 'measuring points: [1, 2] or "1-20,25"' },
  },
} as const;

export function collectApiRoutes(o: { collection: CollectApi }): FastifyPluginAsync {
  return async (app) => {
    app.addSchema(ROW);
    app.addSchema(RUN);
    const tags = ['collection'];
    app.get<{ Querystring: Record<string, unknown> }>(
      '/collect/status',
      {
        config: { roles: READ },
        schema: {
          summary: 'completeness of a day: success rate (采集成功率) and online rate (在线率), per terminal, taiqu or region',
          tags,
          querystring: { type: 'object', additionalProperties: false, required: ['date'], properties: { date: DATE, task: { type: 'string', enum: ['daily', 'billingDay', 'monthly', 'curve'] }, by: { type: 'string', enum: ['terminal', 'taiqu', 'region', 'system'] } } },
          response: { 200: { type: 'object', properties: { date: { type: 'string' }, task: { type: 'string' }, by: { type: 'string' }, system: { $ref: 'CompletenessRow#' }, rows: { type: 'array', items: { $ref: 'CompletenessRow#' } } } }, ...errors(400, 503) },
        },
      },
      async (req) => o.collection.status(statusQueryOf(queryParams(req.query))),
    );
    app.post<{ Body: Record<string, unknown> }>(
      '/collect/run',
      {
        config: { roles: ['engineer', 'operator'] },
        schema: {
          summary: 'start a collection run: manual 补采 of days (series tasks asks only what is missing) or a snapshot, event or clock round; answers at once, poll the run',
          tags,
          body: RUN_BODY,
          response: { 200: { $ref: 'CollectionRun#' }, ...errors(400, 404) },
        },
      },
      async (req) => o.collection.run(runSpecOf(req.body)),
    );
    app.get(
      '/collect/runs',
      { config: { roles: READ }, schema: { summary: 'the last runs: scheduled, 补采, login, manual', tags, response: { 200: { type: 'object', properties: { runs: { type: 'array', items: { $ref: 'CollectionRun#' } } } }, ...errors() } } },
      async () => ({ runs: o.collection.runs() }),
    );
    app.get<{ Params: { id: string } }>(
      '/collect/runs/:id',
      { config: { roles: READ }, schema: { summary: 'one run with its progress', tags, params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^\\d{1,9}$' } } }, response: { 200: { $ref: 'CollectionRun#' }, ...errors(400, 404) } } },
      async (req) => o.collection.runInfo(runIdOf(req.params.id)),
    );
  };
}
