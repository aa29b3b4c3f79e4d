/**
 * The mechanics every streaming deframer shares: holding the tail of a frame across chunks, collecting
 * dropped bytes into bounded "discarded span" reports, and the end-of-burst flush. A protocol subclass
 * implements `scan(buf)`: parse frames from offset 0, call `emit` for each, `drop` for bytes that cannot
 * start a frame, and return the offset of the first byte that must wait for more data.
 *
 * Frames are views of the buffer being scanned; the deframer never writes into buffers it handed out.
 */
import { Buffer } from 'node:buffer';
import { toHex } from './hex.js';

export interface DiscardedSpan<R extends string = string> {
  /** Fault of the first dropped byte of the span. */
  reason: R;
  /** Hex of the dropped bytes (the first 256 when longer). */
  hex: string;
  length: number;
}

/** Keep at most this many dropped bytes for the report's hex. */
const JUNK_KEEP = 256;
/** Report a span once this many bytes were dropped in a row, so long garbage runs stay bounded. */
const JUNK_FLUSH = 4096;
const PREAMBLE = 0xfe;

export abstract class StreamDeframer<F, R extends string> {
  private pending: Buffer | null = null;
  private junkBytes: number[] = [];
  private junkLength = 0;
  private junkReason: R;
  private readonly garbageReason: R;
  private readonly truncatedReason: R;
  private collect: F[] | null = null;
  private readonly onFrameCb: ((frame: F) => void) | undefined;
  private readonly onDiscardCb: ((span: DiscardedSpan<R>) => void) | undefined;
  framesOut = 0;
  bytesDiscarded = 0;

  /** `reasons` names the protocol's fault for garbage between frames and for bytes left at a flush. */
  protected constructor(
    onFrame: ((frame: F) => void) | undefined,
    onDiscard: ((span: DiscardedSpan<R>) => void) | undefined,
    reasons: { garbage: R; truncated: R },
  ) {
    this.onFrameCb = onFrame;
    this.onDiscardCb = onDiscard;
    this.garbageReason = reasons.garbage;
    this.truncatedReason = reasons.truncated;
    this.junkReason = reasons.garbage;
  }

  /** Parses frames from `buf[0..]`; returns the offset of the first byte that must wait for more data. */
  protected abstract scan(buf: Buffer): number;

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  /** Feeds a chunk; complete frames go to `onFrame`. */
  push(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    const rest = this.scan(buf);
    // Copy the tail: the caller may reuse `chunk`.
    if (rest < buf.length) this.pending = Buffer.from(buf.subarray(rest));
    if (this.junkLength >= JUNK_FLUSH) this.reportJunk();
  }

  /** Feeds a chunk and returns the frames it completed (they are also passed to `onFrame`). */
  feed(chunk: Buffer): F[] {
    const out: F[] = [];
    this.collect = out;
    try {
      this.push(chunk);
    } finally {
      this.collect = null;
    }
    return out;
  }

  /**
   * End of a burst (inter-byte timeout) or of the channel: what is held cannot complete by waiting, so
   * its first byte is dropped and the rest re-scanned (a frame behind a false start is still found).
   */
  flush(): void {
    while (this.pending && this.pending.length > 0) {
      const buf = this.pending;
      this.pending = null;
      this.drop(buf, 0, 1, this.truncatedReason);
      const rest = this.scan(buf.subarray(1));
      if (rest < buf.length - 1) this.pending = Buffer.from(buf.subarray(1 + rest));
    }
    this.reportJunk();
  }

  protected emit(frame: F): void {
    if (this.junkLength > 0) this.reportJunk();
    this.framesOut++;
    this.collect?.push(frame);
    this.onFrameCb?.(frame);
  }

  /** Bytes before a start byte: FE wake-up bytes are skipped silently unless garbage precedes them. */
  protected skip(buf: Buffer, from: number, to: number): void {
    let allFe = this.junkLength === 0;
    if (allFe) {
      for (let i = from; i < to; i++) {
        if (buf[i] !== PREAMBLE) {
          allFe = false;
          break;
        }
      }
    }
    if (!allFe) this.drop(buf, from, to, this.garbageReason);
  }

  protected drop(buf: Buffer, from: number, to: number, reason: R): void {
    if (this.junkLength === 0) this.junkReason = reason;
    for (let i = from; i < to && this.junkBytes.length < JUNK_KEEP; i++) this.junkBytes.push(buf[i]!);
    this.junkLength += to - from;
    this.bytesDiscarded += to - from;
  }

  private reportJunk(): void {
    if (this.junkLength === 0) return;
    const kept = Uint8Array.from(this.junkBytes);
    const more = this.junkLength - kept.length;
    const span: DiscardedSpan<R> = { reason: this.junkReason, hex: toHex(kept) + (more > 0 ? ` …(+${more} bytes)` : ''), length: this.junkLength };
    this.junkBytes = [];
    this.junkLength = 0;
    this.onDiscardCb?.(span);
  }
}
