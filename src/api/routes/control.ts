/**
 * Load control and prepayment (src/control) under /api/v1 — the same operations as the local admin API
 * (src/admin/control-routes.ts), with the caller's API key as the operator (`controlActorOf`):
 *
 *   POST /control/requests                 create (trip, close, keep-power, release, urge-fee, power-control, set-param)   operator
 *   GET  /control/requests[?state=&limit=] · GET /control/requests/{id}      state, progress, per-target outcomes   operator, engineer
 *   POST /control/requests/{id}/approve { hash? } · /reject { reason? } · /cancel                                    operator
 *   GET  /control/protected                keep-power (保电) customers                                               operator, engineer, service
 *   POST /schemes · POST /schemes/{name}/update|approve|run|restore|cancel                                             operator
 *   GET  /schemes · GET /schemes/{name}                                                                                operator, engineer
 *   POST /prepay/{account}/topup { amount, ref?, price?, alarm? } · POST /prepay/{account}/settle                      operator
 *   GET  /prepay/{account}                 balance, state, history                                                      service, billing, operator, engineer
 *   GET  /control/audit?ref=&kind=&from=&limit= · GET /control/audit/verify      the hash-chained control audit        operator, engineer
 *
 * The two-person rule, keep-power (an admin key and a reason to trip a protected customer singly),
 * expiry and hash binding are the control service's: a second operator is a second API key. Bodies are
 * described here (types, OpenAPI) and then read by the admin API's validators (src/admin/control-validate.ts)
 * and checked by the service (ranges), so both APIs accept exactly the same input.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { account, approveOf, auditQueryOf, createInputOf, listQueryOf, rejectOf, requestId, schemeInputOf, schemeUpdateOf, topUpOf } from '../../admin/control-validate.js';
import type { Prepayment } from '../../control/prepayment.js';
import type { ControlService } from '../../control/service.js';
import { SELECTOR_KEYS } from '../../control/targets.js';
import { actorOf } from '../auth/request.js';
import { controlActorOf, type ApiRole } from '../auth/roles.js';
import { ACCOUNT, ANY_OBJECT, errors, queryParams } from '../schemas.js';

const OPERATE: readonly ApiRole[] = ['operator'];
const READ: readonly ApiRole[] = ['operator', 'engineer'];

const NAMES = { anyOf: [{ type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, minItems: 1 }, { type: 'string', minLength: 1 }], description: 'list, or comma-separated text' } as const;
const NUMBERS = { anyOf: [{ type: 'integer' }, { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 64 }] } as const;

const SELECTOR_PROPS = Object.fromEntries(SELECTOR_KEYS.map((k) => [k, NAMES]));

/** The operation and its parameters (ranges are checked by the control service, per action). */
const ACTION_PROPS = {
  action: { type: 'string', enum: ['trip', 'close', 'keep-power', 'release', 'urge-fee', 'power-control', 'set-param'] },
  reason: { type: 'string', maxLength: 500, description: 'required to trip a keep-power customer (admin key)' },
  rounds: { ...NUMBERS, description: 'trip/close: control rounds (轮次) 1..8' },
  alarmMinutes: { type: 'integer', description: 'trip: alarm delay before tripping, minutes' },
  limitHalfHours: { type: 'integer', description: 'trip: power-limit time, half hours' },
  direct: { type: 'boolean', description: 'close: direct close (meters, 1CH 1CH) instead of allow-close' },
  halfHours: { type: 'integer', description: 'keep-power: duration in half hours (0 = until released)' },
  on: { type: 'boolean', description: 'urge-fee / power-control: on (default) or off' },
  control: { type: 'string', enum: ['period', 'holiday', 'shutdown', 'down-float', 'monthly-energy', 'purchase'], description: 'power-control type' },
  group: { type: 'integer', description: 'power-control: total-add group' },
  periods: { ...NUMBERS, description: 'power-control period: periods 1..8' },
  scheme: { type: 'integer', description: 'power-control period: fixed-value scheme' },
  downFloat: ANY_OBJECT,
  limits: { ...ANY_OBJECT, description: 'power-control period: the AFN04 F41 time-period limits sent before F9 (ranges checked by the control service; see README)' },
  fn: { type: 'integer', description: 'set-param: AFN04 F41..F48' },
  pn: { type: 'integer', description: 'set-param: measuring point / total-add group' },
  value: { description: 'set-param: the parameter value (shape per Fn)' },
} as const;

const CREATE_BODY = { type: 'object', additionalProperties: false, required: ['action'], properties: { ...ACTION_PROPS, ...SELECTOR_PROPS } } as const;
const SCHEME_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'action'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, until: { type: 'string', description: 'restore automatically at this time (ISO, e.g. 2026-07-01T20:00:00+08:00)' }, ...ACTION_PROPS, ...SELECTOR_PROPS },
} as const;
const SCHEME_UPDATE_BODY = { type: 'object', additionalProperties: false, properties: { ...SELECTOR_PROPS, limits: ACTION_PROPS.limits } } as const;
const APPROVE_BODY = { type: 'object', additionalProperties: false, properties: { hash: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'the SHA-256 reviewed (from the request)' } } } as const;
const REJECT_BODY = { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 500 } } } as const;
const TOPUP_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['amount'],
  properties: {
    amount: { type: 'number', description: 'amount paid, yuan (at most 3 decimals)' },
    ref: { type: 'string', maxLength: 64, description: 'payment reference (bank, IC card, receipt)' },
    price: { type: 'number', description: 'yuan per kWh, for an account opened by this top-up' },
    alarm: { type: 'number', description: 'alarm threshold, yuan, for an account opened by this top-up' },
  },
} as const;

const PROGRESS = { type: 'object', properties: { total: { type: 'integer' }, sent: { type: 'integer' }, confirmed: { type: 'integer' }, verified: { type: 'integer' }, failed: { type: 'integer' }, skipped: { type: 'integer' }, done: { type: 'integer' } } } as const;

const REQUEST = {
  $id: 'ControlRequest',
  type: 'object',
  additionalProperties: true,
  required: ['id', 'kind', 'state', 'hash'],
  properties: {
    id: { type: 'integer' },
    kind: { type: 'string' },
    scheme: { type: 'string' },
    state: { type: 'string', enum: ['staged', 'pending', 'approved', 'executing', 'done', 'restoring', 'restored', 'rejected', 'expired', 'cancelled'] },
    action: ANY_OBJECT,
    selector: ANY_OBJECT,
    targets: { type: 'integer' },
    hash: { type: 'string', description: 'SHA-256 of the exact targets and parameters: what an approver reviews' },
    needsApproval: { type: 'boolean' },
    createdBy: { type: 'string' },
    approvedBy: { type: 'string' },
    phase: { type: 'string', enum: ['run', 'restore'] },
    progress: PROGRESS,
    byOutcome: { type: 'object', additionalProperties: { type: 'integer' } },
  },
} as const;

const REQUEST_REF = { $ref: 'ControlRequest#' } as const;
const DETAIL = {
  type: 'object',
  additionalProperties: true,
  properties: {
    ...REQUEST.properties,
    targetList: { type: 'array', items: { type: 'string' } },
    results: { type: 'object', description: 'per phase (run, restore): one outcome per target — confirmed-verified, confirmed-not-verified, denied, timeout, offline, error, skipped-protected', additionalProperties: { type: 'array', items: ANY_OBJECT } },
  },
} as const;

const ID_PARAMS = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[Rr]?\\d{1,12}$', description: 'request id (17 or R17)' } } } as const;
const NAME_PARAMS = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const ACCOUNT_PARAMS = { type: 'object', required: ['account'], properties: { account: ACCOUNT } } as const;
const LIST_QUERY = { type: 'object', additionalProperties: false, properties: { state: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 10_000 } } } as const;

const BALANCE = {
  type: 'object',
  additionalProperties: true,
  properties: {
    account: { type: 'string' },
    balanceYuan: { type: 'number' },
    state: { type: 'string', enum: ['normal', 'alarm', 'tripped', 'trip-blocked'] },
    priceYuanPerKwh: { type: 'number' },
    alarmYuan: { type: 'number' },
    lastKwh: { type: 'number' },
    lastReadAt: { type: 'string' },
    history: { type: 'array', items: ANY_OBJECT },
  },
} as const;

export interface ControlRoutesOptions {
  control: ControlService;
  prepay: Prepayment;
}

export function controlApiRoutes(o: ControlRoutesOptions): FastifyPluginAsync {
  const { control, prepay } = o;
  const who = (req: FastifyRequest): ReturnType<typeof controlActorOf> => controlActorOf(actorOf(req));
  return async (app) => {
    app.addSchema(REQUEST);
    const tags = ['load control'];

    app.post<{ Body: Record<string, unknown> }>(
      '/control/requests',
      { config: { roles: OPERATE }, schema: { summary: 'create a control request; a second operator approves it (two-person rule) before anything is sent', tags, body: CREATE_BODY, response: { 200: REQUEST_REF, ...errors(400, 404) } } },
      async (req) => control.create(who(req), createInputOf(req.body)),
    );
    for (const [url, schemes] of [['/control/requests', false], ['/schemes', true]] as const) {
      app.get<{ Querystring: Record<string, unknown> }>(
        url,
        { config: { roles: READ }, schema: { summary: `${schemes ? 'schemes' : 'control requests'}, newest first`, tags, querystring: LIST_QUERY, response: { 200: { type: 'array', items: REQUEST_REF }, ...errors(400) } } },
        async (req) => control.list({ ...listQueryOf(queryParams(req.query)), schemes }),
      );
    }
    app.get<{ Params: { id: string } }>(
      '/control/requests/:id',
      { config: { roles: READ }, schema: { summary: 'one request: state, live progress, outcome per target', tags, params: ID_PARAMS, response: { 200: DETAIL, ...errors(400, 404) } } },
      async (req) => control.get(requestId(req.params.id)),
    );
    app.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>(
      '/control/requests/:id/approve',
      { config: { roles: OPERATE }, schema: { summary: 'approve (another operator than the creator); a plain request then executes', tags, params: ID_PARAMS, body: APPROVE_BODY, response: { 200: REQUEST_REF, ...errors(400, 404, 409) } } },
      async (req) => control.approve(who(req), requestId(req.params.id), approveOf(req.body ?? {}).hash),
    );
    app.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>(
      '/control/requests/:id/reject',
      { config: { roles: OPERATE }, schema: { summary: 'reject a pending or approved request', tags, params: ID_PARAMS, body: REJECT_BODY, response: { 200: REQUEST_REF, ...errors(400, 404, 409) } } },
      async (req) => control.reject(who(req), requestId(req.params.id), rejectOf(req.body ?? {}).reason),
    );
    app.post<{ Params: { id: string } }>(
      '/control/requests/:id/cancel',
      { config: { roles: OPERATE }, schema: { summary: 'cancel (the creator or an admin)', tags, params: ID_PARAMS, response: { 200: REQUEST_REF, ...errors(400, 404, 409) } } },
      async (req) => control.cancel(who(req), requestId(req.params.id)),
    );
    app.get(
      '/control/protected',
      { config: { roles: ['operator', 'engineer', 'service'] }, schema: { summary: 'keep-power (保电) customers: never tripped by schemes or batches', tags, response: { 200: { type: 'array', items: ANY_OBJECT }, ...errors() } } },
      async () => control.protection.list().map((p) => ({ ...p, setAt: new Date(p.setAt).toISOString() })),
    );

    app.post<{ Body: Record<string, unknown> }>(
      '/schemes',
      { config: { roles: OPERATE }, schema: { summary: 'stage an 有序用电 scheme (approved by a second operator, then run and restored)', tags, body: SCHEME_BODY, response: { 200: REQUEST_REF, ...errors(400, 404, 409) } } },
      async (req) => control.createScheme(who(req), schemeInputOf(req.body)),
    );
    app.get<{ Params: { name: string } }>(
      '/schemes/:name',
      { config: { roles: READ }, schema: { summary: 'one scheme: state, progress, report per target, protected customers skipped', tags, params: NAME_PARAMS, response: { 200: DETAIL, ...errors(404) } } },
      async (req) => control.scheme(req.params.name),
    );
    app.post<{ Params: { name: string }; Body: Record<string, unknown> }>(
      '/schemes/:name/update',
      { config: { roles: OPERATE }, schema: { summary: 'new targets and/or F41 limits for a staged or approved scheme (drops the approval)', tags, params: NAME_PARAMS, body: SCHEME_UPDATE_BODY, response: { 200: REQUEST_REF, ...errors(400, 404, 409) } } },
      async (req) => control.updateScheme(who(req), req.params.name, schemeUpdateOf(req.body)),
    );
    app.post<{ Params: { name: string }; Body: Record<string, unknown> | undefined }>(
      '/schemes/:name/approve',
      { config: { roles: OPERATE }, schema: { summary: 'approve a staged scheme (another operator than the creator)', tags, params: NAME_PARAMS, body: APPROVE_BODY, response: { 200: REQUEST_REF, ...errors(400, 404, 409) } } },
      async (req) => control.approveScheme(who(req), req.params.name, approveOf(req.body ?? {}).hash),
    );
    for (const step of ['run', 'restore', 'cancel'] as const) {
      app.post<{ Params: { name: string } }>(
        `/schemes/:name/${step}`,
        { config: { roles: OPERATE }, schema: { summary: { run: 'execute an approved scheme', restore: 'undo an executed scheme', cancel: 'cancel a staged or approved scheme' }[step], tags, params: NAME_PARAMS, response: { 200: REQUEST_REF, ...errors(404, 409) } } },
        async (req) => {
          const actor = who(req);
          const name = req.params.name;
          return step === 'run' ? control.runScheme(actor, name) : step === 'restore' ? control.restoreScheme(actor, name) : control.cancel(actor, control.scheme(name).id);
        },
      );
    }

    const prepayTags = ['prepayment'];
    app.post<{ Params: { account: string }; Body: Record<string, unknown> }>(
      '/prepay/:account/topup',
      { config: { roles: OPERATE }, schema: { summary: 'record a purchase (opens the prepayment on first use); closes the supply when the balance allows', tags: prepayTags, params: ACCOUNT_PARAMS, body: TOPUP_BODY, response: { 200: BALANCE, ...errors(400, 404) } } },
      async (req) => prepay.topUp(who(req), topUpOf(account(req.params.account), req.body)),
    );
    app.post<{ Params: { account: string } }>(
      '/prepay/:account/settle',
      { config: { roles: OPERATE }, schema: { summary: "read the meter's energy now and charge the usage", tags: prepayTags, params: ACCOUNT_PARAMS, response: { 200: BALANCE, ...errors(404, 409, 504) } } },
      async (req) => prepay.settle(account(req.params.account)),
    );
    app.get<{ Params: { account: string }; Querystring: { history?: number } }>(
      '/prepay/:account',
      {
        config: { roles: ['service', 'billing', 'operator', 'engineer'] },
        schema: { summary: 'prepayment balance, state and history', tags: prepayTags, params: ACCOUNT_PARAMS, querystring: { type: 'object', additionalProperties: false, properties: { history: { type: 'integer', minimum: 1, maximum: 1000 } } }, response: { 200: BALANCE, ...errors(400, 404) } },
      },
      async (req) => prepay.balance(account(req.params.account), req.query.history ?? 20),
    );

    app.get<{ Querystring: Record<string, unknown> }>(
      '/control/audit',
      {
        config: { roles: READ },
        schema: {
          summary: 'the hash-chained control audit: requests, approvals, frames (hex), outcomes, protection and money movements',
          tags,
          querystring: { type: 'object', additionalProperties: false, properties: { ref: { type: 'string', maxLength: 32 }, kind: { type: 'string', maxLength: 32 }, from: { type: 'integer', minimum: 0 }, limit: { type: 'integer', minimum: 1, maximum: 10_000 } } },
          response: { 200: { type: 'array', items: ANY_OBJECT }, ...errors(400) },
        },
      },
      async (req) => control.audit.list(auditQueryOf(queryParams(req.query))),
    );
    app.get(
      '/control/audit/verify',
      {
        config: { roles: READ },
        schema: { summary: 'check the audit chain; names the first broken record', tags, response: { 200: { type: 'object', properties: { ok: { type: 'boolean' }, records: { type: 'integer' }, head: ANY_OBJECT, broken: ANY_OBJECT } }, ...errors() } },
      },
      async () => control.audit.verify(),
    );
  };
}
