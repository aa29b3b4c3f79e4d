/**
 * Group commit in front of the store: the readings of answers that arrive in the same turn of the event
 * loop (many terminals answer at once during a round) go to the store as one `writeReadings` batch, so
 * a store that makes every write durable (fsync) pays once per batch, not once per answer. Each caller's
 * promise settles with the batch that carried its readings; when a batch of several callers fails, each
 * part is written again on its own, so bad data refused by the store fails only its own caller.
 */
import type { Reading, ReadingStore } from '../store/store.js';

interface Part {
  readings: readonly Reading[];
  resolve(): void;
  reject(e: unknown): void;
}

export class WriteBatcher {
  private queue: Part[] = [];
  private size = 0;
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ReadingStore,
    /** Readings per store write (a larger queue is written in several). */
    private readonly maxBatch = 20_000,
    /** Told of every batch once it is in the store (the bus topic `readings`). */
    private readonly onWritten?: (readings: readonly Reading[]) => void,
  ) {}

  write(readings: readonly Reading[]): Promise<void> {
    if (readings.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ readings, resolve, reject });
      this.size += readings.length;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flushing = this.flushing.then(() => this.flush());
        });
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length) {
      const parts: Part[] = [];
      let n = 0;
      while (this.queue.length && (parts.length === 0 || n + this.queue[0]!.readings.length <= this.maxBatch)) {
        const p = this.queue.shift()!;
        parts.push(p);
        n += p.readings.length;
      }
      this.size -= n;
      try {
        const batch = parts.length === 1 ? parts[0]!.readings : parts.flatMap((p) => p.readings);
        await this.store.writeReadings(batch);
        this.onWritten?.(batch);
        for (const p of parts) p.resolve();
      } catch (e) {
        if (parts.length === 1) parts[0]!.reject(e);
        else
          for (const p of parts) {
            try {
              await this.store.writeReadings(p.readings);
              this.onWritten?.(p.readings);
              p.resolve();
            } catch (e2) {
              p.reject(e2);
            }
          }
      }
    }
  }

  /** Readings waiting for their batch. */
  get pending(): number {
    return this.size;
  }
}
