/**
 * The load-control service: control requests from creation to a verified outcome per target.
 *
 *   create ──(two-person rule?)── pending ──approve (another operator)──► executing ──► done
 *                                    │                                       (schemes: approved ──run──► executing ──► done ──restore──► restoring ──► restored)
 *                                    └── reject / cancel / expire
 *
 * It composes the modules of src/control: commands (validated plans), targets (archive), protection
 * (keep-power customers), approvals (two-person, expiry, hash binding), executor (bounded concurrency,
 * verification), requests (persistence) and the audit chain. It receives an `Actor` for every
 * operation and decides nothing from where the call came (admin API headers today, issue 8's
 * authentication later).
 */
import type { Db } from '../archive/db.js';
import type { EventBus, HesEvents } from '../bus.js';
import type { Clock, Timer } from '../clock.js';
import { InputError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { ConflictError, NotFoundError } from '../service/errors.js';
import { hasRole, requireOperator, SYSTEM_ACTOR, type Actor } from './actor.js';
import { checkApproval, requestHash, type ApprovalPolicy } from './approvals.js';
import { AuditChain } from './audit-chain.js';
import type { ControlChannel } from './channel.js';
import { checkParams, CONTROL_KINDS, meterCapable, type ControlKind, type ControlParams, type PeriodLimits } from './commands.js';
import { ForbiddenError } from './errors.js';
import { Executor } from './executor.js';
import { MeterLinks } from './meter-links.js';
import { Protection, type Shield } from './protection.js';
import { RequestStore, type ControlRequest, type Outcome, type Phase, type Progress, type RequestState, type TargetResult } from './requests.js';
import { TargetResolver, type Selector, type Target } from './targets.js';
import { Verifier } from './verification.js';
import { DEFAULT_CONTROL, type ControlConfig } from './config.js';

export interface ControlServiceOptions {
  /** The head-end database (archive + migration 0003 tables). */
  db: Db;
  channel: ControlChannel;
  bus: EventBus<HesEvents>;
  clock: Clock;
  logger?: Logger;
  config?: Partial<ControlConfig>;
  /** Terminal and meter clocks keep local time: minutes east of UTC (default 480). */
  utcOffsetMinutes?: number;
}

export interface CreateInput {
  action: ControlParams;
  selector: Selector;
  reason?: string;
}

/** A scheme's change: new targets and/or new AFN04 F41 limits (period schemes). */
export interface SchemeUpdate {
  selector?: Selector;
  limits?: unknown;
}

export interface SchemeInput extends CreateInput {
  name: string;
  /** Restore automatically at this time (ms). */
  until?: number;
}

export interface RequestView {
  id: number;
  kind: ControlKind;
  scheme?: string;
  /** Schemes show `staged` for pending. */
  state: RequestState | 'staged';
  action: ControlParams;
  until?: string;
  selector: Selector;
  targets: number;
  hash: string;
  reason?: string;
  override: boolean;
  needsApproval: boolean;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  approvedBy?: string;
  approvedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  phase?: Phase;
  progress?: Progress;
  byOutcome?: Partial<Record<Outcome, number>>;
  /** Protected customers behind targets (skipped by schemes and batches). */
  protected?: Shield[];
}

export interface RequestDetail extends RequestView {
  targetList: string[];
  results: Partial<Record<Phase, TargetResult[]>>;
}

interface Live {
  phase: Phase;
  progress: Progress;
  skipped: Shield[];
  done: Promise<void>;
  lastPublish: number;
  late: Map<string, string[]>;
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** Operations that cut supply: protected customers are kept out of them. */
function cutsSupply(a: ControlParams): boolean {
  return a.kind === 'trip' || (a.kind === 'power-control' && a.on);
}

/** The action that undoes a scheme's action (its restore). */
export function inverseOf(a: ControlParams): ControlParams {
  switch (a.kind) {
    case 'trip':
      return a.rounds ? { kind: 'close', rounds: a.rounds } : { kind: 'close' };
    case 'power-control':
      return { kind: 'power-control', control: a.control, group: a.group, on: false };
    case 'urge-fee':
      return { kind: 'urge-fee', on: false };
    case 'keep-power':
      return { kind: 'release' };
    default:
      throw new InputError('action', `${a.kind} has no restore`);
  }
}

/** Outcomes whose target may have acted, and so is restored. */
const RESTORE_FROM: ReadonlySet<Outcome> = new Set(['confirmed-verified', 'confirmed-not-verified', 'timeout', 'error']);

export class ControlService {
  readonly audit: AuditChain;
  readonly protection: Protection;
  /** Meters on a direct serial/TCP link (commanded without their concentrator). */
  readonly meterLinks: MeterLinks;
  readonly policy: ApprovalPolicy;
  private readonly store: RequestStore;
  private readonly resolver: TargetResolver;
  private readonly verifier: Verifier;
  private readonly executor: Executor;
  private readonly live = new Map<number, Live>();
  private readonly restoreTimers = new Map<number, Timer>();
  private readonly clock: Clock;
  private readonly bus: EventBus<HesEvents>;
  private readonly log: Logger;
  private sweepTimer: Timer | undefined;
  private closed = false;

  constructor(o: ControlServiceOptions) {
    const c = { ...DEFAULT_CONTROL, ...o.config };
    this.clock = o.clock;
    this.bus = o.bus;
    this.log = o.logger ?? silentLogger;
    const required = new Set<ControlKind>();
    for (const k of c.approval.split(',').map((x) => x.trim()).filter(Boolean)) {
      if (!CONTROL_KINDS.includes(k as ControlKind)) throw new InputError('control.approval', `'${k}' is not an operation kind (${CONTROL_KINDS.join(', ')})`);
      required.add(k as ControlKind);
    }
    this.policy = { required, requestTtlMs: c.requestTtlS * 1000, schemeTtlMs: c.schemeTtlS * 1000 };
    this.audit = new AuditChain(o.db, o.clock, { flushMs: c.auditFlushMs });
    this.protection = new Protection(o.db);
    this.meterLinks = new MeterLinks(o.db, this.audit, o.clock);
    this.store = new RequestStore(o.db);
    this.resolver = new TargetResolver(o.db);
    this.verifier = new Verifier(o.channel, o.bus, o.clock, { attempts: c.verifyAttempts, intervalMs: c.verifyIntervalMs });
    this.executor = new Executor(o.channel, this.verifier, this.audit, o.clock, {
      concurrency: c.concurrency,
      ercWaitMs: c.ercWaitMs,
      meterValidityS: c.meterValidityS,
      utcOffsetMinutes: o.utcOffsetMinutes ?? 480,
    });
  }

  /**
   * Starts the expiry sweep (every 30 s) and re-arms automatic scheme restores. A phase a previous
   * process left running (crash, kill) is closed as interrupted: its targets' state is unknown, so a
   * scheme can then be restored.
   */
  start(): void {
    for (const st of ['executing', 'restoring'] as const) {
      for (const r of this.store.list({ state: st, limit: 10_000 })) {
        if (this.live.has(r.id)) continue;
        const phase: Phase = st === 'executing' ? 'run' : 'restore';
        const summary = { phase, progress: r.summary?.progress ?? { total: r.targets.length, sent: 0, confirmed: 0, verified: 0, failed: 0, skipped: 0, done: 0 }, skipped: [], byOutcome: {} };
        this.store.finish(r.id, 'done', this.clock.now(), summary);
        this.audit.append({ kind: 'summary', actor: SYSTEM_ACTOR.name, ref: `R${r.id}`, data: { ...summary, interrupted: true } }, { flush: true });
        this.log.warn({ request: r.id, phase }, 'control phase interrupted by a restart: closed as done, outcomes unknown');
      }
    }
    this.sweep();
    for (const r of this.store.list({ state: 'done', schemes: true, limit: 10_000 })) this.armRestore(r);
  }

  // ------------------------------------------------------------------ requests

  create(actor: Actor, input: CreateInput): RequestView {
    return this.view(this.createRow(actor, input, undefined));
  }

  /** A named scheme (有序用电): staged until a second operator approves it, then run and restored. */
  createScheme(actor: Actor, input: SchemeInput): RequestView {
    if (!/^[\p{L}\p{N}._-]{1,64}$/u.test(input.name)) throw new InputError('name', `'${input.name}' is not a scheme name (1..64 letters, digits, . _ -)`);
    if (this.store.byScheme(input.name)) throw new ConflictError('exists', `scheme ${input.name} exists already`);
    if (input.until !== undefined && input.until <= this.clock.now()) throw new InputError('until', 'is not in the future');
    return this.view(this.createRow(actor, input, input));
  }

  private createRow(actor: Actor, input: CreateInput, scheme: SchemeInput | undefined): ControlRequest {
    requireOperator(actor, scheme ? 'stage schemes' : 'create control requests');
    const action = checkParams(input.action);
    if (scheme) inverseOf(action); // a scheme must be restorable
    const reason = input.reason?.trim() || undefined;
    if (reason !== undefined && reason.length > 500) throw new InputError('reason', 'longer than 500 characters');
    const targets = this.resolver.resolve(input.selector, !scheme && meterCapable(action));
    if (!meterCapable(action) && targets.some((t) => t.level === 'meter')) throw new InputError('targets', `${action.kind} acts on terminals only`);
    const shields = cutsSupply(action) ? this.protection.shields(targets) : [];
    let override = false;
    if (shields.length > 0 && targets.length === 1 && !scheme) {
      // An explicit single trip of a protected customer: admin role and a reason.
      const who = shields[0]!.customers.map((c) => `${c.account} (${c.reason})`).join(', ');
      if (!hasRole(actor, 'admin')) throw new ForbiddenError('protected', `${targets[0]!.key} serves keep-power customer(s) ${who}: only an admin may trip it, with a reason`);
      if (!reason) throw new InputError('reason', `${targets[0]!.key} serves keep-power customer(s) ${who}: give the reason for tripping it`);
      override = true;
    }
    const kind: ControlKind = scheme ? 'scheme' : actor === SYSTEM_ACTOR ? 'prepay' : action.kind;
    const params = { action, ...(scheme?.until !== undefined ? { until: scheme.until } : {}) };
    const hash = requestHash(kind, params, targets, override);
    const now = this.clock.now();
    const needsApproval = this.policy.required.has(kind);
    const row = {
      kind,
      ...(scheme ? { scheme: scheme.name } : {}),
      selector: input.selector,
      params,
      targets,
      hash,
      ...(reason ? { reason } : {}),
      override,
      needsApproval,
      createdBy: actor.name,
      createdAt: now,
      expiresAt: now + (scheme ? this.policy.schemeTtlMs : this.policy.requestTtlMs),
    };
    const id = this.store.insert(row);
    this.audit.append(
      { kind: 'request', actor: actor.name, ref: `R${id}`, data: { kind, scheme: scheme?.name, action, until: params.until, selector: input.selector, targets: targets.length, hash, reason, override, needsApproval, protected: shields } },
      { flush: true },
    );
    this.publish(id, kind, 'pending', scheme?.name);
    const r = this.mustGet(id);
    if (!needsApproval) {
      if (scheme) {
        this.store.approve(id, actor.name, now);
        return this.mustGet(id);
      }
      this.startPhase(r, 'run', actor, 'pending');
      return this.mustGet(id);
    }
    return r;
  }

  /** Approval by a second operator; a plain request then executes, a scheme waits for `run`. */
  approve(actor: Actor, id: number, reviewedHash?: string): RequestView {
    let r = this.current(id);
    checkApproval(r, actor, this.clock.now(), reviewedHash);
    r = this.rebind(actor, r);
    if (!this.store.approve(id, actor.name, this.clock.now())) throw new ConflictError('changed', `request ${id} changed while being approved: look again`);
    this.audit.append({ kind: 'approval', actor: actor.name, ref: `R${id}`, data: { hash: r.hash, createdBy: r.createdBy } }, { flush: true });
    this.publish(id, r.kind, 'approved', r.scheme);
    const approved = this.mustGet(id);
    if (!r.scheme) this.startPhase(approved, 'run', actor, 'approved');
    return this.view(this.mustGet(id));
  }

  reject(actor: Actor, id: number, reason: string | undefined): RequestView {
    requireOperator(actor, 'reject control requests');
    const r = this.current(id);
    if (!this.store.transition(id, 'pending', 'rejected') && !this.store.transition(id, 'approved', 'rejected')) throw new ConflictError(r.state, `request ${id} is ${r.state}: only pending or approved requests can be rejected`);
    this.audit.append({ kind: 'refusal', actor: actor.name, ref: `R${id}`, data: { reason: reason ?? '' } }, { flush: true });
    this.publish(id, r.kind, 'rejected', r.scheme);
    return this.view(this.mustGet(id));
  }

  cancel(actor: Actor, id: number): RequestView {
    const r = this.current(id);
    if (actor.name !== r.createdBy && !hasRole(actor, 'admin')) throw new ForbiddenError('not-creator', `only ${r.createdBy} (the creator) or an admin may cancel request ${id}`);
    if (!this.store.transition(id, 'pending', 'cancelled') && !this.store.transition(id, 'approved', 'cancelled')) throw new ConflictError(r.state, `request ${id} is ${r.state}: only pending or approved requests can be cancelled`);
    this.audit.append({ kind: 'cancel', actor: actor.name, ref: `R${id}`, data: {} }, { flush: true });
    this.publish(id, r.kind, 'cancelled', r.scheme);
    return this.view(this.mustGet(id));
  }

  get(id: number): RequestDetail {
    const r = this.current(id);
    const results: RequestDetail['results'] = {};
    for (const phase of ['run', 'restore'] as const) {
      const l = this.store.results(id, phase);
      if (l.length) results[phase] = l;
    }
    return { ...this.view(r), targetList: r.targets.map((t) => t.key), results };
  }

  list(o: { state?: RequestState; schemes?: boolean; limit?: number } = {}): RequestView[] {
    return this.store.list(o).map((r) => this.view(r));
  }

  /** Resolves when the phase in progress (if any) of request `id` has finished. */
  async completion(id: number): Promise<RequestDetail> {
    await this.live.get(id)?.done;
    return this.get(id);
  }

  // ------------------------------------------------------------------ schemes

  scheme(name: string): RequestDetail {
    return this.get(this.schemeRow(name).id);
  }

  /**
   * New targets and/or new AFN04 F41 limits for a staged/approved scheme: the hash covers both, so any
   * approval is dropped (needs a new one).
   */
  updateScheme(actor: Actor, name: string, change: SchemeUpdate): RequestView {
    requireOperator(actor, 'change schemes');
    const r = this.schemeRow(name);
    if (r.state !== 'pending' && r.state !== 'approved') throw new ConflictError(r.state, `scheme ${name} is ${r.state}: only a staged or approved scheme can be changed`);
    const selector = change.selector ?? r.selector;
    let params = r.params;
    if (change.limits !== undefined) {
      const a = r.params.action;
      if (a.kind !== 'power-control' || a.control !== 'period') throw new InputError('limits', `scheme ${name} is not a period power-control scheme`);
      params = { ...r.params, action: checkParams({ ...a, limits: change.limits as PeriodLimits }) };
    }
    const targets = this.resolver.resolve(selector, false);
    const hash = requestHash(r.kind, params, targets, r.override);
    if (!this.store.restage(r.id, selector, targets, hash, this.clock.now() + this.policy.schemeTtlMs, params === r.params ? undefined : params)) throw new ConflictError('changed', `scheme ${name} changed meanwhile`);
    this.audit.append({ kind: 'scheme', actor: actor.name, ref: `R${r.id}`, data: { event: 'updated', selector, ...(params === r.params ? {} : { action: params.action }), targets: targets.length, hash, previousHash: r.hash } }, { flush: true });
    if (!r.needsApproval) this.store.approve(r.id, actor.name, this.clock.now());
    this.publish(r.id, r.kind, this.mustGet(r.id).state, name);
    return this.view(this.mustGet(r.id));
  }

  approveScheme(actor: Actor, name: string, reviewedHash?: string): RequestView {
    return this.approve(actor, this.schemeRow(name).id, reviewedHash);
  }

  /** Executes an approved scheme over its (re-resolved, unchanged) targets, protected ones skipped. */
  runScheme(actor: Actor, name: string): RequestView {
    requireOperator(actor, 'run schemes');
    let r = this.schemeRow(name);
    r = this.expireIfDue(r);
    if (r.state !== 'approved') throw new ConflictError(r.state, `scheme ${name} is ${r.state === 'pending' ? 'staged (not approved)' : r.state}: only an approved scheme runs`);
    this.rebind(actor, r);
    this.startPhase(r, 'run', actor, 'approved');
    return this.view(this.mustGet(r.id));
  }

  /** Undoes an executed scheme on every target it may have acted on. */
  restoreScheme(actor: Actor, name: string): RequestView {
    requireOperator(actor, 'restore schemes');
    const r = this.schemeRow(name);
    if (r.state !== 'done') throw new ConflictError(r.state, `scheme ${name} is ${r.state}: only an executed scheme is restored`);
    this.startPhase(r, 'restore', actor, 'done');
    return this.view(this.mustGet(r.id));
  }

  private schemeRow(name: string): ControlRequest {
    const r = this.store.byScheme(name);
    if (!r) throw new NotFoundError('scheme', `no scheme named ${name}`);
    return this.expireIfDue(r);
  }

  // ------------------------------------------------------------------ execution

  private startPhase(r: ControlRequest, phase: Phase, actor: Actor, from: RequestState): void {
    this.checkIntegrity(actor, r);
    const to: RequestState = phase === 'run' ? 'executing' : 'restoring';
    const now = this.clock.now();
    if (!this.store.start(r.id, from, to, now)) throw new ConflictError('changed', `request ${r.id} is no longer ${from}`);
    const action = phase === 'run' ? r.params.action : inverseOf(r.params.action);
    const prior = phase === 'restore' ? new Map(this.store.results(r.id, 'run').map((x) => [x.target, x.outcome])) : undefined;
    const targets = prior ? r.targets.filter((t) => RESTORE_FROM.has(prior.get(t.key) ?? 'offline')) : r.targets;
    // Protection is evaluated again now: a customer protected since creation is never cut by a batch.
    const skip = cutsSupply(action) && !r.override ? this.protection.shields(targets) : [];
    this.protectionEffects(actor, r, action, targets);
    const ref = `R${r.id}`;
    this.audit.append({ kind: 'execute', actor: actor.name, ref, data: { phase, action, targets: targets.length, skipped: skip } }, { flush: true });
    this.publish(r.id, r.kind, to, r.scheme);
    const live: Live = { phase, progress: { total: targets.length, sent: 0, confirmed: 0, verified: 0, failed: 0, skipped: 0, done: 0 }, skipped: skip, done: Promise.resolve(), lastPublish: 0, late: new Map() };
    this.live.set(r.id, live);
    live.done = this.executor
      .run({
        ref,
        actor: actor.name,
        action,
        targets,
        skip,
        onProgress: (p) => {
          live.progress = p;
          const t = this.clock.now();
          if (t - live.lastPublish >= 250) {
            live.lastPublish = t;
            this.publish(r.id, r.kind, to, r.scheme, phase, p);
          }
        },
        onLateEvidence: (target, ev) => {
          const l = live.late.get(target) ?? [];
          l.push(ev);
          live.late.set(target, l);
        },
      })
      .then(
        (results) => this.finishPhase(r, phase, actor, live, results),
        (e: unknown) => {
          this.log.error({ err: e, request: r.id }, 'control phase failed');
          this.finishPhase(r, phase, actor, live, []);
        },
      );
  }

  private finishPhase(r: ControlRequest, phase: Phase, actor: Actor, live: Live, results: TargetResult[]): void {
    const byOutcome: Partial<Record<Outcome, number>> = {};
    for (const x of results) {
      byOutcome[x.outcome] = (byOutcome[x.outcome] ?? 0) + 1;
      const late = live.late.get(x.target);
      if (late) x.evidence = [...(x.evidence ?? []), ...late];
    }
    const now = this.clock.now();
    const summary = { phase, progress: live.progress, skipped: live.skipped, byOutcome };
    if (this.closed) return;
    this.store.saveResults(r.id, phase, results, now);
    const state: RequestState = phase === 'run' ? 'done' : 'restored';
    this.store.finish(r.id, state, now, summary);
    this.audit.append({ kind: 'summary', actor: actor.name, ref: `R${r.id}`, data: summary }, { flush: true });
    this.live.delete(r.id);
    this.publish(r.id, r.kind, state, r.scheme, phase, live.progress);
    this.log.info({ event: 'control-done', request: r.id, scheme: r.scheme, phase, ...byOutcome }, 'control request finished');
    if (phase === 'run') this.armRestore(this.mustGet(r.id));
  }

  /** Keep-power on a customer's meter protects the customer in the archive; a release unprotects. */
  private protectionEffects(actor: Actor, r: ControlRequest, action: ControlParams, targets: readonly Target[]): void {
    if (action.kind !== 'keep-power' && action.kind !== 'release') return;
    for (const t of targets) {
      if (t.level !== 'meter' || t.account === undefined) continue;
      if (action.kind === 'keep-power') this.protection.protect(t.account, r.reason ?? 'keep-power', actor.name, this.clock.now());
      else if (!this.protection.unprotect(t.account)) continue;
      this.audit.append({ kind: 'protection', actor: actor.name, ref: `R${r.id}`, target: t.account, data: { protected: action.kind === 'keep-power', reason: r.reason } }, { flush: true });
    }
  }

  /** Scheme with an end time: restore automatically (as the head-end) when it comes. */
  private armRestore(r: ControlRequest): void {
    const until = r.params.until;
    if (!r.scheme || until === undefined || r.state !== 'done' || this.restoreTimers.has(r.id)) return;
    const name = r.scheme;
    this.restoreTimers.set(
      r.id,
      this.clock.setTimeout(() => {
        this.restoreTimers.delete(r.id);
        try {
          this.restoreScheme(SYSTEM_ACTOR, name);
        } catch (e) {
          this.log.warn({ err: e, scheme: name }, 'automatic scheme restore not started');
        }
      }, Math.max(0, until - this.clock.now())),
    );
  }

  /** Refuses to send anything for a row whose stored targets/parameters no longer hash to what was approved. */
  private checkIntegrity(actor: Actor, r: ControlRequest): void {
    const now = requestHash(r.kind, r.params, r.targets, r.override);
    const bound = r.needsApproval ? r.approvedHash : r.hash;
    if (now === r.hash && bound === r.hash) return;
    this.audit.append({ kind: 'refusal', actor: actor.name, ref: `R${r.id}`, data: { reason: 'integrity', stored: r.hash, approved: r.approvedHash, computed: now } }, { flush: true });
    throw new ConflictError('integrity', `request ${r.id}: its stored targets or parameters do not match the approved hash — nothing sent`);
  }

  /**
   * The selector resolved now must give the targets the request was created (and is approved) with;
   * otherwise the request is re-staged with the new targets and needs a (new) approval.
   */
  private rebind(actor: Actor, r: ControlRequest): ControlRequest {
    const targets = this.resolver.resolve(r.selector, !r.scheme && meterCapable(r.params.action));
    const hash = requestHash(r.kind, r.params, targets, r.override);
    if (hash === r.hash) return r;
    const expiresAt = this.clock.now() + (r.scheme ? this.policy.schemeTtlMs : this.policy.requestTtlMs);
    this.store.restage(r.id, r.selector, targets, hash, expiresAt);
    this.audit.append({ kind: 'refusal', actor: actor.name, ref: `R${r.id}`, data: { reason: 'targets-changed', previousHash: r.hash, hash, targets: targets.length } }, { flush: true });
    this.publish(r.id, r.kind, 'pending', r.scheme);
    throw new ConflictError('targets-changed', `request ${r.id}: its targets changed since it was ${r.state === 'approved' ? 'approved' : 'created'} (${r.targets.length} → ${targets.length}); it is pending again with hash ${hash.slice(0, 16)}… and needs a new approval`);
  }

  // ------------------------------------------------------------------ housekeeping

  private current(id: number): ControlRequest {
    return this.expireIfDue(this.mustGet(id));
  }

  private mustGet(id: number): ControlRequest {
    const r = this.store.get(id);
    if (!r) throw new NotFoundError('request', `no control request ${id}`);
    return r;
  }

  private expireIfDue(r: ControlRequest): ControlRequest {
    if ((r.state === 'pending' || r.state === 'approved') && this.clock.now() >= r.expiresAt && this.store.transition(r.id, r.state, 'expired')) {
      this.audit.append({ kind: 'expired', actor: SYSTEM_ACTOR.name, ref: `R${r.id}`, data: { expiresAt: r.expiresAt } }, { flush: true });
      this.publish(r.id, r.kind, 'expired', r.scheme);
      return this.mustGet(r.id);
    }
    return r;
  }

  private sweep(): void {
    if (this.closed) return;
    for (const id of this.store.expiredIds(this.clock.now())) this.expireIfDue(this.mustGet(id));
    this.sweepTimer = this.clock.setTimeout(() => this.sweep(), 30_000);
  }

  private publish(id: number, kind: ControlKind, state: string, scheme?: string, phase?: Phase, progress?: Progress): void {
    const p: HesEvents['control'] = { request: id, kind, state, at: this.clock.now() };
    if (scheme) p.scheme = scheme;
    if (phase) p.phase = phase;
    if (progress) p.progress = progress;
    this.bus.publish('control', p);
  }

  private view(r: ControlRequest): RequestView {
    const live = this.live.get(r.id);
    const v: RequestView = {
      id: r.id,
      kind: r.kind,
      state: r.scheme && r.state === 'pending' ? 'staged' : r.state,
      action: r.params.action,
      selector: r.selector,
      targets: r.targets.length,
      hash: r.hash,
      override: r.override,
      needsApproval: r.needsApproval,
      createdBy: r.createdBy,
      createdAt: iso(r.createdAt)!,
      expiresAt: iso(r.expiresAt)!,
    };
    if (r.scheme) v.scheme = r.scheme;
    if (r.params.until !== undefined) v.until = iso(r.params.until)!;
    if (r.reason) v.reason = r.reason;
    if (r.approvedBy) v.approvedBy = r.approvedBy;
    if (r.approvedAt !== undefined) v.approvedAt = iso(r.approvedAt)!;
    if (r.startedAt !== undefined) v.startedAt = iso(r.startedAt)!;
    if (r.finishedAt !== undefined) v.finishedAt = iso(r.finishedAt)!;
    if (live) {
      v.phase = live.phase;
      v.progress = live.progress;
      if (live.skipped.length) v.protected = live.skipped;
    } else if (r.summary) {
      v.phase = r.summary.phase;
      v.progress = r.summary.progress;
      v.byOutcome = r.summary.byOutcome;
      if (r.summary.skipped.length) v.protected = r.summary.skipped;
    } else if (r.state === 'pending' || r.state === 'approved') {
      const a = r.params.action;
      const shields = cutsSupply(a) ? this.protection.shields(r.targets) : [];
      if (shields.length) v.protected = shields;
    }
    return v;
  }

  /** Resolves when every phase in flight has finished (after the FEP closed, they fail fast). */
  async drain(): Promise<void> {
    await Promise.all([...this.live.values()].map((l) => l.done));
  }

  /** Stops timers and flushes the audit chain (call after `drain`). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clock.clearTimeout(this.sweepTimer);
    for (const t of this.restoreTimers.values()) this.clock.clearTimeout(t);
    this.restoreTimers.clear();
    this.verifier.close();
    this.audit.close();
  }
}
