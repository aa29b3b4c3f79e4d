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
import { StreamDeframer, type DiscardedSpan as Span } from '../codec/stream-deframer.js';
import { byteSum } from '../codec/checksum.js';
import { Dlt645Frame, END, FRAME_OVERHEAD, PREAMBLE, START } from './frame.js';

export type DiscardReason = 'garbage' | 'bad-second-start' | 'bad-checksum' | 'bad-end' | 'truncated';

export type DiscardedSpan = Span<DiscardReason>;

export interface DeframerHandlers {
  onFrame(frame: Dlt645Frame): void;
  onDiscard?(span: DiscardedSpan): void;
}

export class Dlt645Deframer extends StreamDeframer<Dlt645Frame, DiscardReason> {

  constructor(handlers: DeframerHandlers) {
    super(handlers.onFrame.bind(handlers), handlers.onDiscard?.bind(handlers), { garbage: 'garbage', truncated: 'truncated' });
  }

  /** Parses frames from `buf`; returns the offset of the first byte that must wait for more data. */
  protected scan(buf: Buffer): number {
    let p = 0;
    const n = buf.length;
    while (p < n) {
      if (buf[p] !== START) {
        let q = buf.indexOf(START, p);
        if (q < 0) q = n;
        this.skip(buf, p, q);
        p = q;
        continue;
      }
      if (n - p < 10) return p;
      if (buf[p + 7] !== START) {
        this.drop(buf, p, p + 1, 'bad-second-start');
        p++;
        continue;
      }
      const total = FRAME_OVERHEAD + buf[p + 9]!;
      if (n - p < total) return p;
      const csAt = p + total - 2;
      if (byteSum(buf, p, csAt) !== buf[csAt]) {
        this.drop(buf, p, p + 1, 'bad-checksum');
        p++;
        continue;
      }
      if (buf[csAt + 1] !== END) {
        this.drop(buf, p, p + 1, 'bad-end');
        p++;
        continue;
      }
      let pre = 0;
      while (p - pre > 0 && buf[p - pre - 1] === PREAMBLE) pre++;
      const f = new Dlt645Frame(buf, p, pre);
      p += total;
      this.emit(f);
    }
    return n;
  }
}
