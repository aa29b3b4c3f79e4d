/**
 * Commissioning (issue 10): the shapes of a run — steps, checks, evidence, progress events and the
 * report (JSON as written by `--report x.json`, read back by `hes commission show`).
 */

export type Verdict = 'PASS' | 'WARN' | 'FAIL' | 'SKIP';

/** The terminal checklist, in order. */
export const TERMINAL_STEPS = ['link', 'identity', 'clock', 'params', 'meters', 'events', 'control'] as const;
export type TerminalStepId = (typeof TERMINAL_STEPS)[number];
/** Steps run when `--steps` is not given (control only with `--with-control`). */
export const DEFAULT_STEPS: readonly TerminalStepId[] = ['link', 'identity', 'clock', 'params', 'meters', 'events'];

export const STEP_TITLES: Readonly<Record<TerminalStepId, string>> = {
  link: 'Link: login, heartbeat, round trip',
  identity: 'Identity: version info, address, region',
  clock: 'Clock: offset to the head-end',
  params: 'Parameters: comm params and meter configuration',
  meters: 'Meters: real-time and daily frozen readings',
  events: 'Events: counters and recent important events',
  control: 'Control loop: trip → verify → close → verify',
};

/** One frame as it went over the wire (`out` = head-end → device). */
export interface FrameEvidence {
  dir: 'out' | 'in';
  hex: string;
}

/** One exchange (or one observation) behind a check: what was asked, the frames, the decoded answer. */
export interface Evidence {
  label: string;
  frames: FrameEvidence[];
  decoded?: unknown;
  latencyMs?: number;
  error?: string;
}

export interface Check {
  name: string;
  verdict: Verdict;
  detail: string;
}

export interface StepResult {
  step: string;
  title: string;
  verdict: Verdict;
  summary: string;
  checks: Check[];
  evidence: Evidence[];
  /** What was done (clock set, parameters pushed) or would be done with a flag. */
  actions: string[];
  startedAt: string;
  durationMs: number;
}

export interface ReportCounts {
  PASS: number;
  WARN: number;
  FAIL: number;
  SKIP: number;
}

export interface CommissionReport {
  format: 'openhes-commission/1';
  /** The head-end's run id (`hes commission show <id>`); absent for bus runs. */
  id?: string;
  kind: 'terminal' | 'bus';
  /** The terminal key, or the serial path of a bus. */
  target: string;
  operator: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Overall: FAIL if any step failed, else WARN if any warned, else PASS. */
  verdict: Verdict;
  counts: ReportCounts;
  /** Options the run used (thresholds, flags). */
  options: Record<string, unknown>;
  /** Facts about the target: archive terminal, meters, version, bus settings. */
  facts: Record<string, unknown>;
  steps: StepResult[];
}

/** Progress of a run, in order; `done` carries the report. */
export type CommissionEvent =
  | { type: 'step-start'; step: string; title: string; index: number; total: number }
  | { type: 'check'; step: string; check: Check }
  | { type: 'progress'; step: string; message: string }
  | { type: 'step-end'; step: string; verdict: Verdict; summary: string; durationMs: number }
  | { type: 'done'; verdict: Verdict; report: CommissionReport };

export function worst(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('FAIL')) return 'FAIL';
  if (verdicts.includes('WARN')) return 'WARN';
  if (verdicts.length > 0 && verdicts.every((v) => v === 'SKIP')) return 'SKIP';
  return 'PASS';
}

export function countVerdicts(steps: readonly { verdict: Verdict }[]): ReportCounts {
  const c: ReportCounts = { PASS: 0, WARN: 0, FAIL: 0, SKIP: 0 };
  for (const s of steps) c[s.verdict]++;
  return c;
}

