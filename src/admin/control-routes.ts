/**
 * Load-control routes of the local admin API (added to src/admin/server.ts through `routes`):
 *
 *   POST /v1/control/requests            { action, terminals|accounts|taiqus|lines|substations, reason?, …params }
 *   GET  /v1/control/requests?state=&limit=
 *   GET  /v1/control/requests/:id        state, live progress, per-target results
 *   POST /v1/control/requests/:id/approve { hash? }    /reject { reason? }    /cancel
 *   GET  /v1/control/protected           keep-power (保电) customers
 *   GET  /v1/control/meter-links         meters on a direct serial/TCP link
 *   POST /v1/control/meter-links/:meter  { serial: path, settings? } | { tcp: host:port } | { remove: true }  (admin)
 *   POST /v1/schemes                     { name, action, selectors, until?, reason?, …params }   (staged)
 *   GET  /v1/schemes   GET /v1/schemes/:name
 *   POST /v1/schemes/:name/update { selectors }  /approve { hash? }  /run  /restore  /cancel
 *   POST /v1/prepay/:account/topup       { amount, ref?, price?, alarm?, mode?: head-end|terminal, group? }
 *   POST /v1/prepay/:account/settle      read the meter now and charge the usage
 *   GET  /v1/prepay/:account             balance, state, history
 *   GET  /v1/audit?ref=&kind=&from=&limit=      GET /v1/audit/verify
 *
 * Who acts: until issue 8 brings API keys, the operator comes from `X-HES-Operator: <name>` and the
 * roles from `X-HES-Role: operator|admin|viewer[,…]` (default operator); POST routes need them
 * (401 without). Forbidden actions (two-person rule, roles) answer 403.
 */
import type http from 'node:http';
import { actorOf, type Actor } from '../control/actor.js';
import { ForbiddenError } from '../control/errors.js';
import type { Prepayment } from '../control/prepayment.js';
import type { ControlService } from '../control/service.js';
import { InputError } from '../errors.js';
import { HttpError, type Handler, type Route } from './server.js';
import { account, approveOf, auditQueryOf, createInputOf, listQueryOf, meterAddress, meterLinkOf, rejectOf, requestId, schemeInputOf, schemeUpdateOf, topUpOf } from './control-validate.js';

export interface ControlApi {
  control: ControlService;
  prepay: Prepayment;
}

function header(h: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The acting operator from the request headers (issue 8 replaces this with authentication). */
export function actorFromHeaders(h: http.IncomingHttpHeaders): Actor {
  const name = header(h, 'x-hes-operator');
  if (name === undefined || name.trim() === '') throw new HttpError(401, 'unauthenticated', 'no operator: send X-HES-Operator (the CLI: --operator or HES_OPERATOR)');
  return actorOf(decodeURIComponent(name), header(h, 'x-hes-role'));
}

/** ForbiddenError → 403; everything else goes to the server's error mapping. */
function guarded(h: Handler): Handler {
  return async (ctx) => {
    try {
      return await h(ctx);
    } catch (e) {
      if (e instanceof ForbiddenError) throw new HttpError(403, 'forbidden', e.message, { reason: e.reason });
      throw e;
    }
  };
}

export function controlRoutes(api: ControlApi): Route[] {
  const { control, prepay } = api;
  const post = (pattern: RegExp, handler: Handler): Route => ({ method: 'POST', pattern, handler: guarded(handler) });
  const get = (pattern: RegExp, handler: Handler): Route => ({ method: 'GET', pattern, handler: guarded(handler) });
  const name = (v: string | undefined): string => {
    if (v === undefined || v === '') throw new InputError('name', 'required');
    return v;
  };
  return [
    post(/^\/v1\/control\/requests$/, async ({ headers, body }) => control.create(actorFromHeaders(headers), createInputOf(await body()))),
    get(/^\/v1\/control\/requests$/, ({ query }) => control.list({ ...listQueryOf(query), schemes: false })),
    get(/^\/v1\/control\/requests\/([^/]+)$/, ({ params }) => control.get(requestId(params[0]))),
    post(/^\/v1\/control\/requests\/([^/]+)\/approve$/, async ({ headers, params, body }) => control.approve(actorFromHeaders(headers), requestId(params[0]), approveOf(await body()).hash)),
    post(/^\/v1\/control\/requests\/([^/]+)\/reject$/, async ({ headers, params, body }) => control.reject(actorFromHeaders(headers), requestId(params[0]), rejectOf(await body()).reason)),
    post(/^\/v1\/control\/requests\/([^/]+)\/cancel$/, ({ headers, params }) => control.cancel(actorFromHeaders(headers), requestId(params[0]))),
    get(/^\/v1\/control\/protected$/, () => control.protection.list().map((p) => ({ ...p, setAt: new Date(p.setAt).toISOString() }))),
    get(/^\/v1\/control\/meter-links$/, () => control.meterLinks.list()),
    post(/^\/v1\/control\/meter-links\/([^/]+)$/, async ({ headers, params, body }) => {
      const actor = actorFromHeaders(headers);
      const m = meterAddress(params[0]);
      const l = meterLinkOf(await body());
      return l === 'remove' ? { meter: m, removed: control.meterLinks.remove(actor, m) } : control.meterLinks.set(actor, m, l);
    }),

    post(/^\/v1\/schemes$/, async ({ headers, body }) => control.createScheme(actorFromHeaders(headers), schemeInputOf(await body()))),
    get(/^\/v1\/schemes$/, ({ query }) => control.list({ ...listQueryOf(query), schemes: true })),
    get(/^\/v1\/schemes\/([^/]+)$/, ({ params }) => control.scheme(name(params[0]))),
    post(/^\/v1\/schemes\/([^/]+)\/update$/, async ({ headers, params, body }) => control.updateScheme(actorFromHeaders(headers), name(params[0]), schemeUpdateOf(await body()))),
    post(/^\/v1\/schemes\/([^/]+)\/approve$/, async ({ headers, params, body }) => control.approveScheme(actorFromHeaders(headers), name(params[0]), approveOf(await body()).hash)),
    post(/^\/v1\/schemes\/([^/]+)\/run$/, ({ headers, params }) => control.runScheme(actorFromHeaders(headers), name(params[0]))),
    post(/^\/v1\/schemes\/([^/]+)\/restore$/, ({ headers, params }) => control.restoreScheme(actorFromHeaders(headers), name(params[0]))),
    post(/^\/v1\/schemes\/([^/]+)\/cancel$/, ({ headers, params }) => control.cancel(actorFromHeaders(headers), control.scheme(name(params[0])).id)),

    post(/^\/v1\/prepay\/([^/]+)\/topup$/, async ({ headers, params, body }) => prepay.topUp(actorFromHeaders(headers), topUpOf(account(params[0]), await body()))),
    post(/^\/v1\/prepay\/([^/]+)\/settle$/, ({ headers, params }) => {
      actorFromHeaders(headers);
      return prepay.settle(account(params[0]));
    }),
    get(/^\/v1\/prepay\/([^/]+)$/, ({ params, query }) => prepay.balance(account(params[0]), Number(query.get('history') ?? 20) || 20)),

    get(/^\/v1\/audit$/, ({ query }) => control.audit.list(auditQueryOf(query))),
    get(/^\/v1\/audit\/verify$/, () => control.audit.verify()),
  ];
}
