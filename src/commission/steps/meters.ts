/**
 * Step 5, meters: for every Pn of the terminal in the archive, a real-time read (AFN0C F129, current
 * forward active energy) and yesterday's daily frozen value (AFN0D F161, terminal local date). A meter
 * whose real-time total is absent (EEH) does not answer: it is listed, with the terminal's ERC31
 * reading-failure records for it (AFN0E F1). Only the frozen value missing: WARN.
 */
import { builders, type MessageUnit } from '../../../protocols/gw376/index.js';
import { errorText, type StepContext } from '../context.js';
import { a1At } from './clock.js';
import { describeRecord, pnOf, readCounters, readRecent } from './events-read.js';
import type { StepOutcome } from './step.js';

const CHUNK = 32;

interface TariffValues {
  time: unknown;
  values: (number | null)[];
}

function totals(units: readonly MessageUnit[], fn: number): Map<number, number | null> {
  const out = new Map<number, number | null>();
  for (const u of units) {
    if (u.raw || u.fn !== fn) continue;
    const v = (u.data as TariffValues | undefined)?.values?.[0];
    out.set(u.pn, typeof v === 'number' ? v : null);
  }
  return out;
}

const chunks = <T>(xs: readonly T[], n: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
};

const range = (pns: readonly number[]): string => (pns.length === 0 ? '' : pns.length === 1 ? `p${pns[0]}` : `p${pns[0]}..p${pns[pns.length - 1]}`);

export async function metersStep(ctx: StepContext): Promise<StepOutcome> {
  const archive = ctx.deps.archive;
  const meters = archive?.terminal(ctx.terminal) ? archive.metersOf(ctx.terminal) : undefined;
  if (!meters) {
    ctx.check('meters', 'SKIP', 'no archive: the meters to expect are unknown');
    return { summary: 'no archive' };
  }
  if (meters.length === 0) {
    ctx.check('meters', 'WARN', 'the archive lists no meter behind this terminal');
    return { summary: 'no meters in the archive' };
  }
  const pns = meters.map((m) => m.pn).sort((a, b) => a - b);
  const realtime = new Map<number, number | null>();
  for (const part of chunks(pns, CHUNK)) {
    const r = await ctx.ask(`AFN0C F129 current forward active energy ${range(part)}`, { afn: 0x0c, units: builders.requestUnits(part.map((pn) => ({ pn, fn: 129 }))) });
    if (!r.result) ctx.check(`real-time ${range(part)}`, 'FAIL', `AFN0C F129: ${errorText(r.error)}`);
    else for (const [pn, v] of totals(r.result.units, 129)) realtime.set(pn, v);
  }
  const y = a1At(ctx.deps.clock.now() - 86_400_000, ctx.deps.utcOffsetMinutes);
  const td = { year: y.year, month: y.month, day: y.day };
  const dateText = `${td.year}-${String(td.month).padStart(2, '0')}-${String(td.day).padStart(2, '0')}`;
  const frozen = new Map<number, number | null>();
  for (const part of chunks(pns, CHUNK)) {
    const r = await ctx.ask(`AFN0D F161 daily frozen forward active ${dateText} ${range(part)}`, { afn: 0x0d, units: part.map((pn) => ({ pn, fn: 161, data: { td } })) });
    if (!r.result) ctx.check(`daily frozen ${range(part)}`, 'FAIL', `AFN0D F161: ${errorText(r.error)}`);
    else for (const [pn, v] of totals(r.result.units, 161)) frozen.set(pn, v);
  }

  const silent = pns.filter((pn) => typeof realtime.get(pn) !== 'number');
  const noFrozen = pns.filter((pn) => !silent.includes(pn) && typeof frozen.get(pn) !== 'number');
  const table = meters.map((m) => ({ pn: m.pn, address: m.address, realtimeKwh: realtime.get(m.pn) ?? null, frozenKwh: frozen.get(m.pn) ?? null }));
  ctx.note(`per meter: real-time total and ${dateText} frozen total (kWh)`, table);
  ctx.facts.meters = table;

  if (silent.length === 0) ctx.check('real-time readings', 'PASS', `all ${pns.length} meter(s) answered AFN0C F129`);
  else {
    // The terminal's own reading-failure records for them.
    const ec = await readCounters(ctx);
    const recs = ec ? ((await readRecent(ctx, true, ec.ec1, 64)) ?? []) : [];
    const erc31 = new Map<number, string[]>();
    for (const rec of recs) {
      const p = pnOf(rec);
      if (rec.erc === 31 && p && silent.includes(p.pn)) erc31.set(p.pn, [...(erc31.get(p.pn) ?? []), describeRecord(rec)]);
    }
    const lines = silent.map((pn) => {
      const m = meters.find((x) => x.pn === pn)!;
      const ev = erc31.get(pn);
      return `p${pn} ${m.address}${ev ? ` (${ev.join('; ')})` : ' (no ERC31 recorded)'}`;
    });
    ctx.facts.silentMeters = silent;
    ctx.check('real-time readings', 'FAIL', `${silent.length} of ${pns.length} meter(s) do not answer: ${lines.join(', ')}`);
  }
  if (noFrozen.length === 0) ctx.check('daily frozen readings', 'PASS', `${dateText}: ${pns.length - silent.length} meter(s) have a frozen value`);
  else ctx.check('daily frozen readings', 'WARN', `${dateText}: no frozen value for ${noFrozen.map((p) => `p${p}`).join(', ')}`);
  return { summary: `${pns.length - silent.length}/${pns.length} meters answer` };
}
