/**
 * Step 7, control loop (only with `--with-control`). Today a dry run: the acting operator has the
 * operator role, load control is running on this head-end, the terminal's control state (AFN0C F5)
 * is readable and a PW is configured for it — nothing is sent that would act. The real loop
 * (trip → verify → close → verify through the two-person request path) is not built yet: asked for
 * without `--dry-run`, the step says so (WARN) rather than act outside the approval path.
 */
import { errorText, unitData, type StepContext } from '../context.js';
import type { StepOutcome } from './step.js';

export interface ControlPort {
  /** Roles of the acting operator (X-HES-Role). */
  roles: readonly string[];
  /** Load control is composed (the head-end has its database). */
  available: boolean;
  /** Whether a PW is configured for the terminal (archive or fep.pw). */
  pwConfigured(terminal: string): boolean;
}

export async function controlStep(ctx: StepContext, port: ControlPort | undefined): Promise<StepOutcome> {
  if (!ctx.options.withControl) {
    ctx.check('control loop', 'SKIP', 'not requested (--with-control)');
    return { summary: 'not requested' };
  }
  if (!port?.available) {
    ctx.check('load control', 'FAIL', 'load control is not running on this head-end (no database)');
    return { summary: 'no load control' };
  }
  const role = port.roles.includes('operator') || port.roles.includes('admin');
  ctx.check('operator role', role ? 'PASS' : 'FAIL', `${ctx.options.operator} has role(s) ${port.roles.join(', ') || 'none'}`);
  ctx.check('PW configured', port.pwConfigured(ctx.terminal) ? 'PASS' : 'FAIL', port.pwConfigured(ctx.terminal) ? 'the terminal has a PW (archive or fep.pw)' : 'no PW for the terminal');
  const r = await ctx.ask('AFN0C F5 terminal control settings', { afn: 0x0c, units: [{ pn: 0, fn: 5 }] });
  const f5 = unitData<unknown>(r.result, 5);
  ctx.check('control settings readable', f5 !== undefined ? 'PASS' : 'FAIL', f5 !== undefined ? 'AFN0C F5 answered' : `AFN0C F5: ${errorText(r.error)}`);
  if (!ctx.options.controlDryRun) {
    ctx.check('trip/close loop', 'WARN', 'not run: the live loop through the two-person request path is not built yet (dry run done)');
    ctx.actions.push('run the loop by hand: hes control trip … then hes control close … (a second operator approves each)');
  } else ctx.actions.push('dry run: nothing sent that acts');
  return { summary: ctx.options.controlDryRun ? 'dry run' : 'dry run (live loop not built)' };
}
