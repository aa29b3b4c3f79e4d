/**
 * Compiles declarative DI definitions into fast decoders/encoders (one closure per field, built once).
 * Field order in a definition is wire order (least significant item first, as DL/T 645-2007 §4.3.4
 * sends multi-item data low byte first).
 */
import { Buffer } from 'node:buffer';
import { biasedBcdTable, type BinaryReader, type BinaryWriter } from '../../codec/cursor.js';
import { BCD_TO_INT, POW10, TWO_DIGITS } from '../../codec/bcd.js';
import { DataError, EncodeError } from '../../codec/errors.js';
import { toHex } from '../../codec/hex.js';
import type { DiDefinition, DiEntry, DiValue, FieldFormat, FieldSpec, ScaledDecoder, TimePattern } from './types.js';

type Reader = (r: BinaryReader) => DiValue;
type Writer = (w: BinaryWriter, v: DiValue, field: string) => void;

export function formatSize(f: FieldFormat): number {
  switch (f.kind) {
    case 'time':
      return f.pattern.length / 2;
    default:
      return f.bytes;
  }
}

/** Time patterns: the printed order; the wire carries the pairs reversed. */
const PART_RANGE: Record<string, [number, number]> = {
  YY: [0, 99], MM: [1, 12], DD: [1, 31], WW: [0, 6], hh: [0, 23], mm: [0, 59], ss: [0, 59],
};

function pairsOf(p: TimePattern): string[] {
  const out: string[] = [];
  for (let i = 0; i < p.length; i += 2) out.push(p.slice(i, i + 2));
  return out;
}

/**
 * Renders a time as ISO-like local meter time without zone: dates `2016-01-11`, times `21:53:55`,
 * date-times `2016-01-11T21:53`; partial patterns (MMDDhhmm, DDhh) as `--01-11T21:53` style.
 * The week of YYMMDDWW is a separate field in the definitions, so here WW renders as a digit.
 */
function makeTimeReader(pattern: TimePattern): Reader {
  const parts = pairsOf(pattern);
  const n = parts.length;
  const values = new Array<number>(n);
  return (r) => {
    const start = r.pos;
    let ok = true;
    for (let i = n - 1; i >= 0; i--) {
      const d = BCD_TO_INT[(r.buf[start + (n - 1 - i)]! - r.bias) & 0xff]!;
      const range = PART_RANGE[parts[i]!]!;
      if (d < range[0] || d > range[1]) ok = false;
      values[i] = d;
    }
    r.pos = start + n;
    if (!ok) return null;
    return renderTime(parts, values);
  };
}

function renderTime(parts: readonly string[], v: readonly number[]): string {
  let date = '';
  let time = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const t = TWO_DIGITS[v[i]!]!;
    if (p === 'YY') date += `20${t}`;
    else if (p === 'MM') date += date ? `-${t}` : `--${t}`;
    else if (p === 'DD') date += date ? `-${t}` : `---${t}`;
    else if (p === 'WW') date += `W${v[i]}`;
    else time += time ? `:${t}` : t;
  }
  if (date && time) return `${date}T${time}`;
  return date || time;
}

function makeTimeWriter(pattern: TimePattern): Writer {
  const parts = pairsOf(pattern);
  return (w, v, field) => {
    if (v === null) {
      w.fill(parts.length, 0xff);
      return;
    }
    if (typeof v !== 'string') throw new EncodeError(field, `a ${pattern} time string expected`);
    const nums = parseTimeParts(v, parts, field);
    for (let i = parts.length - 1; i >= 0; i--) w.bcd(nums[i]!, 1, field);
  };
}

function parseTimeParts(text: string, parts: readonly string[], field: string): number[] {
  // Accept what renderTime produces: [YYYY][-MM][-DD][T]hh[:mm][:ss]
  const m = /^(?:(\d{4})?(?:-{1,3}(\d\d))?(?:-(\d\d))?)?T?(?:(\d\d)(?::(\d\d))?(?::(\d\d))?)?$/.exec(text);
  if (!m) throw new EncodeError(field, `'${text}' is not a time like 2016-01-11T21:53:55`);
  const hasDate = parts.some((p) => p === 'YY' || p === 'MM' || p === 'DD');
  const [, y, a, b, hh, mi, ss] = m;
  let mm: string | undefined = a;
  let dd: string | undefined = b;
  if (hasDate && !parts.includes('MM')) { dd = a; mm = undefined; }
  const map: Record<string, string | undefined> = {
    YY: y?.slice(2), MM: mm, DD: dd, hh, mm: mi, ss,
  };
  return parts.map((p) => {
    const s = map[p];
    if (s === undefined) throw new EncodeError(field, `'${text}' lacks ${p} for pattern ${parts.join('')}`);
    const n = Number(s);
    const range = PART_RANGE[p]!;
    if (n < range[0] || n > range[1]) throw new EncodeError(field, `${p}=${s} out of range in '${text}'`);
    return n;
  });
}

function fieldReader(f: FieldFormat): Reader {
  switch (f.kind) {
    case 'bcd': {
      const { bytes, decimals } = f;
      if (f.signed) return decimals ? (r) => r.bcdSignedScaled(bytes, decimals) : (r) => r.bcdSigned(bytes);
      return decimals ? (r) => r.bcdScaled(bytes, decimals) : (r) => r.bcd(bytes);
    }
    case 'time':
      return makeTimeReader(f.pattern);
    case 'digits':
      return (r) => r.bcdDigits(f.bytes);
    case 'ascii':
      return (r) => {
        const b = r.bytes(f.bytes);
        let s = '';
        for (let i = b.length - 1; i >= 0; i--) if (b[i] !== 0) s += String.fromCharCode(b[i]!);
        return s.trimEnd();
      };
    case 'bits':
      return (r) => {
        let raw = 0;
        for (let i = 0; i < f.bytes; i++) raw |= r.u8() << (8 * i);
        raw >>>= 0;
        const bits: Record<string, boolean> = {};
        f.bits.forEach((name, i) => {
          if (name) bits[name] = ((raw >>> i) & 1) === 1;
        });
        return { raw, bits };
      };
    case 'hex':
      return (r) => toHex(r.bytes(f.bytes));
    case 'di':
      return (r) => {
        let v = 0;
        for (let i = 0; i < f.bytes; i++) v += r.u8() * 2 ** (8 * i);
        return v.toString(16).toUpperCase().padStart(2 * f.bytes, '0');
      };
  }
}

function fieldWriter(f: FieldFormat): Writer {
  switch (f.kind) {
    case 'bcd': {
      const { bytes, decimals } = f;
      return (w, v, field) => {
        if (v === null) {
          w.fill(bytes, 0xff);
          return;
        }
        if (typeof v !== 'number') throw new EncodeError(field, 'a number expected');
        if (f.signed) w.bcdSigned(Math.round(v * POW10[decimals]!), bytes, field);
        else w.bcd(Math.round(v * POW10[decimals]!), bytes, field);
      };
    }
    case 'time':
      return makeTimeWriter(f.pattern);
    case 'digits':
      return (w, v, field) => {
        if (v === null) return void w.fill(f.bytes, 0xff);
        if (typeof v !== 'string') throw new EncodeError(field, 'a digit string expected');
        w.bcdDigits(v, f.bytes, field);
      };
    case 'ascii':
      return (w, v, field) => {
        if (typeof v !== 'string' || v.length > f.bytes || !/^[\x20-\x7e]*$/.test(v)) {
          throw new EncodeError(field, `printable ASCII of at most ${f.bytes} characters expected`);
        }
        const padded = v.padEnd(f.bytes, ' ');
        for (let i = f.bytes - 1; i >= 0; i--) w.u8(padded.charCodeAt(i));
      };
    case 'bits':
      return (w, v, field) => {
        const raw = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as { raw?: DiValue }).raw : v;
        if (typeof raw !== 'number') throw new EncodeError(field, 'a status word {raw} expected');
        for (let i = 0; i < f.bytes; i++) w.u8((raw >>> (8 * i)) & 0xff);
      };
    case 'hex':
      return (w, v, field) => {
        if (typeof v !== 'string') throw new EncodeError(field, 'hex string expected');
        const b = Buffer.from(v.replace(/\s/g, ''), 'hex');
        if (b.length !== f.bytes) throw new EncodeError(field, `${f.bytes} bytes of hex expected`);
        w.raw(b);
      };
    case 'di':
      return (w, v, field) => {
        if (typeof v !== 'string' || v.length !== 2 * f.bytes || !/^[0-9A-Fa-f]+$/.test(v)) {
          throw new EncodeError(field, `a ${2 * f.bytes}-hex-digit data identifier expected`);
        }
        for (let i = f.bytes - 1; i >= 0; i--) w.u8(parseInt(v.slice(2 * i, 2 * i + 2), 16));
      };
  }
}

function compileItem(fields: readonly FieldSpec[]): { read: Reader; write: Writer; size: number } {
  const size = fields.reduce((s, f) => s + formatSize(f.format), 0);
  if (fields.length === 1) {
    const f = fields[0]!;
    const rd = fieldReader(f.format);
    const wr = fieldWriter(f.format);
    return { read: rd, write: (w, v) => wr(w, v, f.name), size };
  }
  const readers = fields.map((f) => fieldReader(f.format));
  const writers = fields.map((f) => fieldWriter(f.format));
  const names = fields.map((f) => f.name);
  return {
    size,
    read: (r) => {
      const o: Record<string, DiValue> = {};
      for (let i = 0; i < readers.length; i++) o[names[i]!] = readers[i]!(r);
      return o;
    },
    write: (w, v, field) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new EncodeError(field, 'a record expected');
      const rec = v as Record<string, DiValue>;
      for (let i = 0; i < writers.length; i++) {
        const name = names[i]!;
        if (!(name in rec)) throw new EncodeError(`${field}.${name}`, 'missing');
        writers[i]!(w, rec[name]!, `${field}.${name}`);
      }
    },
  };
}

/**
 * One BCD number at `pos` (LSB first) read through `table` (wire byte → 0..99 or -1, scrambling folded
 * in); when `signed`, the top bit of the last (unscrambled) byte is the sign. Null on any non-BCD byte.
 */
function rawBcd(buf: Buffer, pos: number, n: number, table: Int8Array, bias: number, signed: boolean, div: number): number | null {
  let i = pos + n - 1;
  let v: number;
  let neg = false;
  if (signed) {
    const plain = (buf[i]! - bias) & 0xff;
    v = BCD_TO_INT[plain & 0x7f]!;
    if (v < 0) return null;
    neg = plain >= 0x80;
    i--;
  } else v = 0;
  for (; i >= pos; i--) {
    const d = table[buf[i]!]!;
    if (d < 0) return null;
    v = v * 100 + d;
  }
  if (neg) v = -v;
  return div === 1 ? v : v / div;
}

/** The DL/T 645 scrambling table, looked up once (the fast path's common case). */
const TABLE33 = biasedBcdTable(0x33);

type RawItem = (buf: Buffer, pos: number, table: Int8Array, bias: number) => DiValue;

/** Unrolled unsigned BCD readers of 1..4 bytes (the energy/voltage/count formats that dominate reads). */
const UNSIGNED_RAW: ((div: number) => RawItem)[] = [
  (div) => (buf, pos, t) => {
    const a = t[buf[pos]!]!;
    return a < 0 ? null : a / div;
  },
  (div) => (buf, pos, t) => {
    const a = t[buf[pos + 1]!]!;
    const b = t[buf[pos]!]!;
    return (a | b) < 0 ? null : (a * 100 + b) / div;
  },
  (div) => (buf, pos, t) => {
    const a = t[buf[pos + 2]!]!;
    const b = t[buf[pos + 1]!]!;
    const c = t[buf[pos]!]!;
    return (a | b | c) < 0 ? null : ((a * 100 + b) * 100 + c) / div;
  },
  (div) => (buf, pos, t) => {
    const a = t[buf[pos + 3]!]!;
    const b = t[buf[pos + 2]!]!;
    const c = t[buf[pos + 1]!]!;
    const d = t[buf[pos]!]!;
    return (a | b | c | d) < 0 ? null : (((a * 100 + b) * 100 + c) * 100 + d) / div;
  },
];

/** Builds the raw fast path when every field is BCD; otherwise undefined. */
function compileRawItem(fields: readonly FieldSpec[]): RawItem | undefined {
  if (!fields.every((f) => f.format.kind === 'bcd')) return undefined;
  const specs = fields.map((f) => {
    const fmt = f.format as Extract<FieldFormat, { kind: 'bcd' }>;
    return { name: f.name, n: fmt.bytes, signed: fmt.signed === true, div: POW10[fmt.decimals]! };
  });
  if (specs.length === 1) {
    const { n, signed, div } = specs[0]!;
    if (!signed && n >= 1 && n <= 4) return UNSIGNED_RAW[n - 1]!(div);
    return (buf, pos, table, bias) => rawBcd(buf, pos, n, table, bias, signed, div);
  }
  return (buf, pos, table, bias) => {
    const o: Record<string, DiValue> = {};
    let p = pos;
    for (const s of specs) {
      o[s.name] = rawBcd(buf, p, s.n, table, bias, s.signed, s.div);
      p += s.n;
    }
    return o;
  };
}

/** One BCD number as an integer (no scaling), NaN when invalid: the scaled path's reader. */
function scaledBcd(buf: Buffer, pos: number, n: number, table: Int8Array, bias: number, signed: boolean): number {
  if (!signed && n === 4) {
    const a = table[buf[pos + 3]!]!;
    const b = table[buf[pos + 2]!]!;
    const c = table[buf[pos + 1]!]!;
    const d = table[buf[pos]!]!;
    return (a | b | c | d) < 0 ? NaN : ((a * 100 + b) * 100 + c) * 100 + d;
  }
  return rawBcd(buf, pos, n, table, bias, signed, 1) ?? NaN;
}

/**
 * Builds the exact-decimal decoder when every field is BCD with one common number of decimals
 * (energies, voltages, currents, powers and their blocks); otherwise undefined.
 */
function compileScaled(def: DiDefinition, label: string, size: number): ScaledDecoder | undefined {
  const fields = def.fields;
  if (!fields.every((f) => f.format.kind === 'bcd')) return undefined;
  const specs = fields.map((f) => f.format as Extract<FieldFormat, { kind: 'bcd' }>);
  const decimals = specs[0]!.decimals;
  if (!specs.every((f) => f.decimals === decimals)) return undefined;
  const widths = specs.map((f) => f.bytes);
  const signs = specs.map((f) => f.signed === true);
  const perItem = specs.length;
  const repeated = def.repeat !== undefined;
  return {
    decimals,
    perItem,
    decode(buf, pos, len, bias, out) {
      if (repeated ? len === 0 || len % size !== 0 : len !== size) {
        throw new DataError(label, `${repeated ? 'a multiple of ' : ''}${size} data bytes, got ${len}`, toHex(buf, pos, pos + len));
      }
      const count = (len / size) * perItem;
      if (out.length < count) throw new DataError(label, `room for ${count} values in the output array, it has ${out.length}`, toHex(buf, pos, pos + len));
      const table = bias === 0x33 ? TABLE33 : biasedBcdTable(bias);
      let p = pos;
      for (let i = 0; i < count; ) {
        for (let k = 0; k < perItem; k++, i++) {
          out[i] = scaledBcd(buf, p, widths[k]!, table, bias, signs[k]!);
          p += widths[k]!;
        }
      }
      return count;
    },
  };
}

export function compileDi(def: DiDefinition, version: 2007 | 1997 = 2007): DiEntry {
  const item = compileItem(def.fields);
  const label = `DI ${def.di.toString(16).toUpperCase().padStart(version === 2007 ? 8 : 4, '0')} (${def.name})`;
  const lengthError = (r: BinaryReader, len: number, expected: string): DataError =>
    new DataError(label, `${expected} data bytes, got ${len}`, toHex(r.buf, r.pos, Math.min(r.end, r.pos + len), 64));

  const raw = compileRawItem(def.fields);
  const scaled = compileScaled(def, label, item.size);
  if (!def.repeat) {
    return {
      ...def,
      version,
      size: item.size,
      ...(scaled && { scaled }),
      ...(raw && {
        decodeRaw: (buf: Buffer, pos: number, len: number, bias: number): DiValue => {
          const table = bias === 0x33 ? TABLE33 : biasedBcdTable(bias);
          if (len !== item.size) throw new DataError(label, `${item.size} data bytes, got ${len}`, toHex(buf, pos, pos + len));
          return raw(buf, pos, table, bias);
        },
      }),
      decode(r, len) {
        if (len !== item.size) throw lengthError(r, len, `${item.size}`);
        return item.read(r);
      },
      encode(w, v) {
        item.write(w, v, def.name);
      },
    };
  }
  const tariffs = def.repeat === 'tariffs';
  const size = item.size;
  return {
    ...def,
    version,
    size,
    ...(scaled && { scaled }),
    ...(raw && {
      decodeRaw: (buf: Buffer, pos: number, len: number, bias: number): DiValue => {
        const table = bias === 0x33 ? TABLE33 : biasedBcdTable(bias);
        if (len === 0 || len % size !== 0) throw new DataError(label, `a multiple of ${size} data bytes, got ${len}`, toHex(buf, pos, pos + len));
        const count = len / size;
        if (tariffs) {
          const total = raw(buf, pos, table, bias);
          const rates = new Array<DiValue>(count - 1);
          for (let i = 1; i < count; i++) rates[i - 1] = raw(buf, pos + i * size, table, bias);
          return { total, rates };
        }
        const list = new Array<DiValue>(count);
        for (let i = 0; i < count; i++) list[i] = raw(buf, pos + i * size, table, bias);
        return list;
      },
    }),
    decode(r, len) {
      if (len === 0 || len % item.size !== 0) throw lengthError(r, len, `a multiple of ${item.size}`);
      const count = len / item.size;
      if (tariffs) {
        const total = item.read(r);
        const rates = new Array<DiValue>(count - 1);
        for (let i = 0; i < count - 1; i++) rates[i] = item.read(r);
        return { total, rates };
      }
      const list = new Array<DiValue>(count);
      for (let i = 0; i < count; i++) list[i] = item.read(r);
      return list;
    },
    encode(w, v) {
      if (tariffs) {
        const rec = v as { total?: DiValue; rates?: DiValue };
        if (typeof v !== 'object' || v === null || !Array.isArray(rec.rates) || !('total' in rec)) {
          throw new EncodeError(def.name, 'a {total, rates[]} block expected');
        }
        item.write(w, rec.total!, `${def.name}.total`);
        (rec.rates as DiValue[]).forEach((x, i) => item.write(w, x, `${def.name}.rates[${i}]`));
        return;
      }
      if (!Array.isArray(v)) throw new EncodeError(def.name, 'a list expected');
      (v as DiValue[]).forEach((x, i) => item.write(w, x, `${def.name}[${i}]`));
    },
  };
}
