/**
 * What the commissioning steps need from the running head-end (`CommissionDeps`, composed by
 * `HeadEnd`), and the per-step recorder (`StepContext`): every request goes through `ask`, which
 * observes the frames (hex) and keeps them with the decoded answer and the timing as evidence.
 */
import type { MessageUnit } from '../../protocols/gw376/index.js';
import type { Archive } from '../archive/archive.js';
import type { Clock } from '../clock.js';
import type { CallRequest, Fep } from '../fep/fep.js';
import type { RequestResult } from '../fep/request-queue.js';
import type { TerminalDetail } from '../service/api.js';
import type { Check, Evidence, FrameEvidence, Verdict } from './types.js';

export interface CommissionDeps {
  clock: Clock;
  fep: Pick<Fep, 'request' | 'control' | 'readDaily' | 'isOnline'>;
  /** `HeadEnd.terminal`: session, login time, archive facts. */
  terminal(key: string): TerminalDetail;
  /** The archive (terminal, meters) — absent: steps that compare with it report SKIP. */
  archive?: Pick<Archive, 'terminal' | 'metersOf'>;
  /** Configured heartbeat period (fep.heartbeatS) and the terminals' time zone. */
  heartbeatS: number;
  utcOffsetMinutes: number;
}

export interface TerminalRunOptions {
  steps: readonly string[];
  operator: string;
  /** Clock thresholds, seconds (defaults 5 and 60). */
  clockWarnS: number;
  clockFailS: number;
  /** Link round trip above this is a WARN, ms (default 5000). */
  rttWarnMs: number;
  /** The link step's round-trip probe is unanswered after this: FAIL (half-open link), ms (default 15000). */
  linkTimeoutMs: number;
  setClock: boolean;
  pushParams: boolean;
  /** Expected master address in AFN04 F3 (`host:port`); absent = not compared. */
  master?: { ip: string; port: number };
  /** Control step: send for real (with approval) or only check (dry run). */
  withControl: boolean;
  controlDryRun: boolean;
  /**
   * What the live loop may act on: a measuring point whose meter is a test meter (its DL/T 645 relay,
   * 1CH through AFN10), or a control round (轮次) of the terminal wired for testing (AFN05 F1/F2). The
   * archive has no "test" marking, so the technician names it explicitly; exactly one for a live run.
   */
  testPn?: number;
  testTurn?: number;
  /** How long the live loop waits for the second operator's approval of each request, s (default 600). */
  approvalWaitS: number;
  /** Important events listed in the events step (default 10). */
  recentEvents: number;
}

export const DEFAULT_TERMINAL_OPTIONS: Omit<TerminalRunOptions, 'steps' | 'operator'> = {
  clockWarnS: 5,
  clockFailS: 60,
  rttWarnMs: 5000,
  linkTimeoutMs: 15_000,
  setClock: false,
  pushParams: false,
  withControl: false,
  controlDryRun: true,
  approvalWaitS: 600,
  recentEvents: 10,
};

/** Something learnt by one step that later ones use. */
export interface SharedFacts {
  [k: string]: unknown;
}

export class StepContext {
  readonly checks: Check[] = [];
  readonly evidence: Evidence[] = [];
  readonly actions: string[] = [];

  constructor(
    readonly deps: CommissionDeps,
    readonly terminal: string,
    readonly options: TerminalRunOptions,
    readonly facts: SharedFacts,
    private readonly onCheck: (c: Check) => void,
    private readonly onProgress: (message: string) => void = () => undefined,
  ) {}

  /** A progress line for whoever follows the run (no verdict: waiting for an approval, …). */
  progress(message: string): void {
    this.onProgress(message);
  }

  check(name: string, verdict: Verdict, detail: string): Check {
    const c = { name, verdict, detail };
    this.checks.push(c);
    this.onCheck(c);
    return c;
  }

  note(label: string, decoded: unknown): void {
    this.evidence.push({ label, frames: [], decoded });
  }

  /**
   * One request with its frames recorded. Errors (timeout, denial, offline) are recorded as evidence
   * and returned, never thrown: a step decides what they mean.
   */
  async ask(label: string, req: CallRequest | (() => Promise<RequestResult>), o: { control?: boolean } = {}): Promise<{ result?: RequestResult; error?: Error; evidence: Evidence }> {
    const frames: FrameEvidence[] = [];
    const observe = (dir: 'out' | 'in', hex: string): void => {
      frames.push({ dir, hex });
    };
    const ev: Evidence = { label, frames };
    this.evidence.push(ev);
    const started = this.deps.clock.now();
    try {
      const result =
        typeof req === 'function'
          ? await req()
          : o.control
            ? await this.deps.fep.control(this.terminal, req.units, { ...req, observe })
            : await this.deps.fep.request(this.terminal, { ...req, observe });
      ev.latencyMs = result.latencyMs;
      ev.decoded = decodedUnits(result.units);
      return { result, evidence: ev };
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      ev.latencyMs = this.deps.clock.now() - started;
      ev.error = `${error.name}: ${error.message}`;
      return { error, evidence: ev };
    }
  }
}

/** Units as JSON-ready values (raw units as hex). */
export function decodedUnits(units: readonly MessageUnit[]): unknown[] {
  return units.map((u) => (u.raw ? { raw: true, pns: u.pns, fns: u.fns, reason: u.reason, hex: Buffer.from(u.bytes).toString('hex') } : { pn: u.pn, fn: u.fn, data: u.data }));
}

/** The data of unit (pn, fn) of a result, or undefined. */
export function unitData<T>(r: RequestResult | undefined, fn: number, pn = 0): T | undefined {
  const u = r?.units.find((x) => !x.raw && x.fn === fn && x.pn === pn);
  return u && !u.raw ? (u.data as T | undefined) : undefined;
}

export const errorText = (e: Error | undefined): string => (e ? `${e.name}: ${e.message}` : 'no answer');
