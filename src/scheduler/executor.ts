/**
 * Runs planned requests at one terminal through the FEP (priority `scheduled`, so control and operator
 * call-ups pass them in the terminal's queue), maps every answered unit to readings with the data
 * group's mapper and writes them to the store, one batch per answer. A channel loss stops the terminal's
 * remaining requests (it is offline: served again when it logs in); a timeout or a denial fails only its
 * request (the gap stays for 补采).
 */
import type { MessageUnit } from '../../protocols/gw376/index.js';
import { ChannelClosedError } from '../../drivers/errors.js';
import type { Priority, RequestResult } from '../fep/request-queue.js';
import type { Logger } from '../logger.js';
import type { SeriesKind } from '../store/quantities.js';
import type { Quality, Reading, ReadingStore } from '../store/store.js';
import { fnDef } from './fns.js';
import type { KeyedLimiter } from './limiter.js';
import { ReadingAssembler } from './mapping/parts.js';
import type { PlannedRequest } from './planner.js';
import type { LocalCalendar } from './time.js';

/** What the scheduler uses of the FEP (src/fep/fep.ts implements it). */
export interface FepPort {
  isOnline(terminal: string): boolean;
  request(terminal: string, r: { afn: number; units: MessageUnit[]; priority?: Priority; timeoutMs?: number; retries?: number }): Promise<RequestResult>;
  control(terminal: string, units: MessageUnit[], o?: { priority?: Priority }): Promise<RequestResult>;
}

export interface ExecStats {
  requests: number;
  ok: number;
  failed: number;
  /** Readings written. */
  readings: number;
  /** Readings that came back all-invalid (not written). */
  empty: number;
  offline: boolean;
  /** First error messages (at most 3). */
  errors: string[];
}

export function newExecStats(): ExecStats {
  return { requests: 0, ok: 0, failed: 0, readings: 0, empty: 0, offline: false, errors: [] };
}

export function addStats(a: ExecStats, b: ExecStats): ExecStats {
  return {
    requests: a.requests + b.requests,
    ok: a.ok + b.ok,
    failed: a.failed + b.failed,
    readings: a.readings + b.readings,
    empty: a.empty + b.empty,
    offline: a.offline || b.offline,
    errors: [...a.errors, ...b.errors].slice(0, 3),
  };
}

export interface ExecContext {
  fep: FepPort;
  store: ReadingStore;
  cal: LocalCalendar;
  now(): number;
  window: KeyedLimiter;
  log: Logger;
  /** How readings reach the store (default `store.writeReadings`; the service batches: write-batcher.ts). */
  write?(readings: readonly Reading[]): Promise<void>;
  /** Called after each request (progress). */
  onRequest?(ok: boolean): void;
}

export interface ExecTarget {
  terminal: string;
  kind: SeriesKind;
  quality: Quality;
  /** Pn → archive meter id. */
  meterOfPn: ReadonlyMap<number, number>;
}

/** Readings of one answer. */
export function readingsOf(r: RequestResult, t: ExecTarget, cal: LocalCalendar, now: number): { readings: ReturnType<ReadingAssembler['readings']>; empty: number } {
  const asm = new ReadingAssembler(t.kind, t.quality);
  const ctx = { cal, now };
  for (const u of r.units) {
    if (u.raw) continue;
    const def = fnDef(r.afn, u.fn);
    const meter = t.meterOfPn.get(u.pn);
    if (!def || meter === undefined || u.data === undefined) continue;
    asm.add(meter, def.map(u.data, ctx));
  }
  return { readings: asm.readings(), empty: asm.emptyCount() };
}

export async function executeRequests(c: ExecContext, t: ExecTarget, requests: readonly PlannedRequest[]): Promise<ExecStats> {
  const st = newExecStats();
  const fail = (e: unknown): void => {
    st.failed++;
    if (st.errors.length < 3) st.errors.push(e instanceof Error ? e.message : String(e));
  };
  await Promise.all(
    requests.map((req) =>
      c.window.run(t.terminal, async () => {
        if (st.offline) return;
        st.requests++;
        let r: RequestResult;
        try {
          r = await c.fep.request(t.terminal, { afn: req.afn, units: req.units, priority: 'scheduled' });
        } catch (e) {
          if (e instanceof ChannelClosedError) st.offline = true;
          fail(e);
          c.onRequest?.(false);
          return;
        }
        const { readings, empty } = readingsOf(r, t, c.cal, c.now());
        st.empty += empty;
        try {
          if (readings.length) await (c.write ? c.write(readings) : c.store.writeReadings(readings));
          st.readings += readings.length;
          st.ok++;
          c.onRequest?.(true);
        } catch (e) {
          c.log.error({ err: e, terminal: t.terminal }, 'store write failed: the points stay gaps');
          fail(e);
          c.onRequest?.(false);
        }
      }),
    ),
  );
  return st;
}
