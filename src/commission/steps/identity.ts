/**
 * Step 2, identity: AFN09 F1 (version info) answers; the reply's address (A2) and region code (A1)
 * are the archive's; the terminal's configuration is recorded (vendor, device number, software).
 */
import { errorText, unitData, type StepContext } from '../context.js';
import type { VersionInfo } from '../../../protocols/gw376/afn/afn09-config.js';
import type { StepOutcome } from './step.js';

export async function identityStep(ctx: StepContext): Promise<StepOutcome> {
  const r = await ctx.ask('AFN09 F1 version info', { afn: 0x09, units: [{ pn: 0, fn: 1 }] });
  const v = unitData<VersionInfo>(r.result, 1);
  if (!v) {
    ctx.check('version info', 'FAIL', `AFN09 F1: ${errorText(r.error)}`);
    return { summary: 'no version info' };
  }
  ctx.facts.version = v;
  ctx.check('version info', 'PASS', `vendor ${v.vendor}, device ${v.deviceNumber}, software ${v.softwareVersion}, protocol ${v.protocolVersion}, hardware ${v.hardwareVersion}`);
  const msg = r.result?.messages[0];
  const archived = ctx.deps.archive?.terminal(ctx.terminal);
  if (!msg) ctx.check('address', 'WARN', 'the reply frame was not kept');
  else if (!archived) ctx.check('address', 'SKIP', `reply from A1 ${msg.a1} A2 ${msg.a2}; no archive to compare with`);
  else {
    ctx.check('region code', msg.a1 === archived.a1 ? 'PASS' : 'FAIL', `reply A1 ${msg.a1}, archive ${archived.a1}`);
    ctx.check('address', msg.a2 === archived.a2 ? 'PASS' : 'FAIL', `reply A2 ${msg.a2}, archive ${archived.a2}`);
  }
  return { summary: `${v.vendor} ${v.deviceNumber} sw ${v.softwareVersion}` };
}
