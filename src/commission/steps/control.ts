/**
 * Step 7, control loop (only with `--with-control`).
 *
 * Checks first (the dry run): load control runs on this head-end, the acting operator has the operator
 * role, a PW is configured for the terminal (AFN05 and AFN10 carry it, Q/GDW 376.1-2009 §5.2.3.6.1), the
 * terminal's control settings (AFN0C F5) are readable, and the test target — a test meter (`testPn`) or
 * a control round wired for testing (`testTurn`) — is in the archive and serves no keep-power (保电)
 * customer. The archive has no "test" marking, so the technician names the target explicitly; a target
 * with a protected customer behind it is refused outright (even for an admin: commissioning never needs
 * to cut one).
 *
 * The live loop (a test target and no dry run): trip → verify → close → verify, each through the normal
 * two-person path of src/control: the technician creates the request (ControlService.create), a second
 * operator approves it (`hes control approve <id>`, the admin or northbound API), and the control
 * executor sends, confirms and verifies it (AFN05 F1/F2 + AFN0C F6 for a round, §5.5 / §5.12; DL/T 645
 * 1CH + status word 3 through AFN10 F1 for a meter). Nothing here sends a control frame itself. The wait
 * for each approval is bounded (`approvalWaitS`); a request not approved in time is cancelled, so a late
 * approval cannot act after the technician has left. The close is sent whenever the trip may have acted
 * (confirmed, timed out or errored), never after a denial.
 */
import type { Selector, Target } from '../../control/targets.js';
import type { ControlParams } from '../../control/commands.js';
import type { Outcome, RequestState, TargetResult } from '../../control/requests.js';
import type { ControlService, RequestDetail, RequestView } from '../../control/service.js';
import { actorOf, type Actor } from '../../control/actor.js';
import { ConflictError } from '../../service/errors.js';
import { errorText, unitData, type StepContext } from '../context.js';
import type { FrameEvidence, Verdict } from '../types.js';
import type { StepOutcome } from './step.js';

/** What the step uses of the load-control service. */
export type ControlApi = Pick<ControlService, 'create' | 'get' | 'cancel' | 'completion' | 'audit' | 'protection'>;

export interface ControlPort {
  /** Roles of the acting operator (X-HES-Role). */
  roles: readonly string[];
  /** Load control is composed (the head-end has its database). */
  available: boolean;
  /** Whether a PW is configured for the terminal (archive or fep.pw). */
  pwConfigured(terminal: string): boolean;
  /** The load-control service the live loop goes through (absent: only the dry run is possible). */
  service?: ControlApi;
}

/** Control rounds of AFN05 F1/F2: Pn 1..8 (Q/GDW 376.1-2009 §5.5). */
export const MAX_TURN = 8;

/** How often the request is looked at while waiting for its approval, ms. */
const APPROVAL_POLL_MS = 250;

/** Outcomes after which the trip may have acted: the close is sent (as a scheme restore does). */
const MAY_HAVE_ACTED: ReadonlySet<Outcome> = new Set(['confirmed-verified', 'confirmed-not-verified', 'timeout', 'error']);

const FINAL_REFUSED: ReadonlySet<RequestState> = new Set(['rejected', 'expired', 'cancelled']);

interface LoopTarget {
  /** As the technician reads it: "test meter p3 000000000103 (account 1101000010003)", "control round 1". */
  label: string;
  selector: Selector;
  /** The control target key (account or terminal key). */
  key: string;
  trip: ControlParams;
  close: ControlParams;
  shieldOf: Target;
}

export async function controlStep(ctx: StepContext, port: ControlPort | undefined): Promise<StepOutcome> {
  const o = ctx.options;
  if (!o.withControl) {
    ctx.check('control loop', 'SKIP', 'not requested (--with-control)');
    return { summary: 'not requested' };
  }
  if (!port?.available) {
    ctx.check('load control', 'FAIL', 'load control is not running on this head-end (no database)');
    return { summary: 'no load control' };
  }
  const live = !o.controlDryRun;
  const role = port.roles.includes('operator') || port.roles.includes('admin');
  ctx.check('operator role', role ? 'PASS' : 'FAIL', `${o.operator} has role(s) ${port.roles.join(', ') || 'none'}${role ? '' : ': the operator role is needed to create control requests'}`);
  const pw = port.pwConfigured(ctx.terminal);
  ctx.check('PW configured', pw ? 'PASS' : 'FAIL', pw ? 'the terminal has a PW (archive or fep.pw)' : 'no PW for the terminal: AFN05 and AFN10 frames carry one (§5.2.3.6.1)');
  const r = await ctx.ask('AFN0C F5 terminal control settings', { afn: 0x0c, units: [{ pn: 0, fn: 5 }] });
  const f5 = unitData<unknown>(r.result, 5);
  ctx.check('control settings readable', f5 !== undefined ? 'PASS' : 'FAIL', f5 !== undefined ? 'AFN0C F5 answered' : `AFN0C F5: ${errorText(r.error)}`);

  if (o.testPn === undefined && o.testTurn === undefined) {
    ctx.check('test target', 'SKIP', 'no --test-pn or --test-turn: the live loop needs a test meter or a control round wired for testing');
    ctx.actions.push('dry run: nothing sent that acts');
    return { summary: 'dry run' };
  }
  const target = resolveTarget(ctx);
  if (!target) return { summary: 'no usable test target' };
  const svc = port.service;
  if (!svc) {
    ctx.check('load control', 'FAIL', 'the load-control service is not reachable from commissioning on this head-end');
    return { summary: 'no load control' };
  }
  const shields = svc.protection.shields([target.shieldOf]);
  if (shields.length > 0) {
    const who = shields.flatMap((s) => s.customers.map((c) => `${c.account} (${c.reason})`)).join(', ');
    ctx.check('keep-power customers', 'FAIL', `refused: ${target.label} serves keep-power (保电) customer(s) ${who}; commissioning never trips them — pick another test target`);
    return { summary: 'test target protected' };
  }
  ctx.check('keep-power customers', 'PASS', `no keep-power customer behind ${target.label}`);
  let actor: Actor;
  try {
    actor = actorOf(o.operator, port.roles.join(','));
  } catch (e) {
    ctx.check('operator name', 'FAIL', `${(e as Error).message}: control requests are audited by operator name (--operator)`);
    return { summary: 'operator not usable for control' };
  }
  if (!live || !role || !pw || f5 === undefined) {
    if (live) {
      ctx.actions.push('live loop not run: fix the failed checks first');
      return { summary: 'checks failed, live loop not run' };
    }
    ctx.actions.push(`dry run: would trip ${target.label} and close it again, each through a control request approved by a second operator; nothing sent that acts`);
    return { summary: `dry run (${target.label})` };
  }

  const trip = await phase(ctx, svc, actor, 'trip', target, target.trip);
  if (!trip.mayHaveActed) {
    ctx.check('close', 'SKIP', trip.id === undefined ? 'no trip request' : `the trip (request ${trip.id}) did not act: nothing to close`);
    return { summary: trip.summary };
  }
  const close = await phase(ctx, svc, actor, 'close', target, target.close);
  if (!close.verified) {
    // The supply of the test target may be open: the technician must not leave it so.
    ctx.actions.push(`${target.label} may be left OPEN: close it (hes control close … , a second operator approves) and check it on site`);
  }
  return { summary: `${trip.summary}; ${close.summary}` };
}

function resolveTarget(ctx: StepContext): LoopTarget | undefined {
  const { testPn, testTurn } = ctx.options;
  if (testPn !== undefined && testTurn !== undefined) {
    ctx.check('test target', 'FAIL', 'give one of --test-pn and --test-turn, not both');
    return undefined;
  }
  if (testTurn !== undefined) {
    if (!Number.isInteger(testTurn) || testTurn < 1 || testTurn > MAX_TURN) {
      ctx.check('test target', 'FAIL', `control round ${testTurn} is not 1..${MAX_TURN} (AFN05 F1/F2 Pn, §5.5)`);
      return undefined;
    }
    const label = `control round ${testTurn} of ${ctx.terminal}`;
    ctx.check('test target', 'PASS', `${label} (AFN05 F1 trip / F2 close allowed, verified by AFN0C F6)`);
    return {
      label,
      selector: { terminals: [ctx.terminal] },
      key: ctx.terminal,
      trip: { kind: 'trip', rounds: [testTurn] },
      close: { kind: 'close', rounds: [testTurn] },
      shieldOf: { key: ctx.terminal, level: 'terminal', terminal: ctx.terminal },
    };
  }
  const pn = testPn!;
  const archive = ctx.deps.archive;
  const meter = archive?.terminal(ctx.terminal) ? archive.metersOf(ctx.terminal).find((m) => m.pn === pn) : undefined;
  if (!archive) {
    ctx.check('test target', 'FAIL', `no archive: the meter of p${pn} is unknown`);
    return undefined;
  }
  if (!meter) {
    ctx.check('test target', 'FAIL', `p${pn} is not a measuring point of ${ctx.terminal} in the archive`);
    return undefined;
  }
  if (!meter.accountNo) {
    ctx.check('test target', 'FAIL', `p${pn} (meter ${meter.address}) has no customer account: load control addresses meters by account (户号)`);
    return undefined;
  }
  const label = `test meter p${pn} ${meter.address} (account ${meter.accountNo})`;
  ctx.check('test target', 'PASS', `${label}: DL/T 645 1CH trip / direct close through AFN10 F1, verified by status word 3`);
  return {
    label,
    selector: { accounts: [meter.accountNo] },
    key: meter.accountNo,
    trip: { kind: 'trip' },
    // Direct close (1CH 1CH): "close allowed" would leave the relay open until someone presses the button.
    close: { kind: 'close', direct: true },
    shieldOf: { key: meter.accountNo, level: 'meter', terminal: ctx.terminal, account: meter.accountNo },
  };
}

interface PhaseResult {
  id?: number;
  outcome?: Outcome;
  mayHaveActed: boolean;
  verified: boolean;
  summary: string;
}

const VERDICT_OF: Readonly<Record<Outcome, Verdict>> = {
  'confirmed-verified': 'PASS',
  'confirmed-not-verified': 'WARN',
  denied: 'FAIL',
  timeout: 'FAIL',
  offline: 'FAIL',
  error: 'FAIL',
  'skipped-protected': 'FAIL',
};

function outcomeText(name: string, r: TargetResult | undefined, d: RequestDetail): string {
  if (!r) return `request ${d.id} finished without a result for the target`;
  const times = [r.confirmMs !== undefined ? `confirmed in ${r.confirmMs} ms` : '', r.verifiedMs !== undefined ? `verified in ${r.verifiedMs} ms` : ''].filter(Boolean).join(', ');
  const by = `request ${d.id}, approved by ${d.approvedBy ?? '(no approval needed)'}`;
  switch (r.outcome) {
    case 'confirmed-verified':
      return `${name} confirmed and verified by ${(r.evidence ?? []).join(', ') || 'read-back'} (${by}; ${times})`;
    case 'confirmed-not-verified':
      return `${name} confirmed by the device but the read-back did not show it${r.detail ? `: ${r.detail}` : ''} (${by}; ${times}) — check the switch on site`;
    case 'denied':
      return `${name} DENIED by the device: ${r.detail ?? 'AFN00 deny'} (${by}) — check the PW, keep-power state and the control wiring`;
    case 'timeout':
      return `${name} not answered: ${r.detail ?? 'timeout'} (${by}) — state unknown`;
    case 'offline':
      return `terminal offline, nothing sent: ${r.detail ?? ''} (${by})`;
    case 'skipped-protected':
      return `skipped: keep-power customer behind the target (${by})`;
    case 'error':
      return `${name} failed: ${r.detail ?? 'error'} (${by})`;
  }
}

async function phase(ctx: StepContext, svc: ControlApi, actor: Actor, name: 'trip' | 'close', target: LoopTarget, action: ControlParams): Promise<PhaseResult> {
  const clock = ctx.deps.clock;
  let req: RequestView;
  try {
    req = svc.create(actor, { action, selector: target.selector, reason: `commissioning ${ctx.terminal}: ${name} test of ${target.label}` });
  } catch (e) {
    ctx.check(`${name} request`, 'FAIL', `not created: ${errorText(e as Error)}`);
    return { mayHaveActed: false, verified: false, summary: `${name} request refused` };
  }
  const id = req.id;
  if (req.needsApproval) {
    ctx.check(`${name} request`, 'PASS', `request ${id} created by ${actor.name} (hash ${req.hash.slice(0, 16)}…), needs a second operator`);
    ctx.progress(`waiting for approval of request ${id} by a second operator (hes control approve ${id}), up to ${ctx.options.approvalWaitS} s`);
  } else ctx.check(`${name} request`, 'WARN', `request ${id} created by ${actor.name} and executed without a second operator: control.approval does not list ${action.kind} on this head-end`);

  const deadline = clock.now() + ctx.options.approvalWaitS * 1000;
  let view: RequestDetail = svc.get(id);
  while (view.state === 'pending' || view.state === 'approved' || view.state === 'staged') {
    if (clock.now() >= deadline) {
      try {
        svc.cancel(actor, id);
        ctx.check(`${name} approval`, 'FAIL', `request ${id} was not approved by a second operator within ${ctx.options.approvalWaitS} s (--approval-wait): cancelled, nothing sent`);
        return { id, mayHaveActed: false, verified: false, summary: `${name} not approved in time` };
      } catch (e) {
        // Approved in the meantime: it runs, follow it.
        if (!(e instanceof ConflictError)) throw e;
      }
    }
    await sleep(clock, Math.max(1, Math.min(APPROVAL_POLL_MS, deadline - clock.now())));
    view = svc.get(id);
  }
  if (FINAL_REFUSED.has(view.state as RequestState)) {
    ctx.check(`${name} approval`, 'FAIL', `request ${id} was ${view.state}${view.state === 'expired' ? ` at ${view.expiresAt} (control.requestTtlS)` : ''}: nothing sent`);
    return { id, mayHaveActed: false, verified: false, summary: `${name} request ${view.state}` };
  }
  if (req.needsApproval) ctx.check(`${name} approval`, 'PASS', `approved by ${view.approvedBy ?? '?'} at ${view.approvedAt ?? '?'}`);
  ctx.progress(`request ${id} (${name}) approved by ${view.approvedBy ?? '?'}: sending and verifying`);
  const done = await svc.completion(id);
  const result = done.results.run?.find((x) => x.target === target.key) ?? done.results.run?.[0];
  const frames: FrameEvidence[] = svc.audit
    .list({ ref: `R${id}`, limit: 10_000 })
    .filter((a) => a.kind === 'frame-out' || a.kind === 'frame-in')
    .map((a) => ({ dir: a.kind === 'frame-out' ? ('out' as const) : ('in' as const), hex: (a.data as { hex: string }).hex }));
  ctx.evidence.push({
    label: `request ${id}: ${name} ${target.label}`,
    frames,
    decoded: { request: { id, kind: done.kind, action: done.action, hash: done.hash, state: done.state, createdBy: done.createdBy, approvedBy: done.approvedBy, approvedAt: done.approvedAt, finishedAt: done.finishedAt }, result },
    ...(result?.verifiedMs !== undefined ? { latencyMs: result.verifiedMs } : result?.confirmMs !== undefined ? { latencyMs: result.confirmMs } : {}),
  });
  const outcome = result?.outcome;
  ctx.check(name, outcome ? VERDICT_OF[outcome] : 'FAIL', outcomeText(name, result, done));
  const rounds = action.kind === 'trip' || action.kind === 'close' ? action.rounds : undefined;
  if (rounds && outcome && outcome !== 'offline') await readF6(ctx, name, rounds[0]!);
  return { id, ...(outcome ? { outcome } : {}), mayHaveActed: outcome !== undefined && MAY_HAVE_ACTED.has(outcome), verified: outcome === 'confirmed-verified', summary: `${name} ${outcome ?? 'no result'} (request ${id})` };
}

/** The round's state as the terminal reports it now (AFN0C F6 终端当前控制状态, §5.12), for the report. */
async function readF6(ctx: StepContext, name: string, round: number): Promise<void> {
  const r = await ctx.ask(`AFN0C F6 control state after the ${name}`, { afn: 0x0c, units: [{ pn: 0, fn: 6 }] });
  const f6 = unitData<{ remoteTrip?: number[] }>(r.result, 6);
  if (f6) r.evidence.decoded = { remoteTrip: f6.remoteTrip ?? [], [`round${round}`]: (f6.remoteTrip ?? []).includes(round) ? 'open (tripped)' : 'closed' };
}

function sleep(clock: StepContext['deps']['clock'], ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
