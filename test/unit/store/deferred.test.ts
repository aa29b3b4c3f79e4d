/**
 * DeferredStore (src/store/deferred.ts): a store whose server is down at startup is opened in the
 * background. Before it opens every call fails transiently (StoreUnavailableError), attempts back off
 * 1, 2, 4 … 30 s on the injected clock, other errors at startup are thrown (configuration problems),
 * close stops the attempts — and behind the spool nothing acknowledged meanwhile is lost.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { DeferredStore, openOrDefer } from '../../../src/store/deferred.js';
import { StoreUnavailableError } from '../../../src/store/errors.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { SpooledStore } from '../../../src/store/spool.js';
import type { ReadingStore } from '../../../src/store/store.js';
import { DAY1, batchOf, catchLogs, removeTmpDirs, tmpDir } from './helpers.js';

afterAll(removeTmpDirs);

/** An opener that fails with `error` until `up` is set, counting its calls. */
function opener(error: () => Error = () => new StoreUnavailableError('influxdb', 'connect ECONNREFUSED')): { open: () => Promise<ReadingStore>; calls: () => number; up: (s: ReadingStore) => void } {
  let calls = 0;
  let store: ReadingStore | undefined;
  return {
    open: () => {
      calls++;
      return store ? Promise.resolve(store) : Promise.reject(error());
    },
    calls: () => calls,
    up: (s) => (store = s),
  };
}

/** Lets the promise callbacks of a fired timer run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('openOrDefer', () => {
  it('returns the store itself when it opens at once', async () => {
    const inner = new MemoryStore();
    const o = opener();
    o.up(inner);
    expect(await openOrDefer('influxdb', o.open)).toBe(inner);
  });

  it('throws what is not an outage (credentials, version): the operator must fix the configuration', async () => {
    const o = opener(() => new Error('401 unauthorized'));
    await expect(openOrDefer('influxdb', o.open)).rejects.toThrow('401 unauthorized');
  });

  it('server down: starts without it, fails calls transiently, retries with back-off, then delegates', async () => {
    const clock = new ManualClock();
    const { logger, lines } = catchLogs();
    const o = opener();
    const s = await openOrDefer('influxdb', o.open, { clock, logger });
    expect(s).toBeInstanceOf(DeferredStore);
    expect(lines.find((l) => l.event === 'store-deferred')).toMatchObject({ level: 40, store: 'influxdb' });
    expect(s.name).toBe('influxdb');
    await expect(s.writeReadings(batchOf(1, 3))).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(s.missing({ kind: 'day', quantity: 'ea_imp', meters: [1], times: [DAY1] })).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(s.readings({ kind: 'day', from: 0, to: DAY1 + 1 })[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await s.health()).toMatchObject({ ok: false });
    // attempts at +1, +2, +4, +8 s
    for (const [ms, calls] of [[999, 1], [1, 2], [1999, 2], [1, 3], [4000, 4], [8000, 5]] as const) {
      clock.advance(ms);
      await settle();
      expect(o.calls()).toBe(calls);
    }
    const inner = new MemoryStore();
    o.up(inner);
    clock.advance(16_000);
    await settle();
    expect(o.calls()).toBe(6);
    expect(lines.find((l) => l.event === 'store-opened')).toMatchObject({ level: 30, attempts: 6 });
    expect(s.name).toBe('memory');
    await s.writeReadings(batchOf(1, 3));
    expect(await s.missing({ kind: 'day', quantity: 'ea_imp', meters: [1, 2, 3, 4], times: [DAY1] })).toEqual([{ meter: 4, time: DAY1 }]);
    expect(clock.pending).toBe(0);
    await s.close();
  });

  it('back-off is capped at 30 s; close stops the attempts', async () => {
    const clock = new ManualClock();
    const o = opener();
    const s = await openOrDefer('influxdb', o.open, { clock });
    for (const ms of [1000, 2000, 4000, 8000, 16_000]) {
      clock.advance(ms);
      await settle();
    }
    expect(o.calls()).toBe(6);
    clock.advance(29_999);
    await settle();
    expect(o.calls()).toBe(6);
    clock.advance(1);
    await settle();
    expect(o.calls()).toBe(7);
    await s.close();
    expect(clock.pending).toBe(0);
    clock.advance(3_600_000);
    await settle();
    expect(o.calls()).toBe(7);
  });

  it('behind the spool: writes are acknowledged while the store is down and forwarded once it opens', async () => {
    const clock = new ManualClock();
    const o = opener();
    const deferred = await openOrDefer('influxdb', o.open, { clock });
    const spool = await SpooledStore.open(deferred, { dir: tmpDir(), clock, retry: { initialMs: 500, maxMs: 500 } });
    await spool.writeReadings(batchOf(1, 5));
    await spool.writeReadings(batchOf(2, 5));
    await vi.waitFor(() => expect(spool.status()).toMatchObject({ state: 'retrying', pendingReadings: 10 }));
    const inner = new MemoryStore();
    o.up(inner);
    for (let i = 0; i < 10 && spool.status().pendingReadings > 0; i++) {
      clock.advance(1000);
      await vi.waitFor(() => expect(spool.status().state).not.toBe('forwarding'));
    }
    expect(spool.status()).toMatchObject({ state: 'idle', pendingReadings: 0 });
    const got: number[] = [];
    for await (const r of inner.readings({ kind: 'day', from: 0, to: DAY1 + 1 })) got.push(r.meter);
    expect(got.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await spool.close();
  });
});
