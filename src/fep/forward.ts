/**
 * Reading a DL/T 645 meter through its concentrator (AFN10 F1 transparent forwarding, Q/GDW 376.1-2009
 * §5.16, digest §8.9): the same 645 read (11H) and follow-ups (12H) as a direct read, each carried in one
 * AFN10 F1 request; the terminal returns the meter's reply frame as the content (empty when the meter did
 * not answer within the frame timeout). Returns the `MeterReading` of src/meter/meter-client.ts, so
 * callers cannot tell a forwarded read from a direct one.
 */
import { decodeMessage as decode645, encodeMessage as encode645, ERR_TEXT, lookupDi, parseDi } from '../../protocols/dlt645/index.js';
import type { Dlt645Request, Dlt645Response } from '../../protocols/dlt645/index.js';
import { BinaryReader } from '../../protocols/codec/cursor.js';
import { DataError } from '../../protocols/codec/errors.js';
import { toHex } from '../../protocols/codec/hex.js';
import { TimeoutError } from '../../drivers/errors.js';
import { DeniedError } from '../errors.js';
import type { MeterReading } from '../meter/meter-client.js';

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

export async function readMeterForwarded(exchange: ForwardExchange, o: ForwardReadOptions): Promise<MeterReading> {
  const version = o.edition ?? 2007;
  parseDi(o.di, version); // validates before anything is sent
  const ask = async (message: Dlt645Request) => {
    const frame = encode645({ address: o.address, message, version, preamble: 0 });
    const r = await exchange(frame);
    if (r.content.length === 0) {
      throw new TimeoutError(`${o.via} meter ${o.address}`, `meter reply (forwarded ${message.kind} ${o.di})`, (o.frameTimeoutS ?? 0) * 1000, r.attempts, toHex(frame));
    }
    let decoded;
    try {
      decoded = decode645(r.content, { version });
    } catch (err) {
      const e = new DataError('forwarded DL/T 645 reply', 'a DL/T 645 frame', toHex(r.content));
      e.cause = err;
      throw e;
    }
    const m = decoded.message as Dlt645Response;
    if (m.kind === 'error') {
      throw new DeniedError(`meter ${decoded.address} via ${o.via}`, `${message.kind} ${o.di}`, m.code, m.flags.map((f) => ERR_TEXT[f]), toHex(r.content));
    }
    return { m, address: decoded.address, hex: toHex(r.content), more: decoded.more, attempts: r.attempts, latencyMs: r.latencyMs };
  };
  const first = await ask({ kind: 'read', di: o.di });
  if (first.m.kind !== 'readReply') throw new DataError('read reply', 'a read reply', first.hex);
  let raw = first.m.raw;
  let more = first.m.more;
  let frames = 1;
  let last = first;
  for (let seq = 1; more; seq++) {
    if (frames > (o.maxFollowUps ?? 32)) throw new DataError('read follow-up', `at most ${o.maxFollowUps ?? 32} follow-up frames`, last.hex);
    const next = await ask({ kind: 'readFollow', di: o.di, seq });
    if (next.m.kind !== 'readFollowReply') throw new DataError('read follow-up', 'a follow-up reply', next.hex);
    raw = raw ? `${raw} ${next.m.raw}` : next.m.raw;
    more = next.m.more;
    frames++;
    last = next;
  }
  // Same shape as MeterClient.read (the reply's fields spread first).
  const reading: MeterReading = { ...first.m, address: first.address, raw, attempts: last.attempts, turnaroundMs: last.latencyMs, frames };
  const entry = lookupDi(parseDi(o.di, version), version);
  if (entry) {
    reading.name = entry.name;
    reading.nameZh = entry.nameZh;
    if (entry.unit) reading.unit = entry.unit;
    if (frames > 1) {
      const bytes = Buffer.from(raw.replace(/\s/g, ''), 'hex');
      reading.value = entry.decode(new BinaryReader(bytes), bytes.length);
      reading.unknown = false;
    }
  }
  return reading;
}
