/**
 * An in-memory ReadingStore: the contract in its plainest form (maps and sorts). For unit tests of the
 * layers above (scheduler, APIs) and as a second implementation of the contract suite. Not for data
 * that matters: nothing survives the process, and queries scan everything.
 */
import { StoreClosedError } from './errors.js';
import { QUANTITIES } from './quantities.js';
import { isUsable, type EventQuery, type Gap, type GapQuery, type Reading, type ReadingQuery, type ReadingStore, type StoreHealth, type StoredEvent } from './store.js';
import { validateEventQuery, validateEvents, validateGapQuery, validateReadingQuery, validateReadings } from './validate.js';

const readingKey = (r: Pick<Reading, 'meter' | 'kind' | 'quantity' | 'time'>): string => `${r.kind}|${r.quantity}|${r.meter}|${r.time}`;
const eventKey = (e: StoredEvent): string => `${e.terminal}|${e.erc}|${e.time}|${e.meter ?? 0}`;

function copyReading(r: Reading): Reading {
  const c: Reading = { meter: r.meter, kind: r.kind, quantity: r.quantity, time: r.time, values: [...r.values], quality: r.quality };
  if (r.readAt !== undefined) c.readAt = r.readAt;
  return c;
}

function copyEvent(e: StoredEvent): StoredEvent {
  const c: StoredEvent = { terminal: e.terminal, erc: e.erc, time: e.time, important: e.important, record: JSON.parse(JSON.stringify(e.record)) as Record<string, unknown> };
  if (e.meter !== undefined) c.meter = e.meter;
  return c;
}

export class MemoryStore implements ReadingStore {
  readonly name = 'memory';
  private readonly readingMap = new Map<string, Reading>();
  private readonly eventMap = new Map<string, StoredEvent>();
  private closed = false;

  private checkOpen(): void {
    if (this.closed) throw new StoreClosedError('the memory store');
  }

  /** Number of stored readings (tests). */
  get size(): number {
    return this.readingMap.size;
  }

  async writeReadings(batch: readonly Reading[]): Promise<void> {
    this.checkOpen();
    validateReadings(batch);
    for (const r of batch) this.readingMap.set(readingKey(r), copyReading(r));
  }

  async writeEvents(batch: readonly StoredEvent[]): Promise<void> {
    this.checkOpen();
    validateEvents(batch);
    for (const e of batch) this.eventMap.set(eventKey(e), copyEvent(e));
  }

  async *readings(q: ReadingQuery): AsyncGenerator<Reading> {
    this.checkOpen();
    validateReadingQuery(q);
    const meters = q.meters ? new Set(q.meters) : undefined;
    const out = [...this.readingMap.values()].filter(
      (r) => r.kind === q.kind && (q.quantity === undefined || r.quantity === q.quantity) && (!meters || meters.has(r.meter)) && r.time >= q.from && r.time < q.to,
    );
    const code = (r: Reading): number => QUANTITIES.get(r.quantity)!.code;
    if (meters) out.sort((a, b) => a.meter - b.meter || a.time - b.time || code(a) - code(b));
    else out.sort((a, b) => a.time - b.time || a.meter - b.meter || code(a) - code(b));
    for (const r of out) yield copyReading(r);
  }

  async *events(q: EventQuery): AsyncGenerator<StoredEvent> {
    this.checkOpen();
    validateEventQuery(q);
    const t = q.terminals ? new Set(q.terminals) : undefined;
    const m = q.meters ? new Set(q.meters) : undefined;
    const erc = q.erc ? new Set(q.erc) : undefined;
    const out = [...this.eventMap.values()].filter(
      (e) => e.time >= q.from && e.time < q.to && (!t || t.has(e.terminal)) && (!m || (e.meter !== undefined && m.has(e.meter))) && (!erc || erc.has(e.erc)),
    );
    out.sort((a, b) => a.time - b.time || a.terminal - b.terminal || a.erc - b.erc || (a.meter ?? 0) - (b.meter ?? 0));
    for (const e of out) yield copyEvent(e);
  }

  async missing(q: GapQuery): Promise<Gap[]> {
    this.checkOpen();
    validateGapQuery(q);
    const meters = [...new Set(q.meters)].sort((a, b) => a - b);
    const times = [...new Set(q.times)].sort((a, b) => a - b);
    const gaps: Gap[] = [];
    for (const meter of meters) {
      for (const time of times) {
        const r = this.readingMap.get(readingKey({ meter, kind: q.kind, quantity: q.quantity, time }));
        if (!r || !isUsable(r)) gaps.push({ meter, time });
      }
    }
    return gaps;
  }

  async health(): Promise<StoreHealth> {
    return this.closed ? { ok: false, detail: 'closed' } : { ok: true, detail: `memory, ${this.readingMap.size} readings` };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
