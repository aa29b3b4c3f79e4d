/**
 * Equivalence of the fast paths with plain reference implementations:
 * - generated layout decoders (fields read inline at static offsets) vs a tree-walking interpreter that
 *   calls the format readers of formats.ts, on random bytes, with bias 0 and 33H;
 * - groupDataIds vs the straightforward bucket/Map algorithm it replaced;
 * - encodeMessage's exact-size path vs the general writer path (encodeFrame around writeUnits).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinaryReader, BinaryWriter } from '../../../protocols/codec/cursor.js';
import { DataError } from '../../../protocols/codec/errors.js';
import { FORMATS } from '../../../protocols/gw376/formats.js';
import type { FormatName } from '../../../protocols/gw376/formats.js';
import { REST, compile, fmt, struct } from '../../../protocols/gw376/layout.js';
import type { AnyNode } from '../../../protocols/gw376/layout.js';
import type { DataId, Direction, FnEntry, Gw376Message, UnitContext, UnitLayout } from '../../../protocols/gw376/index.js';
import { allFns, dataId, daOfPn, decodeMessage, dtOfFn, encodeFrame, encodeMessage, groupDataIds, writeUnits } from '../../../protocols/gw376/index.js';
import { genNode } from './formats-arb.js';
import { bytesOf, vectors } from './vectors.js';

// ---------------------------------------------------------------------------------------------
// Reference decoder: walks the node tree, reading every field through `r` and the format readers.

function hexOf(b: Buffer): string {
  return b.toString('hex').toUpperCase();
}

function refDecode(node: AnyNode, r: BinaryReader, ctx: UnitContext, scope: Record<string, unknown> = {}): unknown {
  const need = (n: number): void => {
    if (r.pos + n > r.end) throw new DataError('ref', `${n} byte(s)`, '');
  };
  const countOf = (path: string): number => {
    let v: unknown = scope;
    for (const p of path.split('.')) v = (v as Record<string, unknown>)[p];
    return v as number;
  };
  switch (node.kind) {
    case 'fmt':
      need(node.size);
      return node.def.read(r);
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const [name, child] of node.fields) out[name] = refDecode(child, r, ctx, out);
      return out;
    }
    case 'array': {
      const n =
        node.count === REST
          ? Math.floor((r.end - r.pos) / node.of.size)
          : typeof node.count === 'number'
            ? node.count
            : countOf(node.count) + node.plus;
      if (!(n >= 0)) throw new DataError('ref', 'count', '');
      if (node.of.size > 0) need(n * node.of.size);
      return Array.from({ length: n }, () => refDecode(node.of, r, ctx));
    }
    case 'bits': {
      need(node.size);
      const w = node.size === 1 ? r.u8() : node.size === 2 ? r.u16() : node.size === 3 ? r.u24() : r.u32();
      const out: Record<string, unknown> = {};
      for (const [name, lsb, len] of node.bits) out[name] = len === 0 ? ((w >>> lsb) & 1) === 1 : Math.floor(w / 2 ** lsb) % 2 ** len;
      return out;
    }
    case 'bytes': {
      const n = typeof node.count === 'number' ? node.count : node.count === REST ? r.end - r.pos : countOf(node.count);
      need(n);
      const b = Buffer.from(r.bytes(n));
      if (!node.text) return hexOf(b);
      let end = b.length;
      while (end > 0 && b[end - 1] === 0) end--;
      return b.toString('latin1', 0, end);
    }
    case 'bitset': {
      const n = typeof node.count === 'number' ? node.count : countOf(node.count);
      need(n);
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const b = r.u8();
        for (let k = 0; k < 8; k++) if (b & (1 << k)) out.push(node.base + i * 8 + k);
      }
      return out;
    }
    case 'custom':
      return node.decode(r, ctx);
  }
}

/** Bytes that are often BCD, often EEH/FFH fill, sometimes anything; `bias` added (DL/T 645 style). */
const arbBytes = (min: number, max: number, bias = 0): fc.Arbitrary<Buffer> =>
  fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 0, max: 99 }).map((v) => ((v / 10) | 0) * 16 + (v % 10)) },
        { weight: 1, arbitrary: fc.constantFrom(0xee, 0xff, 0x80, 0x79, 0x99) },
        { weight: 2, arbitrary: fc.integer({ min: 0, max: 255 }) },
      ),
      { minLength: min, maxLength: max },
    )
    .map((a) => Buffer.from(a.map((b) => (b + bias) & 0xff)));

/** Same value (Object.is on numbers, so -0 and 0 differ) or both throw a DataError. */
function sameDecode(layout: UnitLayout<unknown>, node: AnyNode, bytes: Buffer, bias: number, ctx: UnitContext): void {
  const r1 = new BinaryReader(bytes, 0, bytes.length, bias);
  const r2 = new BinaryReader(bytes, 0, bytes.length, bias);
  let want: unknown;
  let wantErr: unknown;
  try {
    want = refDecode(node, r1, ctx);
  } catch (e) {
    wantErr = e;
  }
  if (wantErr !== undefined) {
    if (!(wantErr instanceof DataError)) throw wantErr;
    expect(() => layout.decode(r2, ctx)).toThrow(DataError);
    return;
  }
  expect(layout.decode(r2, ctx)).toStrictEqual(want);
  expect(r2.pos).toBe(r1.pos);
}

const CTX: UnitContext = { afn: 0, fn: 1, pn: 1, dir: 'up', revision: 2009 };

describe('generated decoders equal the format readers', () => {
  const names = Object.keys(FORMATS) as FormatName[];
  for (const bias of [0, 0x33]) {
    it(`every format, alone and in a struct run (bias ${bias.toString(16)}H)`, () => {
      for (const name of names) {
        const size = FORMATS[name].size;
        const alone = compile(fmt(name), name);
        const run = struct({ a: name, b: name, c: 'u8', d: name });
        const inRun = compile(run, `${name} run`);
        fc.assert(
          fc.property(arbBytes(size, size, bias), arbBytes(3 * size + 1, 3 * size + 1, bias), (one, three) => {
            sameDecode(alone, alone.node, one, bias, CTX);
            sameDecode(inRun, run, three, bias, CTX);
          }),
          { numRuns: 300 },
        );
      }
    });
  }

  it('-0 from a negative-zero signed BCD stays -0 (as the reader returns)', () => {
    const l = compile(fmt('A9'), 'A9');
    expect(Object.is(l.decode(new BinaryReader(Buffer.from([0, 0, 0x80])), CTX), -0)).toBe(true);
    expect(Object.is(FORMATS.A9.read(new BinaryReader(Buffer.from([0, 0, 0x80]))), -0)).toBe(true);
  });

  const layouts: [FnEntry, Direction, UnitLayout<unknown> & { node: AnyNode }][] = [];
  for (const e of allFns()) {
    for (const dir of ['down', 'up'] as const) {
      const l = e[dir] as (UnitLayout<unknown> & { node?: AnyNode }) | undefined;
      if (l?.node) layouts.push([e, dir, l as UnitLayout<unknown> & { node: AnyNode }]);
    }
  }

  it(`every registered layout (${layouts.length}) decodes random bytes as the reference does`, () => {
    for (const [e, dir, l] of layouts) {
      const ctx: UnitContext = { afn: e.afn, fn: e.fn, pn: 1, dir, revision: 2009 };
      fc.assert(
        fc.property(arbBytes(0, 160), (b) => sameDecode(l, l.node, b, 0, ctx)),
        { numRuns: 40 },
      );
    }
  });

  it('every registered layout decodes encoded random values as the reference does (bias 0 and 33H)', () => {
    for (const [e, dir, l] of layouts) {
      const ctx: UnitContext = { afn: e.afn, fn: e.fn, pn: 1, dir, revision: 2009 };
      fc.assert(
        fc.property(
          fc.gen().map((g) => genNode(g, l.node)),
          (v) => {
            for (const bias of [0, 0x33]) {
              const w = new BinaryWriter(16, bias);
              l.encode(w, v, ctx);
              sameDecode(l, l.node, Buffer.from(w.finish()), bias, ctx);
            }
          },
        ),
        { numRuns: 20 },
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------
// groupDataIds: the algorithm it replaced (string-keyed buckets, Map partitions).

function refGroupDataIds(pairs: readonly { pn: number; fn: number }[]): DataId[] {
  const buckets = new Map<string, { da2: number; pnSpecial: number; dt2: number; rows: number[] }>();
  for (const { pn, fn } of pairs) {
    const da = daOfPn(pn);
    const dt = dtOfFn(fn);
    const special = da >> 8 === 0;
    const key = special ? `s${da}:${dt >> 8}` : `${da >> 8}:${dt >> 8}`;
    let b = buckets.get(key);
    if (!b) {
      b = { da2: da >> 8, pnSpecial: special ? da : -1, dt2: dt >> 8, rows: [0, 0, 0, 0, 0, 0, 0, 0] };
      buckets.set(key, b);
    }
    b.rows[special ? 0 : 31 - Math.clz32(da & 0xff)]! |= dt & 0xff;
  }
  const out: DataId[] = [];
  for (const b of buckets.values()) {
    if (b.pnSpecial >= 0) {
      out.push(dataId(b.pnSpecial, (b.dt2 << 8) | b.rows[0]!));
      continue;
    }
    const byRow = new Map<number, number>();
    const byCol = new Map<number, number>();
    for (let r = 0; r < 8; r++) if (b.rows[r]) byRow.set(b.rows[r]!, (byRow.get(b.rows[r]!) ?? 0) | (1 << r));
    for (let c = 0; c < 8; c++) {
      let pt = 0;
      for (let r = 0; r < 8; r++) if (b.rows[r]! & (1 << c)) pt |= 1 << r;
      if (pt) byCol.set(pt, (byCol.get(pt) ?? 0) | (1 << c));
    }
    if (byRow.size <= byCol.size) for (const [f, p] of byRow) out.push(dataId((b.da2 << 8) | p, (b.dt2 << 8) | f));
    else for (const [p, f] of byCol) out.push(dataId((b.da2 << 8) | p, (b.dt2 << 8) | f));
  }
  return out;
}

const arbPair = fc.record({
  pn: fc.oneof(fc.integer({ min: 0, max: 24 }), fc.constant(0xffff), fc.integer({ min: 0, max: 2041 })),
  fn: fc.oneof(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 0, max: 249 })),
});

describe('groupDataIds equals the reference grouping', () => {
  it('random pairs (same ids in the same order, or the same error)', () => {
    fc.assert(
      fc.property(fc.array(arbPair, { maxLength: 40 }), (pairs) => {
        let want: DataId[] | undefined;
        let err: unknown;
        try {
          want = refGroupDataIds(pairs);
        } catch (e) {
          err = e;
        }
        if (err) expect(() => groupDataIds(pairs)).toThrow((err as Error).message);
        else expect(groupDataIds(pairs)).toEqual(want);
      }),
      { numRuns: 2000 },
    );
  });
  it('one Fn for points of one group (the fast path) and its near misses', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 254 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 248 }),
        fc.option(arbPair),
        (grp, bits, fn, extra) => {
          const pairs = bits.map((b) => ({ pn: grp * 8 + b + 1, fn }));
          if (extra) pairs.splice(pairs.length >> 1, 0, extra);
          let err: unknown;
          let want: DataId[] | undefined;
          try {
            want = refGroupDataIds(pairs);
          } catch (e) {
            err = e;
          }
          if (err) expect(() => groupDataIds(pairs)).toThrow((err as Error).message);
          else expect(groupDataIds(pairs)).toEqual(want);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// encodeMessage: exact-size path vs the general path.

function generalEncode(msg: Gw376Message): Buffer {
  const w = new BinaryWriter(64);
  writeUnits(w, msg);
  return encodeFrame(msg, w.finish());
}

describe('encodeMessage equals encodeFrame around writeUnits', () => {
  it('every decodable vector', () => {
    for (const v of vectors) {
      let m: Gw376Message;
      try {
        m = decodeMessage(bytesOf(v));
      } catch {
        continue;
      }
      expect(hexOf(encodeMessage(m))).toBe(hexOf(generalEncode(m)));
      const noBlocks = { ...m, units: m.units.map((u) => ({ ...u, block: undefined })) };
      expect(hexOf(encodeMessage(noBlocks))).toBe(hexOf(generalEncode(noBlocks)));
    }
  });
  it('AFN0D Td requests for random points and Fns', () => {
    const td = { td: { year: 2024, month: 5, day: 6 } };
    fc.assert(
      fc.property(
        fc.array(fc.record({ pn: fc.integer({ min: 0, max: 40 }), fn: fc.constantFrom(1, 2, 161, 162, 177) }), { minLength: 1, maxLength: 20 }),
        (pairs) => {
          const msg: Gw376Message = {
            dir: 'down', prm: true, func: 11, a1: '0171', a2: 1, msa: 1, afn: 0x0d, seq: 1,
            units: pairs.map(({ pn, fn }) => ({ pn, fn, data: fn === 177 ? { td: { year: 2024, month: 5 } } : td })),
          };
          expect(hexOf(encodeMessage(msg))).toBe(hexOf(generalEncode(msg)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
