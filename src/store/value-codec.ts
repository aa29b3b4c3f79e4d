/**
 * Compact, exact packing of one reading's values (the embedded store's value column and the spool's
 * records). Meter values are decimals with few digits (A.14 kWh: 4, A.7 V: 1, A.25 A: 3), so they are
 * stored as scaled integers in zig-zag LEB128 varints — 2–5 bytes where a float64 takes 8 — and a value
 * that no scale up to 10⁹ represents exactly (a computed average) switches the reading to float64s.
 * Decoding gives back exactly the numbers written (n / 10^s is the correctly rounded double of the
 * decimal, i.e. the original), and null where null was written.
 *
 *   byte 0   bits 0–3: decimal scale s (0…9) or 15 = float64 LE values
 *            bit 4: a null bitmap follows     bit 5: every value is null (nothing follows)
 *   byte 1   n, the number of values (1…255)
 *   bitmap   ⌈n/8⌉ bytes when bit 4: bit k (LSB first) set = value k is null
 *   values   the non-null values in order: varint zigzag(round(v·10^s)), or 8-byte float64
 */

const FLOAT = 15;
const HAS_NULLS = 0x10;
const ALL_NULL = 0x20;
const MAX_SCALE = 9;
/** Scaled integers stay below 2^52, so their zig-zag form (≤ 2^53) is exact in a double. */
const MAX_SCALED = 2 ** 52;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** Upper bound of a packed size for n values. */
export function maxPackedSize(n: number): number {
  return 2 + ((n + 7) >> 3) + 9 * n;
}

/** Smallest scale giving `v` back exactly, or -1. */
function scaleOf(v: number): number {
  if (Number.isInteger(v)) return Object.is(v, -0) || Math.abs(v) > MAX_SCALED ? -1 : 0;
  for (let s = 1; s <= MAX_SCALE; s++) {
    const p = POW10[s]!;
    const r = Math.round(v * p);
    if (Math.abs(r) > MAX_SCALED) return -1;
    if (r / p === v) return s;
  }
  return -1;
}

function writeVarint(buf: Uint8Array, off: number, z: number): number {
  if (z < 0x80000000) {
    while (z >= 0x80) {
      buf[off++] = (z & 0x7f) | 0x80;
      z >>>= 7;
    }
    buf[off++] = z;
    return off;
  }
  while (z >= 0x80) {
    buf[off++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  buf[off++] = z;
  return off;
}

/**
 * Packs `values` into `buf` at `off` (room for maxPackedSize(values.length) bytes); returns the end
 * offset. Values must be finite numbers or null (validate.ts), 1…255 of them.
 */
export function packValues(values: readonly (number | null)[], buf: Buffer, off = 0): number {
  const n = values.length;
  let scale = 0;
  let nulls = 0;
  for (let k = 0; k < n; k++) {
    const v = values[k];
    if (v === null || v === undefined) {
      nulls++;
      continue;
    }
    if (scale === FLOAT) continue;
    const s = scaleOf(v);
    if (s < 0) scale = FLOAT;
    else if (s > scale) scale = s;
  }
  const start = off;
  buf[off + 1] = n;
  if (nulls === n) {
    buf[off] = ALL_NULL;
    return off + 2;
  }
  off += 2;
  let head = 0;
  if (nulls > 0) {
    head |= HAS_NULLS;
    const bytes = (n + 7) >> 3;
    buf.fill(0, off, off + bytes);
    for (let k = 0; k < n; k++) if (values[k] === null || values[k] === undefined) buf[off + (k >> 3)]! |= 1 << (k & 7);
    off += bytes;
  }
  const valuesAt = off;
  if (scale !== FLOAT) {
    const p = POW10[scale]!;
    for (let k = 0; k < n; k++) {
      const v = values[k];
      if (v === null || v === undefined) continue;
      const r = Math.round(v * p);
      if (Math.abs(r) > MAX_SCALED || r / p !== v) {
        // Exact at its own scale but too large at the common one (a big integer next to a decimal).
        scale = FLOAT;
        break;
      }
      off = writeVarint(buf, off, r >= 0 ? r * 2 : -r * 2 - 1);
    }
  }
  if (scale === FLOAT) {
    off = valuesAt;
    for (let k = 0; k < n; k++) {
      const v = values[k];
      if (v === null || v === undefined) continue;
      buf.writeDoubleLE(v, off);
      off += 8;
    }
  }
  buf[start] = head | scale;
  return off;
}

/** Packs into a new Buffer of the exact size. */
export function packValuesToBuffer(values: readonly (number | null)[]): Buffer {
  const tmp = Buffer.allocUnsafe(maxPackedSize(values.length));
  const end = packValues(values, tmp, 0);
  return Buffer.from(tmp.subarray(0, end));
}

/** True when the packed values at `off` are all null (the gap rule of `missing()`). */
export function packedAllNull(buf: Uint8Array, off = 0): boolean {
  return (buf[off]! & ALL_NULL) !== 0;
}

/** Result of unpacking: the values and the offset after them. */
export interface Unpacked {
  values: (number | null)[];
  end: number;
}

/** Unpacks the values written by packValues at `off`. Throws RangeError on a malformed buffer. */
export function unpackValues(buf: Buffer, off = 0): Unpacked {
  const len = buf.length;
  if (off + 2 > len) throw new RangeError('packed values: truncated header');
  const head = buf[off]!;
  const n = buf[off + 1]!;
  off += 2;
  const values: (number | null)[] = [];
  if (head & ALL_NULL) {
    for (let k = 0; k < n; k++) values.push(null);
    return { values, end: off };
  }
  let bitmap = -1;
  if (head & HAS_NULLS) {
    bitmap = off;
    off += (n + 7) >> 3;
  }
  const scale = head & 0x0f;
  if (scale === FLOAT) {
    for (let k = 0; k < n; k++) {
      if (bitmap >= 0 && (buf[bitmap + (k >> 3)]! & (1 << (k & 7))) !== 0) {
        values.push(null);
        continue;
      }
      if (off + 8 > len) throw new RangeError('packed values: truncated float');
      values.push(buf.readDoubleLE(off));
      off += 8;
    }
    return { values, end: off };
  }
  if (scale > MAX_SCALE) throw new RangeError(`packed values: bad scale ${scale}`);
  const p = POW10[scale]!;
  for (let k = 0; k < n; k++) {
    if (bitmap >= 0 && (buf[bitmap + (k >> 3)]! & (1 << (k & 7))) !== 0) {
      values.push(null);
      continue;
    }
    // LEB128: bit operations while the value fits 28 bits, arithmetic beyond.
    if (off >= len) throw new RangeError('packed values: truncated varint');
    let b = buf[off++]!;
    let z = b & 0x7f;
    let shift = 7;
    while (b >= 0x80) {
      if (off >= len) throw new RangeError('packed values: truncated varint');
      if (shift > 56) throw new RangeError('packed values: varint too long');
      b = buf[off++]!;
      z = shift < 28 ? z | ((b & 0x7f) << shift) : z + (b & 0x7f) * 2 ** shift;
      shift += 7;
    }
    const r = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    values.push(scale === 0 ? r : r / p);
  }
  return { values, end: off };
}
