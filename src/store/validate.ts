/**
 * The contract's data rules, checked before anything is written (every store and the spool call these,
 * so a batch is refused whole — with a permanent `StoreInputError` — or accepted whole):
 *
 * - meter, terminal: integer archive ids 1 … 2³¹−1; erc 0 … 255;
 * - kind and quantity from the catalogue (quantities.ts); 1 … fields-of-the-quantity values, each a
 *   finite number or null;
 * - time: an integer (UTC ms) aligned to its kind — day / billingDay at 00:00 CST, month at 00:00 CST
 *   of the 1st, curve on a whole minute, snapshot on a whole second; readAt an integer when present;
 * - quality one of collected / recollected / estimated; an event's record a plain JSON object.
 */
import { QUANTITIES, SERIES_KINDS, isQuantityName, type QuantityName, type SeriesKind } from './quantities.js';
import type { EventQuery, GapQuery, Quality, Reading, ReadingQuery, StoredEvent } from './store.js';
import { StoreInputError } from './errors.js';
import { MINUTE_MS, cstLabel, isCstMidnight, isCstMonthStart } from './time.js';

export const MAX_ID = 2_147_483_647;
const QUALITIES: ReadonlySet<string> = new Set<Quality>(['collected', 'recollected', 'estimated']);
const KINDS: ReadonlySet<string> = new Set<string>(SERIES_KINDS);

const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_ID;

export function isSeriesKind(v: unknown): v is SeriesKind {
  return typeof v === 'string' && KINDS.has(v);
}

/** Why `time` is not a data time of `kind`, or undefined when it is. */
export function timeProblem(kind: SeriesKind, time: unknown): string | undefined {
  if (!Number.isSafeInteger(time)) return `time must be an integer UTC ms, got ${String(time)}`;
  const t = time as number;
  switch (kind) {
    case 'day':
    case 'billingDay':
      return isCstMidnight(t) ? undefined : `a ${kind} reading's time must be 00:00 China time, got ${cstLabel(t)}`;
    case 'month':
      return isCstMonthStart(t) ? undefined : `a month reading's time must be 00:00 China time of the 1st, got ${cstLabel(t)}`;
    case 'curve':
      return t % MINUTE_MS === 0 ? undefined : `a curve point must fall on a whole minute, got ${cstLabel(t)}`;
    case 'snapshot':
      return t % 1000 === 0 ? undefined : `a snapshot time must be a whole second, got ${new Date(t).toISOString()}`;
  }
}

/** Why reading `r` breaks a rule: [field, reason], or undefined. */
function readingProblem(r: Reading): [string, string] | undefined {
  if (!isId(r.meter)) return ['meter', `must be an integer 1 … ${MAX_ID}, got ${String(r.meter)}`];
  if (!isSeriesKind(r.kind)) return ['kind', `unknown series kind ${String(r.kind)}`];
  const def = typeof r.quantity === 'string' ? QUANTITIES.get(r.quantity as QuantityName) : undefined;
  if (!def) return ['quantity', `unknown quantity ${String(r.quantity)}`];
  const tp = timeProblem(r.kind, r.time);
  if (tp) return ['time', tp];
  const v = r.values;
  if (!Array.isArray(v) || v.length < 1 || v.length > def.fields.length) return ['values', `${r.quantity} takes 1 … ${def.fields.length} values, got ${Array.isArray(v) ? v.length : typeof v}`];
  for (let k = 0; k < v.length; k++) {
    const x: unknown = v[k];
    if (x !== null && (typeof x !== 'number' || !Number.isFinite(x))) return [`values[${k}]`, `must be a finite number or null, got ${String(x)}`];
  }
  if (!QUALITIES.has(r.quality)) return ['quality', `must be collected, recollected or estimated, got ${String(r.quality)}`];
  if (r.readAt !== undefined && !Number.isSafeInteger(r.readAt)) return ['readAt', `must be an integer UTC ms, got ${String(r.readAt)}`];
  return undefined;
}

/** Throws StoreInputError for the first reading that breaks a rule. */
export function validateReadings(batch: readonly Reading[]): void {
  for (let i = 0; i < batch.length; i++) {
    const p = readingProblem(batch[i]!);
    if (p) throw new StoreInputError(i, p[0], p[1]);
  }
}

/** Throws StoreInputError for the first event that breaks a rule. */
export function validateEvents(batch: readonly StoredEvent[]): void {
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i]!;
    const bad = (field: string, reason: string): never => {
      throw new StoreInputError(i, field, reason);
    };
    if (!isId(e.terminal)) bad('terminal', `must be an integer 1 … ${MAX_ID}, got ${String(e.terminal)}`);
    if (e.meter !== undefined && !isId(e.meter)) bad('meter', `must be an integer 1 … ${MAX_ID} when present, got ${String(e.meter)}`);
    if (!Number.isInteger(e.erc) || e.erc < 0 || e.erc > 255) bad('erc', `must be an integer 0 … 255, got ${String(e.erc)}`);
    if (!Number.isSafeInteger(e.time)) bad('time', `must be an integer UTC ms, got ${String(e.time)}`);
    if (typeof e.important !== 'boolean') bad('important', 'must be a boolean');
    if (typeof e.record !== 'object' || e.record === null || Array.isArray(e.record)) bad('record', 'must be a JSON object');
  }
}

function checkIds(field: string, ids: readonly number[] | undefined): void {
  if (ids === undefined) return;
  if (!Array.isArray(ids)) throw new StoreInputError(-1, field, 'must be an array of ids');
  for (const id of ids) if (!isId(id)) throw new StoreInputError(-1, field, `ids must be integers 1 … ${MAX_ID}, got ${String(id)}`);
}

function checkRange(from: unknown, to: unknown): void {
  if (typeof from !== 'number' || Number.isNaN(from)) throw new StoreInputError(-1, 'from', `must be UTC ms, got ${String(from)}`);
  if (typeof to !== 'number' || Number.isNaN(to)) throw new StoreInputError(-1, 'to', `must be UTC ms, got ${String(to)}`);
}

function checkKindQuantity(kind: unknown, quantity: unknown, required: boolean): void {
  if (!isSeriesKind(kind)) throw new StoreInputError(-1, 'kind', `unknown series kind ${String(kind)}`);
  if (quantity === undefined && !required) return;
  if (typeof quantity !== 'string' || !isQuantityName(quantity)) throw new StoreInputError(-1, 'quantity', `unknown quantity ${String(quantity)}`);
}

export function validateReadingQuery(q: ReadingQuery): void {
  checkKindQuantity(q.kind, q.quantity, false);
  checkIds('meters', q.meters);
  checkRange(q.from, q.to);
}

export function validateEventQuery(q: EventQuery): void {
  checkIds('terminals', q.terminals);
  checkIds('meters', q.meters);
  if (q.erc !== undefined) for (const e of q.erc) if (!Number.isInteger(e) || e < 0 || e > 255) throw new StoreInputError(-1, 'erc', `must be integers 0 … 255, got ${String(e)}`);
  checkRange(q.from, q.to);
}

export function validateGapQuery(q: GapQuery): void {
  checkKindQuantity(q.kind, q.quantity, true);
  checkIds('meters', q.meters);
  for (const t of q.times) {
    const p = timeProblem(q.kind, t);
    if (p) throw new StoreInputError(-1, 'times', p);
  }
}

/** `day ea_imp meter 12 at 2024-05-01T00:00:00+08:00` for messages. */
export function describeReading(r: Pick<Reading, 'kind' | 'quantity' | 'meter' | 'time'>): string {
  return `${r.kind} ${r.quantity as QuantityName} meter ${r.meter} at ${cstLabel(r.time)}`;
}
