/**
 * Building a terminal's answers (Q/GDW 376.1-2009 §5.2.3): data units encoded once through the codec's
 * registry layouts, then split over as many frames as the maximum user-data length needs (multi-frame
 * response §5.2.3.2: FIR/FIN 10, 00 …, 01; RSEQ = request PSEQ, +1 per frame mod 16), each frame with
 * the request's Tp echoed and EC when ACD=1; AFN00 F1/F2/F3 confirm/deny.
 */
import { BinaryWriter } from '../../protocols/codec/cursor.js';
import type { EventCounters, Gw376Message, RawUnit } from '../../protocols/gw376/index.js';
import { builders, daOfPn, dtOfFn, encodeMessage, lookupFn } from '../../protocols/gw376/index.js';

export interface DataUnit {
  pn: number;
  fn: number;
  data?: unknown;
}

/** User data outside the data units: C, A (5), AFN, SEQ. */
const HEADER_BYTES = 8;

/** Encodes one uplink unit of `afn` as DA/DT + data bytes (a raw unit the message encoder copies as is). */
export function encodeUnit(afn: number, u: DataUnit, revision: 2009 | 2013): RawUnit {
  const w = new BinaryWriter(64);
  w.u16(daOfPn(u.pn)).u16(dtOfFn(u.fn));
  const layout = lookupFn(afn, u.fn)?.up;
  if (layout && u.data !== undefined) layout.encode(w, u.data, { afn, fn: u.fn, pn: u.pn, dir: 'up', revision });
  return { raw: true, reason: 'unknown-fn', pns: [u.pn], fns: [u.fn], bytes: Buffer.from(w.finish()) };
}

/**
 * The data answer to `req`: one frame when it fits `maxUserLength`, else a multi-frame answer. A unit
 * larger than a frame on its own is sent alone (its frame may then exceed the limit up to 16383).
 */
export function dataFrames(req: Gw376Message, units: readonly RawUnit[], maxUserLength: number, ec: EventCounters | undefined): Buffer[] {
  const aux = (ec ? 2 : 0) + (req.tp ? 6 : 0);
  const room = maxUserLength - HEADER_BYTES - aux;
  const chunks: RawUnit[][] = [];
  let cur: RawUnit[] = [];
  let size = 0;
  for (const u of units) {
    const n = u.bytes.length;
    if (cur.length > 0 && size + n > room) {
      chunks.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(u);
    size += n;
  }
  if (cur.length > 0) chunks.push(cur);
  const last = chunks.length - 1;
  return chunks.map((chunk, i) =>
    builders.response(req, chunk, {
      ...(ec ? { ec } : {}),
      ...(last > 0 ? { fir: i === 0, fin: i === last, seq: (req.seq + i) & 15 } : {}),
    }),
  );
}

/** AFN00 F1 (ok) or F2 (deny) answering `req`. */
export function confirmFrame(req: Gw376Message, ok: boolean, ec: EventCounters | undefined): Buffer {
  return builders.terminalConfirm(req, ok, ec ? { ec } : {});
}

/** AFN00 F3: per data unit of `req` (AFN `afn`), err 0 = confirmed, 1 = denied. */
export function perItemFrame(req: Gw376Message, items: { pn: number; fn: number; ok: boolean }[], ec: EventCounters | undefined): Buffer {
  const h = builders.confirmAnswerHeader(req, ec);
  const data = { afn: req.afn, items: items.map((it) => ({ pns: [it.pn], fns: [it.fn], err: it.ok ? 0 : 1 })) };
  return encodeMessage({ ...h, units: [{ pn: 0, fn: 3, data }] });
}

/** AFN00 answer of a list of per-unit results: F1 all ok, F2 all denied, F3 mixed. */
export function resultFrame(req: Gw376Message, items: { pn: number; fn: number; ok: boolean }[], ec: EventCounters | undefined): Buffer {
  const ok = items.filter((i) => i.ok).length;
  if (ok === items.length && ok > 0) return confirmFrame(req, true, ec);
  if (ok === 0) return confirmFrame(req, false, ec);
  return perItemFrame(req, items, ec);
}
