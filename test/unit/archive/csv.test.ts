import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CsvReader, csvLine, type CsvRecord } from '../../../src/archive/csv.js';

function parse(chunks: string[]): CsvRecord[] {
  const out: CsvRecord[] = [];
  const r = new CsvReader((x) => out.push(x));
  for (const c of chunks) r.push(c);
  r.end();
  return out;
}

describe('archive CSV reader', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, with the starting line of each record', () => {
    const recs = parse(['a,b,c\n1,"x, y",z\n2,"say ""hi""",\n3,"two\nlines",end\n']);
    expect(recs.map((r) => [r.line, r.fields])).toEqual([
      [1, ['a', 'b', 'c']],
      [2, ['1', 'x, y', 'z']],
      [3, ['2', 'say "hi"', '']],
      [4, ['3', 'two\nlines', 'end']],
    ]);
    expect(recs.every((r) => r.error === undefined)).toBe(true);
  });

  it('accepts CRLF line ends, a BOM and a missing final line end', () => {
    expect(parse(['\ufeffa,b\r\n1,2\r\n3,4']).map((r) => r.fields)).toEqual([['a', 'b'], ['1', '2'], ['3', '4']]);
  });

  it('reports broken quoting per record and goes on', () => {
    const recs = parse(['a,b\n1,x"y\n2,"ok"z\n3,fine\n4,"open\n']);
    expect(recs[1]!.error).toEqual({ column: 1, message: expect.stringContaining('quote inside an unquoted field') });
    expect(recs[2]!.error).toEqual({ column: 1, message: 'text after the closing quote' });
    expect(recs[3]).toEqual({ line: 4, fields: ['3', 'fine'] });
    expect(recs[4]!.error?.message).toBe('unterminated quoted field (opened on line 5)');
  });

  it('gives the same records whatever the chunking (property)', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'Z', '9', ',', '"', '\n', ' ', '电', '\r') });
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (rows, cuts) => {
        const text = rows.map((r) => csvLine(r)).join('');
        const pos = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const chunks: string[] = [];
        let last = 0;
        for (const p of pos) {
          chunks.push(text.slice(last, p));
          last = p;
        }
        chunks.push(text.slice(last));
        const recs = parse(chunks);
        expect(recs.map((r) => r.fields)).toEqual(rows);
        expect(recs.every((r) => !r.error)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
