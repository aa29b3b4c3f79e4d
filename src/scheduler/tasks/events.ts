/**
 * Event collection (请求3类数据, Q/GDW 376.1-2009 §5.14):
 * - active reports (AFN0E F1 uplink, confirmed by the FEP) arrive on the bus `event` topic and are
 *   stored as they come; the terminal is then known to report actively;
 * - polling for terminals that do not report actively: AFN0C F7 gives the event counters EC1/EC2
 *   (the pointer of the next record of each queue, §5.2.3.6.2); AFN0E F1 (important) / F2 (normal) with
 *   Pm = the head-end's pointer and Pn = the counter returns the records in between (Y = (Pn − Pm) mod
 *   256); the pointer advances to the reply's Pn. Pointers persist in `event_pointers` (migration 0004).
 * The store is idempotent per (terminal, erc, time, meter), so a record read twice is stored once.
 */
import type { Db, Stmt } from '../../archive/db.js';
import type { ErcRecord } from '../../../protocols/gw376/erc/registry.js';
import type { HesEvents } from '../../bus.js';
import type { ReadingStore, StoredEvent } from '../../store/store.js';
import type { FepPort } from '../executor.js';
import { storedEventOf } from '../mapping/events.js';
import { isObj } from '../mapping/parts.js';
import type { CollectionArchive, TerminalTarget } from '../targets.js';
import type { LocalCalendar } from '../time.js';

export interface Pointers {
  important: number;
  normal: number;
  activeAt?: number;
}

/** The `event_pointers` table. */
export class EventPointers {
  private readonly get: Stmt;
  private readonly put: Stmt;
  private readonly active: Stmt;

  constructor(db: Db) {
    this.get = db.prepare('SELECT important, normal, active_at FROM event_pointers WHERE terminal = ?');
    this.put = db.prepare(`INSERT INTO event_pointers (terminal, important, normal, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT(terminal) DO UPDATE SET important = excluded.important, normal = excluded.normal, updated_at = excluded.updated_at`);
    this.active = db.prepare(`INSERT INTO event_pointers (terminal, important, normal, active_at, updated_at) VALUES (?, coalesce(?, 0), 0, ?, ?)
      ON CONFLICT(terminal) DO UPDATE SET important = coalesce(?, important), active_at = excluded.active_at, updated_at = excluded.updated_at`);
  }

  of(terminal: number): Pointers | undefined {
    const r = this.get.get(terminal) as { important: number; normal: number; active_at: number | null } | undefined;
    if (!r) return undefined;
    const p: Pointers = { important: r.important, normal: r.normal };
    if (r.active_at !== null) p.activeAt = r.active_at;
    return p;
  }

  set(terminal: number, p: { important: number; normal: number }, now: number): void {
    this.put.run(terminal, p.important & 0xff, p.normal & 0xff, now);
  }

  /** An active report came in at `at`; `important` = the terminal's EC1 then (all important records reported). */
  reported(terminal: number, at: number, important: number | undefined): void {
    const imp = important === undefined ? null : important & 0xff;
    this.active.run(terminal, imp, at, at, imp);
  }
}

export interface EventEnv {
  fep: FepPort;
  store: ReadingStore;
  cal: LocalCalendar;
  archive: CollectionArchive;
  pointers: EventPointers;
  now(): number;
}

function meterLookup(env: EventEnv, t: TerminalTarget): (pn: number) => number | undefined {
  let map: Map<number, number> | undefined;
  return (pn) => (map ??= new Map(env.archive.meters(t.id).map((m) => [m.pn, m.id]))).get(pn);
}

/** Stores the records of an active report (bus `event`). Returns how many were stored. */
export async function storeActiveReport(env: EventEnv, t: TerminalTarget, p: HesEvents['event']): Promise<number> {
  const meterOf = meterLookup(env, t);
  const events = p.records.map((rec) => storedEventOf(rec, { cal: env.cal, terminal: t.id, meterOf, important: p.important, now: p.at }));
  if (events.length) await env.store.writeEvents(events);
  env.pointers.reported(t.id, p.at, p.important ? p.ec?.important : undefined);
  return events.length;
}

export interface PollOutcome {
  terminal: string;
  status: 'done' | 'offline' | 'failed';
  requests: number;
  events: number;
  error?: string;
}

const MAX_READS_PER_CLASS = 16;

/** Polls one terminal's event queues from the stored pointers up to its counters. */
export async function pollEvents(env: EventEnv, t: TerminalTarget): Promise<PollOutcome> {
  const out: PollOutcome = { terminal: t.key, status: 'done', requests: 0, events: 0 };
  if (!env.fep.isOnline(t.key)) {
    out.status = 'offline';
    return out;
  }
  try {
    out.requests++;
    const f7 = await env.fep.request(t.key, { afn: 0x0c, units: [{ pn: 0, fn: 7 }], priority: 'scheduled' });
    const ec = f7.units.find((u) => !u.raw && u.fn === 7);
    const data = ec && !ec.raw && isObj(ec.data) ? ec.data : undefined;
    if (!data || typeof data.ec1 !== 'number' || typeof data.ec2 !== 'number') throw new Error('no event counters (AFN0C F7) in the reply');
    const ptr = env.pointers.of(t.id) ?? { important: 0, normal: 0 };
    const next = { important: ptr.important, normal: ptr.normal };
    const meterOf = meterLookup(env, t);
    for (const [cls, fn, target] of [['important', 1, data.ec1], ['normal', 2, data.ec2]] as const) {
      for (let k = 0; k < MAX_READS_PER_CLASS && next[cls] !== (target & 0xff); k++) {
        out.requests++;
        const r = await env.fep.request(t.key, { afn: 0x0e, units: [{ pn: 0, fn, data: { pm: next[cls], pn: target & 0xff } }], priority: 'scheduled' });
        const u = r.units.find((x) => !x.raw && x.fn === fn);
        const reply = u && !u.raw && isObj(u.data) ? u.data : undefined;
        const records = (reply && Array.isArray(reply.records) ? reply.records : []) as ErcRecord[];
        const events: StoredEvent[] = records.map((rec) => storedEventOf(rec, { cal: env.cal, terminal: t.id, meterOf, important: fn === 1, now: env.now() }));
        if (events.length) await env.store.writeEvents(events);
        out.events += events.length;
        const pn = reply && typeof reply.pn === 'number' ? reply.pn : next[cls];
        if (records.length === 0 || pn === next[cls]) {
          // Nothing more readable (records overwritten or not kept): skip to the counter.
          next[cls] = target & 0xff;
          break;
        }
        next[cls] = pn & 0xff;
      }
    }
    env.pointers.set(t.id, next, env.now());
  } catch (e) {
    out.status = env.fep.isOnline(t.key) ? 'failed' : 'offline';
    out.error = e instanceof Error ? e.message : String(e);
  }
  return out;
}

/** Whether a terminal is polled in `auto` mode: it has not reported actively within `hours`. */
export function needsPolling(p: Pointers | undefined, now: number, hours: number): boolean {
  return p?.activeAt === undefined || now - p.activeAt > hours * 3_600_000;
}
