/** Error → HTTP status and typed body `{ code, message, details }`; JSON bodies with binary data as hex. */
import { ProtocolError } from '../../protocols/codec/errors.js';
import { ChannelClosedError, QueueFullError, TimeoutError } from '../../drivers/errors.js';
import { DeniedError, InputError } from '../errors.js';
import { ConflictError, NotFoundError } from '../service/errors.js';

export interface ErrorBody {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

export function errorBody(e: unknown): { status: number; body: ErrorBody } {
  if (e instanceof InputError) return { status: 400, body: { code: 'invalid-input', message: e.message, details: { field: e.field } } };
  if (e instanceof ProtocolError) return { status: 400, body: { code: 'invalid-input', message: e.message, details: {} } };
  if (e instanceof NotFoundError) return { status: 404, body: { code: 'not-found', message: e.message, details: { what: e.what } } };
  if (e instanceof ConflictError) return { status: 409, body: { code: 'conflict', message: e.message, details: { reason: e.reason } } };
  // The terminal went offline while the request waited.
  if (e instanceof ChannelClosedError) return { status: 409, body: { code: 'conflict', message: e.message, details: { reason: 'offline', endpoint: e.endpoint } } };
  if (e instanceof TimeoutError) return { status: 504, body: { code: 'timeout', message: e.message, details: { endpoint: e.endpoint, attempts: e.attempts, waitedMs: e.waitedMs } } };
  if (e instanceof QueueFullError) return { status: 503, body: { code: 'busy', message: e.message, details: { endpoint: e.endpoint } } };
  if (e instanceof DeniedError) return { status: 502, body: { code: 'denied', message: e.message, details: { device: e.device, deviceCode: e.code, reasons: e.reasons } } };
  return { status: 500, body: { code: 'internal', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e), details: {} } };
}

/** JSON with Buffers/Uint8Arrays as hex and non-finite numbers as strings ("Infinity"). */
export function toJsonBody(v: unknown): string {
  return JSON.stringify(v, function (this: Record<string, unknown>, k: string, x: unknown) {
    const orig = this[k];
    if (orig instanceof Uint8Array) return Buffer.from(orig.buffer, orig.byteOffset, orig.byteLength).toString('hex');
    if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
    if (typeof x === 'bigint') return x.toString();
    return x;
  });
}
