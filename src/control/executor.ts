/**
 * Executes one phase of a control request over its targets with bounded concurrency, each target to a
 * final outcome (never just "sent"):
 *   offline (not sent) | sent → denied | timeout | error | confirmed → confirmed-verified | confirmed-not-verified
 * Every frame of every exchange (command, read-backs, forwarding) is appended to the audit chain, then the
 * outcome. Live progress (sent / confirmed / verified / failed / skipped) is reported as it changes.
 */
import { ChannelClosedError, TimeoutError } from '../../drivers/errors.js';
import type { Clock } from '../clock.js';
import { DeniedError } from '../errors.js';
import type { AuditChain } from './audit-chain.js';
import type { ControlChannel, FrameObserver } from './channel.js';
import { planMeter, planTerminalSteps, type ControlParams } from './commands.js';
import type { Shield } from './protection.js';
import type { Outcome, Progress, TargetResult } from './requests.js';
import type { Target } from './targets.js';
import type { Verifier } from './verification.js';

export interface ExecutorOptions {
  concurrency: number;
  /** How long a trip's ERC5 is awaited when the read-back did not show the trip, ms. */
  ercWaitMs: number;
  /** Validity of a DL/T 645 1CH command (its N3..N8 deadline), s after sending. */
  meterValidityS: number;
  /** Terminal clocks keep local time: minutes east of UTC. */
  utcOffsetMinutes: number;
}

export interface PhaseInput {
  ref: string;
  actor: string;
  action: ControlParams;
  targets: readonly Target[];
  /** Protected targets not to be commanded (listed as skipped-protected). */
  skip: readonly Shield[];
  onProgress(p: Progress): void;
  /** A trip's ERC5 that arrived after the target's outcome (evidence added late). */
  onLateEvidence?(target: string, evidence: string): void;
}

export function newProgress(total: number): Progress {
  return { total, sent: 0, confirmed: 0, verified: 0, failed: 0, skipped: 0, done: 0 };
}

/** `YYYY-MM-DDTHH:mm:ss` of `ms` on a clock `offsetMinutes` east of UTC (the 1CH deadline). */
export function localTime(ms: number, offsetMinutes: number): string {
  return new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
}

function outcomeOf(e: unknown): { outcome: Outcome; detail: string } {
  const detail = e instanceof Error ? e.message : String(e);
  if (e instanceof DeniedError) return { outcome: 'denied', detail };
  if (e instanceof TimeoutError) return { outcome: 'timeout', detail };
  if (e instanceof ChannelClosedError) return { outcome: 'offline', detail };
  return { outcome: 'error', detail };
}

export class Executor {
  constructor(
    private readonly channel: ControlChannel,
    private readonly verifier: Verifier,
    private readonly audit: AuditChain,
    private readonly clock: Clock,
    private readonly o: ExecutorOptions,
  ) {}

  async run(input: PhaseInput): Promise<TargetResult[]> {
    const skipped = new Map(input.skip.map((s) => [s.target, s]));
    const progress = newProgress(input.targets.length);
    const results: TargetResult[] = [];
    const todo: Target[] = [];
    for (const t of input.targets) {
      const s = skipped.get(t.key);
      if (s) {
        results.push({ target: t.key, outcome: 'skipped-protected', customers: s.customers, detail: 'keep-power (保电) customer: never tripped by a scheme or batch' });
        progress.skipped++;
        progress.done++;
      } else todo.push(t);
    }
    input.onProgress({ ...progress });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < todo.length) {
        const t = todo[next++]!;
        const r = await this.one(input, t, progress);
        results.push(r);
        progress.done++;
        if (r.outcome === 'confirmed-verified') progress.verified++;
        else if (r.outcome !== 'confirmed-not-verified') progress.failed++;
        this.audit.append({ kind: 'outcome', actor: input.actor, ref: input.ref, target: t.key, data: r });
        input.onProgress({ ...progress });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.o.concurrency, todo.length)) }, worker));
    return results.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
  }

  /** One target: send, wait for the answer, verify. */
  private async one(input: PhaseInput, t: Target, progress: Progress): Promise<TargetResult> {
    const observe: FrameObserver = (dir, hex) => this.audit.append({ kind: dir === 'out' ? 'frame-out' : 'frame-in', actor: input.actor, ref: input.ref, target: t.key, data: { hex } });
    const sendProgress = (): void => {
      progress.sent++;
      input.onProgress({ ...progress });
    };
    // A meter on a direct link does not need its concentrator.
    if (!t.meter?.link && !this.channel.isOnline(t.terminal)) return { target: t.key, outcome: 'offline', detail: `terminal ${t.terminal} is not online: nothing sent` };
    const t0 = this.clock.now();
    if (t.level === 'meter' && t.meter) {
      const plan = planMeter(input.action);
      sendProgress();
      try {
        await this.channel.meterCommand(t.meter, plan.command, localTime(t0 + this.o.meterValidityS * 1000, this.o.utcOffsetMinutes), observe);
      } catch (e) {
        return { target: t.key, ...outcomeOf(e) };
      }
      const confirmMs = this.clock.now() - t0;
      progress.confirmed++;
      input.onProgress({ ...progress });
      const v = await this.verifier.verifyMeter(t.meter, plan, observe);
      if (v.verified) return { target: t.key, outcome: 'confirmed-verified', evidence: v.evidence, confirmMs, verifiedMs: this.clock.now() - t0 };
      return { target: t.key, outcome: 'confirmed-not-verified', confirmMs, ...(v.detail ? { detail: v.detail } : {}) };
    }
    const steps = planTerminalSteps(input.action);
    // Steps before the last one (AFN04 F41 before AFN05 F9): sent and verified first, or nothing more is sent.
    let counted = false;
    for (const step of steps.slice(0, -1)) {
      if (!counted) sendProgress();
      counted = true;
      try {
        await this.channel.command(t.terminal, step.afn, step.units, observe);
      } catch (e) {
        const o = outcomeOf(e);
        return { target: t.key, outcome: o.outcome, detail: `AFN04 F${step.units[0]!.fn}: ${o.detail}` };
      }
      const sv = await this.verifier.verifyTerminal(t.terminal, step, observe);
      if (!sv.verified) return { target: t.key, outcome: 'confirmed-not-verified', confirmMs: this.clock.now() - t0, detail: `AFN04 F${step.units[0]!.fn} not read back: ${sv.detail ?? 'differs'}; AFN05 not sent` };
    }
    const plan = steps[steps.length - 1]!;
    // The ERC5 may arrive before the AFN00 answer: wait for it from before sending.
    const erc = plan.erc5 ? this.verifier.awaitErc5(t.terminal, plan.erc5.rounds, plan.erc5.afterMs + this.o.ercWaitMs) : undefined;
    if (!counted) sendProgress(); // one target, counted once
    try {
      await this.channel.command(t.terminal, plan.afn, plan.units, observe);
    } catch (e) {
      erc?.cancel();
      return { target: t.key, ...outcomeOf(e) };
    }
    const confirmMs = this.clock.now() - t0;
    progress.confirmed++;
    input.onProgress({ ...progress });
    const v = await this.verifier.verifyTerminal(t.terminal, plan, observe);
    if (erc) {
      if (!v.verified) {
        // Not shown by the read-back: the ERC5 alone verifies the trip.
        const rec = await erc.promise;
        if (rec) {
          this.audit.append({ kind: 'erc', actor: input.actor, ref: input.ref, target: t.key, data: rec });
          return { target: t.key, outcome: 'confirmed-verified', evidence: ['ERC5'], confirmMs, verifiedMs: this.clock.now() - t0 };
        }
      } else {
        // Verified already; record the ERC5 when (if) it comes.
        void erc.promise.then((rec) => {
          if (!rec) return;
          this.audit.append({ kind: 'erc', actor: input.actor, ref: input.ref, target: t.key, data: rec });
          input.onLateEvidence?.(t.key, 'ERC5');
        });
      }
    }
    if (v.verified) return { target: t.key, outcome: 'confirmed-verified', evidence: v.evidence, confirmMs, verifiedMs: this.clock.now() - t0 };
    return { target: t.key, outcome: 'confirmed-not-verified', confirmMs, ...(v.detail ? { detail: v.detail } : {}) };
  }
}
