import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src/archive/db.js';
import { ArchiveImportError, importArchive, type ImportResult } from '../../../src/archive/import.js';
import { exportArchive } from '../../../src/archive/export.js';
import { ENTITIES, columnNames } from '../../../src/archive/entities.js';
import { Archive } from '../../../src/archive/archive.js';
import { ARCHIVE_FILES } from '../../../simulators/fleet/archive-writer.js';
import { edited, filesOf, fleetArchive, rm, setField, tmpDir } from './helpers.js';

function rejected(db: Db, input: string, o: Parameters<typeof importArchive>[2] = {}): ArchiveImportError {
  try {
    importArchive(db, input, o);
  } catch (e) {
    if (e instanceof ArchiveImportError) return e;
    throw e;
  }
  throw new Error('the import was accepted');
}

const counts = (r: ImportResult): Record<string, [number, number, number]> =>
  Object.fromEntries(Object.entries(r.counts).map(([e, c]) => [e, [c.inserted, c.updated, c.unchanged]]));

describe('archive import of a fleet archive (20 terminals × 50 meters)', () => {
  let src: string;
  let data: string;
  let db: Db;
  let baseline: Record<string, string>;
  const dirs: string[] = [];

  beforeAll(() => {
    src = fleetArchive();
    data = tmpDir();
    db = openDatabase(data);
  });
  afterAll(() => {
    db?.close();
    rm(src, data, ...dirs);
  });

  it('uses the columns of the reference writer', () => {
    for (const e of ENTITIES) expect(columnNames(e)).toEqual([...ARCHIVE_FILES[`${e}.csv`]]);
  });

  it('imports every file in one go and counts inserted rows', () => {
    const r = importArchive(db, src);
    expect(r.files.map((f) => [f.file, f.rows])).toEqual([
      ['substations.csv', 1],
      ['lines.csv', 1],
      ['taiqu.csv', 20],
      ['terminals.csv', 20],
      ['meters.csv', 1000],
      ['customers.csv', 1000],
    ]);
    expect(counts(r)).toEqual({ substations: [1, 0, 0], lines: [1, 0, 0], taiqu: [20, 0, 0], terminals: [20, 0, 0], meters: [1000, 0, 0], customers: [1000, 0, 0] });
    expect(new Archive(db).stats()).toEqual({ substations: 1, lines: 1, taiqu: 20, terminals: 20, meters: 1000, customers: 1000 });
  });

  it('exports the six files byte-identical to the writer’s', () => {
    const out = tmpDir();
    dirs.push(out);
    exportArchive(db, out);
    baseline = filesOf(out);
    expect(baseline).toEqual(filesOf(src));
  });

  it('re-import of the same data changes nothing (all unchanged)', () => {
    const r = importArchive(db, src);
    expect(counts(r)).toEqual({ substations: [0, 0, 1], lines: [0, 0, 1], taiqu: [0, 0, 20], terminals: [0, 0, 20], meters: [0, 0, 1000], customers: [0, 0, 1000] });
  });

  it('imports a single entity file: changed rows are updated, the rest unchanged', () => {
    const dir = edited(src, 'customers.csv', (l) => {
      setField(l, 2, 2, '"Zhang, San"');
      setField(l, 3, 5, '9');
      setField(l, 4, 6, 'commercial');
    });
    dirs.push(dir);
    const r = importArchive(db, path.join(dir, 'customers.csv'));
    expect(counts(r)).toEqual({ customers: [0, 3, 997] });
    const a = new Archive(db);
    expect(a.customer('C1101-00001-0001')?.name).toBe('Zhang, San');
    expect(a.customer('C1101-00001-0002')?.readingDay).toBe(9);
    // Back as it was.
    expect(counts(importArchive(db, path.join(src, 'customers.csv')))).toEqual({ customers: [0, 3, 997] });
  });

  it('recognises a renamed entity file by its header', () => {
    const dir = tmpDir();
    dirs.push(dir);
    writeFileSync(path.join(dir, 'export-2024.csv'), readFileSync(path.join(src, 'terminals.csv')));
    expect(counts(importArchive(db, path.join(dir, 'export-2024.csv')))).toEqual({ terminals: [0, 0, 20] });
  });

  it('a dry run validates and counts but writes nothing', () => {
    const dir = edited(src, 'meters.csv', (l) => {
      setField(l, 2, 7, '5');
    });
    dirs.push(dir);
    const r = importArchive(db, dir, { dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.counts.meters).toEqual({ inserted: 0, updated: 1, unchanged: 999 });
    expect(new Archive(db).meter('101000010001')?.ctRatio).toBe(1);
  });

  it('reports progress every N rows', () => {
    const seen: string[] = [];
    importArchive(db, path.join(src, 'meters.csv'), { progressEvery: 400, onProgress: (p) => seen.push(`${p.file}:${p.rows}${p.done ? '.' : ''}`) });
    expect(seen).toEqual(['meters.csv:400', 'meters.csv:800', 'meters.csv:1000.']);
  });

  // Each bad archive is rejected as a whole, with `file:line: column: what`, and the DB is unchanged.
  const BAD: [string, string, (l: string[]) => void, string[]][] = [
    ['a wrong header', 'terminals.csv', (l) => (l[1] = l[1]!.replace('a2', 'A2')), ['terminals.csv:1: header: expected "terminal_key,a1,a2,taiqu_id,protocol,channel,endpoint,meter_count", got "terminal_key,a1,A2,taiqu_id,protocol,channel,endpoint,meter_count"']],
    ['a bad meter address', 'meters.csv', (l) => setField(l, 5, 0, '10100001000X'), ['meters.csv:5: meter_address: "10100001000X" is not a 12-digit meter address']],
    ['a short meter address in customers', 'customers.csv', (l) => setField(l, 6, 4, '10100001005'), ['customers.csv:6: meter_address: "10100001005" is not a 12-digit meter address']],
    ['a duplicate key', 'customers.csv', (l) => setField(l, 10, 1, l[9]!.split(',')[1]!), ['customers.csv:10: account_no: duplicate 1101000010008 (first on line 9)']],
    ['a dangling foreign key', 'meters.csv', (l) => setField(l, 7, 1, '1101-09999'), ['meters.csv:7: terminal_key: 1101-09999 is not in terminals.csv nor in the archive']],
    ['a bad reading day', 'customers.csv', (l) => setField(l, 3, 5, '31'), ['customers.csv:3: reading_day: 31 is out of range 1..28']],
    ['broken quoting', 'customers.csv', (l) => setField(l, 4, 2, 'Customer "x" 3'), ['customers.csv:4: name: quote inside an unquoted field (quote the whole field and double inner quotes)']],
    ['an unterminated quote', 'lines.csv', (l) => setField(l, 2, 2, '"1101 10kV line'), ['lines.csv:2: name: unterminated quoted field (opened on line 2)']],
    ['a wrong field count', 'taiqu.csv', (l) => (l[3] += ',extra'), ['taiqu.csv:3: row: expected 5 fields, got 6']],
    ['a terminal key that does not match a1/a2', 'terminals.csv', (l) => setField(l, 4, 2, '7'), ['terminals.csv:4: terminal_key: "1101-00003" does not match a1 1101 and a2 7 (expected "1101-00007")']],
    ['a dial-out terminal without the address it listens on', 'terminals.csv', (l) => (setField(l, 5, 5, 'tcp-out'), setField(l, 5, 6, 'mqtt://10.0.0.9:1883')), [
      'terminals.csv:5: endpoint: channel tcp-out needs the address the terminal listens on, tcp://host:port (got "mqtt://10.0.0.9:1883")',
    ]],
    ['a meter whose customer has another meter', 'meters.csv', (l) => setField(l, 8, 9, 'C1101-00001-0001'), [
      'meters.csv:8: customer_id: customer C1101-00001-0001 has meter 101000010001 (customers.csv:2), not 101000010007',
    ]],
  ];

  it.each(BAD)('rejects %s as a whole, listing file:line, and leaves the DB unchanged', (_what, file, edit, expected) => {
    const dir = edited(src, file, edit);
    dirs.push(dir);
    // A change elsewhere that would otherwise be applied.
    const other = path.join(dir, file === 'substations.csv' ? 'lines.csv' : 'substations.csv');
    writeFileSync(other, readFileSync(other, 'utf8').replace(/110kV substation 1,110/, 'renamed,110').replace('10kV line 1-1', 'renamed line'));
    const e = rejected(db, dir);
    expect(e.problems).toEqual(expected);
    expect(e.total).toBe(expected.length);
    expect(e.message).toContain(expected[0]);
    const out = tmpDir();
    dirs.push(out);
    exportArchive(db, out);
    expect(filesOf(out)).toEqual(baseline);
  });

  it('lists every problem of all files in file order, capped with the number left out', () => {
    const dir = edited(src, 'meters.csv', (l) => {
      for (let i = 2; i < l.length; i++) setField(l, i, 3, '99');
    });
    dirs.push(dir);
    const e = rejected(db, dir, { maxProblems: 5 });
    expect(e.total).toBe(1000);
    expect(e.problems).toEqual([2, 3, 4, 5, 6].map((n) => `meters.csv:${n}: port: 99 is out of range 1..31`));
    expect(e.message).toContain('… and 995 more');
  });

  it('checks references against the archive when a file comes alone', () => {
    const dir = tmpDir();
    dirs.push(dir);
    writeFileSync(path.join(dir, 'meters.csv'), `${ARCHIVE_FILES['meters.csv'].join(',')}\n101000010001,1101-00001,1,2,dlt645-2007,2400,single-phase,1,1,C1101-00001-0001\n999900000001,1101-00001,51,2,dlt645-2007,9600,single-phase,1,1,\n999900000002,1101-00077,1,2,dlt645-2007,2400,single-phase,1,1,\n999900000003,1101-00001,2,2,dlt645-2007,2400,single-phase,1,1,\n`);
    const e = rejected(db, path.join(dir, 'meters.csv'));
    expect(e.problems).toEqual([
      'meters.csv:4: terminal_key: 1101-00077 is not in terminals.csv nor in the archive',
      'meters.csv:5: pn: Pn 2 of terminal 1101-00001 is already meter 101000010002 in the archive',
    ]);
    // Without the bad rows: one new meter without a customer, one unchanged.
    writeFileSync(path.join(dir, 'meters.csv'), readFileSync(path.join(dir, 'meters.csv'), 'utf8').split('\n').slice(0, 3).join('\n') + '\n');
    expect(counts(importArchive(db, path.join(dir, 'meters.csv')))).toEqual({ meters: [1, 0, 1] });
    expect(new Archive(db).meter('999900000001')).toMatchObject({ terminal: '1101-00001', pn: 51, baud: 9600 });
    expect(new Archive(db).meter('999900000001')?.customerId).toBeUndefined();
  });

  it('refuses a path with no archive files, and files it cannot recognise', () => {
    const dir = tmpDir();
    dirs.push(dir);
    expect(() => importArchive(db, dir)).toThrow(/no archive files in the directory/);
    writeFileSync(path.join(dir, 'x.csv'), 'a,b\n1,2\n');
    expect(() => importArchive(db, path.join(dir, 'x.csv'))).toThrow(/not an archive file/);
    expect(() => importArchive(db, path.join(dir, 'nope'))).toThrow(/no such file/);
  });

  it('rejects a file that is not UTF-8', () => {
    const dir = tmpDir();
    dirs.push(dir);
    renameSync(edited(src, 'substations.csv', () => {}), path.join(dir, 'a'));
    const f = path.join(dir, 'a', 'substations.csv');
    writeFileSync(f, Buffer.concat([readFileSync(f), Buffer.from([0x53, 0x53, 0xff, 0xfe, 0x2c, 0x0a])]));
    const e = rejected(db, f);
    expect(e.problems).toEqual(['substations.csv:3: file: not valid UTF-8 (save the file as UTF-8)']);
  });
});
