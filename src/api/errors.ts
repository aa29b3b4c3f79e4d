/**
 * Typed error bodies of the northbound API: every error answers `{ code, message, details }`.
 *
 *   400 invalid-input (details.field names the parameter, details.in: query | params | body)
 *       invalid-json, unsupported-media-type            401 unauthenticated   403 forbidden
 *   (403 also when load control refuses: details.reason role, same-operator, protected, not-creator …)
 *   404 not-found   409 conflict (terminal offline or quarantined, request state)   413 body-too-large
 *   500 internal    502 denied (the terminal refused)   503 store-unavailable, busy (FEP queue full)
 *   504 timeout (the terminal did not answer)
 */
import type { FastifyError } from 'fastify';
import { errorBody as adminErrorBody, type ErrorBody } from '../admin/errors.js';
import { ForbiddenError } from '../control/errors.js';
import { InputError } from '../errors.js';
import { StoreClosedError, StoreInputError, StoreUnavailableError } from '../store/errors.js';

export type { ErrorBody };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The store is down or closed: 503 with what it said. */
export class StoreDownError extends ApiError {
  constructor(detail: string) {
    super(503, 'store-unavailable', `the reading store is unavailable: ${detail}`, { store: detail });
  }
}

interface AjvIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `/pn/1` → `pn[1]`, `/a/b` → `a.b`. */
function fieldOf(issue: AjvIssue): string {
  const extra = issue.params?.missingProperty ?? issue.params?.additionalProperty;
  const parts = (issue.instancePath ?? '').split('/').filter((p) => p !== '');
  if (typeof extra === 'string') parts.push(extra);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out === '' ? 'body' : out;
}

function messageOf(issue: AjvIssue, field: string): string {
  if (issue.keyword === 'additionalProperties') return `${field}: unknown parameter`;
  if (issue.keyword === 'required') return `${field}: required`;
  if (issue.keyword === 'enum' && Array.isArray(issue.params?.allowedValues)) return `${field}: expected one of ${(issue.params.allowedValues as unknown[]).join(', ')}`;
  return `${field}: ${issue.message ?? 'invalid'}`;
}

const IN: Record<string, string> = { querystring: 'query', params: 'params', body: 'body', headers: 'headers' };

export function apiErrorOf(e: unknown): { status: number; body: ErrorBody } {
  if (e instanceof ApiError) return { status: e.status, body: { code: e.code, message: e.message, details: e.details } };
  const fe = e as Partial<FastifyError> & { validation?: AjvIssue[]; validationContext?: string };
  if (Array.isArray(fe.validation) && fe.validation.length > 0) {
    const issue = fe.validation[0]!;
    const field = fieldOf(issue);
    return { status: 400, body: { code: 'invalid-input', message: messageOf(issue, field), details: { field, in: IN[fe.validationContext ?? ''] ?? fe.validationContext ?? 'request' } } };
  }
  if (e instanceof InputError) return { status: 400, body: { code: 'invalid-input', message: e.message, details: { field: e.field } } };
  // Load control refuses the actor (role, two-person rule, keep-power).
  if (e instanceof ForbiddenError) return { status: 403, body: { code: 'forbidden', message: e.message, details: { reason: e.reason } } };
  if (e instanceof StoreInputError) return { status: 400, body: { code: 'invalid-input', message: e.message, details: { field: e.field } } };
  if (e instanceof StoreUnavailableError || e instanceof StoreClosedError) return { status: 503, body: { code: 'store-unavailable', message: e.message, details: {} } };
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { code: 'unsupported-media-type', message: fe.message ?? 'unsupported media type', details: {} } };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: { code: 'invalid-json', message: fe.message ?? 'invalid JSON', details: {} } };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { code: 'body-too-large', message: fe.message ?? 'body too large', details: {} } };
  }
  if (e instanceof SyntaxError && typeof fe.statusCode === 'number' && fe.statusCode === 400) return { status: 400, body: { code: 'invalid-json', message: e.message, details: {} } };
  return adminErrorBody(e);
}

/** The JSON schema of every error body (OpenAPI components). */
export const ERROR_SCHEMA = {
  $id: 'Error',
  type: 'object',
  description: 'Typed error: a stable code, a human message, and details (e.g. `field` for 400 invalid-input)',
  required: ['code', 'message', 'details'],
  properties: {
    code: { type: 'string', examples: ['invalid-input'] },
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;
