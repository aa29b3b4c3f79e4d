/**
 * Frames a terminal sends on its own (PRM=1 uplink, other than AFN02 link frames): AFN0E F1/F2 event
 * reports (important/normal, with ACD=1 and EC), AFN0C/0D timed reports of its tasks.
 *
 * - CON=1 obliges the master to answer AFN00 (§5.2.3.2, digest §7; AFN04 F1 confirm flags decide whether a
 *   terminal asks): F1 (C=00H, PRM=0 FC 0) echoing the report's sequence when the report was decoded, F2
 *   (deny) when it could not be — the terminal then keeps the records unread, readable with AFN0E later.
 * - AFN0E records (ERC, Le, body; appendix C) are decoded by the codec and published as `event`; other
 *   reports as `report`. EC of any uplink frame with ACD=1 is tracked separately (`trackEc`).
 */
import type { EventCounters, Gw376Frame, Gw376Message } from '../../protocols/gw376/index.js';
import { builders, confirmDuty, decodeMessage } from '../../protocols/gw376/index.js';
import type { ErcRecord } from '../../protocols/gw376/erc/registry.js';
import type { EventBus, HesEvents, TerminalRef } from '../bus.js';

export interface ReportContext {
  ref: TerminalRef;
  now: number;
  bus: EventBus<HesEvents>;
  send(bytes: Buffer): boolean;
  /** A frame that could not be decoded. */
  error(reason: string, hex: string, length: number): void;
}

export type ReportOutcome = 'event' | 'report' | 'undecodable';

export function handleActiveReport(f: Gw376Frame, ctx: ReportContext): ReportOutcome {
  const duty = confirmDuty({ dir: f.dir, afn: f.afn, seq: f.seq, con: f.con });
  const target = { a1: f.a1, a2: f.a2, msa: f.msa };
  let msg: Gw376Message;
  try {
    msg = decodeMessage(f);
  } catch (err) {
    if (duty.required) ctx.send(builders.masterConfirm(target, duty.seq, false));
    ctx.error(`undecodable active report: ${err instanceof Error ? err.message : String(err)}`, f.hex, f.length);
    return 'undecodable';
  }
  if (duty.required) ctx.send(builders.masterConfirm(target, duty.seq, true));
  if (msg.afn === 0x0e) {
    let published = false;
    for (const u of msg.units) {
      if (u.raw || (u.fn !== 1 && u.fn !== 2)) continue;
      const data = u.data as { records?: ErcRecord[] } | undefined;
      const payload: HesEvents['event'] = { ...ctx.ref, at: ctx.now, important: u.fn === 1, records: data?.records ?? [] };
      if (msg.ec) payload.ec = msg.ec;
      ctx.bus.publish('event', payload);
      published = true;
    }
    if (published) return 'event';
  }
  ctx.bus.publish('report', { ...ctx.ref, at: ctx.now, afn: msg.afn, units: msg.units });
  return 'report';
}

/**
 * ACD=1 frames carry EC (§5.2.3.6.2): publishes `eventsPending` when the counters differ from the last
 * ones seen; returns the counters to remember.
 */
export function trackEc(f: Gw376Frame, last: EventCounters | undefined, ref: TerminalRef, now: number, bus: EventBus<HesEvents>): EventCounters | undefined {
  const ec = f.ec;
  if (!ec) return last;
  if (!last || last.important !== ec.important || last.normal !== ec.normal) bus.publish('eventsPending', { ...ref, at: now, ec });
  return ec;
}
