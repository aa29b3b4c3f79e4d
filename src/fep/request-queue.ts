/**
 * One terminal's outgoing requests: a priority queue (control > call-up > scheduled reads), a window of
 * requests in flight (default 1), PSEQ allocation and reply matching, multi-frame reassembly, timeouts and
 * retries, AFN00 deny → DeniedError, bounded depth → QueueFullError.
 *
 * Q/GDW 376.1-2009 references (digest §4, §7):
 * - PSEQ: the low 4 bits of the master's frame counter; a free number (not in flight) is taken per request.
 * - Matching: the responder echoes the PSEQ as RSEQ in its (first) reply frame; the master matches by
 *   (A, AFN, RSEQ). AFN00 (confirm F1 / deny F2 / per-item F3) answers carry the request's sequence too, as
 *   does a PRM=0 FC 9 "deny: no requested data" reply.
 * - Multi-frame (§5.2.3.2): FIR/FIN 10 first, 00 middle, 01 last; RSEQ + 1 (mod 16) per following frame.
 *   Each received part restarts the reply timer; a sequence gap drops the parts (the retry asks again).
 *   A lone FIR=0/FIN=1 reply with the request's RSEQ is taken as a single frame (device quirk).
 * - Retries (§5.2.1.1.3 FCB rule): on timeout the same request is repeated with the same PSEQ (a late
 *   reply to an earlier attempt is the same answer), Tp re-stamped.
 */
import { DataError } from '../../protocols/codec/errors.js';
import { toHex } from '../../protocols/codec/hex.js';
import type { Gw376Frame, Gw376Message, MessageUnit } from '../../protocols/gw376/index.js';
import { decodeMessage } from '../../protocols/gw376/index.js';
import { QueueFullError, TimeoutError } from '../../drivers/errors.js';
import type { Clock, Timer } from '../clock.js';
import { DeniedError } from '../errors.js';

export type Priority = 'control' | 'callup' | 'scheduled';
const RANK: Record<Priority, number> = { control: 0, callup: 1, scheduled: 2 };
export const PRIORITIES: readonly Priority[] = ['control', 'callup', 'scheduled'];

export interface RequestSpec {
  afn: number;
  /** For errors and logs, e.g. `AFN0C F25 p1..p200`. */
  what: string;
  priority: Priority;
  /** Builds the frame for sequence `seq` (0..15) and frame counter `pfc` (0..255) at `now`. */
  build(seq: number, pfc: number, now: number): Buffer;
  /** Overrides of the terminal's timing. */
  timeoutMs?: number;
  retries?: number;
  /** Sees each attempt's frame ('out') and each reply frame matched to this request ('in'), as hex. */
  observe?(dir: 'out' | 'in', hex: string): void;
}

/** AFN00 answer of a request (set/control): F1 all confirmed, F3 per item. */
export interface ConfirmResult {
  ok: boolean;
  fn: number;
  items?: { pns: number[]; fns: number[]; err: number }[];
}

export interface RequestResult {
  terminal: string;
  afn: number;
  /** Data units of every reply frame, in order. */
  units: MessageUnit[];
  /** The decoded reply frames. */
  messages: Gw376Message[];
  frames: number;
  attempts: number;
  /** First send → complete reply, ms (all attempts). */
  latencyMs: number;
  /** Set when the answer was AFN00 F1/F3. */
  confirm?: ConfirmResult;
}

export interface Timing {
  timeoutMs: number;
  retries: number;
}

/** What the queue needs from its terminal. */
export interface QueueHost {
  readonly terminal: string;
  readonly clock: Clock;
  /** Writes a frame to the terminal's current channel; false when it has none. */
  send(bytes: Buffer): boolean;
  /** Current timing (AFN04 F1 of the terminal, else configuration). */
  timing(): Timing;
  /** Called with each completed request's latency. */
  completed?(latencyMs: number, ok: boolean): void;
}

export interface QueueOptions {
  window: number;
  limit: number;
}

interface Pending {
  spec: RequestSpec;
  resolve(r: RequestResult): void;
  reject(e: Error): void;
  enqueuedAt: number;
  startedAt: number;
  seq: number;
  pfc: number;
  attempts: number;
  timer: Timer | undefined;
  lastHex: string;
  timing: Timing;
  parts: Gw376Message[];
  nextSeq: number;
}

export class RequestQueue {
  private readonly queues: Pending[][] = [[], [], []];
  private readonly inflight: Pending[] = [];
  private pfc = 0;
  private queued = 0;

  constructor(
    private readonly host: QueueHost,
    private readonly o: QueueOptions,
  ) {}

  /** Requests waiting (not in flight). */
  get waiting(): number {
    return this.queued;
  }

  get inFlight(): number {
    return this.inflight.length;
  }

  get depth(): number {
    return this.queued + this.inflight.length;
  }

  /** Queues a request; rejects at once with QueueFullError when `limit` requests already wait. */
  enqueue(spec: RequestSpec): Promise<RequestResult> {
    if (this.queued >= this.o.limit) {
      return Promise.reject(new QueueFullError(`${this.queued} request(s) already queued (limit ${this.o.limit}); ${spec.what} refused`, this.host.terminal));
    }
    return new Promise<RequestResult>((resolve, reject) => {
      const p: Pending = {
        spec, resolve, reject, enqueuedAt: this.host.clock.now(), startedAt: 0, seq: -1, pfc: 0, attempts: 0, timer: undefined, lastHex: '',
        timing: { timeoutMs: 0, retries: 0 }, parts: [], nextSeq: -1,
      };
      this.queues[RANK[spec.priority]]!.push(p);
      this.queued++;
      this.pump();
    });
  }

  /** Starts queued requests while the window has room. */
  pump(): void {
    while (this.inflight.length < this.o.window && this.queued > 0) {
      const p = this.takeNext();
      if (!p) break;
      const seq = this.freeSeq();
      if (seq < 0) {
        // Every PSEQ is in flight (window > 16 is not allowed by the config; defensive).
        this.queues[RANK[p.spec.priority]]!.unshift(p);
        this.queued++;
        break;
      }
      p.seq = seq;
      p.pfc = this.pfc;
      this.pfc = (this.pfc + 1) & 0xff;
      p.startedAt = this.host.clock.now();
      const t = this.host.timing();
      p.timing = { timeoutMs: p.spec.timeoutMs ?? t.timeoutMs, retries: p.spec.retries ?? t.retries };
      this.inflight.push(p);
      this.attempt(p);
    }
  }

  private takeNext(): Pending | undefined {
    for (const q of this.queues) {
      const p = q.shift();
      if (p) {
        this.queued--;
        return p;
      }
    }
    return undefined;
  }

  private freeSeq(): number {
    for (let k = 0; k < 16; k++) {
      const s = (this.pfc + k) & 15;
      if (!this.inflight.some((p) => p.seq === s)) return s;
    }
    return -1;
  }

  private attempt(p: Pending): void {
    p.attempts++;
    p.parts = [];
    p.nextSeq = -1;
    let frame: Buffer;
    try {
      frame = p.spec.build(p.seq, p.pfc, this.host.clock.now());
    } catch (err) {
      this.finish(p, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    p.lastHex = toHex(frame);
    p.spec.observe?.('out', p.lastHex);
    // No channel now (between a socket loss and a new login): the attempt times out and is retried.
    this.host.send(frame);
    this.arm(p);
  }

  private arm(p: Pending): void {
    this.host.clock.clearTimeout(p.timer);
    p.timer = this.host.clock.setTimeout(() => this.onTimeout(p), p.timing.timeoutMs);
  }

  private onTimeout(p: Pending): void {
    p.timer = undefined;
    if (!this.inflight.includes(p)) return;
    if (p.attempts <= p.timing.retries) {
      this.attempt(p);
      return;
    }
    const waited = this.host.clock.now() - p.startedAt;
    this.finish(p, new TimeoutError(this.host.terminal, `reply to ${p.spec.what}`, waited, p.attempts, p.lastHex));
  }

  private finish(p: Pending, outcome: RequestResult | Error): void {
    const i = this.inflight.indexOf(p);
    if (i < 0) return;
    this.inflight.splice(i, 1);
    this.host.clock.clearTimeout(p.timer);
    p.timer = undefined;
    const latency = this.host.clock.now() - p.startedAt;
    if (outcome instanceof Error) {
      this.host.completed?.(latency, false);
      p.reject(outcome);
    } else {
      this.host.completed?.(latency, true);
      p.resolve(outcome);
    }
    this.pump();
  }

  /**
   * Offers a reply frame (uplink, PRM=0). Returns true when it belonged to a request in flight.
   * Decoding happens here, only for matched frames.
   */
  onResponse(f: Gw376Frame): boolean {
    const seq = f.seq;
    const afn = f.afn;
    const fir = f.fir;
    const fin = f.fin;
    // AFN00 (confirm/deny) and FC 9 (deny: no data) answer the request whose PSEQ they carry.
    if (afn === 0x00 || f.func === 9) {
      const p = this.inflight.find((x) => x.seq === seq);
      if (!p) return false;
      p.spec.observe?.('in', f.hex);
      this.onConfirm(p, f);
      return true;
    }
    let p: Pending | undefined;
    if (fir) p = this.inflight.find((x) => x.spec.afn === afn && x.seq === seq);
    else p = this.inflight.find((x) => x.spec.afn === afn && x.parts.length > 0 && x.nextSeq === seq) ?? (fin ? this.inflight.find((x) => x.spec.afn === afn && x.seq === seq && x.parts.length === 0) : undefined);
    if (!p && !fir && this.inflight.some((x) => x.spec.afn === afn && x.parts.length > 0 && ((x.nextSeq - 1) & 15) === seq)) {
      // A duplicate of the part just received (terminals and links do repeat frames): ignore it.
      return true;
    }
    if (!p) {
      // A middle/last frame out of sequence for a request of this AFN: drop its parts, let the timer retry.
      const broken = !fir && this.inflight.find((x) => x.spec.afn === afn && x.parts.length > 0);
      if (broken) {
        broken.parts = [];
        broken.nextSeq = -1;
        return true;
      }
      return false;
    }
    p.spec.observe?.('in', f.hex);
    let msg: Gw376Message;
    try {
      msg = decodeMessage(f);
    } catch (err) {
      this.finish(p, err instanceof Error ? err : new DataError('reply', 'a decodable reply', f.hex));
      return true;
    }
    if (fir) p.parts = [];
    p.parts.push(msg);
    if (fin) {
      const parts = p.parts;
      this.finish(p, this.result(p, parts));
    } else {
      p.nextSeq = (seq + 1) & 15;
      this.arm(p);
    }
    return true;
  }

  private onConfirm(p: Pending, f: Gw376Frame): void {
    let msg: Gw376Message;
    try {
      msg = decodeMessage(f);
    } catch (err) {
      this.finish(p, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const unit = msg.units.find((u) => !u.raw);
    const fn = unit && !unit.raw ? unit.fn : f.func === 9 ? 2 : 0;
    const device = `terminal ${this.host.terminal}`;
    if (f.func === 9 && f.afn !== 0x00) {
      this.finish(p, new DeniedError(device, p.spec.what, 9, ['no requested data (FC 9)'], f.hex));
      return;
    }
    if (fn === 2) {
      this.finish(p, new DeniedError(device, p.spec.what, 2, ['denied (AFN00 F2)'], f.hex));
      return;
    }
    if (fn === 1 || fn === 3) {
      const items = fn === 3 && unit && !unit.raw ? (unit.data as { items?: ConfirmResult['items'] } | undefined)?.items : undefined;
      const ok = fn === 1 || (items ?? []).every((i) => i.err === 0);
      const r = this.result(p, [msg]);
      r.confirm = items ? { ok, fn, items } : { ok, fn };
      this.finish(p, r);
      return;
    }
    this.finish(p, new DataError(`AFN00 reply to ${p.spec.what}`, 'F1, F2 or F3', f.hex));
  }

  private result(p: Pending, messages: Gw376Message[]): RequestResult {
    return {
      terminal: this.host.terminal,
      afn: p.spec.afn,
      units: messages.flatMap((m) => m.units),
      messages,
      frames: messages.length,
      attempts: p.attempts,
      latencyMs: this.host.clock.now() - p.startedAt,
    };
  }

  /** Rejects everything waiting and in flight (channel lost, shutdown). */
  failAll(err: Error): void {
    const all = [...this.inflight, ...this.queues.flat()];
    this.inflight.length = 0;
    for (const q of this.queues) q.length = 0;
    this.queued = 0;
    for (const p of all) {
      this.host.clock.clearTimeout(p.timer);
      p.reject(err);
    }
  }
}
