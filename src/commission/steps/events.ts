/**
 * Step 6, events: the event counters (AFN0C F7) are readable, and the last important events
 * (AFN0E F1) and general events (AFN0E F2) are listed.
 */
import type { StepContext } from '../context.js';
import { describeRecord, readCounters, readRecent } from './events-read.js';
import type { StepOutcome } from './step.js';

export async function eventsStep(ctx: StepContext): Promise<StepOutcome> {
  const ec = await readCounters(ctx);
  if (!ec) return { summary: 'counters not read' };
  ctx.check('event counters', 'PASS', `EC1 (important) ${ec.ec1}, EC2 (general) ${ec.ec2}`);
  const n = ctx.options.recentEvents;
  const important = await readRecent(ctx, true, ec.ec1, n);
  if (important) {
    const list = important.map(describeRecord);
    ctx.facts.recentEvents = list;
    ctx.check('recent important events', 'PASS', list.length ? `${list.length}: ${list.join('; ')}` : 'none recorded');
  }
  const general = await readRecent(ctx, false, ec.ec2, n);
  if (general) ctx.check('recent general events', 'PASS', general.length ? `${general.length}: ${general.map(describeRecord).join('; ')}` : 'none recorded');
  return { summary: `EC1 ${ec.ec1}, EC2 ${ec.ec2}` };
}
