/**
 * Event queues of a terminal (Q/GDW 376.1-2009 §5.14 AFN0E, §5.2.3.6.2 EC, appendix C ERC records).
 *
 * Two queues, important (重要事件) and general (一般事件), each numbered 0..255 like the standard's
 * event pointers: EC1/EC2 are the number of records ever written mod 256, i.e. the pointer of the next
 * record. At most 256 records per class are kept (the pointer space); older ones are overwritten.
 * ACD=1 on uplinks while important records exist that the master has neither read (AFN0E F1) nor
 * confirmed as an active report. Queues are allocated on the first event.
 */
import type { ErcRecord } from '../../protocols/gw376/erc/registry.js';

export const EVENT_CAPACITY = 256;

/** What AFN0E F1/F2 replies (and the active report) carry. */
export interface EventReplyData {
  ec1: number;
  ec2: number;
  pm: number;
  pn: number;
  records: ErcRecord[];
}

class Queue {
  readonly ring: ErcRecord[] = [];
  /** Records ever written. */
  total = 0;

  add(r: ErcRecord): void {
    this.ring[this.total % EVENT_CAPACITY] = r;
    this.total++;
  }

  oldest(): number {
    return Math.max(0, this.total - EVENT_CAPACITY);
  }

  at(abs: number): ErcRecord {
    return this.ring[abs % EVENT_CAPACITY]!;
  }

  /** The absolute index whose pointer is `p` among the stored records (latest match), or `total` when none. */
  absoluteOf(p: number): number {
    const n = this.total;
    // Candidates k with k ≡ p (mod 256) in [oldest, total).
    let k = n - ((n - p) & 0xff);
    if (k === n) return n;
    if (k < this.oldest()) k += EVENT_CAPACITY;
    return k < n ? k : n;
  }
}

export interface ReportBatch {
  /** Absolute index (important queue) one past the last record of the batch. */
  upTo: number;
  data: EventReplyData;
}

export class EventLog {
  private imp: Queue | undefined;
  private gen: Queue | undefined;
  /** Important records the master has got (read by AFN0E F1 or confirmed as a report), absolute. */
  private acked = 0;
  /** Important records sent as active reports (absolute); ≥ acked. */
  private reported = 0;

  add(rec: ErcRecord, important: boolean): void {
    if (important) (this.imp ??= new Queue()).add(rec);
    else (this.gen ??= new Queue()).add(rec);
  }

  /** EC1 (important) and EC2 (general), §5.2.3.6.2. */
  counters(): { important: number; normal: number } {
    return { important: (this.imp?.total ?? 0) & 0xff, normal: (this.gen?.total ?? 0) & 0xff };
  }

  /** ACD: important events not yet read or confirmed. */
  acd(): boolean {
    return (this.imp?.total ?? 0) > this.acked;
  }

  /** Every stored record of a class, oldest first (for tests and tools). */
  list(important: boolean): ErcRecord[] {
    const q = important ? this.imp : this.gen;
    if (!q) return [];
    const out: ErcRecord[] = [];
    for (let k = q.oldest(); k < q.total; k++) out.push(q.at(k));
    return out;
  }

  /**
   * AFN0E F1 (important) / F2 (general) for pointers Pm..Pn (Y = (Pn − Pm) mod 256 records). Records no
   * longer or not yet stored are left out: the reply's Pn is moved back so that the count matches, at most
   * `max` records are returned (the caller splits long answers).
   */
  read(important: boolean, pm: number, pn: number, max = EVENT_CAPACITY): EventReplyData {
    const ec = this.counters();
    const q = important ? this.imp : this.gen;
    const want = (pn - pm) & 0xff;
    const records: ErcRecord[] = [];
    if (q && want > 0) {
      const from = q.absoluteOf(pm);
      const to = Math.min(q.total, from + want, from + max);
      for (let k = from; k < to; k++) records.push(q.at(k));
      if (important) this.acked = Math.max(this.acked, to);
    }
    return { ec1: ec.important, ec2: ec.normal, pm, pn: (pm + records.length) & 0xff, records };
  }

  /** Important records not yet reported, at most `max` (null when none). */
  nextReport(max = 8): ReportBatch | null {
    const q = this.imp;
    if (!q || this.reported >= q.total) return null;
    const from = Math.max(this.reported, q.oldest());
    const upTo = Math.min(q.total, from + max);
    const records: ErcRecord[] = [];
    for (let k = from; k < upTo; k++) records.push(q.at(k));
    const ec = this.counters();
    return { upTo, data: { ec1: ec.important, ec2: ec.normal, pm: from & 0xff, pn: upTo & 0xff, records } };
  }

  /** The report up to `upTo` was sent (and confirmed when `acked`). */
  reportSent(upTo: number, acked: boolean): void {
    this.reported = Math.max(this.reported, upTo);
    if (acked) this.acked = Math.max(this.acked, upTo);
  }

  /** Forgets a sent but unconfirmed report so that it is sent again. */
  reportLost(from: number): void {
    this.reported = Math.min(this.reported, from);
  }

  /** AFN01 F2 data-area initialisation: every record and counter goes. */
  clear(): void {
    this.imp = undefined;
    this.gen = undefined;
    this.acked = 0;
    this.reported = 0;
  }
}
