/**
 * Bus events → northbound messages (pure; the lookup and calendar are injected). Every message is one
 * JSON envelope:
 *
 *   { "id": "m3k2x1-42", "type": "alarm.power-off", "time": "2026-11-22T01:02:03.000Z",
 *     "subject": "1101-00002", "data": { … } }
 *
 * and its MQTT topic is `<prefix>/<type with . as />/<subject>`: `openhes/alarm/power-off/1101-00002`.
 * Types (README "Northbound events" documents each payload):
 *   terminal.online · terminal.offline                                   subject: terminal key
 *   alarm.power-off · alarm.power-on (ERC14) · alarm.meter-fault (meter ERCs) · alarm.trip (ERC5–7)
 *   alarm.prepay-alarm · alarm.prepay-trip · alarm.prepay-trip-blocked   subject: terminal key / account
 *   event.erc<N>  every ERC record a terminal reported                  subject: terminal key
 *   control.state (a request changed state) · control.result (a phase finished: outcome per target)   subject: request id
 *   prepay.topup · prepay.close                                         subject: account
 *   reading.daily · reading.billing-day · reading.monthly               subject: terminal key
 */
import { lookupErc, type ErcRecord } from '../../protocols/gw376/erc/registry.js';
import { localIso } from '../billing/dates.js';
import type { HesEvents } from '../bus.js';
import { eventTimeOf, jsonSafe, pnOfRecord } from '../scheduler/mapping/events.js';
import { instantOf } from '../scheduler/mapping/parts.js';
import type { LocalCalendar } from '../scheduler/time.js';
import { quantity } from '../store/quantities.js';
import type { Reading } from '../store/store.js';
import type { PublishableReading } from './config.js';
import type { MeterLookup } from './lookup.js';

export interface NorthboundMessage {
  id: string;
  type: string;
  /** When it happened (ISO, UTC). */
  time: string;
  subject: string;
  data: Record<string, unknown>;
}

/** Message without its id (the publisher numbers them). */
export type Draft = Omit<NorthboundMessage, 'id'>;

export function topicOf(prefix: string, m: Pick<NorthboundMessage, 'type' | 'subject'>): string {
  return `${prefix}/${m.type.split('.').join('/')}/${m.subject}`;
}

/** Whether `type` is selected by a filter entry (`alarm` selects `alarm.power-off`). */
export function typeMatches(type: string, filters: readonly string[] | undefined): boolean {
  return !filters || filters.some((f) => type === f || type.startsWith(`${f}.`));
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Meter ERCs that are metering faults (domain.md: voltage/current loop, meter faults, no data). */
export const METER_FAULT_ERCS: ReadonlySet<number> = new Set([9, 10, 11, 12, 13, 17, 27, 28, 29, 30, 31, 33]);
const TRIP_ERCS: ReadonlySet<number> = new Set([5, 6, 7]);

export function terminalMessage(kind: 'online' | 'offline', p: HesEvents['online'] | HesEvents['offline']): Draft {
  const data: Record<string, unknown> = { terminal: p.terminal, a1: p.a1, a2: p.a2, channel: p.channel, remote: p.remote };
  if ('via' in p) Object.assign(data, { via: p.via, replaced: p.replaced });
  else Object.assign(data, { reason: p.reason, ...(p.detail !== undefined ? { detail: p.detail } : {}) });
  return { type: `terminal.${kind}`, time: iso(p.at), subject: p.terminal, data };
}

/** One ERC record → `event.erc<N>`, and the alarm it raises if it is one. */
export function eventMessages(p: HesEvents['event'], rec: ErcRecord, cal: LocalCalendar, lookup: MeterLookup | undefined): Draft[] {
  const entry = lookupErc(rec.erc);
  const when = eventTimeOf(rec, cal) ?? p.at;
  const data: Record<string, unknown> = { terminal: p.terminal, erc: rec.erc, important: p.important, eventTime: iso(when) };
  if (entry) Object.assign(data, { name: entry.name, nameZh: entry.nameZh });
  const pn = pnOfRecord(rec);
  if (pn !== undefined && pn > 0) {
    data.pn = pn;
    const m = lookup?.byPoint(p.terminal, pn);
    if (m) Object.assign(data, { meter: m.address, ...(m.account !== undefined ? { account: m.account } : {}) });
  }
  data.record = jsonSafe({ erc: rec.erc, data: rec.data, ...(rec.raw !== undefined ? { raw: rec.raw } : {}) });
  const out: Draft[] = [{ type: `event.erc${rec.erc}`, time: iso(p.at), subject: p.terminal, data }];
  const alarm = alarmOf(rec, cal);
  if (alarm) out.push({ type: `alarm.${alarm.kind}`, time: iso(alarm.at ?? when), subject: p.terminal, data: { ...data, ...alarm.extra } });
  return out;
}

function alarmOf(rec: ErcRecord, cal: LocalCalendar): { kind: string; at?: number; extra: Record<string, unknown> } | undefined {
  if (rec.erc === 14 && rec.data) {
    const off = instantOf(rec.data.powerOff, cal);
    const on = instantOf(rec.data.powerOn, cal);
    const times = { ...(off !== undefined ? { powerOff: iso(off) } : {}), ...(on !== undefined ? { powerOn: iso(on) } : {}) };
    // A terminal on its backup supply reports the loss with the power-on time invalid; at power-on both.
    if (on !== undefined) return { kind: 'power-on', at: on, extra: times };
    if (off !== undefined) return { kind: 'power-off', at: off, extra: times };
    return undefined;
  }
  if (METER_FAULT_ERCS.has(rec.erc)) return { kind: 'meter-fault', extra: {} };
  if (TRIP_ERCS.has(rec.erc)) return { kind: 'trip', extra: {} };
  return undefined;
}

export function prepayMessage(p: HesEvents['prepay']): Draft {
  const alarm = p.kind === 'alarm' || p.kind === 'trip' || p.kind === 'trip-blocked';
  return {
    type: alarm ? `alarm.prepay-${p.kind}` : `prepay.${p.kind}`,
    time: iso(p.at),
    subject: p.account,
    data: { account: p.account, kind: p.kind, balanceYuan: p.balanceYuan, ...(p.detail !== undefined ? { detail: p.detail } : {}) },
  };
}

/** The outcome of a finished control phase, as the control service reports it. */
export interface ControlResult {
  byOutcome?: Record<string, number>;
  results?: { target: string; outcome: string }[];
  targets?: number;
  createdBy?: string;
  approvedBy?: string;
  reason?: string;
}

/** Per-target outcomes are listed up to this many targets; larger schemes carry the counts only. */
export const MAX_LISTED_TARGETS = 1000;

export function controlMessage(p: HesEvents['control'], result: ControlResult | undefined): Draft {
  const data: Record<string, unknown> = { request: p.request, kind: p.kind, state: p.state };
  if (p.scheme !== undefined) data.scheme = p.scheme;
  if (p.phase !== undefined) data.phase = p.phase;
  if (p.progress) data.progress = p.progress;
  if (!result) return { type: 'control.state', time: iso(p.at), subject: String(p.request), data };
  const { results, ...rest } = result;
  Object.assign(data, rest);
  if (results && results.length > MAX_LISTED_TARGETS) data.resultsOmitted = results.length;
  else if (results) data.results = results;
  return { type: 'control.result', time: iso(p.at), subject: String(p.request), data };
}

const READING_TYPES: Record<PublishableReading, string> = { day: 'reading.daily', billingDay: 'reading.billing-day', month: 'reading.monthly' };

/** Meters per reading message (a terminal with more is split). */
export const READINGS_PER_MESSAGE = 500;

interface MeterItem {
  meter: string;
  pn: number;
  account?: string;
  customer?: string;
  dataTime: string;
  registers: Record<string, { values: Record<string, number | null>; quality: string; readAt?: string }>;
}

/**
 * Readings just written → one message per terminal, kind and data time, its meters with their
 * registers by field name (`{ total, r1 … r4 }`; null = invalid value, never 0). Readings of meters the
 * archive does not know are counted in `unknown`, not published.
 */
export function readingMessages(p: HesEvents['readings'], kinds: ReadonlySet<string>, lookup: MeterLookup): { drafts: Draft[]; unknown: number } {
  const groups = new Map<string, { kind: PublishableReading; terminal: string; time: number; meters: Map<number, MeterItem> }>();
  let unknown = 0;
  for (const r of p.readings) {
    if (!kinds.has(r.kind)) continue;
    const m = lookup.byId(r.meter);
    if (!m) {
      unknown++;
      continue;
    }
    const key = `${r.kind}/${m.terminal}/${r.time}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { kind: r.kind as PublishableReading, terminal: m.terminal, time: r.time, meters: new Map() }));
    let item = g.meters.get(m.id);
    if (!item) g.meters.set(m.id, (item = { meter: m.address, pn: m.pn, ...(m.account !== undefined ? { account: m.account } : {}), ...(m.customer !== undefined ? { customer: m.customer } : {}), dataTime: localIso(r.time), registers: {} }));
    item.registers[r.quantity] = registerOf(r);
  }
  const drafts: Draft[] = [];
  for (const g of groups.values()) {
    const items = [...g.meters.values()].sort((a, b) => a.pn - b.pn);
    for (let i = 0; i < items.length; i += READINGS_PER_MESSAGE) {
      drafts.push({ type: READING_TYPES[g.kind], time: iso(p.at), subject: g.terminal, data: { terminal: g.terminal, kind: g.kind, dataTime: localIso(g.time), meters: items.slice(i, i + READINGS_PER_MESSAGE) } });
    }
  }
  return { drafts, unknown };
}

function registerOf(r: Reading): MeterItem['registers'][string] {
  const fields = quantity(r.quantity).fields;
  const values: Record<string, number | null> = {};
  r.values.forEach((v, i) => (values[fields[i] ?? `v${i}`] = v));
  return { values, quality: r.quality, ...(r.readAt !== undefined ? { readAt: localIso(r.readAt) } : {}) };
}
