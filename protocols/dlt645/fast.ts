/**
 * Hot paths of a reading master: build a read request and take the value out of a read reply
 * without the generic message layer (no hex rendering, no intermediate objects beyond the value).
 */
import { Buffer } from 'node:buffer';
import { BinaryReader } from '../codec/cursor.js';
import { DataError, EncodeError } from '../codec/errors.js';
import { C_ABNORMAL, C_DIRECTION } from './control.js';
import { FRAME_OVERHEAD, PREAMBLE, SCRAMBLE, START, END, validateFrame, type Dlt645Frame } from './frame.js';
import { formatAddress } from './address.js';
import { toHex } from '../codec/hex.js';
import { lookupDi } from './registry/index.js';
import type { DiEntry, DiValue } from './registry/types.js';

/**
 * Encodes a 2007 read request (11H, L=4) for `di` to the 6 address bytes `address` (LSB first, see
 * parseAddress), with `preamble` FE bytes. Writes into `out` at `offset` when given (no allocation).
 */
export function encodeReadRequest(address: Uint8Array, di: number, preamble = 4, out?: Buffer, offset = 0): Buffer {
  const size = preamble + FRAME_OVERHEAD + 4;
  const b = out ?? Buffer.allocUnsafe(size);
  if (out && out.length < offset + size) throw new EncodeError('out', `needs ${size} bytes at offset ${offset}`);
  let p = offset;
  for (let i = 0; i < preamble; i++) b[p++] = PREAMBLE;
  b[p++] = START;
  let cs = START + START + 0x11 + 4;
  for (let i = 0; i < 6; i++) {
    const a = address[i]!;
    b[p++] = a;
    cs += a;
  }
  b[p++] = START;
  b[p++] = 0x11;
  b[p++] = 4;
  for (let i = 0; i < 4; i++) {
    const x = ((di >>> (8 * i)) + SCRAMBLE) & 0xff;
    b[p++] = x;
    cs += x;
  }
  b[p++] = cs & 0xff;
  b[p] = END;
  return b;
}

let lastDi = -1;
let lastEntry: DiEntry | undefined;

export interface ReadReply {
  di: number;
  value: DiValue;
}

/**
 * Reads DI and value from a normal 2007 read reply (91H/B1H). Unknown DIs and abnormal replies are
 * DataErrors here; use decodeFrameMessage for the general case.
 */
export function decodeReadReply(frame: Dlt645Frame): ReadReply {
  return readReplyAt(frame.buf, frame.start);
}

/**
 * The same from raw bytes: validates the link layer (FE, 68H, L, CS, 16H) and decodes the value in one
 * pass, without building a frame object — the hot path of a master reading many meters. `address`
 * (6 wire bytes) additionally requires the reply to come from that meter.
 */
export function decodeReadReplyBytes(buf: Buffer, start = 0, end = buf.length, address?: Uint8Array): ReadReply {
  return readReplyAt(buf, checkedStart(buf, start, end, address));
}

/**
 * Exact-decimal variant for a master storing readings: validates like decodeReadReplyBytes, then writes
 * the reply's numbers into `out` as integer counts of 10^-decimals units (NaN = invalid value) and
 * fills `into` with DI, count and decimals — no allocation per reply. The 0001FF00 block of a 4-rate
 * meter gives count 5: total then rates 1..4. DIs whose fields are not all BCD with one common
 * number of decimals (times, status words, demand + time records) are DataErrors: use decodeReadReply.
 */
export interface ScaledReadReply {
  di: number;
  /** Values written to `out`. */
  count: number;
  /** value = out[i] / 10^decimals. */
  decimals: number;
}

export function decodeReadReplyScaled(
  buf: Buffer,
  out: Float64Array,
  into: ScaledReadReply = { di: 0, count: 0, decimals: 0 },
  start = 0,
  end = buf.length,
  address?: Uint8Array,
): ScaledReadReply {
  const p = checkedStart(buf, start, end, address);
  const entry = replyEntryAt(buf, p);
  const scaled = entry.scaled;
  const len = buf[p + 9]! - 4;
  if (!scaled) {
    throw new DataError('read reply', `a DI made of BCD numbers with one scale, got ${entry.name}`, toHex(buf, p, p + FRAME_OVERHEAD + len + 4));
  }
  into.di = lastDi;
  into.count = scaled.decode(buf, p + 14, len, SCRAMBLE, out);
  into.decimals = scaled.decimals;
  return into;
}

function checkedStart(buf: Buffer, start: number, end: number, address: Uint8Array | undefined): number {
  const p = validateFrame(buf, start, end, false);
  if (address) {
    for (let i = 0; i < 6; i++) {
      if (buf[p + 1 + i] !== address[i]) throw new DataError('read reply', `a reply from meter ${formatAddress(address, 0)}`, toHex(buf, start, end));
    }
  }
  return p;
}

/**
 * Checks C (91H/B1H) and L of the reply whose 68H is at `p` (link layer already valid) and returns the
 * registry entry of its DI; the DI itself is left in `lastDi`.
 */
function replyEntryAt(buf: Buffer, p: number): DiEntry {
  const c = buf[p + 8]!;
  const dataLength = buf[p + 9]!;
  if ((c & 0x1f) !== 0x11 || (c & (C_DIRECTION | C_ABNORMAL)) !== C_DIRECTION) {
    throw new DataError('read reply', `C=91H or B1H, got ${c.toString(16).toUpperCase()}H`, toHex(buf, p, p + FRAME_OVERHEAD + dataLength));
  }
  if (dataLength < 4) throw new DataError('read reply', 'DI + data', toHex(buf, p, p + FRAME_OVERHEAD + dataLength));
  const s = p + 10;
  const di =
    (((buf[s]! - SCRAMBLE) & 0xff) | (((buf[s + 1]! - SCRAMBLE) & 0xff) << 8) | (((buf[s + 2]! - SCRAMBLE) & 0xff) << 16)) +
    ((buf[s + 3]! - SCRAMBLE) & 0xff) * 0x1000000;
  // One-entry cache: a master reads the same DI from many meters in a row.
  if (di === lastDi && lastEntry) return lastEntry;
  const entry = lookupDi(di, 2007);
  if (!entry) {
    throw new DataError('read reply', `a DI known to the registry, got ${di.toString(16).toUpperCase().padStart(8, '0')}`, toHex(buf, p, p + FRAME_OVERHEAD + dataLength));
  }
  lastDi = di;
  lastEntry = entry;
  return entry;
}

/** Reads the reply whose 68H is at `p` (link layer already valid). */
function readReplyAt(buf: Buffer, p: number): ReadReply {
  const entry = replyEntryAt(buf, p);
  const di = lastDi;
  const len = buf[p + 9]! - 4;
  if (entry.decodeRaw) return { di, value: entry.decodeRaw(buf, p + 14, len, SCRAMBLE) };
  return { di, value: entry.decode(new BinaryReader(buf, p + 14, p + 14 + len, SCRAMBLE), len) };
}
