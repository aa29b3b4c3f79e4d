/**
 * API keys (bearer tokens) in the head-end database (table `api_keys`, migration 0005).
 *
 * A key is `ohes_<id>_<secret>`: `id` is 16 hex digits (8 random bytes), public, the row's primary key;
 * `secret` is 32 random bytes in base64url (256 bits). Only SHA-256(secret) is stored; a presented key is
 * found by its id and its secret's hash compared in constant time.
 *
 * Why SHA-256 and not scrypt: a slow KDF protects *low-entropy* secrets (passwords) against guessing
 * after a database leak. These secrets are 256 random bits: no dictionary, and 2^255 SHA-256 evaluations
 * on average to find one — scrypt would add nothing to that but cost ~50 ms of CPU per request (the API
 * authenticates every request, and a flood of bad keys would turn scrypt into a denial of service). The
 * same reasoning is behind the hashed tokens of GitHub and the like. The id prefix keeps verification one
 * index probe, and an unknown or revoked key costs the same hash as a valid one.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db, Stmt } from '../../archive/db.js';
import { InputError } from '../../errors.js';
import { NotFoundError } from '../../service/errors.js';
import type { Actor, ApiRole } from './roles.js';
import { isApiRole } from './roles.js';

export const KEY_PREFIX = 'ohes_';
const KEY_RE = /^ohes_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const NAME_RE = /^[\p{L}\p{N}._@:-]{1,64}$/u;

/** `last_used_at` is written at most this often per key (no write per request). */
const USED_WRITE_INTERVAL_MS = 60_000;

export interface ApiKeyInfo {
  id: string;
  name: string;
  roles: ApiRole[];
  createdAt: string;
  createdBy: string;
  revokedAt?: string;
  revokedBy?: string;
  lastUsedAt?: string;
}

export interface CreatedKey extends ApiKeyInfo {
  /** The key itself: shown once, never stored. */
  key: string;
}

interface Row {
  id: string;
  name: string;
  roles: string;
  hash: string;
  created_at: number;
  created_by: string;
  revoked_at: number | null;
  revoked_by: string | null;
  last_used_at: number | null;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
const iso = (ms: number): string => new Date(ms).toISOString();

function infoOf(r: Row): ApiKeyInfo {
  const k: ApiKeyInfo = { id: r.id, name: r.name, roles: r.roles.split(',').filter(isApiRole), createdAt: iso(r.created_at), createdBy: r.created_by };
  if (r.revoked_at !== null) k.revokedAt = iso(r.revoked_at);
  if (r.revoked_by !== null) k.revokedBy = r.revoked_by;
  if (r.last_used_at !== null) k.lastUsedAt = iso(r.last_used_at);
  return k;
}

/** A dummy hash compared against when the id is unknown, so timing does not tell ids apart. */
const DUMMY = sha256('no such key');

export class ApiKeyStore {
  private readonly st: Record<'insert' | 'get' | 'list' | 'revoke' | 'used', Stmt>;
  private readonly lastWritten = new Map<string, number>();

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.st = {
      insert: db.prepare('INSERT INTO api_keys (id, name, roles, hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)'),
      get: db.prepare('SELECT * FROM api_keys WHERE id = ?'),
      list: db.prepare('SELECT * FROM api_keys ORDER BY created_at, id'),
      revoke: db.prepare('UPDATE api_keys SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL'),
      used: db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?'),
    };
  }

  /** Creates a key; the returned `key` is the only copy. */
  create(o: { name: string; roles: readonly ApiRole[]; by: string }): CreatedKey {
    if (!NAME_RE.test(o.name)) throw new InputError('name', `'${o.name}' is not a key name (1..64 letters, digits, . _ @ : -)`);
    if (o.roles.length === 0) throw new InputError('role', 'give at least one role');
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const at = this.now();
    this.st.insert.run(id, o.name, [...new Set(o.roles)].join(','), sha256(secret).toString('hex'), at, o.by);
    return { ...infoOf(this.st.get.get(id) as Row), key: `${KEY_PREFIX}${id}_${secret}` };
  }

  list(o: { includeRevoked?: boolean } = {}): ApiKeyInfo[] {
    return (this.st.list.all() as Row[]).filter((r) => o.includeRevoked || r.revoked_at === null).map(infoOf);
  }

  get(id: string): ApiKeyInfo {
    const r = this.st.get.get(id) as Row | undefined;
    if (!r) throw new NotFoundError('api-key', `no API key ${id}`);
    return infoOf(r);
  }

  /** Revokes a key by id (or by name when exactly one active key has it). Idempotent per key. */
  revoke(idOrName: string, by: string): ApiKeyInfo {
    const id = this.resolve(idOrName);
    this.st.revoke.run(this.now(), by, id);
    return this.get(id);
  }

  private resolve(idOrName: string): string {
    if (/^[0-9a-f]{16}$/.test(idOrName) && this.st.get.get(idOrName)) return idOrName;
    const active = this.list().filter((k) => k.name === idOrName);
    if (active.length === 1) return active[0]!.id;
    if (active.length > 1) throw new InputError('key', `${active.length} active keys are named '${idOrName}': give the id (${active.map((k) => k.id).join(', ')})`);
    throw new NotFoundError('api-key', `no active API key with id or name '${idOrName}'`);
  }

  /** The actor of a presented key, or undefined (malformed, unknown, revoked, wrong secret). */
  verify(presented: string): Actor | undefined {
    const m = KEY_RE.exec(presented.trim());
    const hash = sha256(m ? m[2]! : presented);
    const r = m ? (this.st.get.get(m[1]!) as Row | undefined) : undefined;
    const expected = r ? Buffer.from(r.hash, 'hex') : DUMMY;
    const ok = timingSafeEqual(hash, expected.length === hash.length ? expected : DUMMY) && r !== undefined && r.revoked_at === null;
    if (!ok || !r) return undefined;
    this.touch(r.id);
    return { name: r.name, roles: r.roles.split(',').filter(isApiRole), keyId: r.id };
  }

  private touch(id: string): void {
    const now = this.now();
    const last = this.lastWritten.get(id) ?? 0;
    if (now - last < USED_WRITE_INTERVAL_MS) return;
    this.lastWritten.set(id, now);
    try {
      this.st.used.run(now, id);
    } catch {
      // A busy database must not fail the request: the timestamp is informational.
    }
  }
}
