/** Shared pieces of the store tests: a store that can be taken down, a log catcher; batches from data.ts. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { StoreInputError } from '../../../src/store/errors.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { EventQuery, Gap, GapQuery, Reading, ReadingQuery, ReadingStore, StoreHealth, StoredEvent } from '../../../src/store/store.js';

const created: string[] = [];

/** A fresh temporary directory, removed by `removeTmpDirs()` (call it in afterAll). */
export function tmpDir(prefix = 'hes-spool-'): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(d);
  return d;
}

export function removeTmpDirs(): void {
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A MemoryStore whose writes fail while `down`, and which records every successful write call. */
export class FlakyStore implements ReadingStore {
  readonly name = 'flaky';
  readonly mem = new MemoryStore();
  down = false;
  /** Refuse (permanently) a write whose batch matches. */
  refuse: ((batch: readonly Reading[]) => boolean) | undefined;
  attempts = 0;
  readonly writes: Reading[][] = [];
  readonly eventWrites: StoredEvent[][] = [];
  closed = false;

  async writeReadings(batch: readonly Reading[]): Promise<void> {
    this.attempts++;
    if (this.down) throw new Error('connection refused');
    if (this.refuse?.(batch)) throw new StoreInputError(0, 'values', 'refused by the test');
    await this.mem.writeReadings(batch);
    this.writes.push([...batch]);
  }
  async writeEvents(batch: readonly StoredEvent[]): Promise<void> {
    this.attempts++;
    if (this.down) throw new Error('connection refused');
    await this.mem.writeEvents(batch);
    this.eventWrites.push([...batch]);
  }
  readings(q: ReadingQuery): AsyncIterable<Reading> {
    return this.mem.readings(q);
  }
  events(q: EventQuery): AsyncIterable<StoredEvent> {
    return this.mem.events(q);
  }
  missing(q: GapQuery): Promise<Gap[]> {
    return this.mem.missing(q);
  }
  health(): Promise<StoreHealth> {
    return Promise.resolve(this.down ? { ok: false, detail: 'down' } : { ok: true, detail: 'up' });
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

export interface LogLine {
  level: number;
  msg: string;
  event?: string;
  [k: string]: unknown;
}

/** A pino logger whose lines land in `lines`. */
export function catchLogs(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines };
}

export { DAY1, batchOf } from './data.js';
