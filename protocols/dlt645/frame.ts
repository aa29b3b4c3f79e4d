/**
 * DL/T 645 link frame (DL/T 645-2007 §4.1, -1997 §4.1):
 *   [FE…] 68 A0..A5 68 C L DATA(L, each byte +33H) CS 16
 * CS is the byte sum mod 256 from the first 68H through the last DATA byte (scrambled bytes, as on the wire).
 *
 * `decodeFrame` validates in place and returns a `Dlt645Frame` view over the input buffer: nothing is
 * copied, the address string is built only when asked for, and data is read through a biased cursor.
 */
import { Buffer } from 'node:buffer';
import { BinaryReader } from '../codec/cursor.js';
import { EncodeError, FrameError } from '../codec/errors.js';
import { toHex } from '../codec/hex.js';
import { byteSum } from '../codec/checksum.js';
import { formatAddress, parseAddress } from './address.js';
import { C_ABNORMAL, C_DIRECTION, C_FUNCTION, C_MORE } from './control.js';

export const START = 0x68;
export const END = 0x16;
export const PREAMBLE = 0xfe;
export const SCRAMBLE = 0x33;
/** Frame bytes around the data: 68 + 6 address + 68 + C + L + CS + 16. */
export const FRAME_OVERHEAD = 12;
/** L is one byte; DL/T 645-2007 caps read replies at 200 and writes at 50, but accepts up to 255 on decode. */
export const MAX_DATA = 255;

export class Dlt645Frame {
  /** Buffer holding the frame (not copied). */
  readonly buf: Buffer;
  /** Offset of the first 68H. */
  readonly start: number;
  /** Number of FE wake-up bytes found before the frame. */
  readonly preamble: number;
  readonly control: number;
  /** L: number of DATA bytes. */
  readonly dataLength: number;
  private addressText: string | undefined;

  constructor(buf: Buffer, start: number, preamble: number) {
    this.buf = buf;
    this.start = start;
    this.preamble = preamble;
    this.control = buf[start + 8]!;
    this.dataLength = buf[start + 9]!;
    this.addressText = undefined;
  }

  /** Printed address, most significant digit first; `AA` pairs are wildcards. */
  get address(): string {
    return (this.addressText ??= formatAddress(this.buf, this.start + 1));
  }

  /** The 6 address bytes as on the wire (LSB first). A view, not a copy. */
  get addressBytes(): Buffer {
    return this.buf.subarray(this.start + 1, this.start + 7);
  }

  /** D4..D0 of C. */
  get func(): number {
    return this.control & C_FUNCTION;
  }

  /** D7 of C: true for a slave's reply. */
  get isResponse(): boolean {
    return (this.control & C_DIRECTION) !== 0;
  }

  /** D6 of C: abnormal (error) reply. */
  get abnormal(): boolean {
    return (this.control & C_ABNORMAL) !== 0;
  }

  /** D5 of C: more data follows in follow-up frames. */
  get more(): boolean {
    return (this.control & C_MORE) !== 0;
  }

  /** Offset of the first DATA byte in `buf`. */
  get dataStart(): number {
    return this.start + 10;
  }

  /** Total length from the first 68H to the 16H inclusive. */
  get length(): number {
    return FRAME_OVERHEAD + this.dataLength;
  }

  /** A cursor over DATA that removes the +33H scrambling as it reads. */
  reader(): BinaryReader {
    const s = this.start + 10;
    return new BinaryReader(this.buf, s, s + this.dataLength, SCRAMBLE);
  }

  /** DATA with the +33H removed (a new buffer). */
  get data(): Buffer {
    const out = Buffer.allocUnsafe(this.dataLength);
    const s = this.start + 10;
    for (let i = 0; i < this.dataLength; i++) out[i] = (this.buf[s + i]! - SCRAMBLE) & 0xff;
    return out;
  }

  /** The frame's bytes from the first 68H to 16H (a view). */
  bytes(): Buffer {
    return this.buf.subarray(this.start, this.start + this.length);
  }

  get hex(): string {
    return toHex(this.buf, this.start, this.start + this.length);
  }
}

/**
 * Decodes exactly one frame from `buf[start, end)`, after any number of FE wake-up bytes.
 * Trailing bytes after the 16H are an error unless `allowTrailing` (deframers pass exact windows).
 * Throws FrameError with the fault, what was expected and the bytes.
 */
export function decodeFrame(buf: Buffer, start = 0, end = buf.length, allowTrailing = false): Dlt645Frame {
  const p = validateFrame(buf, start, end, allowTrailing);
  return new Dlt645Frame(buf, p, p - start);
}

/**
 * Checks the link layer of the frame in `buf[start, end)` (FE bytes, both 68H, L, CS, 16H) without
 * building anything; returns the offset of its first 68H. Throws FrameError like decodeFrame.
 */
export function validateFrame(buf: Buffer, start: number, end: number, allowTrailing: boolean): number {
  let p = start;
  while (p < end && buf[p] === PREAMBLE) p++;
  const avail = end - p;
  if (avail < FRAME_OVERHEAD) {
    if (avail > 0 && buf[p] !== START) throw new FrameError('no-start', '68H', slice(buf, start, end), p - start);
    throw new FrameError('too-short', `at least ${FRAME_OVERHEAD} bytes from 68H`, slice(buf, start, end), p - start);
  }
  if (buf[p] !== START) throw new FrameError('no-start', '68H', slice(buf, start, end), p - start);
  if (buf[p + 7] !== START) {
    throw new FrameError('bad-second-start', '68H after the 6 address bytes', slice(buf, start, end), p + 7 - start);
  }
  const l = buf[p + 9]!;
  const total = FRAME_OVERHEAD + l;
  if (avail < total) {
    throw new FrameError('truncated', `${total} bytes for L=${l}, got ${avail}`, slice(buf, start, end), p - start);
  }
  const csAt = p + 10 + l;
  const cs = byteSum(buf, p, csAt);
  if (buf[csAt] !== cs) {
    throw new FrameError(
      'bad-checksum',
      `CS ${hex2(cs)} (sum from 68H to last data byte), found ${hex2(buf[csAt]!)}`,
      slice(buf, start, end),
      csAt - start,
    );
  }
  if (buf[csAt + 1] !== END) {
    throw new FrameError('bad-end', '16H after CS', slice(buf, start, end), csAt + 1 - start);
  }
  if (!allowTrailing && p + total < end) {
    throw new FrameError('too-long', `frame to end at 16H (${end - p - total} extra byte(s))`, slice(buf, start, end), p + total - start);
  }
  return p;
}

export interface EncodeFrameOptions {
  /** Printed address (12 digits, AA wildcards) or the 6 wire bytes. */
  address: string | Uint8Array;
  control: number;
  /** DATA before scrambling. */
  data?: Uint8Array;
  /** FE wake-up bytes to prepend (the master sends 4; replies usually 0). */
  preamble?: number;
}

/** Encodes a frame: scrambles DATA (+33H), computes CS. */
export function encodeFrame(opts: EncodeFrameOptions): Buffer {
  const addr = typeof opts.address === 'string' ? parseAddress(opts.address) : opts.address;
  if (addr.length !== 6) throw new EncodeError('address', `6 bytes expected, got ${addr.length}`);
  const data = opts.data ?? EMPTY;
  if (data.length > MAX_DATA) throw new EncodeError('data', `L=${data.length} exceeds 255`);
  if (!Number.isInteger(opts.control) || opts.control < 0 || opts.control > 0xff) {
    throw new EncodeError('control', `${opts.control} is not a byte`);
  }
  const pre = opts.preamble ?? 0;
  const out = Buffer.allocUnsafe(pre + FRAME_OVERHEAD + data.length);
  out.fill(PREAMBLE, 0, pre);
  let p = pre;
  out[p++] = START;
  for (let i = 0; i < 6; i++) out[p++] = addr[i]!;
  out[p++] = START;
  out[p++] = opts.control;
  out[p++] = data.length;
  for (let i = 0; i < data.length; i++) out[p++] = (data[i]! + SCRAMBLE) & 0xff;
  finishFrame(out, pre, p);
  return out;
}

/** Writes CS and 16H for a frame whose 68H is at `start` and whose data ends before `csAt`. */
export function finishFrame(out: Buffer, start: number, csAt: number): void {
  out[csAt] = byteSum(out, start, csAt);
  out[csAt + 1] = END;
}

const EMPTY = Buffer.alloc(0);

function hex2(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0') + 'H';
}

function slice(buf: Buffer, start: number, end: number): string {
  return toHex(buf, start, end);
}
