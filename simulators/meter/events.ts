/**
 * Event records a simulated meter keeps (DL/T 645-2007 附录A 表A.4 class 0330 and the 备案 classes
 * 1D/1E): a total count and the last 10 records per class, newest first. A record is a snapshot whose
 * keys are the registry's field names (time, operator, totalForwardActive …); fields the snapshot lacks
 * are sent as FFH fill.
 */
import type { DiValue } from '../../protocols/dlt645/index.js';

export const EVENT_CLASSES = ['programming', 'meterClear', 'demandClear', 'eventClear', 'timeSet', 'trip', 'close'] as const;
export type EventClass = (typeof EVENT_CLASSES)[number];

export type Snapshot = Record<string, DiValue>;

/** DI of the total count, and base of the last-1..10 records (base + n), DL/T 645-2007. */
export const EVENT_DIS: Record<EventClass, { count: number; record: number }> = {
  programming: { count: 0x03300000, record: 0x03300000 },
  meterClear: { count: 0x03300100, record: 0x03300100 },
  demandClear: { count: 0x03300200, record: 0x03300200 },
  eventClear: { count: 0x03300300, record: 0x03300300 },
  timeSet: { count: 0x03300400, record: 0x03300400 },
  // 备案 classes (UNVERIFIED record DIs): 1D000001 count, 1D00FF0n whole record, 1D00010n time, 1D00020n operator.
  trip: { count: 0x1d000001, record: 0x1d00ff00 },
  close: { count: 0x1e000001, record: 0x1e00ff00 },
};

const KEEP = 10;

export class EventLog {
  private readonly counts = new Map<EventClass, number>();
  private readonly records = new Map<EventClass, Snapshot[]>();

  add(cls: EventClass, snapshot: Snapshot): void {
    this.counts.set(cls, (this.counts.get(cls) ?? 0) + 1);
    const list = this.records.get(cls) ?? [];
    list.unshift(snapshot);
    if (list.length > KEEP) list.length = KEEP;
    this.records.set(cls, list);
  }

  count(cls: EventClass): number {
    return this.counts.get(cls) ?? 0;
  }

  /** The last-n record (n = 1 newest), or undefined. */
  record(cls: EventClass, n: number): Snapshot | undefined {
    return this.records.get(cls)?.[n - 1];
  }

  clear(cls: EventClass): void {
    this.counts.delete(cls);
    this.records.delete(cls);
  }

  /**
   * Event clear (1BH): DI FFFFFFFF clears every class except the event-clear log itself; otherwise the
   * classes whose count DI matches the given DI where it is not FF (e.g. 1D00FFFF = trip events).
   */
  clearMatching(di: number): EventClass[] {
    const cleared: EventClass[] = [];
    for (const cls of EVENT_CLASSES) {
      if (cls === 'eventClear') continue;
      const target = EVENT_DIS[cls].count;
      let match = true;
      for (let b = 0; b < 4; b++) {
        const want = (di >>> (8 * b)) & 0xff;
        if (want !== 0xff && want !== ((target >>> (8 * b)) & 0xff)) match = false;
      }
      if (match) {
        this.clear(cls);
        cleared.push(cls);
      }
    }
    return cleared;
  }
}
