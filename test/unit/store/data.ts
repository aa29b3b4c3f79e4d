/**
 * Deterministic test batches of the store tests, importable outside vitest (the crash test's child
 * process uses them too).
 */
import type { Reading } from '../../../src/store/store.js';

/** 2024-05-01 00:00 China time. */
export const DAY1 = Date.UTC(2024, 4, 1) - 8 * 3_600_000;

/** Batch n: `size` meters ((n−1)·size + 1 …), a daily energy indication each, values derived from n. */
export function batchOf(n: number, size = 200): Reading[] {
  return Array.from({ length: size }, (_, i) => {
    const meter = (n - 1) * size + i + 1;
    const total = Math.round((1000 + n * 3.1 + i * 0.77) * 10_000) / 10_000;
    return { meter, kind: 'day', quantity: 'ea_imp', time: DAY1, values: [total, total / 2, null, Math.round(total * 25) / 100, 0], quality: 'collected', readAt: DAY1 + n * 1000 };
  });
}
