/**
 * Replay guard of a terminal that checks time labels (Q/GDW 376.1-2009 §5.2.3.6.3, Tp = PFC + send time +
 * allowed delay): a frame carrying PW whose Tp (MSA, AFN, PFC, send time) was already executed is not
 * executed again while that Tp is valid. A byte-identical copy is a retransmission: the terminal repeats
 * its answer (as the FCB rule of §5.2.1.1.3 has a responder repeat its last answer); a different frame
 * reusing the Tp is discarded. Once the Tp has expired the time check alone rejects the frame.
 */
import type { Gw376Message } from '../../protocols/gw376/index.js';

interface Seen {
  request: Buffer;
  answer: Buffer[];
  until: number;
}

export type ReplayVerdict = { kind: 'new' } | { kind: 'repeat'; answer: Buffer[] } | { kind: 'discard' };

/** Bounded: at most `limit` labels are remembered (oldest dropped first). */
export class ReplayGuard {
  private readonly seen = new Map<string, Seen>();
  constructor(private readonly limit = 256) {}

  /** Key of a request's time label, or undefined when it has none. */
  static keyOf(req: Gw376Message): string | undefined {
    const tp = req.tp;
    if (!tp || !tp.sendTime) return undefined;
    const t = tp.sendTime;
    return `${req.msa ?? 0}:${req.afn}:${tp.pfc}:${t.day}:${t.hour}:${t.minute}:${t.second}`;
  }

  check(key: string, frame: Buffer, now: number): ReplayVerdict {
    this.prune(now);
    const s = this.seen.get(key);
    if (!s) return { kind: 'new' };
    return s.request.equals(frame) ? { kind: 'repeat', answer: s.answer } : { kind: 'discard' };
  }

  /** Records an executed request until `until` (real time, ms) with the answer it got. */
  remember(key: string, frame: Buffer, answer: Buffer[], until: number): void {
    if (this.seen.size >= this.limit) {
      const oldest = this.seen.keys().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    this.seen.set(key, { request: Buffer.from(frame), answer, until });
  }

  private prune(now: number): void {
    for (const [k, s] of this.seen) if (s.until < now) this.seen.delete(k);
  }
}
