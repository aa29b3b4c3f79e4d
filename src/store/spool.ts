/**
 * The write-ahead spool (issue 7, "Durability"): a ReadingStore in front of any other. A write is
 * validated, appended as one record (spool/record.ts: length + CRC-32) to the current segment file
 * and fdatasync'd before its promise resolves — so what the scheduler acknowledges to a terminal
 * survives kill -9 and power loss. Group commit: batches arriving while an fsync is in flight share the
 * next one.
 *
 * A background forwarder writes the records to the backing store in order (consecutive records of one
 * type coalesced up to `maxForwardReadings`), and only then moves its checkpoint and deletes fully
 * forwarded segments. While the store fails it keeps the record and retries with exponential back-off
 * (`retry`, on the injected clock): the spool grows on disk and drains in order when the store returns.
 * A store that refuses a record as bad data (errors.ts `isPermanentStoreError`; cannot happen for data
 * this spool validated unless the store's rules are stricter) gets it one batch at a time to find the
 * culprit, which is set aside to `rejected.log` with an error log — it never blocks what follows.
 *
 * Open replays what is left, in order: every segment from the checkpoint on, record by record; a record
 * cut short or failing its CRC (a crash mid-append: never acknowledged) is ignored with a warning
 * together with the rest of its segment, never a crash. Forwarding is at least once — a crash between
 * the store's commit and the checkpoint forwards a record again — which the contract's idempotent
 * upserts (readings and events) make harmless.
 *
 * Reads go to the backing store, after waiting (at most `readWaitMs`) until the writes acknowledged
 * before the read have been forwarded: read-your-writes while the store is up. While the store is failing
 * (back-off) reads do not wait: they see what the store has, without the spooled backlog (`status()` tells
 * how much that is). `flush()` waits for everything written so far without a bound.
 *
 * Gaps (`missing`) are the exception: 补采 must never ask again what was acknowledged, and a backlog can
 * last long (a slow InfluxDB behind 1 M meters, or one that is down). The spool keeps an index of the
 * (kind, quantity, time, meter) keys of its pending readings — rebuilt from the segments on open — and a
 * gap the backing store reports is dropped when the spool holds it; keys forwarded while a gap query runs
 * count as held for that query, so nothing slips between the two.
 */
import fs, { type FileHandle } from 'node:fs/promises';
import { realClock, type Clock, type Timer } from '../clock.js';
import { silentLogger, type Logger } from '../logger.js';
import { SpoolWriteError, StoreClosedError, isPermanentStoreError } from './errors.js';
import { isUsable, type EventQuery, type Gap, type GapQuery, type Reading, type ReadingQuery, type ReadingStore, type StoreHealth, type StoredEvent } from './store.js';
import { validateEvents, validateReadings } from './validate.js';
import { decodeEvents, decodeReadings, eventsRecord, readingsRecord } from './spool/payload.js';
import { EVENTS, READINGS, openRecord, scanRecords, type RecordType } from './spool/record.js';
import { SpoolDir } from './spool/spool-dir.js';

export interface SpoolOptions {
  /** The spool directory (the head-end uses `<data>/spool`). */
  dir: string;
  logger?: Logger;
  clock?: Clock;
  /** A segment file is closed and a new one started past this size (default 32 MiB). */
  segmentBytes?: number;
  /** Readings (or events) per forwarded store write, coalescing records (default 20 000). */
  maxForwardReadings?: number;
  /** Back-off while the store fails: first delay, cap, factor (default 500 ms, 60 s, 2). */
  retry?: { initialMs?: number; maxMs?: number; factor?: number };
  /** How long a read waits for earlier acknowledged writes to reach the store (default 2000 ms). */
  readWaitMs?: number;
}

export interface SpoolStatus {
  dir: string;
  /** idle: nothing pending; forwarding: draining; retrying: the store failed, waiting to retry. */
  state: 'idle' | 'forwarding' | 'retrying' | 'closed';
  pendingBatches: number;
  pendingReadings: number;
  pendingEvents: number;
  pendingBytes: number;
  /** When the oldest pending batch was acknowledged (UTC ms), null when none. */
  oldestPendingAt: number | null;
  oldestPendingAgeMs: number;
  /** The store's last write failure (kept after recovery; see consecutiveFailures). */
  lastError: { message: string; at: number } | null;
  consecutiveFailures: number;
  /** Next attempt while retrying. */
  retryAt: number | null;
  segments: number;
  /** Since open. */
  acknowledgedBatches: number;
  forwardedBatches: number;
  rejectedBatches: number;
  replayedBatches: number;
  fsyncs: number;
}

/**
 * Pending readings by `kind|quantity|time` (see `heldKey`): meter · 2 + 1 when the reading has a value,
 * meter · 2 when every value is null (an all-null reading is a gap in every store: missing() contract).
 */
type HeldKeys = Map<string, number[]>;

interface Entry {
  id: number;
  seg: number;
  offset: number;
  length: number;
  type: RecordType;
  count: number;
  appendedAt: number;
  /** Reading keys of the record (readings records only). */
  keys?: HeldKeys;
}

interface Queued {
  id: number;
  rec: Buffer;
  type: RecordType;
  count: number;
  appendedAt: number;
  keys?: HeldKeys;
  resolve(): void;
  reject(e: Error): void;
}

interface Waiter {
  target: number;
  read: boolean;
  resolve(): void;
  reject(e: Error): void;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const heldKey = (kind: string, quantity: string, time: number): string => `${kind}|${quantity}|${time}`;

function keysOf(batch: readonly Reading[]): HeldKeys {
  const out: HeldKeys = new Map();
  for (const r of batch) {
    const k = heldKey(r.kind, r.quantity, r.time);
    const code = r.meter * 2 + (isUsable(r) ? 1 : 0);
    const list = out.get(k);
    if (list) list.push(code);
    else out.set(k, [code]);
  }
  return out;
}

/** A meter's pending writes of one key: how many, and whether the latest has a value (it decides). */
interface HeldMeter {
  n: number;
  valued: boolean;
}

async function writeAll(fh: FileHandle, data: Buffer, pos: number): Promise<void> {
  for (let off = 0; off < data.length; ) {
    const { bytesWritten } = await fh.write(data, off, data.length - off, pos + off);
    off += bytesWritten;
  }
}

async function readExactly(fh: FileHandle, length: number, pos: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  for (let off = 0; off < length; ) {
    const { bytesRead } = await fh.read(buf, off, length - off, pos + off);
    if (bytesRead === 0) throw new RangeError(`spool segment ends ${length - off} bytes early`);
    off += bytesRead;
  }
  return buf;
}

export class SpooledStore implements ReadingStore {
  readonly name: string;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly segmentBytes: number;
  private readonly maxForward: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly retryFactor: number;
  private readonly readWaitMs: number;

  private writeSeq = 0;
  private writeFh: FileHandle | null = null;
  private writeSize = 0;
  private needRoll = false;
  /** Segments still on disk → read handle (opened on demand). */
  private readonly segs = new Map<number, FileHandle | null>();

  private pending: Entry[] = [];
  /** Pending readings: key → meter → its pending writes (released in the order they were pushed). */
  private readonly held = new Map<string, Map<number, HeldMeter>>();
  /** Keys forwarded while gap queries run (cleared when none runs). */
  private readonly forwardedDuring = new Map<string, Set<number>>();
  private gapQueries = 0;
  private pendingBytes = 0;
  private pendingReadings = 0;
  private pendingEvents = 0;

  private queue: Queued[] = [];
  private appendLoop: Promise<void> | null = null;
  private nextId = 0;
  private ackedThrough = 0;
  private waiters: Waiter[] = [];

  private forwarding: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private backoffMs: number;
  private retryTimer: Timer | null = null;
  private retryResolve: (() => void) | null = null;
  private retryAt: number | null = null;
  private lastError: { message: string; at: number } | null = null;
  private failures = 0;
  private singleStep = 0;

  private closing: Promise<void> | null = null;
  private stopping = false;
  private counters = { acknowledged: 0, forwarded: 0, rejected: 0, replayed: 0, fsyncs: 0 };

  private constructor(
    private readonly inner: ReadingStore,
    private readonly d: SpoolDir,
    o: SpoolOptions,
  ) {
    this.name = `${inner.name}+spool`;
    this.log = o.logger ?? silentLogger;
    this.clock = o.clock ?? realClock;
    this.segmentBytes = Math.max(1, o.segmentBytes ?? 32 * 1024 * 1024);
    this.maxForward = Math.max(1, o.maxForwardReadings ?? 20_000);
    this.retryInitialMs = Math.max(1, o.retry?.initialMs ?? 500);
    this.retryMaxMs = Math.max(this.retryInitialMs, o.retry?.maxMs ?? 60_000);
    this.retryFactor = Math.max(1, o.retry?.factor ?? 2);
    this.readWaitMs = Math.max(0, o.readWaitMs ?? 2000);
    this.backoffMs = this.retryInitialMs;
  }

  /** Takes the spool directory, replays what it holds into `inner` (in the background) and returns. */
  static async open(inner: ReadingStore, o: SpoolOptions): Promise<SpooledStore> {
    const d = await SpoolDir.lock(o.dir);
    const s = new SpooledStore(inner, d, o);
    try {
      await s.recover();
    } catch (e) {
      await s.writeFh?.close().catch(() => undefined);
      await d.unlock();
      throw e;
    }
    s.forwarding = s.forwardLoop().catch((e: unknown) => s.log.error({ event: 'spool-forwarder-failed', err: message(e) }, 'spool forwarder stopped'));
    return s;
  }

  // ── recovery ─────────────────────────────────────────────────────────────────────────────────────

  private async recover(): Promise<void> {
    const segs = await this.d.segments();
    const cp = await this.d.readCheckpoint();
    for (const seq of segs) {
      if (cp && seq < cp.segment) {
        await this.d.removeSegment(seq);
        continue;
      }
      const file = this.d.segmentPath(seq);
      const buf = await fs.readFile(file);
      let start = cp && seq === cp.segment ? cp.offset : 0;
      if (start > buf.length) start = 0;
      let scan = scanRecords(buf, start);
      if (start > 0 && scan.records.length === 0 && scan.problem?.offset === start) {
        this.log.warn({ event: 'spool-stale-checkpoint', segment: file, offset: start }, 'spool checkpoint does not point at a record: replaying the segment from its start');
        scan = scanRecords(buf, 0);
      }
      if (scan.problem) {
        this.log.warn(
          { event: 'spool-torn-record', segment: file, offset: scan.problem.offset, bytes: scan.problem.bytes, reason: scan.problem.reason },
          `spool: ${scan.problem.reason} at ${file}:${scan.problem.offset}; the last ${scan.problem.bytes} bytes of the segment are ignored (an append cut short by a crash is never acknowledged)`,
        );
      }
      if (scan.records.length === 0) {
        await this.d.removeSegment(seq);
        continue;
      }
      this.segs.set(seq, null);
      for (const r of scan.records) {
        const e: Entry = { id: ++this.nextId, seg: seq, offset: r.offset, length: r.length, type: r.type, count: r.count, appendedAt: r.appendedAt };
        if (r.type === READINGS) {
          const { info, payload } = openRecord(buf.subarray(r.offset, r.offset + r.length));
          e.keys = keysOf(decodeReadings(payload, info.count));
        }
        this.pushEntry(e);
      }
    }
    this.ackedThrough = this.nextId;
    this.counters.replayed = this.pending.length;
    // Past the checkpoint's segment too: a new segment numbered below it would be taken as forwarded.
    this.writeSeq = Math.max(segs[segs.length - 1] ?? 0, cp?.segment ?? 0) + 1;
    this.writeFh = await this.d.createSegment(this.writeSeq);
    this.segs.set(this.writeSeq, null);
    if (this.pending.length > 0) {
      this.log.info(
        { event: 'spool-replay', batches: this.pending.length, readings: this.pendingReadings, events: this.pendingEvents, bytes: this.pendingBytes },
        `spool: replaying ${this.pending.length} batches to the ${this.inner.name} store`,
      );
    }
  }

  private pushEntry(e: Entry): void {
    this.pending.push(e);
    this.pendingBytes += e.length;
    if (e.type === READINGS) this.pendingReadings += e.count;
    else this.pendingEvents += e.count;
    for (const [k, codes] of e.keys ?? []) {
      let m = this.held.get(k);
      if (!m) this.held.set(k, (m = new Map()));
      for (const code of codes) {
        const meter = Math.floor(code / 2);
        const h = m.get(meter);
        if (h) {
          h.n++;
          h.valued = code % 2 === 1;
        } else m.set(meter, { n: 1, valued: code % 2 === 1 });
      }
    }
  }

  /** Drops the keys of a record that reached the store (or was set aside). */
  private release(keys: HeldKeys): void {
    for (const [k, codes] of keys) {
      const m = this.held.get(k);
      if (!m) continue;
      let during = this.gapQueries > 0 ? this.forwardedDuring.get(k) : undefined;
      if (this.gapQueries > 0 && !during) this.forwardedDuring.set(k, (during = new Set()));
      for (const code of codes) {
        const meter = Math.floor(code / 2);
        const h = m.get(meter);
        if (h && --h.n === 0) m.delete(meter);
        if (code % 2 === 1) during?.add(meter);
      }
      if (m.size === 0) this.held.delete(k);
    }
  }

  // ── appending (group commit) ─────────────────────────────────────────────────────────────────────

  async writeReadings(batch: readonly Reading[]): Promise<void> {
    this.checkOpen();
    validateReadings(batch);
    if (batch.length === 0) return;
    const at = this.clock.now();
    return this.append(READINGS, readingsRecord(batch, at), batch.length, at, keysOf(batch));
  }

  async writeEvents(batch: readonly StoredEvent[]): Promise<void> {
    this.checkOpen();
    validateEvents(batch);
    if (batch.length === 0) return;
    const at = this.clock.now();
    return this.append(EVENTS, eventsRecord(batch, at), batch.length, at);
  }

  private checkOpen(): void {
    if (this.closing) throw new StoreClosedError('the spool');
  }

  private append(type: RecordType, rec: Buffer, count: number, appendedAt: number, keys?: HeldKeys): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ id: ++this.nextId, rec, type, count, appendedAt, ...(keys ? { keys } : {}), resolve, reject });
      if (!this.appendLoop) this.appendLoop = this.runAppends();
    });
  }

  private async runAppends(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        await this.commit(group);
      }
    } finally {
      this.appendLoop = null;
    }
  }

  /** One write + one fdatasync for every batch queued meanwhile. */
  private async commit(group: Queued[]): Promise<void> {
    const lastId = group[group.length - 1]!.id;
    try {
      if (this.needRoll || this.writeSize >= this.segmentBytes) await this.roll();
      const fh = this.writeFh!;
      const at = this.writeSize;
      const data = group.length === 1 ? group[0]!.rec : Buffer.concat(group.map((g) => g.rec));
      try {
        await writeAll(fh, data, at);
        await fh.datasync();
      } catch (e) {
        // Whatever reached the file is a torn tail now: continue in a new segment.
        this.needRoll = true;
        throw e;
      }
      this.counters.fsyncs++;
      this.writeSize = at + data.length;
      let off = at;
      for (const g of group) {
        this.pushEntry({ id: g.id, seg: this.writeSeq, offset: off, length: g.rec.length, type: g.type, count: g.count, appendedAt: g.appendedAt, ...(g.keys ? { keys: g.keys } : {}) });
        off += g.rec.length;
      }
      this.counters.acknowledged += group.length;
      this.ackedThrough = lastId;
      for (const g of group) g.resolve();
      this.wake?.();
    } catch (e) {
      this.ackedThrough = lastId;
      const err = new SpoolWriteError(this.d.dir, `append failed, ${group.length} batches not acknowledged: ${message(e)}`, { cause: e });
      this.log.error({ event: 'spool-append-failed', err: message(e), batches: group.length }, err.message);
      for (const g of group) g.reject(err);
    }
    this.checkWaiters();
  }

  private async roll(): Promise<void> {
    const next = this.writeSeq + 1;
    const fh = await this.d.createSegment(next);
    const old = this.writeFh;
    this.writeFh = fh;
    this.writeSeq = next;
    this.writeSize = 0;
    this.needRoll = false;
    this.segs.set(next, null);
    await old?.close().catch(() => undefined);
    await this.removeFinishedSegments();
  }

  // ── forwarding ───────────────────────────────────────────────────────────────────────────────────

  private async forwardLoop(): Promise<void> {
    while (!this.stopping) {
      if (this.pending.length === 0) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = null;
        continue;
      }
      const run = this.takeRun();
      let items: Reading[] | StoredEvent[];
      try {
        items = await this.load(run);
      } catch (e) {
        if (this.stopping) break;
        if (e instanceof RangeError || e instanceof SyntaxError) {
          if (run.length > 1) this.singleStep = run.length;
          else await this.setAside(run[0]!, `unreadable spool record: ${e.message}`);
          continue;
        }
        this.failed(e, 'reading the spool');
        await this.backoff();
        continue;
      }
      try {
        if (run[0]!.type === READINGS) await this.inner.writeReadings(items as Reading[]);
        else await this.inner.writeEvents(items as StoredEvent[]);
      } catch (e) {
        if (this.stopping) break;
        if (isPermanentStoreError(e)) {
          if (run.length > 1) {
            this.log.warn({ event: 'spool-isolating', batches: run.length, err: message(e) }, `the ${this.inner.name} store refused ${run.length} coalesced batches as bad data: forwarding them one by one`);
            this.singleStep = run.length;
          } else {
            await this.setAside(run[0]!, message(e));
          }
          continue;
        }
        this.failed(e, `writing to the ${this.inner.name} store`);
        await this.backoff();
        continue;
      }
      if (this.failures > 0) {
        this.log.info({ event: 'spool-store-back', failures: this.failures, pendingBatches: this.pending.length }, `the ${this.inner.name} store is back after ${this.failures} failed attempts; forwarding the spool`);
      }
      this.failures = 0;
      this.backoffMs = this.retryInitialMs;
      this.counters.forwarded += run.length;
      await this.confirm(run);
    }
  }

  /** Consecutive pending records of one type, up to maxForward items (one when isolating). */
  private takeRun(): Entry[] {
    const first = this.pending[0]!;
    if (this.singleStep > 0) {
      this.singleStep--;
      return [first];
    }
    const run = [first];
    let n = first.count;
    for (let i = 1; i < this.pending.length; i++) {
      const e = this.pending[i]!;
      if (e.type !== first.type || n + e.count > this.maxForward) break;
      run.push(e);
      n += e.count;
    }
    return run;
  }

  private async segmentHandle(seq: number): Promise<FileHandle> {
    let fh = this.segs.get(seq) ?? null;
    if (!fh) {
      fh = await fs.open(this.d.segmentPath(seq), 'r');
      this.segs.set(seq, fh);
    }
    return fh;
  }

  private async load(run: readonly Entry[]): Promise<Reading[] | StoredEvent[]> {
    const out: (Reading | StoredEvent)[] = [];
    for (const e of run) {
      const { info, payload } = openRecord(await readExactly(await this.segmentHandle(e.seg), e.length, e.offset));
      const items = info.type === READINGS ? decodeReadings(payload, info.count) : decodeEvents(payload, info.count);
      for (const x of items) out.push(x);
    }
    return out as Reading[] | StoredEvent[];
  }

  /** The run reached the store (or was set aside): drop it, move the checkpoint, delete old segments. */
  private async confirm(run: readonly Entry[]): Promise<void> {
    this.pending.splice(0, run.length);
    for (const e of run) {
      if (e.keys) this.release(e.keys);
      this.pendingBytes -= e.length;
      if (e.type === READINGS) this.pendingReadings -= e.count;
      else this.pendingEvents -= e.count;
    }
    const last = run[run.length - 1]!;
    this.checkWaiters();
    await this.d.writeCheckpoint({ segment: last.seg, offset: last.offset + last.length }).catch((e: unknown) => this.log.warn({ event: 'spool-checkpoint-failed', err: message(e) }, 'spool checkpoint not written (a restart re-forwards more)'));
    await this.removeFinishedSegments();
  }

  private async setAside(e: Entry, reason: string): Promise<void> {
    try {
      await this.d.appendRejected(await readExactly(await this.segmentHandle(e.seg), e.length, e.offset));
    } catch (err) {
      this.log.error({ event: 'spool-rejected-copy-failed', err: message(err) }, 'could not copy a refused spool record to rejected.log');
    }
    this.counters.rejected++;
    this.log.error(
      { event: 'spool-rejected', type: e.type === READINGS ? 'readings' : 'events', count: e.count, appendedAt: e.appendedAt, reason },
      `spool: the ${this.inner.name} store refused a batch of ${e.count} ${e.type === READINGS ? 'readings' : 'events'} as bad data; set aside to ${this.d.dir}/rejected.log: ${reason}`,
    );
    await this.confirm([e]);
  }

  private async removeFinishedSegments(): Promise<void> {
    const first = this.pending[0]?.seg ?? Number.POSITIVE_INFINITY;
    for (const [seq, fh] of [...this.segs]) {
      if (seq >= first || seq === this.writeSeq) continue;
      this.segs.delete(seq);
      await fh?.close().catch(() => undefined);
      await this.d.removeSegment(seq).catch((e: unknown) => this.log.warn({ event: 'spool-remove-failed', err: message(e) }, `could not remove spool segment ${seq}`));
    }
  }

  private failed(e: unknown, what: string): void {
    this.failures++;
    this.lastError = { message: message(e), at: this.clock.now() };
    const fields = { event: 'spool-store-failed', err: message(e), failures: this.failures, pendingBatches: this.pending.length, pendingBytes: this.pendingBytes, retryInMs: this.backoffMs };
    if (this.failures === 1 || this.failures % 10 === 0) this.log.warn(fields, `${what} failed (${message(e)}): keeping ${this.pending.length} batches in the spool, retrying in ${this.backoffMs} ms`);
    else this.log.debug(fields, `${what} failed again`);
  }

  private backoff(): Promise<void> {
    const ms = this.backoffMs;
    this.backoffMs = Math.min(this.retryMaxMs, Math.ceil(ms * this.retryFactor));
    this.retryAt = this.clock.now() + ms;
    // Readers waiting for the backlog would wait for nothing now.
    this.releaseWaiters(true);
    return new Promise<void>((resolve) => {
      this.retryResolve = resolve;
      this.retryTimer = this.clock.setTimeout(() => this.endBackoff(), ms);
    });
  }

  private endBackoff(): void {
    this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryAt = null;
    const r = this.retryResolve;
    this.retryResolve = null;
    r?.();
  }

  // ── waiting for the forwarder ────────────────────────────────────────────────────────────────────

  /** Every write with id ≤ target has been appended (or failed) and forwarded (or set aside). */
  private done(target: number): boolean {
    return this.ackedThrough >= target && (this.pending.length === 0 || this.pending[0]!.id > target);
  }

  private checkWaiters(): void {
    if (this.waiters.length === 0) return;
    const left: Waiter[] = [];
    for (const w of this.waiters) {
      if (this.done(w.target)) w.resolve();
      else left.push(w);
    }
    this.waiters = left;
  }

  private releaseWaiters(readsOnly: boolean, err?: Error): void {
    const left: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.read) w.resolve();
      else if (!readsOnly) w.reject(err ?? new StoreClosedError('the spool'));
      else left.push(w);
    }
    this.waiters = left;
  }

  /** Resolves when everything written before the call has reached the store (no time bound). */
  flush(): Promise<void> {
    if (this.closing) return Promise.reject(new StoreClosedError('the spool'));
    const target = this.nextId;
    if (this.done(target)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.waiters.push({ target, read: false, resolve, reject }));
  }

  /** Read-your-writes, bounded by readWaitMs; no wait while the store is failing. */
  private async readBarrier(): Promise<void> {
    const target = this.ackedThrough;
    if (this.done(target) || this.retryAt !== null || this.readWaitMs === 0) return;
    let timer: Timer | null = null;
    let w: Waiter | undefined;
    await new Promise<void>((resolve) => {
      w = { target, read: true, resolve, reject: () => resolve() };
      this.waiters.push(w);
      timer = this.clock.setTimeout(resolve, this.readWaitMs);
    });
    this.clock.clearTimeout(timer);
    this.waiters = this.waiters.filter((x) => x !== w);
  }

  // ── reads: the backing store ─────────────────────────────────────────────────────────────────────

  async *readings(q: ReadingQuery): AsyncGenerator<Reading> {
    this.checkOpen();
    await this.readBarrier();
    yield* this.inner.readings(q);
  }

  async *events(q: EventQuery): AsyncGenerator<StoredEvent> {
    this.checkOpen();
    await this.readBarrier();
    yield* this.inner.events(q);
  }

  /** The backing store's gaps less what the spool holds (no wait for the forwarder: see the header). */
  async missing(q: GapQuery): Promise<Gap[]> {
    this.checkOpen();
    this.gapQueries++;
    try {
      const gaps = await this.inner.missing(q);
      if (gaps.length === 0 || (this.held.size === 0 && this.forwardedDuring.size === 0)) return gaps;
      return gaps.filter((g) => {
        const k = heldKey(q.kind, q.quantity, g.time);
        const h = this.held.get(k)?.get(g.meter);
        return h ? !h.valued : !this.forwardedDuring.get(k)?.has(g.meter);
      });
    } finally {
      if (--this.gapQueries === 0) this.forwardedDuring.clear();
    }
  }

  async health(): Promise<StoreHealth> {
    const h = await this.inner.health();
    const s = this.status();
    const retry = s.state === 'retrying' && s.lastError ? `, retrying: ${s.lastError.message}` : '';
    return { ok: h.ok && s.state !== 'closed', detail: `${h.detail}; spool: ${s.pendingBatches} batches pending (${s.pendingBytes} bytes)${retry}` };
  }

  status(): SpoolStatus {
    const oldest = this.pending[0]?.appendedAt ?? null;
    const state = this.closing ? 'closed' : this.retryAt !== null ? 'retrying' : this.pending.length > 0 ? 'forwarding' : 'idle';
    return {
      dir: this.d.dir,
      state,
      pendingBatches: this.pending.length,
      pendingReadings: this.pendingReadings,
      pendingEvents: this.pendingEvents,
      pendingBytes: this.pendingBytes,
      oldestPendingAt: oldest,
      oldestPendingAgeMs: oldest === null ? 0 : Math.max(0, this.clock.now() - oldest),
      lastError: this.lastError,
      consecutiveFailures: this.failures,
      retryAt: this.retryAt,
      segments: this.segs.size,
      acknowledgedBatches: this.counters.acknowledged,
      forwardedBatches: this.counters.forwarded,
      rejectedBatches: this.counters.rejected,
      replayedBatches: this.counters.replayed,
      fsyncs: this.counters.fsyncs,
    };
  }

  /**
   * Stops taking writes, finishes the appends in flight and the store write in progress, and closes
   * the backing store. What is still pending stays on disk for the next open.
   */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    while (this.appendLoop) await this.appendLoop;
    this.stopping = true;
    this.endBackoff();
    this.wake?.();
    await this.forwarding;
    this.releaseWaiters(false);
    await this.writeFh?.close().catch(() => undefined);
    for (const fh of this.segs.values()) await fh?.close().catch(() => undefined);
    await this.d.unlock();
    if (this.pending.length > 0) {
      this.log.info({ event: 'spool-closed-pending', batches: this.pending.length, bytes: this.pendingBytes }, `spool closed with ${this.pending.length} batches pending: they are forwarded after the next open`);
    }
    await this.inner.close();
  }
}
