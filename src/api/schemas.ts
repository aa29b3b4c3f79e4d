/** JSON schema fragments shared by the route plugins (request parts and OpenAPI documentation). */
import { DATE_PATTERN, DATETIME_PATTERN, MONTH_PATTERN } from '../billing/dates.js';

export const ERROR_REF = { $ref: 'Error#' } as const;

/** Error responses of a route: 401, 403 and the given statuses. */
export function errors(...codes: number[]): Record<number, typeof ERROR_REF> {
  const out: Record<number, typeof ERROR_REF> = { 401: ERROR_REF, 403: ERROR_REF };
  for (const c of codes) out[c] = ERROR_REF;
  return out;
}

export const SECURITY: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }];

export const DATE = { type: 'string', pattern: DATE_PATTERN, description: 'local date (China time) YYYY-MM-DD' } as const;
export const MONTH = { type: 'string', pattern: MONTH_PATTERN, description: 'local month YYYY-MM' } as const;
export const DATETIME = { type: 'string', pattern: DATETIME_PATTERN, description: 'local date or time (China time) YYYY-MM-DD[THH:mm[:ss]]' } as const;
export const ACCOUNT = { type: 'string', pattern: '^\\d{6,20}$', description: 'account number 户号' } as const;
export const TERMINAL_KEY = { type: 'string', pattern: '^[0-9A-Fa-f]{4}-\\d{1,5}$', description: 'terminal key A1-A2, e.g. 1101-00001' } as const;
export const ID_LIST = { type: 'string', maxLength: 100_000, description: 'comma-separated list' } as const;
export const ISO_TIME = { type: 'string', description: 'time, ISO 8601 with the China offset (+08:00)' } as const;
export const NULLABLE_NUMBER = { type: ['number', 'null'] } as const;

/** An object whose properties are documented loosely (free-form data such as decoded frames). */
export const ANY_OBJECT = { type: 'object', additionalProperties: true } as const;

/** Page envelope of a JSON listing. */
export function pageOf(item: object): object {
  return { type: 'object', required: ['items'], properties: { items: { type: 'array', items: item }, nextCursor: { type: 'string', description: 'pass as cursor for the next page; absent on the last page' } } };
}

/** A list parameter split and checked, undefined when absent. */
export function listOf(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const v = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return v.length ? v : undefined;
}

/** A validated querystring object as URLSearchParams, for validators shared with the admin API. */
export function queryParams(q: unknown): URLSearchParams {
  const out = new URLSearchParams();
  if (typeof q === 'object' && q !== null) for (const [k, v] of Object.entries(q)) if (v !== undefined) out.set(k, String(v));
  return out;
}
