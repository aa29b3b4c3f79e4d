/**
 * An RS-485 bus of simulated meters behind one or more byte links (a serial port, TCP connections).
 * Each attached link is a view of the same meters: its own deframer, replies go back on the link that
 * asked.
 *
 * Per received frame (DL/T 645-2007 §4, digest §2 and §8):
 * - replies (D7 = 1: echoes of the master's line, other slaves) are ignored; FE and junk are skipped by
 *   the deframer;
 * - 999999999999 (broadcast) reaches every meter for 08H and 16H only, and is never answered;
 * - otherwise the meters whose address matches (exact, or AAH wildcard bytes) are candidates; several
 *   matching a wildcard is a collision on a real bus, so the first one answers and a warning is logged;
 * - the meter's faults (faults.ts) are drawn, the request is handled and the reply encoded with the
 *   meter's real address and its 0..4 FE preamble bytes.
 *
 * Line timing (digest §1): the reply is written in ONE chunk, Td + wire time after the request was
 * received, where Td is per meter (default 30 ms; the digest gives 20 ms ≤ Td ≤ 500 ms, a `slow` fault
 * replaces it) and wire time = bytes × bits per character / baud (11 bits for 8E1, at the meter's
 * speed before a 17H change). So the last byte is available when it would be on a real line; a master
 * measuring inter-byte gaps sees none. `lineTiming: false` drops the wire time (Td still applies).
 */
import { toHex } from '../../protocols/codec/hex.js';
import {
  addressMatches, decodeFrameMessage, Dlt645Deframer, encodeMessage, errorFlags, isBroadcast,
  type Dlt645Decoded, type Dlt645Frame, type Dlt645Response,
} from '../../protocols/dlt645/index.js';
import type { ModelId } from '../model.js';
import { corruptReply, FAULT_KINDS, FaultPlan, neighbourAddress, type FaultKind, type FaultSpec, type FiredFaults } from './faults.js';
import { ERR, type SimulatedMeter } from './meter.js';

/** What the bus needs of a link; drivers' Transport satisfies it. */
export interface BusLink {
  readonly description?: string;
  write(bytes: Buffer): Promise<void> | void;
  onData(listener: (chunk: Buffer) => void): () => void;
}

/** pino-compatible subset. */
export interface BusLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface BusMeter {
  meter: SimulatedMeter;
  faults?: readonly FaultSpec[];
  /** Reply delay Td in ms (default: the bus's). */
  tdMs?: number;
  /** FE bytes before each reply, 0..4 (default: the bus's). */
  preamble?: number;
}

export interface BusOptions {
  /** Default Td, ms (30). */
  tdMs?: number;
  /** Default FE preamble of replies (0). */
  preamble?: number;
  /** Bits per character on the line (11 = 8E1). */
  bitsPerChar?: number;
  /** Add the reply's wire time to Td (default true). */
  lineTiming?: boolean;
  /** Write each request back on its link at once, like a 2-wire RS-485 adapter's echo (default false). */
  echo?: boolean;
  /** Seed for the fault PRNGs (default: each meter's model seed). */
  seed?: ModelId;
  logger?: BusLogger;
  timers?: Timers;
}

/** A reply the bus decided to send. */
export interface PlannedReply {
  meter: string;
  bytes: Buffer;
  delayMs: number;
  faults: FaultKind[];
}

export interface BusCounters {
  /** Frames received (requests and ignored replies). */
  frames: number;
  /** Requests addressed to a meter on this bus (broadcasts included). */
  requests: number;
  broadcasts: number;
  replies: number;
  /** Frames with D7 = 1 (echoes, other slaves) and requests for addresses not on the bus. */
  ignored: number;
  /** Bytes the deframers skipped as junk. */
  discardedBytes: number;
  faults: Record<FaultKind, number>;
}

const NOOP_LOGGER: BusLogger = { debug() {}, info() {}, warn() {} };
const REAL_TIMERS: Timers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };

interface Slot {
  meter: SimulatedMeter;
  plan: FaultPlan;
  tdMs: number;
  preamble: number;
}

export class MeterBus {
  readonly counters: BusCounters = {
    frames: 0, requests: 0, broadcasts: 0, replies: 0, ignored: 0, discardedBytes: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
  };
  private readonly slots: Slot[];
  private readonly opts: Required<Omit<BusOptions, 'seed'>>;
  private readonly pendingTimers = new Set<unknown>();
  private readonly detachers = new Set<() => void>();
  private closed = false;

  constructor(meters: readonly (SimulatedMeter | BusMeter)[], opts: BusOptions = {}) {
    this.opts = {
      tdMs: opts.tdMs ?? 30,
      preamble: opts.preamble ?? 0,
      bitsPerChar: opts.bitsPerChar ?? 11,
      lineTiming: opts.lineTiming ?? true,
      echo: opts.echo ?? false,
      logger: opts.logger ?? NOOP_LOGGER,
      timers: opts.timers ?? REAL_TIMERS,
    };
    this.slots = meters.map((m) => {
      const cfg: BusMeter = 'meter' in m ? m : { meter: m };
      const preamble = cfg.preamble ?? this.opts.preamble;
      if (!Number.isInteger(preamble) || preamble < 0 || preamble > 4) throw new Error(`preamble ${preamble} is not 0..4`);
      return {
        meter: cfg.meter,
        plan: new FaultPlan(cfg.faults ?? [], opts.seed ?? cfg.meter.seed, cfg.meter.address),
        tdMs: cfg.tdMs ?? this.opts.tdMs,
        preamble,
      };
    });
  }

  get meters(): SimulatedMeter[] {
    return this.slots.map((s) => s.meter);
  }

  meter(address: string): SimulatedMeter | undefined {
    return this.slots.find((s) => s.meter.address === address.padStart(12, '0'))?.meter;
  }

  /** Wire time of `n` bytes at `baud`, ms. */
  wireTimeMs(n: number, baud: number): number {
    return this.opts.lineTiming ? Math.ceil((n * this.opts.bitsPerChar * 1000) / baud) : 0;
  }

  /**
   * Connects a link: incoming bytes are deframed and dispatched; replies are written back on it after
   * their delay. Returns a function that detaches the link (pending replies to it are dropped).
   */
  attach(link: BusLink): () => void {
    const mine = new Set<unknown>();
    const deframer = new Dlt645Deframer({
      onFrame: (frame) => {
        const bytes = Buffer.from(frame.bytes());
        if (this.opts.echo) void Promise.resolve(link.write(bytes)).catch(() => {});
        const plan = this.dispatch(frame);
        if (!plan) return;
        const h = this.opts.timers.setTimeout(() => {
          this.pendingTimers.delete(h);
          mine.delete(h);
          if (this.closed) return;
          this.opts.logger.debug({ dir: 'tx', meter: plan.meter, hex: toHex(plan.bytes), faults: plan.faults, delayMs: plan.delayMs }, 'reply');
          void Promise.resolve(link.write(plan.bytes)).catch((e: unknown) => {
            this.opts.logger.warn({ link: link.description, err: String(e) }, 'reply write failed');
          });
        }, plan.delayMs);
        this.pendingTimers.add(h);
        mine.add(h);
      },
      onDiscard: (span) => {
        this.counters.discardedBytes += span.length;
        this.opts.logger.debug({ dir: 'rx', discarded: span.hex, reason: span.reason }, 'junk');
      },
    });
    const off = link.onData((chunk) => deframer.push(chunk));
    const detach = (): void => {
      off();
      for (const h of mine) {
        this.opts.timers.clearTimeout(h);
        this.pendingTimers.delete(h);
      }
      this.detachers.delete(detach);
    };
    this.detachers.add(detach);
    return detach;
  }

  /** Decides the reply to one received frame (no I/O): null when nobody answers. */
  dispatch(frame: Dlt645Frame): PlannedReply | null {
    this.counters.frames++;
    const log = this.opts.logger;
    log.debug({ dir: 'rx', hex: frame.hex }, 'frame');
    if (frame.isResponse) {
      this.counters.ignored++;
      return null;
    }
    const addrAt = frame.start + 1;
    if (isBroadcast(frame.buf, addrAt)) {
      if (frame.func !== 0x08 && frame.func !== 0x16) {
        this.counters.ignored++;
        log.debug({ func: frame.func }, 'broadcast ignored: only 08H and 16H may be broadcast');
        return null;
      }
      const decoded = this.decode(frame);
      if (!decoded) return null;
      this.counters.requests++;
      this.counters.broadcasts++;
      for (const s of this.slots) s.meter.handle(decoded);
      return null;
    }
    const matches = this.slots.filter((s) => addressMatches(s.meter.addressBytes, frame.buf, addrAt));
    if (matches.length === 0) {
      this.counters.ignored++;
      return null;
    }
    if (matches.length > 1) {
      log.warn({ address: frame.address, meters: matches.map((s) => s.meter.address) }, 'wildcard address matches several meters: the first answers (use AA addressing point-to-point only)');
    }
    const slot = matches[0]!;
    this.counters.requests++;
    const fired = slot.plan.next();
    for (const k of fired.kinds) this.counters.faults[k]++;
    if (fired.silent) {
      log.debug({ meter: slot.meter.address }, 'fault silent: request not heard');
      return null;
    }
    const baudBefore = slot.meter.baud;
    const decoded = this.decode(frame);
    let reply: Dlt645Response | null;
    if (decoded) reply = slot.meter.handle(decoded);
    else reply = this.undecodable(frame, slot);
    if (!reply) return null;
    return this.encodeReply(slot, frame.func, reply, fired, baudBefore);
  }

  private decode(frame: Dlt645Frame): Dlt645Decoded | null {
    try {
      return decodeFrameMessage(frame);
    } catch (e) {
      this.opts.logger.debug({ hex: frame.hex, err: e instanceof Error ? e.message : String(e) }, 'request not decodable');
      return null;
    }
  }

  /**
   * A frame for this meter whose data does not fit its command (wrong length, bad baud word): the meter
   * answers abnormally, ERR 08 for 17H (baud cannot be changed) and ERR 01 otherwise; an unknown
   * function code gets no reply.
   */
  private undecodable(frame: Dlt645Frame, slot: Slot): Dlt645Response | null {
    const f = frame.func;
    const known2007 = f === 0x03 || (f >= 0x11 && f <= 0x1c);
    const known1997 = [0x01, 0x02, 0x04, 0x0a, 0x0c, 0x0f, 0x10].includes(f);
    if (!(slot.meter.edition === 2007 ? known2007 : known1997) || f === 0x13 || f === 0x15) return null;
    const code = f === 0x17 || f === 0x0c ? ERR.baudUnchangeable : ERR.other;
    return { kind: 'error', func: f, code, flags: errorFlags(code) };
  }

  private encodeReply(slot: Slot, func: number, reply: Dlt645Response, fired: FiredFaults, baud: number): PlannedReply {
    const meter = slot.meter;
    const message: Dlt645Response = fired.abnormal !== undefined ? { kind: 'error', func, code: fired.abnormal, flags: errorFlags(fired.abnormal) } : reply;
    const address = fired.wrongAddress !== undefined ? fired.wrongAddress || neighbourAddress(meter.address) : meter.address;
    let bytes: Buffer;
    try {
      bytes = encodeMessage({ address, message, version: meter.edition, preamble: slot.preamble });
    } catch (e) {
      this.opts.logger.warn({ meter: meter.address, err: e instanceof Error ? e.message : String(e) }, 'reply not encodable: answering ERR 01');
      bytes = encodeMessage({ address, message: { kind: 'error', func, code: ERR.other, flags: errorFlags(ERR.other) }, version: meter.edition, preamble: slot.preamble });
    }
    if (fired.badChecksum || fired.truncated !== undefined || fired.garbageBefore || fired.garbageAfter) {
      bytes = corruptReply(bytes, slot.preamble, fired, slot.plan.bytes);
    }
    this.counters.replies++;
    const td = fired.delayMs ?? slot.tdMs;
    return { meter: meter.address, bytes, delayMs: td + this.wireTimeMs(bytes.length, baud), faults: fired.kinds };
  }

  /** Cancels pending replies and detaches every link. */
  close(): void {
    this.closed = true;
    for (const h of this.pendingTimers) this.opts.timers.clearTimeout(h);
    this.pendingTimers.clear();
    for (const d of [...this.detachers]) d();
  }
}
