import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { meterAddress } from '../../../../simulators/concentrator/params.js';
import { ARCHIVE_FILES, csvField, writeArchive } from '../../../../simulators/fleet/archive-writer.js';

describe('fleet archive writer', () => {
  it('writes the six CSV files with their headers, consistent keys, deterministic bytes', () => {
    const a = mkdtempSync(path.join(os.tmpdir(), 'openhes-arch-'));
    const b = mkdtempSync(path.join(os.tmpdir(), 'openhes-arch-'));
    const spec = { a1: '1101', terminals: 45, metersPerTerminal: 6, seed: 3, endpoint: 'tcp://127.0.0.1:9100' };
    const rows = writeArchive(a, spec);
    writeArchive(b, spec);
    expect(rows).toEqual({ 'substations.csv': 1, 'lines.csv': 3, 'taiqu.csv': 45, 'terminals.csv': 45, 'meters.csv': 270, 'customers.csv': 270 });
    const read = (d: string, f: string) => readFileSync(path.join(d, f), 'utf8').trim().split('\n').map((l) => l.split(','));
    for (const [f, header] of Object.entries(ARCHIVE_FILES)) {
      expect(read(a, f)[0]).toEqual([...header]);
      expect(readFileSync(path.join(a, f))).toEqual(readFileSync(path.join(b, f)));
    }
    const meters = read(a, 'meters.csv').slice(1);
    const customers = read(a, 'customers.csv').slice(1);
    const terminals = read(a, 'terminals.csv').slice(1);
    const taiqu = new Set(read(a, 'taiqu.csv').slice(1).map((r) => r[0]));
    const lines = new Set(read(a, 'lines.csv').slice(1).map((r) => r[0]));
    expect(meters[7]![0]).toBe(meterAddress({ a1: '1101', a2: 2 }, 2));
    expect(new Set(meters.map((m) => m[0])).size).toBe(270);
    expect(customers.every((c) => Number(c[5]) >= 1 && Number(c[5]) <= 28)).toBe(true);
    expect(new Set(customers.map((c) => c[1])).size).toBe(270);
    expect(customers.every((c, i) => c[4] === meters[i]![0] && c[0] === meters[i]![9] && taiqu.has(c[3]))).toBe(true);
    expect(terminals.every((t) => taiqu.has(t[3]))).toBe(true);
    expect(read(a, 'taiqu.csv').slice(1).every((t) => lines.has(t[1]))).toBe(true);
  });

  it('quotes fields with commas or quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "x"')).toBe('"say ""x"""');
    expect(csvField(5)).toBe('5');
  });
});
