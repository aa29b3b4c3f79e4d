import { describe, expect, it } from 'vitest';
import { ApiAudit } from '../../../src/api/audit.js';
import { ApiKeyStore } from '../../../src/api/auth/keys.js';
import { controlActorOf, mayUse, parseRoles } from '../../../src/api/auth/roles.js';
import { openDatabase } from '../../../src/archive/db.js';

describe('API keys', () => {
  it('a key is shown once, stored only as a hash, verified by id + secret, revoked', () => {
    const db = openDatabase(':memory:');
    const keys = new ApiKeyStore(db, () => 1_700_000_000_000);
    const k = keys.create({ name: 'billing-sg186', roles: ['billing'], by: 'test' });
    expect(k.key).toMatch(/^ohes_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const row = db.prepare('SELECT * FROM api_keys').get() as Record<string, string>;
    expect(JSON.stringify(row)).not.toContain(k.key.slice(22));
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(keys.verify(k.key)).toEqual({ name: 'billing-sg186', roles: ['billing'], keyId: k.id });
    expect(keys.verify(`${k.key.slice(0, -1)}${k.key.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(keys.verify('ohes_0000000000000000_' + 'A'.repeat(43))).toBeUndefined();
    expect(keys.verify('garbage')).toBeUndefined();
    expect(keys.list()[0]).toMatchObject({ id: k.id, lastUsedAt: new Date(1_700_000_000_000).toISOString() });
    expect(keys.revoke('billing-sg186', 'admin')).toMatchObject({ revokedBy: 'admin' });
    expect(keys.verify(k.key)).toBeUndefined();
    expect(keys.list()).toEqual([]);
    expect(keys.list({ includeRevoked: true })).toHaveLength(1);
    expect(() => keys.revoke('nobody', 'admin')).toThrow(/no active API key/);
    expect(() => keys.create({ name: 'bad name', roles: ['admin'], by: 'x' })).toThrow(/name/);
  });

  it('roles: parsing, admin may use every route, mapping to the load-control operator', () => {
    expect(parseRoles('service, engineer')).toEqual(['service', 'engineer']);
    expect(() => parseRoles('root')).toThrow(/'root' is not a role/);
    expect(() => parseRoles('')).toThrow(/at least one role/);
    const a = { name: 'x', roles: ['service'] as const, keyId: '0' };
    expect(mayUse(a, ['service'])).toBe(true);
    expect(mayUse(a, ['billing'])).toBe(false);
    expect(mayUse({ ...a, roles: ['admin'] }, [])).toBe(true);
    expect(controlActorOf({ ...a, roles: ['operator', 'engineer'] })).toEqual({ name: 'x', roles: ['operator'] });
    expect(controlActorOf(a)).toEqual({ name: 'x', roles: ['viewer'] });
  });

  it('the audit log is append-only and leaves secrets out', () => {
    const db = openDatabase(':memory:');
    const audit = new ApiAudit(db, () => 0);
    audit.record({ actor: 'a', action: 'POST /x', status: 200, detail: { body: { key: 'secret', amount: 3 } } });
    const [r] = audit.list({ limit: 10 });
    expect(r).toMatchObject({ actor: 'a', action: 'POST /x', detail: { body: { key: '[redacted]', amount: 3 } } });
    expect(() => db.prepare('DELETE FROM api_audit').run()).toThrow(/append-only/);
    expect(() => db.prepare("UPDATE api_audit SET actor = 'b'").run()).toThrow(/append-only/);
  });
});
