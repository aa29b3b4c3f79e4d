/**
 * BillingService over a real archive (fleet writer + import) and the embedded store in memory: the meter
 * history records a replacement (换表) made by editing the archive, and consumption over the period adds
 * both meters' segments; exports keep every selected meter, missing ones flagged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeArchive } from '../../../simulators/fleet/archive-writer.js';
import { openDatabase } from '../../../src/archive/db.js';
import { importArchive } from '../../../src/archive/import.js';
import { BillingService } from '../../../src/billing/service.js';
import { EmbeddedStore } from '../../../src/store/embedded/embedded-store.js';
import type { Reading } from '../../../src/store/store.js';

const root = mkdtempSync(path.join(tmpdir(), 'hes-billing-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const day = (d: number): number => Date.UTC(2024, 4, d) - 8 * 3_600_000;
const ACCT = '1101000010001';

describe('billing service', () => {
  it('consumption across a meter replacement; daily export with missing meters', async () => {
    writeArchive(root, { a1: '1101', terminals: 1, metersPerTerminal: 3, seed: 1 });
    const db = openDatabase(':memory:');
    importArchive(db, root);
    const store = EmbeddedStore.open(':memory:');
    let now = day(1);
    const billing = new BillingService({ db, store, rolloverKwh: 1_000_000, now: () => now });
    billing.history.refresh(true);
    const old = db.prepare('SELECT m.id, m.terminal FROM meters m JOIN customers c ON c.meter = m.id WHERE c.account_no = ?').get(ACCT) as { id: number; terminal: number };
    // 换表 on the 3rd: a new meter at Pn 9 takes the account.
    now = day(3) + 3_600_000;
    db.transaction(() => {
      const neu = db.prepare("INSERT INTO meters (meter_address, terminal, pn, port, protocol, baud, wiring, ct_ratio, pt_ratio) VALUES ('999900000009', ?, 9, 2, 'dlt645-2007', 2400, 'single-phase', 1, 1)").run(old.terminal).lastInsertRowid as number;
      db.prepare('UPDATE meters SET customer = NULL WHERE id = ?').run(old.id);
      db.prepare('UPDATE customers SET meter = ? WHERE account_no = ?').run(neu, ACCT);
      db.prepare('UPDATE meters SET customer = (SELECT id FROM customers WHERE account_no = ?) WHERE id = ?').run(ACCT, neu);
    })();
    billing.history.refresh(true);
    const hist = billing.history.metersOf(ACCT);
    expect(hist).toHaveLength(2);
    expect(hist[0]).toMatchObject({ meter: old.id, since: 0, until: now });
    const neu = hist[1]!.meter;
    expect(hist[1]).toMatchObject({ address: '999900000009', since: now });
    const r = (meter: number, d: number, total: number): Reading => ({ meter, kind: 'day', quantity: 'ea_imp', time: day(d), values: [total, total / 2, total / 4, total / 8, total / 8], quality: 'collected' });
    await store.writeReadings([r(old.id, 1, 100), r(old.id, 2, 110), r(old.id, 3, 118), r(neu, 4, 0.5), r(neu, 5, 6)]);
    const c = await billing.accountConsumption(ACCT, { from: day(1), to: day(5), register: 'ea_imp', source: 'day' });
    expect(c.status).toBe('replaced');
    expect(c.total.value).toBe(23.5);
    expect(c.total.replacements).toEqual([{ oldMeter: old.id, newMeter: neu, oldLast: { meter: old.id, time: day(3), value: 118 }, newFirst: { meter: neu, time: day(4), value: 0.5 } }]);
    expect(c.meters.map((m) => m.meter)).toEqual([old.id, neu]);
    expect(c.energy).toBe(23.5);
    // Export of the 5th: every meter of the archive, the account's new one with its value, the rest missing.
    const rows = [];
    for await (const x of billing.daily(day(5), {})) rows.push(x);
    expect(rows.map((x) => [x.meter.address, x.meter.accountNo ?? null, x.quality])).toEqual([
      ['101000010001', null, 'missing'],
      ['101000010002', '1101000010002', 'missing'],
      ['101000010003', '1101000010003', 'missing'],
      ['999900000009', ACCT, 'collected'],
    ]);
    expect(rows[3]!.registers.ea_imp).toMatchObject({ total: 6, rates: [3, 1.5, 0.75, 0.75] });
    await store.close();
    db.close();
  });
});
