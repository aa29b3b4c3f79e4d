/**
 * Operations: terminals (online / offline / quarantine, paginated), one terminal, on-demand call-up.
 *
 *   GET  /api/v1/terminals?state=&limit=&cursor=       operator, engineer
 *   GET  /api/v1/terminals/{key}                       operator, engineer
 *   POST /api/v1/terminals/{key}/call                  engineer, operator   (audited)
 */
import type { FastifyPluginAsync } from 'fastify';
import { callSpecOf, parsePnList, terminalKey } from '../../admin/validate.js';
import { parseTerminalKey, terminalKeyOf } from '../../fep/directory.js';
import type { HeadEndApi, TerminalState } from '../../service/api.js';
import type { ApiConfig } from '../config.js';
import { CURSOR_QUERY, LIMIT_QUERY, decodeCursor, encodeCursor, pageLimit } from '../http.js';
import { ANY_OBJECT, TERMINAL_KEY, errors } from '../schemas.js';

const READ = ['operator', 'engineer'] as const;

const DIAL_OUT = { type: 'object', additionalProperties: true } as const;

const SUMMARY = {
  $id: 'TerminalSummary',
  type: 'object',
  required: ['terminal', 'a1', 'a2', 'state'],
  properties: {
    terminal: { type: 'string', description: 'A1-A2 key' },
    a1: { type: 'string' },
    a2: { type: 'integer' },
    state: { type: 'string', enum: ['online', 'offline', 'quarantine'] },
    id: { type: 'string' },
    channel: { type: 'string' },
    remote: { type: 'string' },
    onlineAt: { type: 'string' },
    lastSeen: { type: 'string' },
    lastOnline: { type: 'string' },
    lastOffline: { type: 'string' },
    lastOfflineReason: { type: 'string' },
    queueDepth: { type: 'integer' },
    inFlight: { type: 'integer' },
    firstSeen: { type: 'string' },
    frames: { type: 'integer' },
    logins: { type: 'integer' },
    dialOut: DIAL_OUT,
  },
} as const;

const DETAIL = {
  type: 'object',
  required: ['terminal', 'a1', 'a2', 'state'],
  properties: { ...SUMMARY.properties, session: ANY_OBJECT, ec: ANY_OBJECT, archive: ANY_OBJECT },
} as const;

const CALL_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['afn', 'fn', 'pn'],
  properties: {
    afn: { anyOf: [{ type: 'integer', minimum: 0, maximum: 255 }, { type: 'string', maxLength: 8 }], description: '0C (real-time) or 0D (history); number or hex' },
    fn: { type: 'integer', minimum: 1, maximum: 248 },
    pn: { anyOf: [{ type: 'array', items: { type: 'integer', minimum: 0, maximum: 2040 }, minItems: 1, maxItems: 2040 }, { type: 'string', pattern: '^[0-9,\\- ]{1,200}$' }], description: 'measuring points: [1, 2] or "1-20,25"' },
    date: { type: 'string', description: 'daily frozen data: YYYY-MM-DD' },
    month: { type: 'string', description: 'monthly frozen data: YYYY-MM' },
    from: { type: 'string', description: 'curve start: YYYY-MM-DDTHH:mm' },
    density: { type: 'integer', description: 'curve density, minutes: 1, 5, 15, 30, 60' },
    points: { type: 'integer', minimum: 1, maximum: 255 },
  },
} as const;

const CALL_RESULT = {
  type: 'object',
  properties: {
    terminal: { type: 'string' },
    afn: { type: 'integer' },
    fn: { type: 'integer' },
    kind: { type: 'string', enum: ['realtime', 'daily', 'monthly', 'curve'] },
    name: { type: 'string' },
    nameZh: { type: 'string' },
    units: { type: 'array', items: ANY_OBJECT },
    frames: { type: 'integer' },
    attempts: { type: 'integer' },
    latencyMs: { type: 'number' },
  },
} as const;

export function operationsRoutes(o: { headEnd: HeadEndApi; config: ApiConfig }): FastifyPluginAsync {
  return async (app) => {
    app.addSchema(SUMMARY);
    app.get<{ Querystring: { state?: TerminalState; limit?: number; cursor?: string } }>(
      '/terminals',
      {
        config: { roles: READ },
        schema: {
          summary: 'terminals: online, offline (archive terminals not online), quarantined (unknown ones)',
          tags: ['operations'],
          querystring: { type: 'object', additionalProperties: false, properties: { state: { type: 'string', enum: ['online', 'offline', 'quarantine'] }, limit: LIMIT_QUERY, cursor: CURSOR_QUERY } },
          response: {
            200: { type: 'object', required: ['total', 'items'], properties: { total: { type: 'integer', description: 'terminals in the listing, all pages' }, items: { type: 'array', items: { $ref: 'TerminalSummary#' } }, nextCursor: { type: 'string' } } },
            ...errors(400),
          },
        },
      },
      async (req) => {
        const limit = pageLimit(req.query.limit, o.config.maxPageSize);
        const c = decodeCursor(req.query.cursor);
        const all = o.headEnd.terminals(req.query.state ? { state: req.query.state } : {});
        // The list is in (key, state) order: the cursor is the last (key, state) seen.
        const after = c ? { key: String(c[0]), state: String(c[1] ?? '') } : undefined;
        const rest = after ? all.terminals.filter((t) => t.terminal > after.key || (t.terminal === after.key && t.state > after.state)) : all.terminals;
        const items = rest.slice(0, limit);
        return { total: all.total, items, ...(rest.length > limit ? { nextCursor: encodeCursor([items.at(-1)!.terminal, items.at(-1)!.state]) } : {}) };
      },
    );

    app.get<{ Params: { key: string } }>(
      '/terminals/:key',
      {
        config: { roles: READ },
        schema: { summary: 'one terminal: session, counters, archive facts', tags: ['operations'], params: { type: 'object', properties: { key: TERMINAL_KEY }, required: ['key'] }, response: { 200: DETAIL, ...errors(400, 404) } },
      },
      async (req) => o.headEnd.terminal(terminalKey(req.params.key, 'key')),
    );

    app.post<{ Params: { key: string }; Body: Record<string, unknown> }>(
      '/terminals/:key/call',
      {
        config: { roles: ['engineer', 'operator'] },
        schema: {
          summary: 'on-demand call-up (召测): AFN0C real-time or AFN0D history data, decoded',
          tags: ['operations'],
          params: { type: 'object', properties: { key: TERMINAL_KEY }, required: ['key'] },
          body: CALL_BODY,
          response: { 200: CALL_RESULT, ...errors(400, 404, 409, 502, 503, 504) },
        },
      },
      async (req) => {
        const p = parseTerminalKey(terminalKey(req.params.key, 'key'))!;
        const pn = typeof req.body.pn === 'string' ? parsePnList(req.body.pn) : req.body.pn;
        return o.headEnd.call(callSpecOf({ ...req.body, pn, terminal: terminalKeyOf(p.a1, p.a2) }));
      },
    );
  };
}
