/**
 * Declarative data-unit layouts for Q/GDW 376.1, compiled to straight-line code.
 *
 * A layout is a tree of nodes built from appendix-A formats (`'A7'`, `'A25'`, …, see formats.ts),
 * binary fields, bit fields, byte strings, structs and counted arrays:
 *
 *   const F25 = struct({ time: 'A15', p: 'A9', …, ua: 'A7', ia: 'A25' });
 *   const F129 = struct({ time: 'A15', m: 'u8', rates: array('A14', 'm', 1) });  // M+1 values
 *
 * `compile(node)` turns the tree into a `UnitLayout` (registry.ts) whose decode/encode are generated
 * once with `new Function`: one bounds check per run of fixed-size fields, fixed-size fields read
 * inline at constant offsets (BCD digits through the reader's table, no call per field), and object
 * literals of constant shape, so decoding allocates only the result. Plain BCD numbers go into the
 * literal (or array) as numbers and are replaced by null afterwards when their bytes are not BCD: the
 * common all-valid case then builds each object with its numbers in one straight-line allocation, and
 * number arrays stay unboxed. Encoding calls the format writers. The same tree drives the test
 * generators (test/unit/gw376/formats-arb.ts), so every registered Fn round-trips by construction.
 *
 * Values: structs are plain objects keyed by field name (in declaration order); arrays are JS arrays;
 * counted arrays carry their count field explicitly (`m`), and encoding checks that each array's
 * length matches `count + plus` (EncodeError otherwise).
 */
import { Buffer } from 'node:buffer';
import type { BinaryReader, BinaryWriter } from '../codec/cursor.js';
import { DataError, EncodeError } from '../codec/errors.js';
import { HEX_BYTE, HEX_DIGIT_CODE, toHex } from '../codec/hex.js';
import { BCD_TO_INT } from '../codec/bcd.js';
import { FORMATS, a2FromBytes, a3At, a4FromByte } from './formats.js';
import type { FormatDef, FormatName, FormatValues } from './formats.js';
import type { UnitContext, UnitLayout } from './registry.js';

// ---------------------------------------------------------------------------------------------
// Node types

/** Count of an array: a fixed number, the name (path) of an earlier field of the same struct, or REST. */
export type Count = number | string;
/** Array count meaning "as many elements as the remaining bytes hold" (fixed-size elements only). */
export const REST = '*';

interface Phantom<T> {
  /** Type carrier only; never set. */
  readonly __value?: T;
}

export interface FmtNode<T = unknown> extends Phantom<T> {
  readonly kind: 'fmt';
  readonly size: number;
  readonly def: FormatDef<T>;
}
export interface StructNode<T = unknown> extends Phantom<T> {
  readonly kind: 'struct';
  readonly size: number;
  readonly fields: readonly (readonly [string, AnyNode])[];
}
export interface ArrayNode<T = unknown> extends Phantom<T> {
  readonly kind: 'array';
  readonly size: number;
  readonly of: AnyNode;
  readonly count: Count;
  readonly plus: number;
  /** Generators cap referenced counts at this value (default 8). */
  readonly maxCount: number;
}
/** One bit field: `[name, lsb, len]`; len 0 = a boolean flag at bit lsb. */
export type BitSpec = readonly [string, number, number];
export interface BitsNode<T = unknown> extends Phantom<T> {
  readonly kind: 'bits';
  readonly size: number;
  readonly bits: readonly BitSpec[];
}
export interface BytesNode<T = unknown> extends Phantom<T> {
  readonly kind: 'bytes';
  /** Fixed length, or -1 when `count` (a field path) gives it. */
  readonly size: number;
  readonly count: Count;
  readonly text: boolean;
}
export interface BitsetNode<T = unknown> extends Phantom<T> {
  readonly kind: 'bitset';
  /** Fixed byte length, or -1 when `count` (a field path) gives it. */
  readonly size: number;
  readonly count: Count;
  /** Number given to bit 0 of byte 0 (e.g. 1 for "ERC1 = D0"). */
  readonly base: number;
}
export interface CustomNode<T = unknown> extends Phantom<T> {
  readonly kind: 'custom';
  /** Fixed size, or -1 when variable. */
  readonly size: number;
  /** Name of the generator the tests use for this node. */
  readonly arb: string;
  decode(r: BinaryReader, ctx: UnitContext): T;
  encode(w: BinaryWriter, v: T, ctx: UnitContext): void;
}

export type AnyNode = FmtNode | StructNode | ArrayNode | BitsNode | BytesNode | BitsetNode | CustomNode;
/** A node whose decoded value has type T. */
export type Node<T> = AnyNode & Phantom<T>;

/** Field specification: a node, or a format name as shorthand for `fmt(name)`. */
export type Spec = AnyNode | FormatName;
export type ValueOf<S> = S extends FormatName ? FormatValues[S] : S extends Phantom<infer T> ? T : never;

// ---------------------------------------------------------------------------------------------
// Builders

export function fmt<K extends FormatName>(name: K): FmtNode<FormatValues[K]> {
  const def = FORMATS[name] as FormatDef<FormatValues[K]>;
  return { kind: 'fmt', size: def.size, def };
}

function toNode(s: Spec): AnyNode {
  return typeof s === 'string' ? (fmt(s) as AnyNode) : s;
}

export type StructValue<F extends Record<string, Spec>> = { [K in keyof F]: ValueOf<F[K]> };

export function struct<F extends Record<string, Spec>>(fields: F): StructNode<StructValue<F>> {
  const list = Object.entries(fields).map(([k, s]) => [k, toNode(s)] as const);
  let size = 0;
  for (const [, n] of list) size = size < 0 || n.size < 0 ? -1 : size + n.size;
  return { kind: 'struct', size, fields: list };
}

/** `count` elements of `of`; `count` is a number, an earlier field's name (plus `plus`), or REST. */
export function array<S extends Spec>(of: S, count: Count, plus = 0, maxCount = 8): ArrayNode<ValueOf<S>[]> {
  const node = toNode(of);
  const size = typeof count === 'number' && node.size >= 0 ? count * node.size : -1;
  if (count === REST && node.size <= 0) throw new Error('REST arrays need fixed-size elements');
  return { kind: 'array', size, of: node, count, plus, maxCount };
}

type BitsValue<B extends Record<string, number | readonly [number, number]>> = {
  [K in keyof B]: B[K] extends number ? boolean : number;
};

/**
 * A `bytes`-wide little-endian binary word split into fields: `name: bit` is a boolean flag,
 * `name: [lsb, len]` an unsigned number. Unnamed bits are written as 0.
 */
export function bits<B extends Record<string, number | readonly [number, number]>>(
  bytes: 1 | 2 | 3 | 4,
  spec: B,
): BitsNode<BitsValue<B>> {
  const list: BitSpec[] = Object.entries(spec).map(([k, v]) => (typeof v === 'number' ? [k, v, 0] : [k, v[0], v[1]]));
  for (const [k, lsb, len] of list) {
    if (lsb + Math.max(len, 1) > bytes * 8) throw new Error(`bit field ${k} exceeds ${bytes} byte(s)`);
  }
  return { kind: 'bits', size: bytes, bits: list };
}

/** Raw bytes as an upper-case hex string (no spaces); `count` may be a field path. */
export function bytes(count: Count): BytesNode<string> {
  return { kind: 'bytes', size: typeof count === 'number' ? count : -1, count, text: false };
}

/** Fixed-width ASCII text, NUL-padded on the wire; trailing NULs are dropped when decoding. */
export function ascii(count: Count): BytesNode<string> {
  return { kind: 'bytes', size: typeof count === 'number' ? count : -1, count, text: true };
}

/**
 * An n-byte bitmap decoded to the ascending list of set bit numbers (bit k ↦ base + k); `n` may be the
 * path of an earlier count field (e.g. AFN09 F4: n groups, then n DT1 bitmaps).
 */
export function bitset(n: Count, base = 1): BitsetNode<number[]> {
  if (n === REST) throw new Error('bitset needs a fixed or counted length');
  return { kind: 'bitset', size: typeof n === 'number' ? n : -1, count: n, base };
}

/** A hand-written node (variable structures the declarative nodes cannot express). */
export function custom<T>(
  size: number,
  arb: string,
  decode: (r: BinaryReader, ctx: UnitContext) => T,
  encode: (w: BinaryWriter, v: T, ctx: UnitContext) => void,
): CustomNode<T> {
  return { kind: 'custom', size, arb, decode, encode };
}

// ---------------------------------------------------------------------------------------------
// Runtime helpers called by generated code

/**
 * Six-byte texts (A.12 meter/collector addresses, 6-byte passwords) recur frame after frame — the same
 * meters, zero fill — so they come from a direct-mapped cache keyed by the bytes' two 24-bit halves
 * (`lo` = bytes 0..2, `hi` = bytes 3..5, LE) instead of being built each time. Same strings either way.
 */
const TEXT6_SLOTS = 1024; // slot6 masks with 1023 as a literal
interface Text6Cache {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly text: (string | null)[];
}
const text6Cache = (): Text6Cache => ({
  lo: new Int32Array(TEXT6_SLOTS).fill(-1),
  hi: new Int32Array(TEXT6_SLOTS).fill(-1),
  text: new Array<string | null>(TEXT6_SLOTS).fill(null),
});
const A12_TEXT = text6Cache();
const HEX6_TEXT = text6Cache();
// TEXT6_SLOTS - 1 as a literal: a module binding is loaded and checked on each use in optimised code.
const slot6 = (lo: number, hi: number): number => (lo ^ (lo >>> 11) ^ (hi << 3) ^ (hi >>> 9)) & 1023;

/** A.12 text (12 digits, most significant byte first) of the bytes lo|hi; null when not BCD (EEH fill). */
function a12Text(lo: number, hi: number): string | null {
  const c = A12_TEXT;
  const i = slot6(lo, hi);
  // The hit is all the generated code calls inline (the texts are built in a12Miss).
  return c.lo[i] === lo && c.hi[i] === hi ? c.text[i]! : a12Miss(lo, hi, i);
}

function a12Miss(lo: number, hi: number, i: number): string | null {
  const c = A12_TEXT;
  const b0 = lo & 255, b1 = (lo >>> 8) & 255, b2 = lo >>> 16, b3 = hi & 255, b4 = (hi >>> 8) & 255, b5 = hi >>> 16;
  const t = BCD_TO_INT;
  const s =
    (t[b0]! | t[b1]! | t[b2]! | t[b3]! | t[b4]! | t[b5]!) < 0
      ? null
      : String.fromCharCode(48 + (b5 >> 4), 48 + (b5 & 15), 48 + (b4 >> 4), 48 + (b4 & 15), 48 + (b3 >> 4), 48 + (b3 & 15),
          48 + (b2 >> 4), 48 + (b2 & 15), 48 + (b1 >> 4), 48 + (b1 & 15), 48 + (b0 >> 4), 48 + (b0 & 15));
  c.lo[i] = lo;
  c.hi[i] = hi;
  c.text[i] = s;
  return s;
}

/** Upper-case hex (wire order) of the bytes lo|hi. */
function hex6Text(lo: number, hi: number): string {
  const c = HEX6_TEXT;
  const i = slot6(lo, hi);
  return c.lo[i] === lo && c.hi[i] === hi ? c.text[i]! : hex6Miss(lo, hi, i);
}

function hex6Miss(lo: number, hi: number, i: number): string {
  const c = HEX6_TEXT;
  const b0 = lo & 255, b1 = (lo >>> 8) & 255, b2 = lo >>> 16, b3 = hi & 255, b4 = (hi >>> 8) & 255, b5 = hi >>> 16;
  const h = HEX_DIGIT_CODE;
  const s = String.fromCharCode(h[b0 >> 4]!, h[b0 & 15]!, h[b1 >> 4]!, h[b1 & 15]!, h[b2 >> 4]!, h[b2 & 15]!,
    h[b3 >> 4]!, h[b3 & 15]!, h[b4 >> 4]!, h[b4 & 15]!, h[b5 >> 4]!, h[b5 & 15]!);
  c.lo[i] = lo;
  c.hi[i] = hi;
  c.text[i] = s;
  return s;
}

/** `lo, hi` argument source of the six bias-free byte locals `u` (see a12Text). */
const halves6 = (u: readonly string[]): string => `${u[0]} | (${u[1]} << 8) | (${u[2]} << 16), ${u[3]} | (${u[4]} << 8) | (${u[5]} << 16)`;

/** `n` bytes at `at` (bias removed) as upper-case hex without spaces. */
function hexAt(buf: Uint8Array, at: number, n: number, bias: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX_BYTE[(buf[at + i]! - bias) & 0xff]!;
  return s;
}
function readHex(r: BinaryReader, n: number): string {
  const at = r.pos;
  r.pos = at + n;
  return hexAt(r.buf, at, n, r.bias);
}
/** `n` = -1: any whole number of bytes (REST). */
function writeHex(w: BinaryWriter, v: string, n: number, field: string): void {
  if (typeof v !== 'string' || (n >= 0 ? v.length !== 2 * n : v.length % 2 !== 0) || !/^[0-9a-fA-F]*$/.test(v)) {
    throw new EncodeError(field, `expected ${n} byte(s) as ${2 * n} hex digits`);
  }
  w.raw(Buffer.from(v, 'hex'));
}
/** `n` bytes at `at` (bias removed) as latin1 text, trailing NULs dropped. */
function textAt(buf: Uint8Array, at: number, n: number, bias: number): string {
  let end = n;
  while (end > 0 && ((buf[at + end - 1]! - bias) & 0xff) === 0) end--;
  let s = '';
  for (let i = 0; i < end; i++) s += String.fromCharCode((buf[at + i]! - bias) & 0xff);
  return s;
}
function readText(r: BinaryReader, n: number): string {
  const at = r.pos;
  r.pos = at + n;
  return textAt(r.buf, at, n, r.bias);
}
function isSingleByteText(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0 || c > 0xff) return false;
  }
  return true;
}
function writeText(w: BinaryWriter, v: string, n: number, field: string): void {
  if (typeof v !== 'string' || (n >= 0 && v.length > n) || !isSingleByteText(v)) {
    throw new EncodeError(field, `expected up to ${n} single-byte characters without NUL`);
  }
  const b = Buffer.alloc(n >= 0 ? n : v.length);
  b.write(v, 'latin1');
  w.raw(b);
}
/** Set bits of the `n` bytes at `at` (bias removed), bit k of byte i ↦ base + 8i + k. */
function bitsetAt(buf: Uint8Array, at: number, n: number, base: number, bias: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = (buf[at + i]! - bias) & 0xff;
    if (b === 0) continue;
    for (let k = 0; k < 8; k++) if (b & (1 << k)) out.push(base + i * 8 + k);
  }
  return out;
}
function readBitset(r: BinaryReader, n: number, base: number): number[] {
  const at = r.pos;
  r.pos = at + n;
  return bitsetAt(r.buf, at, n, base, r.bias);
}
function writeBitset(w: BinaryWriter, v: readonly number[], n: number, base: number, field: string): void {
  const b = Buffer.alloc(n);
  for (const x of v) {
    const k = x - base;
    if (!Number.isInteger(k) || k < 0 || k >= n * 8) throw new EncodeError(field, `bit ${x} outside ${base}..${base + n * 8 - 1}`);
    b[k >> 3]! |= 1 << (k & 7);
  }
  w.raw(b);
}
function bitValue(v: number, len: number, field: string): number {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** len) throw new EncodeError(field, `${v} does not fit ${len} bit(s)`);
  return v;
}
function countMismatch(field: string, got: number, want: number): EncodeError {
  return new EncodeError(field, `array has ${got} element(s), its count field says ${want}`);
}
function badCount(r: BinaryReader, field: string, n: number): DataError {
  return new DataError(field, `a valid count (got ${n})`, toHex(r.buf, r.pos, r.end));
}
function needObject(v: unknown, field: string): void {
  if (typeof v !== 'object' || v === null) throw new EncodeError(field, 'expected an object');
}

// ---------------------------------------------------------------------------------------------
// Compiler

class Emitter {
  readonly deps: unknown[] = [];
  private readonly depIdx = new Map<unknown, number>();
  readonly lines: string[] = [];
  /** Whether the generated code reads `ctx` (custom nodes do). */
  readsContext = false;
  private n = 0;

  /**
   * Whether inline byte reads subtract the reader's bias. Q/GDW 376.1 readers carry none, so the
   * decoder a layout is called through is bias-free (a sub and a mask less per byte: the AFN04 F10 unit
   * decodes ≈ 1.3× as fast); a biased reader is sent on to a variant compiled with it on first use.
   */
  constructor(readonly biased = false) {}

  dep(x: unknown): string {
    let i = this.depIdx.get(x);
    if (i === undefined) {
      i = this.deps.length;
      this.deps.push(x);
      this.depIdx.set(x, i);
    }
    return `d${i}`;
  }
  tmp(prefix: string): string {
    return `${prefix}${this.n++}`;
  }
  line(s: string): void {
    this.lines.push(s);
  }
  prelude(): string {
    return this.deps.map((_, i) => `const d${i} = deps[${i}];`).join('\n');
  }
}

const HELPERS = {
  readHex,
  hexAt,
  writeHex,
  readText,
  textAt,
  writeText,
  readBitset,
  bitsetAt,
  writeBitset,
  bitValue,
  countMismatch,
  badCount,
  needObject,
};

const q = (s: string): string => JSON.stringify(s);

/** Resolves a count path ('m', 'td.points') against the current struct scope. */
function resolve(scope: Map<string, string>, path: string, label: string): string {
  const [head, ...rest] = path.split('.');
  const base = scope.get(head!);
  if (base === undefined) throw new Error(`${label}: count refers to unknown earlier field '${path}'`);
  return rest.length ? `${base}${rest.map((p) => `[${q(p)}]`).join('')}` : base;
}

// ---------------------------------------------------------------------------------------------
// Decoder generation
//
// Fixed-size nodes without custom parts are read "inline": at static offsets from a position held in
// a local (`p0 = r.pos`), straight from `buf` (the reader's buffer) with `T` (its BCD table, bias folded
// in) and `B` (its bias; subtracted only in the variant for biased readers, see Emitter), so a run of
// fields costs no calls and one `r.pos` update. Bounds were checked before (one `r.need` per run, as
// for the call-based nodes). Every other node reads through `r`.
// The inline code computes exactly what the format readers of formats.ts return (test: formats.test.ts).

/** BCD formats read as plain `bytes` BCD bytes scaled by 10^-decimals (sign in D7 of the last byte when signed). */
const PLAIN_BCD = new Set<FormatName>(['A5', 'A6', 'A7', 'A8', 'A9', 'A10', 'A11', 'A13', 'A14', 'A22', 'A23', 'A25', 'A26', 'A27', 'A28']);

/** BCD time formats: field names in wire order (least significant first) and in value order. */
const TIME_FORMATS: Partial<Record<FormatName, readonly [wire: readonly string[], value: readonly string[]]>> = {
  A15: [['minute', 'hour', 'day', 'month', 'year'], ['year', 'month', 'day', 'hour', 'minute']],
  A16: [['second', 'minute', 'hour', 'day'], ['day', 'hour', 'minute', 'second']],
  A17: [['minute', 'hour', 'day', 'month'], ['month', 'day', 'hour', 'minute']],
  A18: [['minute', 'hour', 'day'], ['day', 'hour', 'minute']],
  A19: [['minute', 'hour'], ['hour', 'minute']],
  A20: [['day', 'month', 'year'], ['year', 'month', 'day']],
  A21: [['month', 'year'], ['year', 'month']],
  A24: [['hour', 'day'], ['day', 'hour']],
};

/** Whether a node can be read at a static offset (fixed size, no custom part). */
function isInline(node: AnyNode): boolean {
  switch (node.kind) {
    case 'fmt':
    case 'bits':
      return true;
    case 'bytes':
    case 'bitset':
      return node.size >= 0;
    case 'struct':
      return node.size >= 0 && node.fields.every(([, f]) => isInline(f));
    case 'array':
      return node.size >= 0 && isInline(node.of);
    case 'custom':
      return false;
  }
}

/** `at + k` as source (constant offsets folded: `p1 + 6` + 2 → `p1 + 8`). */
function plus(at: string, k: number): string {
  if (k === 0) return at;
  const m = /^(.*) \+ (\d+)$/.exec(at);
  return m ? `${m[1]} + ${Number(m[2]) + k}` : `${at} + ${k}`;
}

/** Bounds check of `n` more bytes: compared inline, `r.need` (which throws the DataError) only on failure. */
function needLine(e: Emitter, n: string, label: string): void {
  e.line(`if (r.pos + ${n} > r.end) r.need(${n}, ${q(label)});`);
}

/** Emits consts for the bias-free bytes at at..at+n-1; returns their names. */
function rawBytes(e: Emitter, at: string, n: number): string[] {
  const names: string[] = [];
  for (let k = 0; k < n; k++) {
    const u = e.tmp('u');
    e.line(e.biased ? `const ${u} = (buf[${plus(at, k)}] - B) & 255;` : `const ${u} = buf[${plus(at, k)}];`);
    names.push(u);
  }
  return names;
}

/** Emits consts for the BCD values (0..99, -1 = not BCD) of the bytes at at..at+n-1. */
function bcdBytes(e: Emitter, at: string, n: number): string[] {
  const names: string[] = [];
  for (let k = 0; k < n; k++) {
    const x = e.tmp('x');
    e.line(`const ${x} = T[buf[${plus(at, k)}]];`);
    names.push(x);
  }
  return names;
}

/** Little-endian unsigned word of 1..4 bias-free bytes (as `r.u8/u16/u24/u32` compute it). */
function word(u: readonly string[]): string {
  if (u.length === 4) return `((${u[0]} | (${u[1]} << 8)) + (${u[2]} | (${u[3]} << 8)) * 65536)`;
  return `(${u.map((x, k) => (k === 0 ? x : `(${x} << ${8 * k})`)).join(' | ')})`;
}

/** BCD digits (most significant first) as an integer expression: ((dN * 100 + …) * 100 + d0). */
function bcdInt(digitsLsbFirst: readonly string[]): string {
  let v = digitsLsbFirst[digitsLsbFirst.length - 1]!;
  for (let k = digitsLsbFirst.length - 2; k >= 0; k--) v = `(${v} * 100 + ${digitsLsbFirst[k]})`;
  return v;
}

/**
 * An inline value: `expr` is the value, or — when `bad` is set — the number the bytes give when they are
 * BCD, `bad` being the condition (not BCD: EEH fill) under which the value is null instead.
 */
interface InlineValue {
  expr: string;
  bad?: string;
}

/** `bad ? null : expr` as one expression. */
function nullable(v: InlineValue): string {
  return v.bad === undefined ? v.expr : `(${v.bad} ? null : ${v.expr})`;
}

/**
 * Inline read of format `name` at `at`. Plain BCD numbers come back split (`bad` + `expr`): a struct
 * puts the number in its literal and sets the field to null afterwards when `bad`, so that the common
 * all-valid case builds the object and its boxed numbers in one straight-line allocation.
 */
function inlineFormat(e: Emitter, name: FormatName, at: string): InlineValue {
  const def = FORMATS[name];
  if (PLAIN_BCD.has(name)) {
    const n = def.size;
    const scale = def.decimals > 0 ? ` / ${10 ** def.decimals}` : '';
    if (!def.signed) {
      const d = bcdBytes(e, at, n);
      return { bad: `(${d.join(' | ')}) < 0`, expr: `${bcdInt(d)}${scale}` };
    }
    const d = bcdBytes(e, at, n - 1);
    const [top] = rawBytes(e, plus(at, n - 1), 1);
    const msd = e.tmp('x');
    e.line(`const ${msd} = ${e.dep(BCD_TO_INT)}[${top} & 127];`);
    const all = [...d, msd];
    return { bad: `(${all.join(' | ')}) < 0`, expr: `(${top} & 128 ? -${bcdInt(all)} : ${bcdInt(all)})${scale}` };
  }
  return { expr: inlineOther(e, name, at) };
}

/** Inline read of a format other than the plain BCD numbers; returns the value expression. */
function inlineOther(e: Emitter, name: FormatName, at: string): string {
  const def = FORMATS[name];
  const time = TIME_FORMATS[name];
  if (time) {
    const [wire, value] = time;
    const d = bcdBytes(e, at, wire.length);
    const of = (f: string): string => {
      const x = d[wire.indexOf(f)]!;
      return f === 'year' ? `2000 + ${x}` : x;
    };
    return `((${d.join(' | ')}) < 0 ? null : { ${value.map((f) => `${f}: ${of(f)}`).join(', ')} })`;
  }
  switch (name) {
    case 'A1': {
      const [ss, mm, hh, dd] = bcdBytes(e, at, 4);
      const [wm] = rawBytes(e, plus(at, 4), 1);
      const [yy] = bcdBytes(e, plus(at, 5), 1);
      const mo = e.tmp('x');
      e.line(`const ${mo} = ${e.dep(BCD_TO_INT)}[${wm} & 31];`);
      return `((${ss} | ${mm} | ${hh} | ${dd} | ${yy} | ${mo}) < 0 ? null : { year: 2000 + ${yy}, month: ${mo}, day: ${dd}, hour: ${hh}, minute: ${mm}, second: ${ss}, weekday: ${wm} >> 5 })`;
    }
    case 'A2': {
      const u = rawBytes(e, at, 2);
      return `${e.dep(a2FromBytes)}(${u[0]}, ${u[1]})`;
    }
    case 'A3':
      return `${e.dep(a3At)}(buf, ${at}, B)`;
    case 'A4': {
      const [u] = rawBytes(e, at, 1);
      return `${e.dep(a4FromByte)}(${u})`;
    }
    case 'A12':
      return `${e.dep(a12Text)}(${halves6(rawBytes(e, at, 6))})`;
    case 'ip': {
      const u = rawBytes(e, at, 4);
      return `(${u.join(' + "." + ')})`;
    }
    case 'u8':
    case 'u16':
    case 'u24':
    case 'u32':
      return word(rawBytes(e, at, def.size));
    default:
      throw new Error(`no inline reader for format ${name}`);
  }
}

/**
 * Emits a struct literal from its fields' inline values: `const s = { … }` with the plain numbers,
 * then `if (bad) s.f = null` for each nullable field; returns the struct's name.
 */
function structLiteral(e: Emitter, fields: readonly (readonly [string, InlineValue])[]): string {
  const parts: string[] = [];
  const nulls: [flag: string, name: string][] = [];
  for (const [name, v] of fields) {
    if (v.bad === undefined) {
      parts.push(`${q(name)}: ${v.expr}`);
      continue;
    }
    const x = e.tmp('v');
    const k = e.tmp('k');
    e.line(`const ${x} = ${v.expr};`);
    e.line(`const ${k} = ${v.bad};`);
    parts.push(`${q(name)}: ${x}`);
    nulls.push([k, name]);
  }
  const s = e.tmp('s');
  e.line(`const ${s} = { ${parts.join(', ')} };`);
  for (const [k, name] of nulls) e.line(`if (${k}) ${s}[${q(name)}] = null;`);
  return s;
}

/**
 * `a[i] = value`. A plain number is stored as a number and replaced by null when not BCD, so that an
 * array without invalid values stays an unboxed double array.
 */
function storeElement(e: Emitter, a: string, i: string, v: InlineValue): void {
  e.line(`${a}[${i}] = ${v.expr};`);
  if (v.bad !== undefined) e.line(`if (${v.bad}) ${a}[${i}] = null;`);
}

/** Inline read of a fixed-size node (isInline) at `at + off`; returns the value expression. */
function inlineNode(e: Emitter, node: AnyNode, at: string, off: number): string {
  return nullable(inlineValue(e, node, at, off));
}

/** Inline read of a fixed-size node (isInline) at `at + off` (plain numbers split, see inlineFormat). */
function inlineValue(e: Emitter, node: AnyNode, at: string, off: number): InlineValue {
  const here = plus(at, off);
  if (node.kind === 'fmt') return inlineFormat(e, node.def.name, here);
  if (node.kind === 'struct') {
    const fields: [string, InlineValue][] = [];
    let k = off;
    for (const [name, child] of node.fields) {
      const v = inlineValue(e, child, at, k);
      if (v.bad === undefined) {
        const x = e.tmp('v');
        e.line(`const ${x} = ${v.expr};`);
        fields.push([name, { expr: x }]);
      } else fields.push([name, v]);
      k += child.size;
    }
    return { expr: structLiteral(e, fields) };
  }
  return { expr: inlineComposite(e, node, here) };
}

/** Inline read of a bits/bytes/bitset/array node at `here`; returns the value expression. */
function inlineComposite(e: Emitter, node: AnyNode, here: string): string {
  switch (node.kind) {
    case 'fmt':
    case 'struct':
      throw new Error('handled by inlineValue');
    case 'bits': {
      const b = e.tmp('b');
      e.line(`const ${b} = ${word(rawBytes(e, here, node.size))};`);
      const parts = node.bits.map(([name, lsb, len]) =>
        len === 0
          ? `${q(name)}: ((${b} >>> ${lsb}) & 1) === 1`
          : `${q(name)}: ((${b} >>> ${lsb}) & ${len >= 32 ? 0xffffffff : 2 ** len - 1})${len >= 32 ? ' >>> 0' : ''}`,
      );
      return `{ ${parts.join(', ')} }`;
    }
    case 'bytes': {
      if (node.text) return `${e.dep(HELPERS.textAt)}(buf, ${here}, ${node.size}, B)`;
      if (node.size > 16) return `${e.dep(HELPERS.hexAt)}(buf, ${here}, ${node.size}, B)`;
      if (node.size === 6) return `${e.dep(hex6Text)}(${halves6(rawBytes(e, here, 6))})`;
      const hx = e.dep(HEX_DIGIT_CODE);
      const chars = rawBytes(e, here, node.size).flatMap((x) => [`${hx}[${x} >> 4]`, `${hx}[${x} & 15]`]);
      return `${e.dep(String.fromCharCode)}(${chars.join(', ')})`;
    }
    case 'bitset':
      return `${e.dep(HELPERS.bitsetAt)}(buf, ${here}, ${node.size}, ${node.base}, B)`;
    case 'array': {
      const a = e.tmp('a');
      const i = e.tmp('i');
      const p = e.tmp('p');
      e.line(`const ${a} = new Array(${node.count as number});`);
      e.line(`for (let ${i} = 0; ${i} < ${node.count as number}; ${i}++) {`);
      e.line(`const ${p} = ${here} + ${i} * ${node.of.size};`);
      storeElement(e, a, i, inlineValue(e, node.of, p, 0));
      e.line('}');
      return a;
    }
    case 'custom':
      throw new Error('custom nodes are not inline');
  }
}

function decodeNode(e: Emitter, node: AnyNode, checked: boolean, label: string, scope: Map<string, string>): string {
  if (!checked && node.size > 0) {
    needLine(e, String(node.size), label);
    checked = true;
  }
  if (node.kind !== 'struct' && isInline(node)) {
    const p = e.tmp('p');
    e.line(`const ${p} = r.pos;`);
    e.line(`r.pos = ${p} + ${node.size};`);
    return inlineNode(e, node, p, 0);
  }
  switch (node.kind) {
    case 'struct': {
      const inner = new Map<string, string>();
      const values: [string, InlineValue][] = [];
      const fields = node.fields;
      let covered = 0; // bytes already bounds-checked ahead in a run of fixed fields
      let run = ''; // local holding r.pos at the start of the current inline run ('' = none)
      let runOff = 0;
      const endRun = (): void => {
        if (run) e.line(`r.pos = ${plus(run, runOff)};`);
        run = '';
      };
      for (let i = 0; i < fields.length; i++) {
        const [name, child] = fields[i]!;
        let childChecked = checked;
        if (!checked) {
          if (child.size >= 0 && covered === 0) {
            let need = 0;
            for (let j = i; j < fields.length && fields[j]![1].size >= 0; j++) need += fields[j]![1].size;
            if (need > 0) {
              endRun();
              needLine(e, String(need), `${label}.${name}`);
            }
            covered = need;
          }
          if (child.size >= 0) {
            childChecked = true;
            covered -= child.size;
          } else covered = 0;
        }
        if (childChecked && isInline(child)) {
          if (!run) {
            run = e.tmp('p');
            runOff = 0;
            e.line(`const ${run} = r.pos;`);
          }
          const iv = inlineValue(e, child, run, runOff);
          runOff += child.size;
          if (iv.bad !== undefined) {
            // A plain number: set into the literal below, nulled after it when not BCD.
            inner.set(name, `(${nullable(iv)})`);
            values.push([name, iv]);
            continue;
          }
          const v = e.tmp('v');
          e.line(`const ${v} = ${iv.expr};`);
          inner.set(name, v);
          values.push([name, { expr: v }]);
        } else {
          endRun();
          const v = e.tmp('v');
          e.line(`const ${v} = ${decodeNode(e, child, childChecked, `${label}.${name}`, inner)};`);
          inner.set(name, v);
          values.push([name, { expr: v }]);
        }
      }
      endRun();
      return structLiteral(e, values);
    }
    case 'array': {
      const c = e.tmp('c');
      const a = e.tmp('a');
      const i = e.tmp('i');
      if (node.count === REST) {
        e.line(`const ${c} = ((r.end - r.pos) / ${node.of.size}) | 0;`);
      } else if (typeof node.count === 'number') {
        e.line(`const ${c} = ${node.count};`);
      } else {
        e.line(`const ${c} = ${resolve(scope, node.count, label)} + ${node.plus};`);
        e.line(`if (!(${c} >= 0)) throw ${e.dep(HELPERS.badCount)}(r, ${q(label)}, ${c});`);
      }
      let elemChecked = checked;
      if (!checked && node.of.size > 0) {
        needLine(e, `${c} * ${node.of.size}`, label);
        elemChecked = true;
      }
      if (elemChecked && isInline(node.of)) {
        // Bounds already checked for all elements: the array is allocated at its size and filled.
        const p = e.tmp('p');
        const at = e.tmp('p');
        e.line(`const ${a} = new Array(${c});`);
        e.line(`const ${p} = r.pos;`);
        e.line(`r.pos = ${p} + ${c} * ${node.of.size};`);
        e.line(`for (let ${i} = 0; ${i} < ${c}; ${i}++) {`);
        e.line(`const ${at} = ${p} + ${i} * ${node.of.size};`);
        storeElement(e, a, i, inlineValue(e, node.of, at, 0));
        e.line('}');
        return a;
      }
      e.line(`const ${a} = [];`);
      e.line(`for (let ${i} = 0; ${i} < ${c}; ${i}++) {`);
      const v = decodeNode(e, node.of, elemChecked, `${label}[]`, new Map());
      e.line(`${a}.push(${v});`);
      e.line('}');
      return a;
    }
    case 'bytes': {
      let n: string;
      if (node.count === REST) n = '(r.end - r.pos)';
      else {
        n = e.tmp('n');
        e.line(`const ${n} = ${resolve(scope, node.count as string, label)};`);
        needLine(e, n, label);
      }
      return `${e.dep(node.text ? HELPERS.readText : HELPERS.readHex)}(r, ${n})`;
    }
    case 'bitset': {
      const n = e.tmp('n');
      e.line(`const ${n} = ${resolve(scope, node.count as string, label)};`);
      needLine(e, n, label);
      return `${e.dep(HELPERS.readBitset)}(r, ${n}, ${node.base})`;
    }
    case 'custom':
      e.readsContext = true;
      return `${e.dep(node.decode)}(r, ctx)`;
    default:
      throw new Error(`unexpected ${node.kind} node`);
  }
}

/** Source of a decoder: the locals every decoder starts with, then the generated lines. */
function decoderBody(e: Emitter, result: string, biasedVariant?: string): string {
  const guard = biasedVariant === undefined ? '' : `if (B !== 0) return ${biasedVariant}(r, ctx);\n`;
  return `const buf = r.buf, T = r.bcdTable, B = r.bias;\n${guard}${e.lines.join('\n')}\nreturn ${result};`;
}

function encodeNode(e: Emitter, node: AnyNode, v: string, label: string, scope: Map<string, string>): void {
  switch (node.kind) {
    case 'fmt':
      e.line(`${e.dep(node.def.write)}(w, ${v}, ${q(label)});`);
      return;
    case 'struct': {
      const s = e.tmp('s');
      e.line(`const ${s} = ${v};`);
      e.line(`${e.dep(HELPERS.needObject)}(${s}, ${q(label)});`);
      const inner = new Map<string, string>();
      for (const [name, child] of node.fields) {
        const f = `${s}[${q(name)}]`;
        inner.set(name, f);
        encodeNode(e, child, f, `${label}.${name}`, inner);
      }
      return;
    }
    case 'array': {
      const a = e.tmp('a');
      const i = e.tmp('i');
      e.line(`const ${a} = ${v};`);
      e.line(`if (!Array.isArray(${a})) throw ${e.dep(HELPERS.countMismatch)}(${q(label)}, NaN, NaN);`);
      if (node.count !== REST) {
        const want =
          typeof node.count === 'number' ? String(node.count) : `(${resolve(scope, node.count, label)} + ${node.plus})`;
        e.line(`if (${a}.length !== ${want}) throw ${e.dep(HELPERS.countMismatch)}(${q(label)}, ${a}.length, ${want});`);
      }
      e.line(`for (let ${i} = 0; ${i} < ${a}.length; ${i}++) {`);
      encodeNode(e, node.of, `${a}[${i}]`, `${label}[]`, new Map());
      e.line('}');
      return;
    }
    case 'bits': {
      const s = e.tmp('s');
      const b = e.tmp('b');
      e.line(`const ${s} = ${v};`);
      e.line(`${e.dep(HELPERS.needObject)}(${s}, ${q(label)});`);
      e.line(`let ${b} = 0;`);
      for (const [name, lsb, len] of node.bits) {
        const f = `${s}[${q(name)}]`;
        if (len === 0) e.line(`if (${f}) ${b} += ${2 ** lsb};`);
        else e.line(`${b} += ${e.dep(HELPERS.bitValue)}(${f}, ${len}, ${q(`${label}.${name}`)}) * ${2 ** lsb};`);
      }
      const write = ['', 'u8', 'u16', 'u24', 'u32'][node.size]!;
      e.line(`w.${write}(${b});`);
      return;
    }
    case 'bytes': {
      const n =
        typeof node.count === 'number' ? String(node.count) : node.count === REST ? '-1' : resolve(scope, node.count, label);
      e.line(`${e.dep(node.text ? HELPERS.writeText : HELPERS.writeHex)}(w, ${v}, ${n}, ${q(label)});`);
      return;
    }
    case 'bitset': {
      const n = typeof node.count === 'number' ? String(node.count) : resolve(scope, node.count, label);
      e.line(`${e.dep(HELPERS.writeBitset)}(w, ${v}, ${n}, ${node.base}, ${q(label)});`);
      return;
    }
    case 'custom':
      e.line(`${e.dep(node.encode)}(w, ${v}, ctx);`);
      return;
  }
}

/** A compiled layout that also exposes its node tree (for generators and documentation). */
export interface CompiledLayout<T> extends UnitLayout<T> {
  readonly node: Node<T>;
  /** Fixed byte size, or -1 when variable. */
  readonly size: number;
}

type DecodeFn<T> = (r: BinaryReader, ctx: UnitContext) => T;
type EncodeFn<T> = (w: BinaryWriter, v: T, ctx: UnitContext) => void;

/** Compiles a node tree to a UnitLayout. `label` names the unit in error messages (e.g. 'AFN0C F25'). */
export function compile<T>(node: Node<T>, label: string): CompiledLayout<T> {
  let biased: DecodeFn<T> | undefined;
  const decodeBiased: DecodeFn<T> = (r, ctx) => (biased ??= compileDecoder<T>(node, label, new Emitter(true)).decode)(r, ctx);
  const d = compileDecoder<T>(node, label, new Emitter(), decodeBiased);
  const en = new Emitter();
  encodeNode(en, node, 'value', label, new Map());
  const encodeSrc = `${en.prelude()}\nreturn function encode(w, value, ctx) {\n${en.lines.join('\n')}\n};`;
  const encode = new Function('deps', encodeSrc)(en.deps) as EncodeFn<T>;
  return { node, size: node.size, decode: d.decode, encode, decodeReadsContext: d.readsContext };
}

/** The decoder of `node` generated by `e`; `biasedVariant` (bias-free emitters) takes readers with a bias. */
function compileDecoder<T>(node: Node<T>, label: string, e: Emitter, biasedVariant?: DecodeFn<T>): { decode: DecodeFn<T>; readsContext: boolean } {
  const result = decodeNode(e, node, false, label, new Map());
  const guard = biasedVariant === undefined ? undefined : e.dep(biasedVariant);
  const src = `${e.prelude()}\nreturn function decode(r, ctx) {\n${decoderBody(e, result, guard)}\n};`;
  return { decode: new Function('deps', src)(e.deps) as DecodeFn<T>, readsContext: e.readsContext };
}

/** Shorthand: compile a struct spec. */
export function layout<F extends Record<string, Spec>>(label: string, fields: F): CompiledLayout<StructValue<F>> {
  return compile(struct(fields), label);
}

/** The generated source of a node (debugging aid). */
export function generatedSource(node: AnyNode, label = 'unit'): { decode: string; encode: string } {
  const d = new Emitter();
  const res = decodeNode(d, node, false, label, new Map());
  const en = new Emitter();
  encodeNode(en, node, 'value', label, new Map());
  return { decode: decoderBody(d, res), encode: en.lines.join('\n') };
}
