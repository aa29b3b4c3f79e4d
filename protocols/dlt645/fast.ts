/**
 * Hot paths of a reading master: build a read request and take the value out of a read reply
 * without the generic message layer (no hex rendering, no intermediate objects beyond the value).
 */
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
  const p = validateFrame(buf, start, end, false);
  if (address) {
    for (let i = 0; i < 6; i++) {
      if (buf[p + 1 + i] !== address[i]) throw new DataError('read reply', `a reply from meter ${formatAddress(address, 0)}`, toHex(buf, start, end));
    }
  }
  return readReplyAt(buf, p);
}

/** Reads the reply whose 68H is at `p` (link layer already valid). */
function readReplyAt(buf: Buffer, p: number): ReadReply {
  const c = buf[p + 8]!;
  const dataLength = buf[p + 9]!;
  if ((c & 0x1f) !== 0x11 || (c & (C_DIRECTION | C_ABNORMAL)) !== C_DIRECTION) {
    throw new DataError('read reply', `C=91H or B1H, got ${c.toString(16).toUpperCase()}H`, toHex(buf, p, p + FRAME_OVERHEAD + dataLength));
  }
  const len = dataLength - 4;
  if (len < 0) throw new DataError('read reply', 'DI + data', toHex(buf, p, p + FRAME_OVERHEAD + dataLength));
  const s = p + 10;
  const di =
    (((buf[s]! - SCRAMBLE) & 0xff) | (((buf[s + 1]! - SCRAMBLE) & 0xff) << 8) | (((buf[s + 2]! - SCRAMBLE) & 0xff) << 16)) +
    ((buf[s + 3]! - SCRAMBLE) & 0xff) * 0x1000000;
  // One-entry cache: a master reads the same DI from many meters in a row.
  let entry = di === lastDi ? lastEntry : undefined;
  if (!entry) {
    entry = lookupDi(di, 2007);
    lastDi = di;
    lastEntry = entry;
  }
  if (!entry) {
    throw new DataError('read reply', `a DI known to the registry, got ${di.toString(16).toUpperCase().padStart(8, '0')}`, toHex(buf, p, p + FRAME_OVERHEAD + dataLength));
  }
  if (entry.decodeRaw) return { di, value: entry.decodeRaw(buf, s + 4, len, SCRAMBLE) };
  return { di, value: entry.decode(new BinaryReader(buf, s + 4, s + 4 + len, SCRAMBLE), len) };
}
