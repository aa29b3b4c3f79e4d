/** Reading the terminal's event queues: AFN0C F7 (EC1/EC2), then AFN0E F1/F2 for the last records. */
import type { EventReply } from '../../../protocols/gw376/afn/afn0e-events.js';
import type { ErcRecord } from '../../../protocols/gw376/erc/registry.js';
import { lookupErc } from '../../../protocols/gw376/erc/registry.js';
import { errorText, unitData, type StepContext } from '../context.js';

export interface Counters {
  ec1: number;
  ec2: number;
}

export async function readCounters(ctx: StepContext): Promise<Counters | undefined> {
  const r = await ctx.ask('AFN0C F7 event counters EC', { afn: 0x0c, units: [{ pn: 0, fn: 7 }] });
  const ec = unitData<Counters>(r.result, 7);
  if (!ec) ctx.check('event counters', 'FAIL', `AFN0C F7: ${errorText(r.error)}`);
  return ec;
}

/** The last `n` records of the important (F1) or general (F2) queue, oldest first. */
export async function readRecent(ctx: StepContext, important: boolean, ec: number, n: number): Promise<ErcRecord[] | undefined> {
  const count = Math.min(ec, n, 255);
  if (count === 0) return [];
  const pm = (ec - count + 256) & 0xff;
  const fn = important ? 1 : 2;
  const r = await ctx.ask(`AFN0E F${fn} ${important ? 'important' : 'general'} events ${pm}..${ec & 0xff}`, { afn: 0x0e, units: [{ pn: 0, fn, data: { pm, pn: ec & 0xff } }] });
  if (!r.result) {
    ctx.check(`AFN0E F${fn}`, 'FAIL', `${errorText(r.error)}`);
    return undefined;
  }
  const records: ErcRecord[] = [];
  for (const u of r.result.units) if (!u.raw && u.fn === fn) records.push(...((u.data as EventReply | undefined)?.records ?? []));
  return records;
}

/** `ERC31 终端485抄表失败 2026-11-22 10:00 p3 start`. */
export function describeRecord(rec: ErcRecord): string {
  const e = lookupErc(rec.erc);
  const d = rec.data ?? {};
  const t = d.time as { year: number; month: number; day: number; hour: number; minute: number } | undefined;
  const when = t ? ` ${t.year}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')} ${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}` : '';
  const pn = d.pn as { pn: number; start: boolean | number } | undefined;
  const pnText = pn && typeof pn === 'object' ? ` p${pn.pn} ${pn.start ? 'start' : 'end'}` : '';
  return `ERC${rec.erc} ${e?.name ?? 'unknown'}${when}${pnText}`;
}

export function pnOf(rec: ErcRecord): { pn: number; start: boolean } | undefined {
  const pn = rec.data?.pn as { pn: number; start: boolean | number } | undefined;
  return pn && typeof pn === 'object' && typeof pn.pn === 'number' ? { pn: pn.pn, start: Boolean(pn.start) } : undefined;
}
