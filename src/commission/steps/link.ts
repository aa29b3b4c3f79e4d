/**
 * Step 1, link: the terminal is logged in (login time, channel), the round trip of an AFN0C F2 request
 * (terminal clock) is within `rttWarnMs`, and heartbeats arrive at the configured period (AFN04 F1 as
 * the terminal reports it, against the head-end's `fep.heartbeatS`). A terminal that is offline, or a
 * half-open link (logged in, heartbeats arriving, but requests unanswered), fails.
 *
 * The round trip goes first, once, with its own bound (`linkTimeoutMs`): the FEP otherwise follows the
 * terminal's AFN04 F1 wait time and retries (30 s × 4 attempts on many terminals), and a half-open
 * link would keep the technician waiting minutes for a verdict.
 */
import { errorText, unitData, type StepContext } from '../context.js';
import type { StepOutcome } from './step.js';

export async function linkStep(ctx: StepContext): Promise<StepOutcome> {
  const t = ctx.deps.terminal(ctx.terminal);
  ctx.note('terminal (head-end view)', { state: t.state, channel: t.channel, remote: t.remote, onlineAt: t.onlineAt, lastSeen: t.lastSeen, session: t.session });
  if (t.state !== 'online' || !t.session) {
    ctx.check('logged in', 'FAIL', `terminal is ${t.state}${t.lastOfflineReason ? ` (last offline: ${t.lastOfflineReason})` : ''}`);
    ctx.facts.offline = true;
    return { summary: `terminal ${t.state}` };
  }
  ctx.check('logged in', 'PASS', `online since ${t.session.onlineAt ?? t.session.connectedAt} over ${t.channel ?? '?'} from ${t.remote ?? '?'}`);

  const rtt = await ctx.ask('AFN0C F2 round trip', { afn: 0x0c, units: [{ pn: 0, fn: 2 }], retries: 0, timeoutMs: ctx.options.linkTimeoutMs });
  if (!rtt.result) {
    ctx.check('round trip', 'FAIL', `AFN0C F2 unanswered within ${ctx.options.linkTimeoutMs} ms: ${errorText(rtt.error)} (half-open link?)`);
    ctx.facts.unanswered = true;
    return { summary: 'requests unanswered' };
  }
  const ms = rtt.result.latencyMs;
  ctx.facts.rttMs = ms;
  ctx.check('round trip', ms > ctx.options.rttWarnMs ? 'WARN' : 'PASS', `AFN0C F2 answered in ${ms} ms (warn above ${ctx.options.rttWarnMs} ms)`);

  const f1 = await ctx.ask('AFN0A F1 communication parameters (heartbeat period)', { afn: 0x0a, units: [{ pn: 0, fn: 1 }] });
  const hb = unitData<{ heartbeat: number }>(f1.result, 1)?.heartbeat;
  if (hb !== undefined) ctx.facts.heartbeatMin = hb;
  const configuredMin = ctx.deps.heartbeatS / 60;
  if (hb === undefined) ctx.check('heartbeat period', 'WARN', `AFN0A F1 not read (${errorText(f1.error)}); configured ${configuredMin} min`);
  else if (hb !== configuredMin) ctx.check('heartbeat period', 'WARN', `terminal ${hb} min, configured ${configuredMin} min (step params can push it)`);
  else ctx.check('heartbeat period', 'PASS', `${hb} min as configured`);

  const s = t.session;
  const since = Date.parse(s.onlineAt ?? s.connectedAt);
  const onlineS = (ctx.deps.clock.now() - since) / 1000;
  const periodS = (hb ?? configuredMin) * 60;
  if (s.heartbeats > 0) ctx.check('heartbeats', 'PASS', `${s.heartbeats} heartbeat(s) since login, last frame ${s.lastSeen}`);
  else if (onlineS > periodS * 1.5) ctx.check('heartbeats', 'WARN', `no heartbeat in ${Math.round(onlineS)} s online (period ${periodS} s)`);
  else ctx.check('heartbeats', 'PASS', `none yet: online ${Math.round(onlineS)} s, first due within ${periodS} s`);

  return { summary: `online, RTT ${ms} ms` };
}
