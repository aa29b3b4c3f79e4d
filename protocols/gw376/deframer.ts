/**
 * Streaming Q/GDW 376.1 deframer: feed arbitrary chunks, get complete frames (§5.1: 68 L L 68 … CS 16).
 *
 * A candidate starts at 68H and must show L1 = L2, a second 68H, protocol id 2 (or 1 when allowed) and a
 * user-data length within the limit before the deframer waits for the rest; a full candidate must then
 * carry the right CS and 16H. Any failed candidate drops one byte (its 68H) and the search resumes, so a
 * frame hidden behind garbage or a false start is still found. Dropped bytes are reported as discarded
 * spans (reason of the first fault, hex, length), never thrown. FE wake-up bytes before a frame are
 * skipped silently. Memory is bounded: at most one maximum-size frame is held while waiting, and the hex
 * kept for a discarded span is capped.
 *
 * Frames are views of the buffer being parsed; the deframer never writes into buffers it handed out.
 */
import { StreamDeframer, type DiscardedSpan as Span } from '../codec/stream-deframer.js';
import { byteSum } from '../codec/checksum.js';
import type { Revision } from './frame.js';
import { END, FRAME_OVERHEAD, Gw376Frame, HEADER_USER_BYTES, MAX_USER_NET, PROTOCOL_ID, PROTOCOL_ID_LEGACY, START } from './frame.js';

export type DiscardReason = 'garbage' | 'length-mismatch' | 'bad-header' | 'bad-checksum' | 'bad-end' | 'truncated';

export type DiscardedSpan = Span<DiscardReason>;

export interface DeframerOptions {
  onFrame?(frame: Gw376Frame): void;
  onDiscard?(span: DiscardedSpan): void;
  /** Largest user-data length accepted; default 16383 (255 on radio channels). */
  maxUserLength?: number;
  acceptLegacyId?: boolean;
  /** Edition recorded on the frames; default 2009. */
  revision?: Revision;
}

export class Gw376Deframer extends StreamDeframer<Gw376Frame, DiscardReason> {
  private readonly maxUser: number;
  private readonly legacy: boolean;
  private readonly revision: Revision;

  constructor(opts: DeframerOptions = {}) {
    super(opts.onFrame?.bind(opts), opts.onDiscard?.bind(opts), { garbage: 'garbage', truncated: 'truncated' });
    this.maxUser = opts.maxUserLength ?? MAX_USER_NET;
    this.legacy = opts.acceptLegacyId === true;
    this.revision = opts.revision ?? 2009;
  }

  /** Parses `buf` from 0; returns the offset of the first byte not consumed. */
  protected scan(buf: Buffer): number {
    const n = buf.length;
    const max = this.maxUser;
    const legacy = this.legacy;
    let p = 0;
    while (p < n) {
      if (buf[p] !== START) {
        let q = buf.indexOf(START, p);
        if (q < 0) q = n;
        this.skip(buf, p, q);
        p = q;
        continue;
      }
      if (n - p < 6) return p;
      const l1 = buf[p + 1]! | (buf[p + 2]! << 8);
      const l2 = buf[p + 3]! | (buf[p + 4]! << 8);
      if (l1 !== l2) {
        this.drop(buf, p, p + 1, 'length-mismatch');
        p++;
        continue;
      }
      const pid = l1 & 3;
      const userLen = l1 >>> 2;
      if (buf[p + 5] !== START || (pid !== PROTOCOL_ID && !(legacy && pid === PROTOCOL_ID_LEGACY)) || userLen < HEADER_USER_BYTES + 4 || userLen > max) {
        this.drop(buf, p, p + 1, 'bad-header');
        p++;
        continue;
      }
      const total = userLen + FRAME_OVERHEAD;
      if (n - p < total) return p;
      const csAt = p + 6 + userLen;
      if (buf[csAt] !== byteSum(buf, p + 6, csAt)) {
        this.drop(buf, p, p + 1, 'bad-checksum');
        p++;
        continue;
      }
      if (buf[csAt + 1] !== END) {
        this.drop(buf, p, p + 1, 'bad-end');
        p++;
        continue;
      }
      const f = new Gw376Frame(buf, p, 0, userLen, pid, this.revision);
      p += total;
      this.emit(f);
    }
    return p;
  }
}
