/**
 * Runs the terminal checklist step by step: each step gets a `StepContext`, its checks are streamed
 * as progress events, and the results make the report. A terminal found offline (or not answering)
 * by the link step leaves the remaining steps SKIP.
 */
import { InputError } from '../errors.js';
import { StepContext, type CommissionDeps, type SharedFacts, type TerminalRunOptions } from './context.js';
import { clockStep } from './steps/clock.js';
import { controlStep, type ControlPort } from './steps/control.js';
import { eventsStep } from './steps/events.js';
import { identityStep } from './steps/identity.js';
import { linkStep } from './steps/link.js';
import { metersStep } from './steps/meters.js';
import { paramsStep } from './steps/params.js';
import type { Step } from './steps/step.js';
import { countVerdicts, STEP_TITLES, TERMINAL_STEPS, worst, type CommissionEvent, type CommissionReport, type StepResult, type TerminalStepId } from './types.js';

export function parseSteps(list: readonly string[]): TerminalStepId[] {
  const out: TerminalStepId[] = [];
  for (const s of list) {
    if (!(TERMINAL_STEPS as readonly string[]).includes(s)) throw new InputError('steps', `'${s}' is not a step (${TERMINAL_STEPS.join(', ')})`);
    if (!out.includes(s as TerminalStepId)) out.push(s as TerminalStepId);
  }
  if (out.length === 0) throw new InputError('steps', 'no step given');
  return TERMINAL_STEPS.filter((s) => out.includes(s));
}

export async function runTerminalCommissioning(deps: CommissionDeps & { control?: ControlPort }, terminal: string, options: TerminalRunOptions, emit: (e: CommissionEvent) => void): Promise<CommissionReport> {
  const steps = parseSteps(options.steps);
  const table: Record<TerminalStepId, Step> = {
    link: linkStep,
    identity: identityStep,
    clock: clockStep,
    params: paramsStep,
    meters: metersStep,
    events: eventsStep,
    control: (ctx) => controlStep(ctx, deps.control),
  };
  const started = deps.clock.now();
  const facts: SharedFacts = {};
  const results: StepResult[] = [];
  for (const [i, id] of steps.entries()) {
    const title = STEP_TITLES[id];
    emit({ type: 'step-start', step: id, title, index: i + 1, total: steps.length });
    const ctx = new StepContext(deps, terminal, options, facts, (check) => emit({ type: 'check', step: id, check }), (message) => emit({ type: 'progress', step: id, message }));
    const t0 = deps.clock.now();
    let summary: string;
    let verdict;
    if (id !== 'link' && (facts.offline === true || facts.unanswered === true)) {
      ctx.check(id, 'SKIP', facts.offline ? 'terminal offline' : 'terminal does not answer');
      summary = 'skipped';
      verdict = 'SKIP' as const;
    } else {
      try {
        const out = await table[id](ctx);
        summary = out.summary;
        verdict = out.verdict ?? worst(ctx.checks.map((c) => c.verdict).filter((v) => v !== 'SKIP'));
        if (ctx.checks.length > 0 && ctx.checks.every((c) => c.verdict === 'SKIP')) verdict = 'SKIP' as const;
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        ctx.check(id, 'FAIL', `${err.name}: ${err.message}`);
        summary = err.message;
        verdict = 'FAIL' as const;
      }
    }
    const durationMs = deps.clock.now() - t0;
    results.push({ step: id, title, verdict, summary, checks: ctx.checks, evidence: ctx.evidence, actions: ctx.actions, startedAt: new Date(t0).toISOString(), durationMs });
    emit({ type: 'step-end', step: id, verdict, summary, durationMs });
  }
  const finished = deps.clock.now();
  const detail = safeDetail(deps, terminal);
  const verdict = worst(results.map((r) => r.verdict).filter((v) => v !== 'SKIP'));
  const report: CommissionReport = {
    format: 'openhes-commission/1',
    kind: 'terminal',
    target: terminal,
    operator: options.operator,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - started,
    verdict: results.some((r) => r.verdict === 'SKIP') && verdict === 'PASS' && facts.offline === true ? 'FAIL' : verdict,
    counts: countVerdicts(results),
    options: { steps, clockWarnS: options.clockWarnS, clockFailS: options.clockFailS, rttWarnMs: options.rttWarnMs, linkTimeoutMs: options.linkTimeoutMs, setClock: options.setClock, pushParams: options.pushParams, withControl: options.withControl, controlDryRun: options.controlDryRun, ...(options.withControl ? { approvalWaitS: options.approvalWaitS } : {}), ...(options.testPn !== undefined ? { testPn: options.testPn } : {}), ...(options.testTurn !== undefined ? { testTurn: options.testTurn } : {}), ...(options.master ? { master: `${options.master.ip}:${options.master.port}` } : {}) },
    facts: { terminal: detail, ...(facts.version ? { version: facts.version } : {}), ...(facts.meters ? { meters: facts.meters } : {}) },
    steps: results,
  };
  emit({ type: 'done', verdict: report.verdict, report });
  return report;
}

function safeDetail(deps: CommissionDeps, terminal: string): Record<string, unknown> {
  try {
    const d = deps.terminal(terminal);
    const a = d.archive ?? {};
    return { terminal: d.terminal, a1: d.a1, a2: d.a2, state: d.state, channel: d.channel, remote: d.remote, taiqu: a.taiqu, protocol: a.protocol, meterCount: a.meterCount };
  } catch {
    return { terminal };
  }
}
