/**
 * Unknown terminals (not in the directory) are not served: their logins are not confirmed and they are
 * held here with first/last seen, frame and login counts and the remote address, until an engineer adds
 * them to the archive. Bounded: beyond `maxEntries` the entry seen longest ago is dropped.
 */
import { terminalKeyOf } from './directory.js';

export interface QuarantineEntry {
  terminal: string;
  a1: string;
  a2: number;
  firstSeen: number;
  lastSeen: number;
  frames: number;
  logins: number;
  /** Remote address of the last socket/channel it used. */
  remote: string;
  channel: string;
}

export class Quarantine {
  private readonly entries = new Map<string, QuarantineEntry>();
  constructor(private readonly maxEntries = 10_000) {}

  /** Records one frame of an unknown terminal; returns the entry and whether it is new. */
  record(a1: string, a2: number, o: { now: number; remote: string; channel: string; login: boolean }): { entry: QuarantineEntry; isNew: boolean } {
    const key = terminalKeyOf(a1, a2);
    let e = this.entries.get(key);
    const isNew = !e;
    if (!e) {
      if (this.entries.size >= this.maxEntries) this.evictOldest();
      e = { terminal: key, a1, a2, firstSeen: o.now, lastSeen: o.now, frames: 0, logins: 0, remote: o.remote, channel: o.channel };
      this.entries.set(key, e);
    } else {
      // Keep Map order = order of last sight, so the first key is the one seen longest ago.
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    e.lastSeen = o.now;
    e.frames++;
    if (o.login) e.logins++;
    e.remote = o.remote;
    e.channel = o.channel;
    return { entry: e, isNew };
  }

  /** Forgets a terminal (e.g. once it has been added to the archive). */
  release(a1: string, a2: number): boolean {
    return this.entries.delete(terminalKeyOf(a1, a2));
  }

  get(a1: string, a2: number): QuarantineEntry | undefined {
    return this.entries.get(terminalKeyOf(a1, a2));
  }

  list(): QuarantineEntry[] {
    return [...this.entries.values()].map((e) => ({ ...e })).sort((a, b) => a.terminal.localeCompare(b.terminal));
  }

  get size(): number {
    return this.entries.size;
  }

  private evictOldest(): void {
    const k = this.entries.keys().next().value;
    if (k !== undefined) this.entries.delete(k);
  }
}
