/**
 * Reading a DL/T 645 meter through its concentrator (AFN10 F1 transparent forwarding, Q/GDW 376.1-2009
 * §5.16, digest §8.9): the same 645 read (11H) and follow-ups (12H) as a direct read, each carried in one
 * AFN10 F1 request; the terminal returns the meter's reply frame as the content (empty when the meter did
 * not answer within the frame timeout). Returns the `MeterReading` of src/meter/meter-client.ts, so
 * callers cannot tell a forwarded read from a direct one.
 */
import { decodeFrame } from '../../protocols/dlt645/index.js';
import { DataError } from '../../protocols/codec/errors.js';
import { toHex } from '../../protocols/codec/hex.js';
import { TimeoutError } from '../../drivers/errors.js';
import type { LinkReply, LinkRequest, MeterLink } from '../../drivers/dlt645-link.js';
import { MeterClient, type MeterReading } from '../meter/meter-client.js';

/** One forwarded exchange: the 645 frame out, the content that came back. */
export type ForwardExchange = (frame645: Buffer) => Promise<{ content: Buffer; attempts: number; latencyMs: number }>;

export interface ForwardReadOptions {
  address: string;
  di: string;
  edition?: 2007 | 1997;
  /** Where the reply timeout of the meter is known (for the error message), s. */
  frameTimeoutS?: number;
  maxFollowUps?: number;
  /** Printable path for errors, e.g. `terminal 1101-00007 port 31`. */
  via: string;
}

/** A MeterLink whose requests travel in AFN10 F1 frames of one terminal. */
export class ForwardingLink implements MeterLink {
  constructor(
    private readonly exchange: ForwardExchange,
    private readonly via: string,
    private readonly frameTimeoutS = 0,
  ) {}

  async request(req: LinkRequest): Promise<LinkReply | null> {
    const r = await this.exchange(req.frame);
    if (r.content.length === 0) {
      // The terminal answered, but its meter did not within the forwarding timeout.
      throw new TimeoutError(`${this.via}`, 'meter reply to the forwarded frame', this.frameTimeoutS * 1000, r.attempts, toHex(req.frame));
    }
    let frame;
    try {
      frame = decodeFrame(r.content, 0, r.content.length, true);
    } catch (err) {
      const e = new DataError('forwarded DL/T 645 reply', 'a DL/T 645 frame', toHex(r.content));
      e.cause = err;
      throw e;
    }
    return { frame, attempts: r.attempts, turnaroundMs: r.latencyMs };
  }
}

/** Reads a DI from a meter behind a terminal: the same reads and follow-ups as MeterClient.read. */
export function readMeterForwarded(exchange: ForwardExchange, o: ForwardReadOptions): Promise<MeterReading> {
  const link = new ForwardingLink(exchange, o.via, o.frameTimeoutS);
  const client = new MeterClient(link, { version: o.edition ?? 2007, ...(o.maxFollowUps ? { maxFollowUps: o.maxFollowUps } : {}) });
  return client.read(o.address, o.di);
}
