/** The two-person rule and the hash that binds an approval to exact targets and parameters. */
import { describe, expect, it } from 'vitest';
import { actorOf } from '../../../src/control/actor.js';
import { checkApproval, requestHash, type Approvable } from '../../../src/control/approvals.js';
import { ForbiddenError } from '../../../src/control/errors.js';
import { InputError } from '../../../src/errors.js';
import { ConflictError } from '../../../src/service/errors.js';
import type { Target } from '../../../src/control/targets.js';

const T = (k: string): Target => ({ key: k, level: 'terminal', terminal: k });
const req = (o: Partial<Approvable> = {}): Approvable => ({ id: 1, kind: 'trip', state: 'pending', createdBy: 'alice', expiresAt: 1000, hash: 'h', override: false, ...o });

describe('approvals', () => {
  it('the hash changes with any target or parameter, not with their order', () => {
    const h = requestHash('trip', { action: { kind: 'trip', rounds: [1] } }, [T('1101-00001'), T('1101-00002')], false);
    expect(requestHash('trip', { action: { rounds: [1], kind: 'trip' } }, [T('1101-00001'), T('1101-00002')], false)).toBe(h);
    expect(requestHash('trip', { action: { kind: 'trip', rounds: [1] } }, [T('1101-00001')], false)).not.toBe(h);
    expect(requestHash('trip', { action: { kind: 'trip', rounds: [2] } }, [T('1101-00001'), T('1101-00002')], false)).not.toBe(h);
    expect(requestHash('trip', { action: { kind: 'trip', rounds: [1] } }, [T('1101-00001'), T('1101-00002')], true)).not.toBe(h);
  });

  it('a second operator, before expiry, reviewing the current hash', () => {
    const bob = actorOf('bob', undefined);
    expect(() => checkApproval(req(), bob, 999, 'h')).not.toThrow();
    expect(() => checkApproval(req(), actorOf('alice', 'operator'), 999, undefined)).toThrow(ForbiddenError);
    expect(() => checkApproval(req(), actorOf('carol', 'viewer'), 999, undefined)).toThrow(ForbiddenError);
    expect(() => checkApproval(req(), bob, 1000, undefined)).toThrow(ConflictError);
    expect(() => checkApproval(req(), bob, 999, 'x')).toThrow(/not the x/);
    expect(() => checkApproval(req({ state: 'done' }), bob, 999, undefined)).toThrow(ConflictError);
    expect(() => checkApproval(req({ override: true }), bob, 999, undefined)).toThrow(/admin role/);
    expect(() => checkApproval(req({ override: true }), actorOf('root', 'admin'), 999, undefined)).not.toThrow();
  });

  it('operator names and roles are validated; "system" is not a person', () => {
    expect(actorOf(' bob ', 'admin,operator')).toEqual({ name: 'bob', roles: ['admin', 'operator'] });
    expect(() => actorOf('system', undefined)).toThrow(InputError);
    expect(() => actorOf('bob', 'root')).toThrow(InputError);
    expect(() => actorOf('', undefined)).toThrow(InputError);
  });
});
