/** A checklist step: records checks and evidence in its context; its verdict is the worst check's. */
import type { StepContext } from '../context.js';
import type { Verdict } from '../types.js';

export interface StepOutcome {
  summary: string;
  /** Overrides the worst-check rule (a clock that was set: the re-check decides). */
  verdict?: Verdict;
}

export type Step = (ctx: StepContext) => Promise<StepOutcome>;
