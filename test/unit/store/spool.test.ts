/**
 * The write-ahead spool in one process: acknowledgement after fsync, group commit, store down →
 * exponential back-off → in-order replay, replay after reopen, torn and corrupt records, stale
 * checkpoints, refused batches, segment rollover, the directory lock. Time is a ManualClock; waiting for
 * the forwarder's disk I/O uses vi.waitFor (polling, no timing assertions).
 */
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { SpoolLockedError, StoreClosedError, StoreInputError } from '../../../src/store/errors.js';
import { SpooledStore } from '../../../src/store/spool.js';
import { eventsRecord } from '../../../src/store/spool/payload.js';
import { scanRecords } from '../../../src/store/spool/record.js';
import { collect, cstDay, reading } from '../../helpers/store-contract.js';
import { DAY1, FlakyStore, batchOf, catchLogs, removeTmpDirs, tmpDir } from './helpers.js';

const ALL = { from: 0, to: cstDay(2030, 1, 1) };
const WAIT = { timeout: 15_000, interval: 5 };
const open: SpooledStore[] = [];
async function openSpool(inner: FlakyStore, dir: string, o: Partial<Parameters<typeof SpooledStore.open>[1]> = {}): Promise<SpooledStore> {
  const s = await SpooledStore.open(inner, { dir, ...o });
  open.push(s);
  return s;
}
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
afterAll(removeTmpDirs);

const segmentFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith('seg-')).sort();
const lastSegment = (dir: string): string => path.join(dir, segmentFiles(dir).at(-1)!);

describe('spool', () => {
  it('acknowledges a batch once its record is on disk, even with the store down', async () => {
    const dir = tmpDir();
    const inner = new FlakyStore();
    inner.down = true;
    const s = await openSpool(inner, dir, { clock: new ManualClock() });
    await s.writeReadings(batchOf(1));
    const scan = scanRecords(readFileSync(lastSegment(dir)));
    expect(scan.problem).toBeUndefined();
    expect(scan.records.map((r) => r.count)).toEqual([200]);
    expect(s.status()).toMatchObject({ pendingBatches: 1, pendingReadings: 200, acknowledgedBatches: 1, fsyncs: 1 });
  });

  it('group commit: batches arriving during an fsync share the next one, in call order', async () => {
    const dir = tmpDir();
    const inner = new FlakyStore();
    inner.down = true;
    const s = await openSpool(inner, dir, { clock: new ManualClock() });
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.writeReadings(batchOf(i + 1, 10))));
    const st = s.status();
    expect(st.acknowledgedBatches).toBe(50);
    expect(st.fsyncs).toBeLessThan(50);
    const scan = scanRecords(readFileSync(lastSegment(dir)));
    expect(scan.records.map((r) => r.appendedAt)).toHaveLength(50);
    await s.close();
    // Replayed in call order into a working store.
    const up = new FlakyStore();
    const s2 = await openSpool(up, dir, { clock: new ManualClock() });
    await s2.flush();
    expect(up.writes.flat().map((r) => r.meter)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  });

  it('gaps: what the spool holds is no gap — also after a restart (the index is rebuilt from the segments) and once forwarded', async () => {
    const dir = tmpDir();
    const down = new FlakyStore();
    down.down = true;
    const s = await openSpool(down, dir, { clock: new ManualClock() });
    await s.writeReadings([reading(1, 'day', 'ea_imp', DAY1, [1]), reading(2, 'day', 'ea_imp', DAY1, [2])]);
    await s.writeReadings([reading(2, 'day', 'ea_imp', DAY1, [3]), reading(4, 'day', 'er_imp', DAY1, [4])]);
    const q = { kind: 'day', quantity: 'ea_imp', meters: [1, 2, 3, 4], times: [DAY1] } as const;
    const gaps = [{ meter: 3, time: DAY1 }, { meter: 4, time: DAY1 }];
    expect(await s.missing(q)).toEqual(gaps);
    await s.close();
    const s2 = await openSpool(down, dir, { clock: new ManualClock() });
    expect(s2.status().pendingReadings).toBe(4);
    expect(await s2.missing(q)).toEqual(gaps);
    await s2.close();
    const up = new FlakyStore();
    const s3 = await openSpool(up, dir, { clock: new ManualClock() });
    await s3.flush();
    expect(s3.status().pendingReadings).toBe(0);
    expect(await s3.missing(q)).toEqual(gaps);
  });

  it('keeps batches while the store is down, backs off exponentially to the cap, then forwards them in order', async () => {
    const dir = tmpDir();
    const clock = new ManualClock();
    const { logger, lines } = catchLogs();
    const inner = new FlakyStore();
    inner.down = true;
    const s = await openSpool(inner, dir, { clock, logger, retry: { initialMs: 1000, maxMs: 8000, factor: 2 } });
    const t = DAY1;
    await s.writeReadings([reading(1, 'day', 'ea_imp', t, [1]), reading(2, 'day', 'ea_imp', t, [10])]);
    await vi.waitFor(() => expect(inner.attempts).toBe(1), WAIT);
    await s.writeReadings([reading(3, 'day', 'ea_imp', t, [30])]);
    await s.writeEvents([{ terminal: 1, erc: 14, time: t, important: true, record: { n: 1 } }]);
    await s.writeReadings([reading(1, 'day', 'ea_imp', t, [2])]); // rewrites meter 1: order matters
    let st = s.status();
    expect(st).toMatchObject({ state: 'retrying', pendingBatches: 4, pendingReadings: 4, pendingEvents: 1, consecutiveFailures: 1, lastError: { message: 'connection refused' } });
    expect(st.retryAt! - clock.now()).toBe(1000);
    expect(st.oldestPendingAt).toBe(clock.now());
    expect(lines.filter((l) => l.event === 'spool-store-failed')).toHaveLength(1);

    // Reads do not wait for a store that is down; gaps count what the spool holds (nothing acknowledged is
    // asked again): meter 1 is held, meter 5 was never written.
    expect(await s.missing({ kind: 'day', quantity: 'ea_imp', meters: [1, 5], times: [t] })).toEqual([{ meter: 5, time: t }]);

    const delays: number[] = [];
    for (let attempt = 2; attempt <= 6; attempt++) {
      const wait = s.status().retryAt! - clock.now();
      delays.push(wait);
      clock.advance(wait - 1);
      expect(inner.attempts).toBe(attempt - 1);
      clock.advance(1);
      await vi.waitFor(() => expect(s.status().consecutiveFailures).toBe(attempt), WAIT);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000]);
    st = s.status();
    expect(st.oldestPendingAgeMs).toBe(23_000);

    inner.down = false;
    clock.advance(s.status().retryAt! - clock.now());
    await s.flush();
    // The two reading runs around the event batch, in order; the later rewrite of meter 1 won.
    expect(inner.writes.map((w) => w.map((r) => `${r.meter}:${r.values[0]}`))).toEqual([['1:1', '2:10', '3:30'], ['1:2']]);
    expect(inner.eventWrites).toHaveLength(1);
    expect((await collect(s.readings({ kind: 'day', meters: [1], ...ALL })))[0]!.values).toEqual([2]);
    st = s.status();
    expect(st).toMatchObject({ state: 'idle', pendingBatches: 0, pendingBytes: 0, consecutiveFailures: 0, forwardedBatches: 4, oldestPendingAt: null, oldestPendingAgeMs: 0 });
    expect(st.lastError?.message).toBe('connection refused');
    expect(lines.some((l) => l.event === 'spool-store-back')).toBe(true);
  });

  it('replays what is left at open, in order, and deletes forwarded segments', async () => {
    const dir = tmpDir();
    const down = new FlakyStore();
    down.down = true;
    const s1 = await openSpool(down, dir, { clock: new ManualClock(), segmentBytes: 20_000 });
    for (let n = 1; n <= 10; n++) await s1.writeReadings(batchOf(n));
    await s1.writeEvents([{ terminal: 7, erc: 1, time: DAY1, important: false, record: {} }]);
    expect(segmentFiles(dir).length).toBeGreaterThan(2);
    await s1.close();
    expect(down.closed).toBe(true);

    const { logger, lines } = catchLogs();
    const up = new FlakyStore();
    const s2 = await openSpool(up, dir, { clock: new ManualClock(), logger, maxForwardReadings: 600 });
    expect(s2.status().replayedBatches).toBe(11);
    expect(lines.some((l) => l.event === 'spool-replay')).toBe(true);
    await s2.flush();
    expect(up.writes.map((w) => w.length)).toEqual([600, 600, 600, 200]);
    expect(up.writes.flat()).toEqual(Array.from({ length: 10 }, (_, i) => batchOf(i + 1)).flat());
    expect(up.eventWrites).toHaveLength(1);
    await s2.writeReadings(batchOf(11));
    await s2.flush();
    expect(segmentFiles(dir)).toHaveLength(1);
    await s2.close();
    // Nothing is forwarded twice after a clean close.
    const again = new FlakyStore();
    const s3 = await openSpool(again, dir, { clock: new ManualClock() });
    expect(s3.status().replayedBatches).toBe(0);
  });

  it('ignores a torn last record with a warning, replays the records before it and goes on appending', async () => {
    for (const damage of ['header', 'body', 'crc', 'garbage', 'empty'] as const) {
      const dir = tmpDir();
      const down = new FlakyStore();
      down.down = true;
      const s1 = await openSpool(down, dir, { clock: new ManualClock() });
      for (let n = 1; n <= 3; n++) await s1.writeReadings(batchOf(n, 5));
      await s1.close();
      const file = lastSegment(dir);
      const size = readFileSync(file).length;
      const partial = eventsRecord([{ terminal: 1, erc: 1, time: DAY1, important: false, record: { x: 'y'.repeat(50) } }], 1);
      if (damage === 'header') appendFileSync(file, partial.subarray(0, 7));
      if (damage === 'body') appendFileSync(file, partial.subarray(0, partial.length - 3));
      if (damage === 'garbage') appendFileSync(file, Buffer.from('not a record at all'));
      if (damage === 'crc') {
        const b = readFileSync(file);
        b[b.length - 2]! ^= 0x40; // inside the last record's payload
        writeFileSync(file, b);
      }
      if (damage === 'empty') writeFileSync(path.join(dir, 'seg-00000000000000000099.log'), '');

      const { logger, lines } = catchLogs();
      const up = new FlakyStore();
      const s2 = await openSpool(up, dir, { clock: new ManualClock(), logger });
      await s2.flush();
      const expected = damage === 'crc' ? [1, 2] : [1, 2, 3];
      expect(up.writes.flat(), damage).toEqual(expected.flatMap((n) => batchOf(n, 5)));
      if (damage !== 'empty') expect(lines.filter((l) => l.event === 'spool-torn-record').length, damage).toBe(1);
      await s2.writeReadings(batchOf(4, 5));
      await s2.flush();
      expect(up.writes.flat().slice(-5)).toEqual(batchOf(4, 5));
      expect(existsSync(file), `${damage}: the damaged segment is deleted once forwarded (${size} bytes)`).toBe(false);
      await s2.close();
    }
  });

  it('treats a checkpoint that points nowhere as a hint: replays the whole segment (idempotent)', async () => {
    const dir = tmpDir();
    const down = new FlakyStore();
    down.down = true;
    const s1 = await openSpool(down, dir, { clock: new ManualClock() });
    for (let n = 1; n <= 3; n++) await s1.writeReadings(batchOf(n, 5));
    await s1.close();
    const seq = Number(/\d+/.exec(segmentFiles(dir)[0]!)![0]);
    writeFileSync(path.join(dir, 'checkpoint'), JSON.stringify({ segment: seq, offset: 13 }));
    const { logger, lines } = catchLogs();
    const up = new FlakyStore();
    const s2 = await openSpool(up, dir, { clock: new ManualClock(), logger });
    await s2.flush();
    expect(up.writes.flat()).toEqual([1, 2, 3].flatMap((n) => batchOf(n, 5)));
    expect(lines.some((l) => l.event === 'spool-stale-checkpoint')).toBe(true);
    await s2.close();
    writeFileSync(path.join(dir, 'checkpoint'), 'garbage');
    const s3 = await openSpool(new FlakyStore(), dir, { clock: new ManualClock() });
    expect(s3.status().pendingBatches).toBe(0);
  });

  it('never numbers a new segment below the checkpoint (which would read as forwarded)', async () => {
    const dir = tmpDir();
    const s1 = await openSpool(new FlakyStore(), dir, { clock: new ManualClock() });
    await s1.writeReadings(batchOf(1, 5));
    await s1.flush();
    await s1.close();
    // Every segment forwarded and removed (as a crash right after the removal leaves it); the checkpoint remains.
    for (const f of segmentFiles(dir)) rmSync(path.join(dir, f));
    expect(JSON.parse(readFileSync(path.join(dir, 'checkpoint'), 'utf8'))).toMatchObject({ segment: 1 });
    const down = new FlakyStore();
    down.down = true;
    const s2 = await openSpool(down, dir, { clock: new ManualClock() });
    await s2.writeReadings(batchOf(2, 5));
    await s2.close();
    const up = new FlakyStore();
    const s3 = await openSpool(up, dir, { clock: new ManualClock() });
    await s3.flush();
    expect(up.writes.flat()).toEqual(batchOf(2, 5));
  });

  it('sets a batch the store refuses as bad data aside, one by one, and forwards the rest', async () => {
    const dir = tmpDir();
    const { logger, lines } = catchLogs();
    const down = new FlakyStore();
    down.down = true;
    const s1 = await openSpool(down, dir, { clock: new ManualClock() });
    for (let n = 1; n <= 4; n++) await s1.writeReadings(batchOf(n, 5));
    await s1.close();
    const inner = new FlakyStore();
    inner.refuse = (batch) => batch.some((r) => r.meter === 12); // in batch 3
    const s2 = await openSpool(inner, dir, { clock: new ManualClock(), logger });
    await s2.flush();
    expect(inner.writes.flat()).toEqual([1, 2, 4].flatMap((n) => batchOf(n, 5)));
    expect(s2.status()).toMatchObject({ rejectedBatches: 1, forwardedBatches: 3, pendingBatches: 0 });
    expect(lines.filter((l) => l.event === 'spool-rejected')).toHaveLength(1);
    const rejected = scanRecords(readFileSync(path.join(dir, 'rejected.log')));
    expect(rejected.records.map((r) => r.count)).toEqual([5]);
  });

  it('validates before acknowledging: bad data is refused at once and never spooled', async () => {
    const dir = tmpDir();
    const s = await openSpool(new FlakyStore(), dir, { clock: new ManualClock() });
    await expect(s.writeReadings([reading(1, 'day', 'ea_imp', DAY1 + 1, [1])])).rejects.toBeInstanceOf(StoreInputError);
    expect(s.status().acknowledgedBatches).toBe(0);
  });

  it('takes the directory lock; a dead process’s lock is taken over', async () => {
    const dir = tmpDir();
    const s = await openSpool(new FlakyStore(), dir, { clock: new ManualClock() });
    await expect(SpooledStore.open(new FlakyStore(), { dir })).rejects.toBeInstanceOf(SpoolLockedError);
    await s.close();
    writeFileSync(path.join(dir, 'LOCK'), '2147483646'); // no such process
    const s2 = await openSpool(new FlakyStore(), dir, { clock: new ManualClock() });
    expect(readFileSync(path.join(dir, 'LOCK'), 'utf8')).toBe(String(process.pid));
    await s2.close();
    expect(existsSync(path.join(dir, 'LOCK'))).toBe(false);
  });

  it('close: finishes appends in flight, refuses new writes, rejects flush waiters, keeps the backlog', async () => {
    const dir = tmpDir();
    const down = new FlakyStore();
    down.down = true;
    const s = await openSpool(down, dir, { clock: new ManualClock() });
    const writes = [s.writeReadings(batchOf(1, 5)), s.writeReadings(batchOf(2, 5))];
    const flushed = s.flush();
    const closed = s.close();
    await Promise.all(writes);
    await expect(flushed).rejects.toBeInstanceOf(StoreClosedError);
    await closed;
    await expect(s.writeReadings(batchOf(3, 5))).rejects.toBeInstanceOf(StoreClosedError);
    expect(s.status().state).toBe('closed');
    const up = new FlakyStore();
    const s2 = await openSpool(up, dir, { clock: new ManualClock() });
    await s2.flush();
    expect(up.writes.flat()).toEqual([1, 2].flatMap((n) => batchOf(n, 5)));
  });

  it('rolls segments past segmentBytes and deletes them once forwarded', async () => {
    const dir = tmpDir();
    const inner = new FlakyStore();
    const s = await openSpool(inner, dir, { clock: new ManualClock(), segmentBytes: 4096 });
    for (let n = 1; n <= 30; n++) await s.writeReadings(batchOf(n, 20));
    await s.flush();
    expect(segmentFiles(dir).length).toBeLessThanOrEqual(2);
    expect(inner.writes.flat()).toEqual(Array.from({ length: 30 }, (_, i) => batchOf(i + 1, 20)).flat());
    expect(s.status().segments).toBeLessThanOrEqual(2);
  });
});
