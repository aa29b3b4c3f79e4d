/**
 * Multi-frame responses and confirmation duties (Q/GDW 376.1-2009 §5.2.3.2, §5.2.3.3).
 *
 * Every frame of a multi-frame response is a complete frame; the application concatenates the data
 * units. FIR/FIN: 11 single, 10 first, 00 middle, 01 last. The responder numbers the first frame with
 * the request's sequence and increments by 1 (mod 16) per following frame. A lone FIR=0/FIN=1 reply
 * (seen from real devices) is accepted as a single frame and flagged.
 */
import type { Direction } from './registry.js';

/** What the reassembler needs from a frame or a decoded message. */
export interface SequencedFrame {
  a1: string;
  a2: number;
  afn: number;
  seq: number;
  fir?: boolean;
  fin?: boolean;
}

export type AssemblyResult<F> =
  | { status: 'complete'; frames: F[]; /** true when a lone FIR=0/FIN=1 frame was taken as single */ quirk?: boolean }
  | { status: 'partial'; received: number }
  | { status: 'dropped'; reason: 'sequence-gap' | 'no-first-frame' | 'restarted'; frames: F[] };

interface Pending<F> {
  frames: F[];
  nextSeq: number;
}

/**
 * Reassembles multi-frame responses per (A1, A2, AFN). Feed frames in arrival order. Bounded: at most
 * `maxFrames` frames are held per key and at most `maxKeys` assemblies at once (the oldest is dropped).
 */
export class MultiFrameAssembler<F extends SequencedFrame> {
  private readonly open = new Map<string, Pending<F>>();
  constructor(
    private readonly maxFrames = 256,
    private readonly maxKeys = 1024,
  ) {}

  /** Number of assemblies waiting for more frames. */
  get pending(): number {
    return this.open.size;
  }

  push(f: F): AssemblyResult<F> {
    const key = `${f.a1}:${f.a2}:${f.afn}`;
    const fir = f.fir !== false;
    const fin = f.fin !== false;
    const cur = this.open.get(key);
    if (fir) {
      if (cur) this.open.delete(key);
      if (fin) return cur ? { status: 'dropped', reason: 'restarted', frames: cur.frames } : { status: 'complete', frames: [f] };
      if (this.open.size >= this.maxKeys) {
        const oldest = this.open.keys().next().value;
        if (oldest !== undefined) this.open.delete(oldest);
      }
      this.open.set(key, { frames: [f], nextSeq: (f.seq + 1) & 15 });
      return { status: 'partial', received: 1 };
    }
    if (!cur) {
      if (fin) return { status: 'complete', frames: [f], quirk: true };
      return { status: 'dropped', reason: 'no-first-frame', frames: [f] };
    }
    if (f.seq !== cur.nextSeq || cur.frames.length >= this.maxFrames) {
      this.open.delete(key);
      cur.frames.push(f);
      return { status: 'dropped', reason: 'sequence-gap', frames: cur.frames };
    }
    cur.frames.push(f);
    cur.nextSeq = (cur.nextSeq + 1) & 15;
    if (fin) {
      this.open.delete(key);
      return { status: 'complete', frames: cur.frames };
    }
    return { status: 'partial', received: cur.frames.length };
  }

  /** Forgets every open assembly (e.g. on disconnect). */
  clear(): void {
    this.open.clear();
  }
}

/** What a received frame obliges the receiver to send back. */
export type ConfirmDuty =
  | { required: false }
  | {
      required: true;
      /** Answer with AFN00 (F1 all confirmed, F2 all denied, or F3 per item). */
      afn: 0x00;
      /** The sequence number to echo. */
      seq: number;
      /** Control function code of the answer: 11 (link status) for AFN02 link frames, else 0 (confirm). */
      func: 0 | 11;
      /** Direction of the answer. */
      dir: Direction;
    };

/** A frame with CON=1 must be confirmed with AFN00 echoing its sequence number (§5.2.3.2, §5.2.3.3). */
export function confirmDuty(f: { dir: Direction; afn: number; seq: number; con?: boolean }): ConfirmDuty {
  if (!f.con || f.afn === 0x00) return { required: false };
  return { required: true, afn: 0x00, seq: f.seq, func: f.afn === 0x02 ? 11 : 0, dir: f.dir === 'up' ? 'down' : 'up' };
}
