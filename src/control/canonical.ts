/**
 * Canonical JSON (object keys sorted, undefined dropped, bytes as hex) and SHA-256 over it: what the
 * audit chain hashes and what binds an approval to a request's exact targets and parameters.
 */
import * as crypto from 'node:crypto';

function normalise(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : normalise(x)));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined && typeof x !== 'function') out[k] = normalise(x);
  }
  return out;
}

export function canonicalJson(v: unknown): string {
  return JSON.stringify(normalise(v)) ?? 'null';
}

// One-shot crypto.hash (Node ≥ 20.12) is ~3× faster than a Hash object per call; the audit chain hashes
// every frame of a scheme over thousands of terminals. Same digest either way.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;

export function sha256(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** SHA-256 of the canonical JSON of `v`. */
export function hashOf(v: unknown): string {
  return sha256(canonicalJson(v));
}
