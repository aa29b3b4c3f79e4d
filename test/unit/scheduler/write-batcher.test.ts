import { describe, expect, it } from 'vitest';
import { WriteBatcher } from '../../../src/scheduler/write-batcher.js';
import { MemoryStore } from '../../../src/store/memory.js';
import type { Reading } from '../../../src/store/store.js';

const T = Date.UTC(2024, 4, 2, 16); // 00:00 CST
const r = (meter: number, values: (number | null)[] = [1]): Reading => ({ meter, kind: 'day', quantity: 'ea_imp', time: T, values, quality: 'collected' });

class CountingStore extends MemoryStore {
  writes: number[] = [];
  override async writeReadings(batch: readonly Reading[]): Promise<void> {
    this.writes.push(batch.length);
    return super.writeReadings(batch);
  }
}

describe('WriteBatcher (group commit)', () => {
  it('writes of one event-loop turn go to the store as one batch', async () => {
    const store = new CountingStore();
    const b = new WriteBatcher(store);
    await Promise.all([b.write([r(1), r(2)]), b.write([r(3)]), b.write([r(4)])]);
    expect(store.writes).toEqual([4]);
    expect(store.size).toBe(4);
    expect(b.pending).toBe(0);
  });

  it('splits at maxBatch', async () => {
    const store = new CountingStore();
    const b = new WriteBatcher(store, 3);
    await Promise.all([b.write([r(1), r(2)]), b.write([r(3), r(4)]), b.write([r(5)])]);
    expect(store.writes).toEqual([2, 3]);
  });

  it('a part the store refuses fails alone', async () => {
    const store = new CountingStore();
    const b = new WriteBatcher(store);
    const good = b.write([r(1)]);
    const bad = b.write([r(0)]); // meter ids start at 1: refused as bad data
    const also = b.write([r(2)]);
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow(/meter/);
    await expect(also).resolves.toBeUndefined();
    expect(store.size).toBe(2);
  });
});
