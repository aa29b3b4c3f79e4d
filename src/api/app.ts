/**
 * The northbound HTTP API (Fastify 5): versioned under /api/v1, JSON schemas on every route (requests are
 * validated, OpenAPI at /openapi.json, browsable docs at /docs), typed error bodies, API-key
 * authentication with roles per route, an audit record for every write, and per-area plugins:
 *
 *   operations (src/api/routes/operations.ts)   terminals, call-up          operator, engineer
 *   customer service (routes/customer.ts)       accounts, usage, outages    service (+ operator, engineer)
 *   billing (routes/billing.ts)                 readings, exports           billing
 *   admin (routes/admin.ts)                     API keys, audit             admin
 *   /health (public), /metrics (Prometheus; operator, engineer)
 *
 * More areas (load control, completeness) join through `ApiOptions.plugins`: a Fastify plugin registered
 * under /api/v1 whose routes set `config.roles`; `request.actor` ({ name, roles, keyId }) is there for
 * them (src/api/auth/roles.ts `controlActorOf` maps it to load control's operator).
 *
 * Thin: routes validate and call services (src/billing, src/customer, src/outage, the head-end).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { HeadEndApi } from '../service/api.js';
import type { ReadingStore } from '../store/store.js';
import type { BillingService } from '../billing/service.js';
import type { CustomerService } from '../customer/service.js';
import type { OutageService } from '../outage/outage-service.js';
import type { ApiAudit } from './audit.js';
import type { ApiKeyStore } from './auth/keys.js';
import './auth/request.js';
import { mayUse, type ApiRole } from './auth/roles.js';
export { actorOf } from './auth/request.js';
import type { ApiConfig } from './config.js';
import { ApiError, ERROR_SCHEMA, apiErrorOf } from './errors.js';
import type { ApiMetrics } from './metrics.js';
import { adminRoutes } from './routes/admin.js';
import { billingRoutes } from './routes/billing.js';
import { customerRoutes } from './routes/customer.js';
import { operationsRoutes } from './routes/operations.js';
import { ERROR_REF, SECURITY } from './schemas.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles that may use the route (admin always may). A route with neither roles nor public is admin-only. */
    roles?: readonly ApiRole[];
    /** No authentication (only /health and, when configured, the docs). */
    public?: boolean;
  }
}

export const API_PREFIX = '/api/v1';
export const VERSION = '1.0.0';

export interface ApiPlugin {
  name: string;
  plugin: FastifyPluginAsync;
}

export interface ApiOptions {
  config: ApiConfig;
  keys: ApiKeyStore;
  audit: ApiAudit;
  metrics: ApiMetrics;
  /** The running head-end (operations routes). */
  headEnd?: HeadEndApi;
  store?: ReadingStore;
  billing?: BillingService;
  customers?: CustomerService;
  outage?: OutageService;
  /** Further areas under /api/v1 (load control, completeness). */
  plugins?: readonly ApiPlugin[];
  logger?: Logger;
  now?: () => number;
}

function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const k = req.headers['x-api-key'];
  return typeof k === 'string' && k !== '' ? k : undefined;
}

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function buildApi(o: ApiOptions): Promise<FastifyInstance> {
  const log = o.logger ?? silentLogger;
  const app = Fastify({
    logger: false,
    bodyLimit: o.config.bodyLimitBytes,
    // Strict input: unknown parameters are errors (400 naming them), never silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
    routerOptions: { ignoreTrailingSlash: true },
    // close() ends keep-alive sockets and streams in flight instead of waiting for them.
    forceCloseConnections: true,
  });
  app.decorateRequest('actor', null);
  app.addSchema(ERROR_SCHEMA);

  const docsPublic = o.config.docs === 'public';
  if (o.config.docs !== 'off') {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'OpenHES northbound API',
          version: VERSION,
          description:
            'Billing, customer service and operations over the OpenHES head-end. Authenticate with an API key: `Authorization: Bearer <key>` or `X-API-Key: <key>` (`hes apikey create`). Errors are `{ code, message, details }`. Bulk endpoints stream NDJSON or CSV (`format` or `Accept`); JSON listings are pages with `nextCursor`. Times are China Standard Time.',
        },
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', description: 'API key as a bearer token' },
            apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          },
        },
        security: SECURITY,
      },
      refResolver: { buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  }

  app.addHook('onRequest', async (req) => {
    const cfg = req.routeOptions.config;
    const docs = req.url === '/openapi.json' || req.url === '/docs' || req.url.startsWith('/docs/');
    if (cfg.public || (docs && docsPublic)) return;
    const key = presentedKey(req);
    if (key === undefined) throw new ApiError(401, 'unauthenticated', 'no API key: send Authorization: Bearer <key> or X-API-Key: <key> (hes apikey create)');
    const actor = o.keys.verify(key);
    if (!actor) throw new ApiError(401, 'unauthenticated', 'the API key is not valid (unknown, revoked or mistyped)');
    req.actor = actor;
    if (docs) return;
    const roles = cfg.roles ?? [];
    if (!mayUse(actor, roles)) {
      throw new ApiError(403, 'forbidden', `${actor.name} (${actor.roles.join(', ')}) may not use this route: it needs ${roles.length ? roles.join(' or ') : 'admin'}`, { needs: roles.length ? roles : ['admin'], has: actor.roles });
    }
  });

  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    o.metrics.observe(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'api request');
    if (!WRITE.has(req.method) || !req.actor) return;
    try {
      const params = (req.params ?? {}) as Record<string, unknown>;
      const target = Object.values(params).filter((v) => typeof v === 'string').join('/');
      o.audit.record({ actor: req.actor.name, keyId: req.actor.keyId, action: `${req.method} ${route}`, target, status: reply.statusCode, detail: { params, query: req.query, body: req.body } });
    } catch (err) {
      log.error({ err, method: req.method, url: req.url }, 'audit record could not be written');
    }
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = apiErrorOf(err);
    if (status >= 500 && status !== 502 && status !== 503 && status !== 504) log.error({ err, method: req.method, url: req.url }, 'api request failed');
    if (status === 401) void reply.header('www-authenticate', 'Bearer realm="openhes"');
    return reply.status(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ code: 'not-found', message: `no such endpoint: ${req.method} ${req.url.split('?')[0]}`, details: { what: 'route' } }));

  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        summary: 'liveness and the store',
        tags: ['health'],
        security: [],
        response: {
          200: { type: 'object', properties: { status: { type: 'string', enum: ['ok', 'degraded'] }, version: { type: 'string' }, time: { type: 'string' }, store: { type: 'object', properties: { name: { type: 'string' }, ok: { type: 'boolean' }, detail: { type: 'string' } } } } },
        },
      },
    },
    async () => {
      const out: { status: 'ok' | 'degraded'; version: string; time: string; store?: { name: string; ok: boolean; detail: string } } = { status: 'ok', version: VERSION, time: new Date((o.now ?? Date.now)()).toISOString() };
      if (o.store) {
        const h = await o.store.health().catch((e: unknown) => ({ ok: false, detail: e instanceof Error ? e.message : String(e) }));
        out.store = { name: o.store.name, ...h };
        if (!h.ok) out.status = 'degraded';
      }
      return out;
    },
  );

  app.get(
    '/metrics',
    { config: { roles: ['operator', 'engineer'] }, schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['operations'], response: { 200: { type: 'string' }, 401: ERROR_REF, 403: ERROR_REF } } },
    async (_req, reply) => reply.type(o.metrics.contentType).send(await o.metrics.render()),
  );

  if (o.config.docs !== 'off') {
    app.get('/openapi.json', { config: { public: docsPublic, roles: ['billing', 'service', 'operator', 'engineer'] }, schema: { hide: true } }, async () => app.swagger());
  }

  await app.register(
    async (v1) => {
      if (o.headEnd) await v1.register(operationsRoutes({ headEnd: o.headEnd, config: o.config }));
      if (o.customers) await v1.register(customerRoutes({ customers: o.customers, config: o.config, ...(o.outage ? { outage: o.outage } : {}), ...(o.billing ? { billing: o.billing } : {}) }));
      if (o.billing) await v1.register(billingRoutes({ billing: o.billing, config: o.config }));
      await v1.register(adminRoutes({ keys: o.keys, audit: o.audit, config: o.config }));
      for (const p of o.plugins ?? []) await v1.register(p.plugin);
    },
    { prefix: API_PREFIX },
  );
  await app.ready();
  return app;
}

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** Builds the app and listens (config host/port; 127.0.0.1 by default). */
export async function startApiServer(o: ApiOptions): Promise<ApiServer> {
  const app = await buildApi(o);
  await app.listen({ host: o.config.host, port: o.config.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.config.port;
  const host = o.config.host.includes(':') ? `[${o.config.host}]` : o.config.host;
  const url = `http://${host}:${port}`;
  (o.logger ?? silentLogger).info({ url }, 'northbound API listening');
  return {
    url,
    port,
    app,
    close: () => app.close(),
  };
}
