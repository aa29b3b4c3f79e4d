/**
 * fast-check generators derived from the declarative layouts (protocols/gw376/layout.ts) and formats,
 * plus a round-trip helper: random valid value → encode → decode → deep-equal, and bytes consumed == written.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { decodeMessage } from '../../../protocols/gw376/message.js';
import type { KnownUnit } from '../../../protocols/gw376/message.js';
import { expect } from 'vitest';
import { BinaryReader, BinaryWriter } from '../../../protocols/codec/cursor.js';
import { POW10 } from '../../../protocols/codec/bcd.js';
import { a2Value } from '../../../protocols/gw376/formats.js';
import type { FormatName } from '../../../protocols/gw376/formats.js';
import { FORMATS } from '../../../protocols/gw376/formats.js';
import { REST } from '../../../protocols/gw376/layout.js';
import type { AnyNode } from '../../../protocols/gw376/layout.js';
import type { Direction, FnEntry, UnitContext, UnitLayout } from '../../../protocols/gw376/registry.js';
import { allErcs } from '../../../protocols/gw376/erc/registry.js';
import type { ErcRecord } from '../../../protocols/gw376/erc/registry.js';

type G = fc.GeneratorValue;

const int = (g: G, min: number, max: number): number => g(fc.integer, { min, max });
const maybeNull = <T>(g: G, make: () => T): T | null => (int(g, 0, 9) === 0 ? null : make());

/** A random value valid for a format (null = EE fill for BCD formats). */
export function genFormat(g: G, name: FormatName, cap?: number): unknown {
  const def = FORMATS[name];
  const year = () => int(g, 2000, 2099);
  const month = () => int(g, 1, 12);
  const day = () => int(g, 1, 31);
  const hour = () => int(g, 0, 23);
  const minute = () => int(g, 0, 59);
  switch (name) {
    case 'u8':
    case 'u16':
    case 'u24':
    case 'u32':
      return int(g, 0, cap ?? def.maxInt);
    case 'ip':
      return [0, 1, 2, 3].map(() => int(g, 0, 255)).join('.');
    case 'A1':
      return maybeNull(g, () => ({ year: year(), month: month(), day: day(), hour: hour(), minute: minute(), second: minute(), weekday: int(g, 0, 7) }));
    case 'A15':
      return maybeNull(g, () => ({ year: year(), month: month(), day: day(), hour: hour(), minute: minute() }));
    case 'A16':
      return maybeNull(g, () => ({ day: day(), hour: hour(), minute: minute(), second: minute() }));
    case 'A17':
      return maybeNull(g, () => ({ month: month(), day: day(), hour: hour(), minute: minute() }));
    case 'A18':
      return maybeNull(g, () => ({ day: day(), hour: hour(), minute: minute() }));
    case 'A19':
      return maybeNull(g, () => ({ hour: hour(), minute: minute() }));
    case 'A20':
      return maybeNull(g, () => ({ year: year(), month: month(), day: day() }));
    case 'A21':
      return maybeNull(g, () => ({ year: year(), month: month() }));
    case 'A24':
      return maybeNull(g, () => ({ day: day(), hour: hour() }));
    case 'A12':
      return maybeNull(g, () => String(int(g, 0, 999999)).padStart(6, '0') + String(int(g, 0, 999999)).padStart(6, '0'));
    case 'A2':
      return maybeNull(g, () => {
        const m = int(g, 0, 999);
        const v = a2Value(m, int(g, -3, 4));
        return m !== 0 && int(g, 0, 1) ? -v : v;
      });
    case 'A3':
      return maybeNull(g, () => {
        const v = int(g, 0, 1) ? int(g, 0, 9_999_999) : int(g, 0, 9_999_999) * 1000;
        return v !== 0 && int(g, 0, 1) ? -v : v;
      });
    default: {
      return maybeNull(g, () => {
        const n = g(fc.integer, { min: 0, max: Math.min(def.maxInt, Number.MAX_SAFE_INTEGER) });
        const v = n / POW10[Math.max(def.decimals, 0)]!;
        return def.signed && n !== 0 && int(g, 0, 1) ? -v : v;
      });
    }
  }
}

const CUSTOM: Record<string, (g: G) => unknown> = {
  eventReply: (g) => {
    const records = Array.from({ length: int(g, 0, 3) }, () => genErcRecord(g));
    const pm = int(g, 0, 255);
    return { ec1: int(g, 0, 255), ec2: int(g, 0, 255), pm, pn: (pm + records.length) & 0xff, records };
  },
};

/** Fields referenced by count paths inside a struct (they are generated small). */
function countRefs(node: AnyNode): Map<string, number> {
  const out = new Map<string, number>();
  if (node.kind !== 'struct') return out;
  for (const [, f] of node.fields) {
    if ((f.kind === 'array' || f.kind === 'bytes' || f.kind === 'bitset') && typeof f.count === 'string' && f.count !== REST && !f.count.endsWith('.length')) {
      out.set(f.count, f.kind === 'array' ? f.maxCount : 16);
    }
  }
  return out;
}

function getPath(obj: Record<string, unknown>, path: string): number {
  let v: unknown = obj;
  for (const p of path.split('.')) v = (v as Record<string, unknown>)[p];
  return v as number;
}

/** A random valid value for a layout node. `cap` bounds count fields. */
export function genNode(g: G, node: AnyNode, cap?: number, capped?: Map<string, number>, path = ''): unknown {
  switch (node.kind) {
    case 'fmt':
      return genFormat(g, node.def.name, cap);
    case 'struct': {
      const refs = countRefs(node);
      const out: Record<string, unknown> = {};
      for (const [name, f] of node.fields) {
        const p = path ? `${path}.${name}` : name;
        const c: number | undefined = refs.get(name) ?? capped?.get(p);
        let sub: Map<string, number> | undefined;
        for (const [k, v] of refs) {
          if (k.startsWith(`${name}.`)) (sub ??= new Map()).set(k, v);
        }
        if (f.kind === 'array' && typeof f.count === 'string' && f.count !== REST) {
          const len = f.count.endsWith('.length')
            ? (out[f.count.split('.')[0]!] as unknown[]).length
            : getPath(out, f.count) + f.plus;
          out[name] = Array.from({ length: len }, () => genNode(g, f.of));
          continue;
        }
        if (f.kind === 'bytes' && typeof f.count === 'string' && f.count !== REST) {
          const n = getPath(out, f.count);
          out[name] = f.text ? genText(g, n) : genHex(g, n);
          continue;
        }
        if (f.kind === 'bitset' && typeof f.count === 'string') {
          out[name] = genBitset(g, f.base, getPath(out, f.count));
          continue;
        }
        out[name] = genNode(g, f, c, sub, p);
      }
      return out;
    }
    case 'array': {
      const n = node.count === REST ? int(g, 0, 4) : (node.count as number);
      return Array.from({ length: n }, () => genNode(g, node.of));
    }
    case 'bits': {
      const out: Record<string, unknown> = {};
      for (const [name, , len] of node.bits) out[name] = len === 0 ? g(fc.boolean) : int(g, 0, 2 ** len - 1);
      return out;
    }
    case 'bytes':
      if (node.count === REST) return genHex(g, int(g, 0, 6));
      return node.text ? genText(g, node.count as number) : genHex(g, node.count as number);
    case 'bitset':
      return genBitset(g, node.base, node.size);
    case 'custom': {
      const make = CUSTOM[node.arb];
      if (!make) throw new Error(`no generator for custom node '${node.arb}'`);
      return make(g);
    }
  }
}

/** Ascending distinct bit numbers of an n-byte bitmap numbered from `base`. */
function genBitset(g: G, base: number, n: number): number[] {
  if (n === 0) return [];
  return (g(fc.uniqueArray, fc.integer({ min: base, max: base + n * 8 - 1 }), { maxLength: 6 }) as number[]).sort((a, b) => a - b);
}

function genHex(g: G, n: number): string {
  return Buffer.from(Array.from({ length: n }, () => int(g, 0, 255))).toString('hex').toUpperCase();
}
function genText(g: G, max: number): string {
  const len = int(g, 0, max);
  return String.fromCharCode(...Array.from({ length: len }, () => int(g, 0x20, 0x7e)));
}

export function genErcRecord(g: G): ErcRecord {
  const ercs = allErcs();
  if (int(g, 0, 5) === 0) return { erc: int(g, 37, 255), data: null, raw: genHex(g, int(g, 0, 8)) };
  const e = ercs[int(g, 0, ercs.length - 1)]!;
  return { erc: e.erc, data: genNode(g, e.node) as Record<string, unknown> };
}

/** Arbitrary of valid values for a node. */
export const arbNode = (node: AnyNode): fc.Arbitrary<unknown> => fc.gen().map((g) => genNode(g, node));

const ctxOf = (e: FnEntry, dir: Direction): UnitContext => ({ afn: e.afn, fn: e.fn, pn: 1, dir, revision: 2009 });

/** encode → decode → equal, exact byte consumption. */
export function roundTrip(layout: UnitLayout<unknown>, value: unknown, ctx: UnitContext): Buffer {
  const w = new BinaryWriter(16);
  layout.encode(w, value, ctx);
  const bytes = Buffer.from(w.finish());
  const r = new BinaryReader(bytes);
  const back = layout.decode(r, ctx);
  expect(back).toEqual(value);
  expect(r.pos).toBe(bytes.length);
  return bytes;
}

/** Property: every registered layout of these entries round-trips. */
export function checkAllRoundTrip(entries: readonly FnEntry[], numRuns = 60): void {
  for (const e of entries) {
    for (const dir of ['down', 'up'] as const) {
      const layout = e[dir] as (UnitLayout<unknown> & { node?: AnyNode }) | undefined;
      if (!layout) continue;
      if (!layout.node) throw new Error(`AFN${e.afn} F${e.fn} ${dir} is not a compiled layout`);
      const ctx = ctxOf(e, dir);
      fc.assert(
        fc.property(arbNode(layout.node), (v) => {
          roundTrip(layout, v, ctx);
        }),
        { numRuns },
      );
    }
  }
}

// Vectors (test/fixtures/gw376-vectors.json, copied from shared/vectors by the frame-layer engineer)
export interface Vector {
  hex: string;
  source: string;
  afn: string;
  direction: string;
  fns: number[];
}
export const VECTORS: Vector[] = JSON.parse(readFileSync(new URL('../../fixtures/gw376-vectors.json', import.meta.url), 'utf8'));
export const vectorsOf = (afn: number, dir?: string): Vector[] =>
  VECTORS.filter((v) => parseInt(v.afn, 16) === afn && (!dir || v.direction === dir));
export const firstData = (hex: string): unknown => (decodeMessage(Buffer.from(hex, 'hex')).units[0] as KnownUnit).data;
