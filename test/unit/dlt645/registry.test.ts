/**
 * DL/T 645 DI registry: real vectors decode to the values their sources state, every registered
 * entry round-trips random valid values, FF fill decodes to null, and coverage counts hold.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BinaryReader, BinaryWriter } from '../../../protocols/codec/cursor.js';
import { allDis, lookupDi } from '../../../protocols/dlt645/registry/index.js';
import type { DiEntry, DiValue, FieldFormat, FieldSpec } from '../../../protocols/dlt645/registry/index.js';
import type { TimePattern } from '../../../protocols/dlt645/registry/types.js';

interface Vector {
  hex: string;
  source: string;
  version: '2007' | '1997';
  direction: 'request' | 'response';
  control: string;
  di: string | null;
  checksum_ok: boolean;
  decoded: Record<string, unknown>;
  notes?: string;
}

const vectors = JSON.parse(readFileSync(new URL('../../fixtures/dlt645-vectors.json', import.meta.url), 'utf8')) as Vector[];

/** Locates the data after the DI in a raw frame (skipping FE wake-up bytes). */
function dataWindow(v: Vector): { buf: Buffer; start: number; end: number } {
  const buf = Buffer.from(v.hex.replace(/\s/g, ''), 'hex');
  const head = buf.indexOf(0x68);
  const len = buf[head + 9]!;
  const diLen = v.version === '2007' ? 4 : 2;
  return { buf, start: head + 10 + diLen, end: head + 10 + len };
}

/**
 * Converts a vector's `decoded` (written by hand or by its source, in several shapes) into the
 * registry's value shape. Returns undefined for a shape this test does not know, which fails.
 */
function expectedValue(v: Vector): DiValue | undefined {
  const d = v.decoded;
  if (typeof d.forward_active_kWh === 'object' && d.forward_active_kWh !== null) {
    const b = d.forward_active_kWh as Record<string, number>;
    return { total: b.total!, rates: [b.T1!, b.T2!, b.T3!, b.T4!] };
  }
  if (typeof d.forward_active_total_kWh === 'number') return d.forward_active_total_kWh;
  if (typeof d.date === 'string' && typeof d.week === 'number') return { week: d.week, date: d.date };
  if (typeof d.time === 'string') return d.time;
  if (typeof d.count === 'number') return d.count;
  return undefined;
}

const hasValues = (v: Vector): boolean => v.direction === 'response' && v.di !== null && Object.keys(v.decoded).length > 0;

describe('DL/T 645 registry: public vectors', () => {
  const version = (v: Vector): 2007 | 1997 => (v.version === '2007' ? 2007 : 1997);
  const covered = vectors.filter((v) => hasValues(v) && lookupDi(parseInt(v.di!, 16), version(v)) !== undefined);

  it('covers every response vector that states values', () => {
    const withValues = vectors.filter(hasValues);
    expect(withValues.length).toBeGreaterThan(0);
    expect(covered.map((v) => v.di)).toEqual(withValues.map((v) => v.di));
  });

  it.each(covered.map((v, i) => [`${i} ${v.di} (${v.source.slice(0, 60)})`, v] as const))('vector %s decodes to its stated value', (_, v) => {
    const entry = lookupDi(parseInt(v.di!, 16), version(v))!;
    const { buf, start, end } = dataWindow(v);
    const value = entry.decode(new BinaryReader(buf, start, end, 0x33), end - start);
    if (v.di === '04000503') {
      // Status word 3: raw value plus the relay bits named in the vector.
      const raw = parseInt(String(v.decoded.status_word_3), 16);
      const sw = value as { raw: number; bits: Record<string, boolean> };
      expect(sw.raw).toBe(raw);
      expect(sw.bits.relay_open).toBe(raw === 0x50);
      expect(sw.bits.relay_command_trip).toBe(raw === 0x50);
      return;
    }
    const expected = expectedValue(v);
    expect(expected, `unknown decoded shape for ${v.di}`).toBeDefined();
    expect(value).toEqual(expected);
  });

  it('the fixture keeps every entry and its source; corrections are documented', () => {
    expect(vectors.length).toBe(74);
    for (const v of vectors) expect(v.source.length).toBeGreaterThan(0);
    // One hand decode in the shared file was wrong (1997 9010 reply `00 00 01 00` = 100.00 kWh).
    const corrected = vectors.filter((v) => 'decoded_corrected_from' in v);
    expect(corrected.map((v) => [v.di, v.decoded])).toEqual([['9010', { forward_active_total_kWh: 100 }]]);
  });
});

// ---- value generators derived from FieldSpecs ----

const PART_RANGE: Record<string, [number, number]> = {
  YY: [0, 99], MM: [1, 12], DD: [1, 31], WW: [0, 6], hh: [0, 23], mm: [0, 59], ss: [0, 59],
};
const two = (n: number): string => String(n).padStart(2, '0');

/** Renders time parts the way the registry prints them (see compile.ts renderTime). */
function renderTime(pattern: TimePattern, values: number[]): string {
  const parts = pattern.match(/../g)!;
  let date = '';
  let clock = '';
  parts.forEach((p, i) => {
    const t = two(values[i]!);
    if (p === 'YY') date += `20${t}`;
    else if (p === 'MM') date += date ? `-${t}` : `--${t}`;
    else if (p === 'DD') date += date ? `-${t}` : `---${t}`;
    else clock += clock ? `:${t}` : t;
  });
  return date && clock ? `${date}T${clock}` : date || clock;
}

function formatArb(f: FieldFormat): fc.Arbitrary<DiValue> {
  switch (f.kind) {
    case 'bcd': {
      const scale = 10 ** f.decimals;
      const max = f.signed ? 80 * 10 ** (2 * f.bytes - 2) - 1 : 10 ** (2 * f.bytes) - 1;
      const num = f.signed
        ? fc.tuple(fc.integer({ min: 0, max }), fc.boolean()).map(([m, neg]) => (neg && m !== 0 ? -m : m) / scale)
        : fc.integer({ min: 0, max }).map((m) => m / scale);
      return fc.oneof({ weight: 9, arbitrary: num }, { weight: 1, arbitrary: fc.constant(null) });
    }
    case 'time': {
      const pattern = f.pattern;
      const parts = pattern.match(/../g)!;
      const t = fc.tuple(...parts.map((p) => fc.integer({ min: PART_RANGE[p]![0], max: PART_RANGE[p]![1] }))).map((vals) => renderTime(pattern, vals));
      return fc.oneof({ weight: 9, arbitrary: t }, { weight: 1, arbitrary: fc.constant(null) });
    }
    case 'digits':
      return fc.oneof(
        { weight: 9, arbitrary: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 2 * f.bytes, maxLength: 2 * f.bytes }).map((d) => d.join('')) },
        { weight: 1, arbitrary: fc.constant(null) },
      );
    case 'ascii':
      return fc
        .array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength: f.bytes })
        .map((codes) => String.fromCharCode(...codes).trimEnd());
    case 'bits': {
      const width = 8 * f.bytes;
      return fc.integer({ min: 0, max: 2 ** width - 1 }).map((raw) => {
        const named: Record<string, boolean> = {};
        f.bits.forEach((name, i) => {
          if (name) named[name] = ((raw >>> i) & 1) === 1;
        });
        return { raw, bits: named };
      });
    }
    case 'hex':
      return fc.uint8Array({ minLength: f.bytes, maxLength: f.bytes }).map((b) => [...b].map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(' '));
    case 'di':
      return fc.uint8Array({ minLength: f.bytes, maxLength: f.bytes }).map((b) => [...b].map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(''));
  }
}

function itemArb(specs: readonly FieldSpec[]): fc.Arbitrary<DiValue> {
  if (specs.length === 1) return formatArb(specs[0]!.format);
  const rec: Record<string, fc.Arbitrary<DiValue>> = {};
  for (const s of specs) rec[s.name] = formatArb(s.format);
  return fc.record(rec);
}

function entryArb(e: DiEntry): fc.Arbitrary<DiValue> {
  const item = itemArb(e.fields);
  if (e.repeat === 'tariffs') return fc.record({ total: item, rates: fc.array(item, { maxLength: 8 }) });
  if (e.repeat === 'list') return fc.array(item, { minLength: 1, maxLength: 8 });
  return item;
}

function roundTrip(e: DiEntry, value: DiValue): DiValue {
  const w = new BinaryWriter(16, 0x33);
  e.encode(w, value);
  const bytes = Buffer.from(w.finish());
  return e.decode(new BinaryReader(bytes, 0, bytes.length, 0x33), bytes.length);
}

const label = (e: DiEntry): string => `${e.version} ${e.di.toString(16).toUpperCase().padStart(e.version === 2007 ? 8 : 4, '0')} ${e.name}`;

describe('DL/T 645 registry: every entry round-trips', () => {
  for (const version of [2007, 1997] as const) {
    it(`${version}: random valid values → encode → decode → equal`, () => {
      const entries = allDis(version);
      expect(entries.length).toBeGreaterThan(0);
      for (const e of entries) {
        fc.assert(
          fc.property(entryArb(e), (value) => {
            expect(roundTrip(e, value), label(e)).toEqual(value);
          }),
          { numRuns: 8 },
        );
      }
    });
  }

  it('every entry has names, an access mode, a unit field and a positive size', () => {
    for (const e of [...allDis(2007), ...allDis(1997)]) {
      expect(e.name.length, label(e)).toBeGreaterThan(0);
      expect(e.nameZh.length, label(e)).toBeGreaterThan(0);
      expect(['r', 'w', 'rw']).toContain(e.access);
      expect(typeof e.unit, label(e)).toBe('string');
      expect(e.size, label(e)).toBeGreaterThan(0);
    }
  });

  it('rejects a data length that does not fit', () => {
    const e = lookupDi(0x02010100)!;
    expect(() => e.decode(new BinaryReader(Buffer.alloc(3), 0, 3, 0x33), 3)).toThrow(/expected 2 data bytes/);
    const block = lookupDi(0x0001ff00)!;
    expect(() => block.decode(new BinaryReader(Buffer.alloc(6), 0, 6, 0x33), 6)).toThrow(/multiple of 4/);
  });
});

describe('DL/T 645 registry: invalid fill', () => {
  const nullable = (f: FieldFormat): boolean => f.kind === 'bcd' || f.kind === 'time' || f.kind === 'digits';

  it('FF fill decodes to null for every numeric and time field', () => {
    let checked = 0;
    for (const e of [...allDis(2007), ...allDis(1997)]) {
      const w = new BinaryWriter(16, 0x33);
      w.fill(e.size, 0xff);
      const bytes = Buffer.from(w.finish());
      const v = e.decode(new BinaryReader(bytes, 0, bytes.length, 0x33), bytes.length);
      const item = e.repeat === 'tariffs' ? (v as { total: DiValue }).total : e.repeat === 'list' ? (v as DiValue[])[0]! : v;
      if (e.fields.length === 1) {
        if (nullable(e.fields[0]!.format)) {
          expect(item, label(e)).toBeNull();
          checked++;
        }
        continue;
      }
      const rec = item as Record<string, DiValue>;
      for (const f of e.fields) {
        if (!nullable(f.format)) continue;
        expect(rec[f.name], `${label(e)}.${f.name}`).toBeNull();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('a phase B/C voltage of FF FF (Java simulator) is null, not -1', () => {
    const block = lookupDi(0x0201ff00)!;
    // A = 220.1 V, B and C filled with FF.
    const raw = Buffer.from([0x01, 0x22, 0xff, 0xff, 0xff, 0xff].map((b) => (b + 0x33) & 0xff));
    expect(block.decode(new BinaryReader(raw, 0, 6, 0x33), 6)).toEqual({ a: 220.1, b: null, c: null });
  });
});

describe('DL/T 645 registry: coverage', () => {
  it('holds ≥150 non-energy 2007 DIs and ≥40 1997 DIs', () => {
    const nonEnergy = allDis(2007).filter((e) => e.di >>> 24 !== 0x00 || (e.di >>> 16) === 0x0090);
    expect(nonEnergy.length).toBeGreaterThanOrEqual(150);
    expect(allDis(1997).length).toBeGreaterThanOrEqual(40);
  });

  it('covers every category of the brief', () => {
    const expected2007 = [
      0x01010000, 0x0101ff01, 0x02010100, 0x0201ff00, 0x02800002, 0x0280000a, 0x03110001, 0x03010000, 0x03300001, 0x03300401,
      0x03300d00, 0x1d000001, 0x1e000001, 0x10000001, 0x04000101, 0x04000102, 0x04000401, 0x04000503, 0x040005ff, 0x04000b01,
      0x04000c01, 0x04001001, 0x05060001, 0x0506013e, 0x05040001, 0x05040101, 0x00900200, 0x00900201,
    ];
    for (const d of expected2007) expect(lookupDi(d), d.toString(16)).toBeDefined();
    for (const d of [0x9010, 0x901f, 0x9020, 0x9410, 0xa010, 0xb010, 0xb210, 0xb611, 0xb621, 0xb630, 0xc010, 0xc020, 0xc032, 0xc117]) {
      expect(lookupDi(d, 1997), d.toString(16)).toBeDefined();
    }
    expect(lookupDi(0x9010)).toBeUndefined();
    expect(lookupDi(0x12345678)).toBeUndefined();
  });

  it('decodes hand-checked layouts', () => {
    const enc = (bytes: number[]): Buffer => Buffer.from(bytes.map((b) => (b + 0x33) & 0xff));
    // Max demand: 12.3456 kW then 2024-05-06 07:08 (mm hh DD MM YY on the wire).
    const d = enc([0x56, 0x34, 0x12, 0x08, 0x07, 0x06, 0x05, 0x24]);
    expect(lookupDi(0x01010000)!.decode(new BinaryReader(d, 0, 8, 0x33), 8)).toEqual({ demand: 12.3456, time: '2024-05-06T07:08' });
    // Programming record: time, operator 30303030, first DI 04000101, rest FF.
    const p = enc([0x05, 0x04, 0x03, 0x02, 0x01, 0x24, 0x30, 0x30, 0x30, 0x30, 0x01, 0x01, 0x00, 0x04, ...new Array<number>(36).fill(0xff)]);
    const rec = lookupDi(0x03300001)!.decode(new BinaryReader(p, 0, 50, 0x33), 50) as Record<string, DiValue>;
    expect(rec.time).toBe('2024-01-02T03:04:05');
    expect(rec.operator).toBe('30303030');
    expect(rec.di1).toBe('04000101');
    expect(rec.di10).toBe('FFFFFFFF');
    // 1997 voltage B611: XXX integer volts.
    const u = enc([0x20, 0x02]);
    expect(lookupDi(0xb611, 1997)!.decode(new BinaryReader(u, 0, 2, 0x33), 2)).toBe(220);
  });
});
