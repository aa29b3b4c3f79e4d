/** The audit chain: hashes in order, buffered writes, and the first broken record named on any edit. */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/archive/db.js';
import { ManualClock } from '../../../src/clock.js';
import { AuditChain, GENESIS, verifyAudit } from '../../../src/control/audit-chain.js';
import { canonicalJson } from '../../../src/control/canonical.js';

function chain(n: number) {
  const db = openDatabase(':memory:');
  const clock = new ManualClock();
  const a = new AuditChain(db, clock, { flushMs: 10 });
  for (let i = 0; i < n; i++) a.append({ kind: 'frame-out', actor: 'alice', ref: 'R1', target: '1101-00001', data: { hex: `68 ${i}`, i } });
  return { db, clock, a };
}

describe('audit chain', () => {
  it('canonical JSON sorts keys and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [1, { z: 0, y: 1 }] } })).toBe('{"a":{"c":[1,{"y":1,"z":0}]},"b":1}');
  });

  it('buffers until flushed (timer, explicit, or a flush record) and chains from 64 zeros', () => {
    const { db, clock, a } = chain(3);
    expect((db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n).toBe(0);
    clock.advance(10);
    expect((db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n).toBe(3);
    a.append({ kind: 'approval', actor: 'bob' }, { flush: true });
    const first = db.prepare('SELECT prev FROM audit_log WHERE seq = 1').get() as { prev: string };
    expect(first.prev).toBe(GENESIS);
    expect(a.verify()).toMatchObject({ ok: true, records: 4, head: { seq: 4 } });
    // Re-opened on the same database, it continues the chain.
    const b = new AuditChain(db, clock);
    b.append({ kind: 'summary', actor: 'bob' }, { flush: true });
    expect(verifyAudit(db)).toMatchObject({ ok: true, records: 5 });
  });

  it('refuses UPDATE and DELETE at the database level', () => {
    const { db, a } = chain(2);
    a.flush();
    expect(() => db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 2').run()).toThrow(/append-only/);
  });

  it('names the first broken record: edited content, a removed record, a rewritten hash', () => {
    const edit = chain(10);
    edit.a.flush();
    edit.db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete');
    edit.db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4").run();
    expect(verifyAudit(edit.db)).toMatchObject({ ok: false, head: { seq: 3 }, broken: { seq: 4, reason: expect.stringMatching(/edited/) } });

    const del = chain(10);
    del.a.flush();
    del.db.exec('DROP TRIGGER audit_log_no_delete');
    del.db.prepare('DELETE FROM audit_log WHERE seq = 6').run();
    expect(verifyAudit(del.db).broken).toMatchObject({ seq: 7, reason: expect.stringMatching(/gap/) });

    // Edited and re-hashed: the next record no longer chains to it.
    const rehash = chain(10);
    rehash.a.flush();
    rehash.db.exec('DROP TRIGGER audit_log_no_update');
    rehash.db.prepare("UPDATE audit_log SET hash = 'ab' || substr(hash, 3) WHERE seq = 5").run();
    expect(verifyAudit(rehash.db).broken?.seq).toBe(5);
  });
});
