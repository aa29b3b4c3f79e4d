/** `hes archive …` as a user runs it, on an archive written by the fleet's reference writer. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { edited, filesOf, fleetArchive, rm, setField, tmpDir } from '../unit/archive/helpers.js';

// Each test runs several `hes` processes; a start-up of tsx can take seconds on a loaded machine.
describe('hes archive import|export|show|find|customers', { timeout: 120_000 }, () => {
  let src: string;
  let data: string;
  let out: string;
  beforeAll(() => {
    src = fleetArchive({ a1: '3201', terminals: 20, metersPerTerminal: 50, seed: 9 });
    data = tmpDir();
    out = tmpDir();
  });
  afterAll(() => rm(src, data, out));

  it('imports offline into --data, then re-import is all unchanged', async () => {
    const r = await runCli('hes', ['archive', 'import', src, '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`→ ${path.join(data, 'openhes.db')}: 6 file(s), 2042 rows`);
    expect(r.stdout).toMatch(/meters\.csv\s+1000\s+1000 inserted, 0 updated, 0 unchanged/);
    const again = await runCli('hes', ['archive', 'import', src, '--data', data, '--json']);
    expect(JSON.parse(again.stdout).counts.customers).toEqual({ inserted: 0, updated: 0, unchanged: 1000 });
  });

  it('exports byte-identical files', async () => {
    const r = await runCli('hes', ['archive', 'export', out, '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(filesOf(out)).toEqual(filesOf(src));
  });

  it('shows a terminal, a meter and an account; finds by name; lists customers of a line', async () => {
    const t = await runCli('hes', ['archive', 'show', 'terminal', '3201-00003', '--data', data]);
    expect(t.stdout).toContain('terminal 3201-00003 (id 3): A1 3201 A2 3');
    expect(t.stdout).toContain('SS3201-001 → SS3201-001-L01 → TQ3201-00003');
    const m = await runCli('hes', ['archive', 'show', 'meter', '201000030004', '--data', data, '--json']);
    expect(JSON.parse(m.stdout)).toMatchObject({ address: '201000030004', terminal: '3201-00003', pn: 4, customer: { accountNo: '3201000030004' } });
    const a = await runCli('hes', ['archive', 'show', 'account', '3201000030004', '--data', data]);
    expect(a.stdout).toContain('meter 201000030004 = terminal 3201-00003 P4');
    const f = await runCli('hes', ['archive', 'find', '00003-004', '--data', data, '--json']);
    expect((JSON.parse(f.stdout) as { customerId: string }[]).map((c) => c.customerId)).toEqual(Array.from({ length: 10 }, (_, i) => `C3201-00003-004${i}`));
    const c = await runCli('hes', ['archive', 'customers', '--line', 'SS3201-001-L01', '--count', '--data', data]);
    expect(c.stdout.trim()).toBe('1000');
    const missing = await runCli('hes', ['archive', 'show', 'account', '999', '--data', data]);
    expect(missing.code).toBe(2);
  });

  it('exits 2 on a rejected file with every problem on stderr, importing nothing', async () => {
    const bad = edited(src, 'customers.csv', (l) => {
      setField(l, 3, 5, '0');
      setField(l, 7, 4, 'ABC');
    });
    writeFileSync(path.join(bad, 'substations.csv'), readFileSync(path.join(bad, 'substations.csv'), 'utf8').replace('substation 1', 'renamed'));
    try {
      const r = await runCli('hes', ['archive', 'import', bad, '--data', data]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('rejected, 2 problems; nothing was imported');
      expect(r.stderr).toContain('customers.csv:3: reading_day: 0 is out of range 1..28\ncustomers.csv:7: meter_address: "ABC" is not a 12-digit meter address\n');
      const s = await runCli('hes', ['archive', 'show', 'terminal', '3201-00001', '--data', data, '--json']);
      expect(JSON.parse(s.stdout).substation).toBe('SS3201-001');
      await runCli('hes', ['archive', 'export', out, '--data', data]);
      expect(filesOf(out)).toEqual(filesOf(src));
    } finally {
      rm(bad);
    }
  });

  it('refuses to read a data directory without a database', async () => {
    const empty = tmpDir();
    try {
      const r = await runCli('hes', ['archive', 'find', 'x', '--data', empty]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('no database at');
    } finally {
      rm(empty);
    }
  });
});
