/**
 * Step 3, clock: AFN0C F2 (terminal calendar clock) against the head-end's clock at the middle of the
 * exchange. |offset| ≤ warn: PASS; ≤ fail: WARN; beyond: FAIL. With `setClock` a clock that is not
 * PASS is set (AFN05 F31, PW + Tp, control priority) and read again: the step's verdict is then the
 * re-check's, the first reading kept as evidence. Without it the step says what it would do.
 */
import type { DateTimeA1 } from '../../../protocols/gw376/formats.js';
import { errorText, unitData, type StepContext } from '../context.js';
import type { Verdict } from '../types.js';
import type { StepOutcome } from './step.js';

/** UTC ms → the terminal's local A1 time. */
export function a1At(ms: number, utcOffsetMinutes: number): DateTimeA1 {
  const d = new Date(ms + utcOffsetMinutes * 60_000);
  const wd = d.getUTCDay();
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: wd === 0 ? 7 : wd };
}

/** The terminal's local A1 time → UTC ms. */
export function msOfA1(a: DateTimeA1, utcOffsetMinutes: number): number {
  return Date.UTC(a.year, a.month - 1, a.day, a.hour, a.minute, a.second) - utcOffsetMinutes * 60_000;
}

const fmt = (a: DateTimeA1): string => `${a.year}-${String(a.month).padStart(2, '0')}-${String(a.day).padStart(2, '0')} ${String(a.hour).padStart(2, '0')}:${String(a.minute).padStart(2, '0')}:${String(a.second).padStart(2, '0')}`;

interface Reading {
  offsetS: number;
  verdict: Verdict;
  text: string;
}

async function readOffset(ctx: StepContext, label: string): Promise<Reading | undefined> {
  const before = ctx.deps.clock.now();
  const r = await ctx.ask(label, { afn: 0x0c, units: [{ pn: 0, fn: 2 }] });
  const after = ctx.deps.clock.now();
  const clock = unitData<{ clock: DateTimeA1 }>(r.result, 2)?.clock;
  if (!clock) {
    ctx.check(label, 'FAIL', `AFN0C F2: ${errorText(r.error)}`);
    return undefined;
  }
  const mid = (before + after) / 2;
  // The terminal's clock has 1 s resolution: round the offset to whole seconds.
  const offsetS = Math.round((msOfA1(clock, ctx.deps.utcOffsetMinutes) - mid) / 1000);
  const abs = Math.abs(offsetS);
  const { clockWarnS: w, clockFailS: f } = ctx.options;
  const verdict: Verdict = abs > f ? 'FAIL' : abs > w ? 'WARN' : 'PASS';
  const text = `terminal ${fmt(clock)}, head-end ${fmt(a1At(mid, ctx.deps.utcOffsetMinutes))}: offset ${offsetS >= 0 ? '+' : ''}${offsetS} s (WARN > ${w} s, FAIL > ${f} s)`;
  r.evidence.decoded = { clock, headEnd: new Date(mid).toISOString(), offsetS };
  return { offsetS, verdict, text };
}

export async function clockStep(ctx: StepContext): Promise<StepOutcome> {
  const first = await readOffset(ctx, 'clock offset');
  if (!first) return { summary: 'clock not read' };
  ctx.facts.clockOffsetS = first.offsetS;
  if (first.verdict === 'PASS') {
    ctx.check('clock offset', 'PASS', first.text);
    return { summary: `offset ${first.offsetS} s` };
  }
  if (!ctx.options.setClock) {
    ctx.check('clock offset', first.verdict, first.text);
    ctx.actions.push(`would set the clock (AFN05 F31) and read it again: run with --set-clock`);
    return { summary: `offset ${first.offsetS} s (not set)` };
  }
  ctx.check('clock offset (before setting)', first.verdict, `${first.text}; setting it`);
  const now = ctx.deps.clock.now();
  const set = await ctx.ask('AFN05 F31 clock set', { afn: 0x05, units: [{ pn: 0, fn: 31, data: { clock: a1At(now, ctx.deps.utcOffsetMinutes) } }] }, { control: true });
  if (set.error) {
    ctx.check('clock set', 'FAIL', `AFN05 F31: ${errorText(set.error)}`);
    return { summary: `offset ${first.offsetS} s, set refused` };
  }
  ctx.actions.push(`clock set (AFN05 F31) to ${fmt(a1At(now, ctx.deps.utcOffsetMinutes))}`);
  const again = await readOffset(ctx, 'clock offset (re-check)');
  if (!again) return { summary: 'clock set, re-check failed' };
  ctx.facts.clockOffsetS = again.offsetS;
  ctx.check('clock offset (re-check)', again.verdict, again.text);
  return { summary: `offset ${first.offsetS} s → ${again.offsetS} s after setting`, verdict: again.verdict };
}
