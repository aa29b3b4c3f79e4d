/**
 * Administration (admin role): API keys and the API audit log.
 *
 *   GET    /api/v1/apikeys[?revoked=true]      keys (never the secrets)
 *   POST   /api/v1/apikeys { name, roles }     creates a key: the answer carries it, once
 *   POST   /api/v1/apikeys/{id}/revoke         revokes a key (by id or unique name)
 *   GET    /api/v1/audit?limit=&cursor=        writes through the API, newest first
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ApiAudit } from '../audit.js';
import type { ApiKeyStore } from '../auth/keys.js';
import { API_ROLES, type ApiRole } from '../auth/roles.js';
import type { ApiConfig } from '../config.js';
import { actorOf } from '../auth/request.js';
import { CURSOR_QUERY, LIMIT_QUERY, decodeCursor, encodeCursor, pageLimit } from '../http.js';
import { ANY_OBJECT, errors, pageOf } from '../schemas.js';

const KEY_INFO = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    roles: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    revokedAt: { type: 'string' },
    revokedBy: { type: 'string' },
    lastUsedAt: { type: 'string' },
  },
} as const;

export function adminRoutes(o: { keys: ApiKeyStore; audit: ApiAudit; config: ApiConfig }): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { revoked?: boolean } }>(
      '/apikeys',
      {
        config: { roles: ['admin'] },
        schema: { summary: 'API keys (ids, names, roles; never the keys)', tags: ['admin'], querystring: { type: 'object', additionalProperties: false, properties: { revoked: { type: 'boolean', description: 'include revoked keys' } } }, response: { 200: pageOf(KEY_INFO), ...errors(400) } },
      },
      async (req) => ({ items: o.keys.list({ includeRevoked: req.query.revoked === true }) }),
    );

    app.post<{ Body: { name: string; roles: ApiRole[] } }>(
      '/apikeys',
      {
        config: { roles: ['admin'] },
        schema: {
          summary: 'create an API key; the answer is the only place the key appears',
          tags: ['admin'],
          body: { type: 'object', additionalProperties: false, required: ['name', 'roles'], properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, roles: { type: 'array', minItems: 1, items: { type: 'string', enum: [...API_ROLES] } } } },
          response: { 200: { ...KEY_INFO, properties: { ...KEY_INFO.properties, key: { type: 'string' } } }, ...errors(400) },
        },
      },
      async (req) => o.keys.create({ name: req.body.name, roles: req.body.roles, by: actorOf(req).name }),
    );

    app.post<{ Params: { id: string } }>(
      '/apikeys/:id/revoke',
      {
        config: { roles: ['admin'] },
        schema: { summary: 'revoke an API key (id, or a name only one active key has)', tags: ['admin'], params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } }, response: { 200: KEY_INFO, ...errors(400, 404) } },
      },
      async (req) => o.keys.revoke(req.params.id, actorOf(req).name),
    );

    app.get<{ Querystring: { limit?: number; cursor?: string } }>(
      '/audit',
      {
        config: { roles: ['admin'] },
        schema: {
          summary: 'the API audit log: every write (who, what, when, outcome), newest first',
          tags: ['admin'],
          querystring: { type: 'object', additionalProperties: false, properties: { limit: LIMIT_QUERY, cursor: CURSOR_QUERY } },
          response: { 200: pageOf({ type: 'object', properties: { id: { type: 'integer' }, at: { type: 'string' }, actor: { type: 'string' }, keyId: { type: 'string' }, action: { type: 'string' }, target: { type: 'string' }, status: { type: 'integer' }, detail: ANY_OBJECT } }), ...errors(400) },
        },
      },
      async (req) => {
        const limit = pageLimit(req.query.limit, o.config.maxPageSize);
        const c = decodeCursor(req.query.cursor);
        const items = o.audit.list({ limit: limit + 1, ...(c ? { before: Number(c[0]) } : {}) });
        const page = items.slice(0, limit);
        return { items: page, ...(items.length > limit ? { nextCursor: encodeCursor([page.at(-1)!.id]) } : {}) };
      },
    );
  };
}
