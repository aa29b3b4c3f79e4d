/**
 * Streaming DL/T 645 deframer: feed arbitrary chunks, get complete frames.
 *
 * Resynchronises on garbage, duplicated 68H, truncated frames and bad checksums by dropping one byte
 * at a false start and searching for the next 68H (DL/T 645-2007 §4.1 gives no other delimiter).
 * Dropped bytes are reported as discarded spans with their hex and the reason of the first fault,
 * never thrown. FE wake-up bytes between frames are skipped silently. Memory is bounded: at most one
 * maximum-size frame (267 bytes) is held while waiting.
 *
 * Frames handed to `onFrame` are views of the buffer being parsed; they stay valid (the deframer
 * never writes into buffers it has handed out), but callers keeping many should copy `frame.bytes()`.
 */
import { toHex } from '../codec/hex.js';
import { Dlt645Frame, END, FRAME_OVERHEAD, PREAMBLE, START } from './frame.js';

export type DiscardReason = 'garbage' | 'bad-second-start' | 'bad-checksum' | 'bad-end' | 'truncated';

export interface DiscardedSpan {
  reason: DiscardReason;
  hex: string;
  length: number;
}

export interface DeframerHandlers {
  onFrame(frame: Dlt645Frame): void;
  onDiscard?(span: DiscardedSpan): void;
}

const MAX_FRAME = FRAME_OVERHEAD + 255;

export class Dlt645Deframer {
  private pending: Buffer | null = null;
  private readonly handlers: DeframerHandlers;
  /** Discarded bytes not yet reported (merged into one span until the next frame or flush). */
  private junk: number[] = [];
  private junkReason: DiscardReason = 'garbage';
  framesOut = 0;
  bytesDiscarded = 0;

  constructor(handlers: DeframerHandlers) {
    this.handlers = handlers;
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  push(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    const rest = this.scan(buf);
    if (rest < buf.length) {
      // Copy the tail: the caller may reuse `chunk`.
      this.pending = Buffer.from(buf.subarray(rest));
    }
  }

  /**
   * End of a burst (inter-byte timeout or channel closed): whatever is held cannot become a frame
   * by waiting, so drop its first byte and re-scan the remainder; report all of it.
   */
  flush(): void {
    while (this.pending && this.pending.length > 0) {
      const buf = this.pending;
      this.pending = null;
      this.discard(buf[0]!, 'truncated');
      const rest = this.scan(buf.subarray(1));
      if (rest < buf.length - 1) this.pending = Buffer.from(buf.subarray(1 + rest));
    }
    this.reportJunk();
  }

  /** Parses frames from `buf`; returns the offset of the first byte that must wait for more data. */
  private scan(buf: Buffer): number {
    let p = 0;
    const n = buf.length;
    while (p < n) {
      const b = buf[p]!;
      if (b !== START) {
        if (b !== PREAMBLE) this.discard(b, 'garbage');
        else if (this.junk.length > 0) this.discard(b, 'garbage');
        p++;
        continue;
      }
      if (n - p < 10) return p;
      if (buf[p + 7] !== START) {
        this.discard(b, 'bad-second-start');
        p++;
        continue;
      }
      const total = FRAME_OVERHEAD + buf[p + 9]!;
      if (n - p < total) return p;
      const csAt = p + total - 2;
      let cs = 0;
      for (let i = p; i < csAt; i++) cs += buf[i]!;
      if ((cs & 0xff) !== buf[csAt]) {
        this.discard(b, 'bad-checksum');
        p++;
        continue;
      }
      if (buf[csAt + 1] !== END) {
        this.discard(b, 'bad-end');
        p++;
        continue;
      }
      this.reportJunk();
      this.framesOut++;
      let pre = 0;
      while (p - pre > 0 && buf[p - pre - 1] === PREAMBLE) pre++;
      this.handlers.onFrame(new Dlt645Frame(buf, p, pre));
      p += total;
    }
    return n;
  }

  private discard(byte: number, reason: DiscardReason): void {
    if (this.junk.length === 0) this.junkReason = reason;
    this.junk.push(byte);
    this.bytesDiscarded++;
    if (this.junk.length >= MAX_FRAME) this.reportJunk();
  }

  private reportJunk(): void {
    if (this.junk.length === 0) return;
    const bytes = Uint8Array.from(this.junk);
    this.junk = [];
    this.handlers.onDiscard?.({ reason: this.junkReason, hex: toHex(bytes), length: bytes.length });
  }
}
