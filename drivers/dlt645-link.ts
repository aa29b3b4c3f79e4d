/**
 * DL/T 645 master link over any Transport: one outstanding request per bus (RS-485 is half duplex,
 * DL/T 645-2007 §3), a bounded FIFO of waiting requests, FE wake-up preamble, reply wait Td,
 * inter-byte timeout, retries, and matching of the reply by function code and address.
 *
 * The link knows frames, not meanings: it returns the reply frame (normal or abnormal) and leaves
 * interpretation to the caller. Timing is measured with `performance.now()` for statistics only.
 */
import { Buffer } from 'node:buffer';
import { Dlt645Deframer, type DiscardedSpan } from '../protocols/dlt645/deframer.js';
import { addressMatches, isBroadcast } from '../protocols/dlt645/address.js';
import type { Dlt645Frame } from '../protocols/dlt645/frame.js';
import { toHex } from '../protocols/codec/hex.js';
import { ChannelClosedError, QueueFullError, TimeoutError } from './errors.js';
import type { Transport } from './transport.js';

export interface Dlt645LinkOptions {
  /** Longest wait for a reply to start (ms). Default 1500 (Td ≤ 500 ms plus channel latency). */
  replyTimeoutMs?: number;
  /** Longest time a reply may take once started (ms); 267 bytes at 1200 baud take 2.4 s. Default 3000. */
  maxReplyMs?: number;
  /** Gap after which a partial frame is given up (ms). Default 200 (DL/T 645-2007 allows ≤ 500 ms; masters use less). */
  interByteTimeoutMs?: number;
  /** Extra attempts after a timeout or a corrupt reply. Default 2. */
  retries?: number;
  /** FE bytes before each request. Default 4 (digest §1). */
  preamble?: number;
  /** Maximum requests waiting behind the one in flight. Default 256. */
  maxQueue?: number;
  /** Called for every discarded span (garbage, bad checksum…), e.g. to log it. */
  onDiscard?: (span: DiscardedSpan) => void;
  /** Called for frames that arrive with no request waiting (unsolicited, echoes, late replies). */
  onUnmatched?: (frame: Dlt645Frame) => void;
}

export interface LinkRequest {
  /** The complete request frame (preamble included or not: the link adds its own). */
  frame: Buffer;
  /** 6 address bytes the request was sent to (AA wildcards allowed). */
  address: Uint8Array;
  /** Function code of the request (C & 1F). */
  func: number;
  /** Broadcasts (address 99…, or 08H) get no reply: resolves after the write. */
  noReply?: boolean;
  /** Per-request overrides. */
  replyTimeoutMs?: number;
  retries?: number;
}

export interface LinkReply {
  frame: Dlt645Frame;
  attempts: number;
  /** ms from the end of the last write to the complete reply. */
  turnaroundMs: number;
}

/**
 * What a DL/T 645 client needs of a link: send a request frame, get the matching reply frame (null for
 * broadcasts). `Dlt645Link` implements it on a bus; the FEP implements it through a concentrator's
 * AFN10 forwarding, so meter reads look the same either way.
 */
export interface MeterLink {
  request(req: LinkRequest): Promise<LinkReply | null>;
}

interface Pending {
  req: LinkRequest;
  resolve(r: LinkReply | null): void;
  reject(e: Error): void;
}

export class Dlt645Link implements MeterLink {
  readonly transport: Transport;
  private readonly opts: Required<Omit<Dlt645LinkOptions, 'onDiscard' | 'onUnmatched'>> & Pick<Dlt645LinkOptions, 'onDiscard' | 'onUnmatched'>;
  private readonly deframer: Dlt645Deframer;
  private readonly queue: Pending[] = [];
  private busy = false;
  private corrupt = 0;
  private interByteTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void)[] = [];
  readonly stats = { requests: 0, replies: 0, timeouts: 0, retries: 0, discardedBytes: 0 };

  constructor(transport: Transport, options: Dlt645LinkOptions = {}) {
    this.transport = transport;
    this.opts = {
      replyTimeoutMs: 1500,
      maxReplyMs: 3000,
      interByteTimeoutMs: 200,
      retries: 2,
      preamble: 4,
      maxQueue: 256,
      ...options,
    };
    this.deframer = new Dlt645Deframer({
      onFrame: (f) => this.onFrame(f),
      onDiscard: (span) => {
        this.corrupt++;
        this.stats.discardedBytes += span.length;
        this.opts.onDiscard?.(span);
      },
    });
    this.unsubscribe.push(
      transport.onData((chunk) => {
        this.attemptHooks?.bytes();
        this.deframer.push(chunk);
        this.armInterByte();
      }),
      transport.onClose(() => this.failAll(new ChannelClosedError('channel closed', transport.description))),
    );
  }

  /** Sends a request and resolves with the matching reply frame (null for no-reply requests). */
  request(req: LinkRequest): Promise<LinkReply | null> {
    if (!this.transport.isOpen) {
      return Promise.reject(new ChannelClosedError('channel not open', this.transport.description));
    }
    if (this.queue.length >= this.opts.maxQueue) {
      return Promise.reject(new QueueFullError(`request queue full (${this.opts.maxQueue})`, this.transport.description));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      void this.pump();
    });
  }

  /** Stops listening to the transport (does not close it). Pending requests fail. */
  dispose(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.failAll(new ChannelClosedError('link disposed', this.transport.description));
  }

  private failAll(err: Error): void {
    const all = this.queue.splice(0);
    for (const p of all) p.reject(err);
    this.attemptHooks?.abort(err);
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    const next = this.queue.shift();
    if (!next) return;
    this.busy = true;
    try {
      next.resolve(await this.run(next.req));
    } catch (e) {
      next.reject(e as Error);
    } finally {
      this.busy = false;
      if (this.queue.length) void this.pump();
    }
  }

  private withPreamble(frame: Buffer): Buffer {
    let p = 0;
    while (p < frame.length && frame[p] === 0xfe) p++;
    const pre = this.opts.preamble;
    if (p === pre) return frame;
    const out = Buffer.allocUnsafe(pre + frame.length - p);
    out.fill(0xfe, 0, pre);
    frame.copy(out, pre, p);
    return out;
  }

  private async run(req: LinkRequest): Promise<LinkReply | null> {
    this.stats.requests++;
    const bytes = this.withPreamble(req.frame);
    const noReply = req.noReply ?? isBroadcast(req.address);
    if (noReply) {
      await this.transport.write(bytes);
      return null;
    }
    const timeout = req.replyTimeoutMs ?? this.opts.replyTimeoutMs;
    const attempts = 1 + (req.retries ?? this.opts.retries);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) this.stats.retries++;
      const got = await this.attempt(req, bytes, timeout);
      if (got) {
        this.stats.replies++;
        return { frame: got.frame, attempts: attempt, turnaroundMs: got.ms };
      }
    }
    this.stats.timeouts++;
    throw new TimeoutError(this.transport.description, `valid reply to function ${req.func.toString(16).toUpperCase()}H`, timeout, attempts, toHex(bytes));
  }

  /**
   * One attempt: write, then wait. `timeoutMs` bounds the wait for the reply to *start* (DL/T 645
   * Td); once bytes flow, the inter-byte timeout ends the burst. A burst with corrupt bytes and no
   * match ends the attempt at once (retry without waiting out Td); a burst that held only other
   * frames (an echo, another meter) re-arms the wait. `maxReplyMs` caps the attempt as a whole.
   */
  private attempt(req: LinkRequest, bytes: Buffer, timeoutMs: number): Promise<{ frame: Dlt645Frame; ms: number } | null> {
    return new Promise((resolve, reject) => {
      let sentAt = 0;
      let startTimer: NodeJS.Timeout | null = null;
      let capTimer: NodeJS.Timeout | null = null;
      const armStart = (): void => {
        if (startTimer) clearTimeout(startTimer);
        startTimer = setTimeout(() => finish(null), timeoutMs);
      };
      const finish = (v: { frame: Dlt645Frame; ms: number } | null, err?: Error): void => {
        if (startTimer) clearTimeout(startTimer);
        if (capTimer) clearTimeout(capTimer);
        this.attemptHooks = null;
        if (err) reject(err);
        else resolve(v);
      };
      // Stale bytes from an earlier exchange must not count against this one.
      if (this.interByteTimer) {
        clearTimeout(this.interByteTimer);
        this.interByteTimer = null;
      }
      this.deframer.flush();
      this.corrupt = 0;
      this.attemptHooks = {
        match: (f) => {
          if (!f.isResponse || f.func !== req.func || !addressMatches(f.addressBytes, req.address)) return false;
          finish({ frame: f, ms: performance.now() - sentAt });
          return true;
        },
        bytes: () => {
          if (startTimer) {
            clearTimeout(startTimer);
            startTimer = null;
          }
        },
        burstEnd: () => {
          if (this.corrupt > 0) finish(null);
          else if (sentAt) armStart();
        },
        abort: (e) => finish(null, e),
      };
      this.transport.write(bytes).then(
        () => {
          sentAt = performance.now();
          armStart();
          capTimer = setTimeout(() => finish(null), timeoutMs + this.opts.maxReplyMs);
        },
        (e: Error) => finish(null, e),
      );
    });
  }

  /** Callbacks of the attempt in progress (null when idle). */
  private attemptHooks: {
    match(f: Dlt645Frame): boolean;
    bytes(): void;
    burstEnd(): void;
    abort(e: Error): void;
  } | null = null;

  private onFrame(f: Dlt645Frame): void {
    if (this.attemptHooks?.match(f)) return;
    this.opts.onUnmatched?.(f);
  }

  private armInterByte(): void {
    if (this.interByteTimer) clearTimeout(this.interByteTimer);
    this.interByteTimer = setTimeout(() => {
      this.interByteTimer = null;
      this.deframer.flush();
      this.attemptHooks?.burstEnd();
    }, this.opts.interByteTimeoutMs);
    this.interByteTimer.unref();
  }
}
