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
import { toHex } from '../codec/hex.js';
import type { Revision } from './frame.js';
import { END, FRAME_OVERHEAD, Gw376Frame, HEADER_USER_BYTES, MAX_USER_NET, PREAMBLE, PROTOCOL_ID, PROTOCOL_ID_LEGACY, START } from './frame.js';

export type DiscardReason = 'garbage' | 'length-mismatch' | 'bad-header' | 'bad-checksum' | 'bad-end' | 'truncated';

export interface DiscardedSpan {
  reason: DiscardReason;
  /** Hex of the dropped bytes (the first 256 bytes when longer). */
  hex: string;
  length: number;
}

export interface DeframerOptions {
  onFrame?(frame: Gw376Frame): void;
  onDiscard?(span: DiscardedSpan): void;
  /** Largest user-data length accepted; default 16383 (255 on radio channels). */
  maxUserLength?: number;
  acceptLegacyId?: boolean;
  /** Edition recorded on the frames; default 2009. */
  revision?: Revision;
}

const JUNK_KEEP = 256;
/** Report a discarded span once this many bytes are dropped in a row, so a long garbage run stays bounded. */
const JUNK_FLUSH = 4096;

export class Gw376Deframer {
  private pending: Buffer | null = null;
  private readonly opts: DeframerOptions;
  private readonly maxUser: number;
  private readonly revision: Revision;
  private junkBytes: number[] = [];
  private junkLength = 0;
  private junkReason: DiscardReason = 'garbage';
  private collect: Gw376Frame[] | null = null;
  framesOut = 0;
  bytesDiscarded = 0;

  constructor(opts: DeframerOptions = {}) {
    this.opts = opts;
    this.maxUser = opts.maxUserLength ?? MAX_USER_NET;
    this.revision = opts.revision ?? 2009;
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  /** Feeds a chunk; frames go to `onFrame`. */
  push(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    const rest = this.scan(buf);
    if (rest < buf.length) this.pending = Buffer.from(buf.subarray(rest));
    if (this.junkLength >= JUNK_FLUSH) this.reportJunk();
  }

  /** Feeds a chunk and returns the frames it completed (also passed to `onFrame`). */
  feed(chunk: Buffer): Gw376Frame[] {
    const out: Gw376Frame[] = [];
    this.collect = out;
    try {
      this.push(chunk);
    } finally {
      this.collect = null;
    }
    return out;
  }

  /** End of a burst or of the channel: whatever is held is reported as discarded. */
  flush(): void {
    if (this.pending) {
      this.addJunk(this.pending, 0, this.pending.length, 'truncated');
      this.pending = null;
    }
    this.reportJunk();
  }

  /** Parses `buf` from 0; returns the offset of the first byte not consumed. */
  private scan(buf: Buffer): number {
    const n = buf.length;
    const max = this.maxUser;
    const legacy = this.opts.acceptLegacyId === true;
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
        this.addJunk(buf, p, p + 1, 'length-mismatch');
        p++;
        continue;
      }
      const pid = l1 & 3;
      const userLen = l1 >>> 2;
      if (buf[p + 5] !== START || (pid !== PROTOCOL_ID && !(legacy && pid === PROTOCOL_ID_LEGACY)) || userLen < HEADER_USER_BYTES + 4 || userLen > max) {
        this.addJunk(buf, p, p + 1, 'bad-header');
        p++;
        continue;
      }
      const total = userLen + FRAME_OVERHEAD;
      if (n - p < total) return p;
      const csAt = p + 6 + userLen;
      let cs = 0;
      for (let i = p + 6; i < csAt; i++) cs += buf[i]!;
      if (buf[csAt] !== (cs & 0xff)) {
        this.addJunk(buf, p, p + 1, 'bad-checksum');
        p++;
        continue;
      }
      if (buf[csAt + 1] !== END) {
        this.addJunk(buf, p, p + 1, 'bad-end');
        p++;
        continue;
      }
      if (this.junkLength > 0) this.reportJunk();
      const f = new Gw376Frame(buf, p, 0, userLen, pid, this.revision);
      this.framesOut++;
      p += total;
      this.collect?.push(f);
      this.opts.onFrame?.(f);
    }
    return p;
  }

  /** Bytes before a 68H: FE preamble bytes are skipped silently, anything else is garbage. */
  private skip(buf: Buffer, from: number, to: number): void {
    let allFe = this.junkLength === 0;
    if (allFe) {
      for (let i = from; i < to; i++) {
        if (buf[i] !== PREAMBLE) {
          allFe = false;
          break;
        }
      }
    }
    if (!allFe) this.addJunk(buf, from, to, 'garbage');
  }

  private addJunk(buf: Buffer, from: number, to: number, reason: DiscardReason): void {
    if (this.junkLength === 0) this.junkReason = reason;
    for (let i = from; i < to && this.junkBytes.length < JUNK_KEEP; i++) this.junkBytes.push(buf[i]!);
    this.junkLength += to - from;
    this.bytesDiscarded += to - from;
  }

  private reportJunk(): void {
    if (this.junkLength === 0) return;
    const kept = Uint8Array.from(this.junkBytes);
    const more = this.junkLength - kept.length;
    const span: DiscardedSpan = {
      reason: this.junkReason,
      hex: toHex(kept) + (more > 0 ? ` …(+${more} bytes)` : ''),
      length: this.junkLength,
    };
    this.junkBytes = [];
    this.junkLength = 0;
    this.opts.onDiscard?.(span);
  }
}
