/**
 * Step 4, parameters: AFN0A F1 (heartbeat period against the configured `fep.heartbeatS`), AFN0A F3
 * (master address against `--master`, when given) and AFN0A F10 (meter configuration against the
 * archive, through F10Sync). With `pushParams` the differences are written (AFN04 F1/F3/F10) and
 * read back; the verdict is then the read-back's. Without it the step lists what it would push.
 */
import { describeDifference, F10Sync, type F10SyncResult, type TerminalRequest } from '../../archive/f10-sync.js';
import { errorText, unitData, type StepContext } from '../context.js';
import type { FrameEvidence } from '../types.js';
import type { StepOutcome } from './step.js';

interface F1 {
  heartbeat: number;
  [k: string]: unknown;
}
interface F3 {
  ip: string;
  port: number;
  [k: string]: unknown;
}

async function readParam<T>(ctx: StepContext, fn: number, label: string): Promise<T | undefined> {
  const r = await ctx.ask(label, { afn: 0x0a, units: [{ pn: 0, fn }] });
  const v = unitData<T>(r.result, fn);
  if (v === undefined) ctx.check(`AFN0A F${fn}`, 'FAIL', `${label}: ${errorText(r.error)}`);
  return v;
}

async function write(ctx: StepContext, fn: number, data: unknown, label: string): Promise<boolean> {
  const r = await ctx.ask(label, { afn: 0x04, units: [{ pn: 0, fn, data }] });
  const ok = r.result?.confirm?.ok ?? false;
  if (!ok) ctx.check(`AFN04 F${fn}`, 'FAIL', `${label}: ${r.error ? errorText(r.error) : 'denied'}`);
  return ok;
}

export async function paramsStep(ctx: StepContext): Promise<StepOutcome> {
  const push = ctx.options.pushParams;
  const wantMin = ctx.deps.heartbeatS / 60;
  const problems: string[] = [];

  // F1: heartbeat period.
  let f1 = await readParam<F1>(ctx, 1, 'AFN0A F1 terminal comm params');
  if (f1 && f1.heartbeat !== wantMin) {
    const text = `heartbeat ${f1.heartbeat} min, configured ${wantMin} min`;
    if (push && Number.isInteger(wantMin) && wantMin >= 1 && wantMin <= 255) {
      ctx.actions.push(`AFN04 F1: heartbeat ${f1.heartbeat} → ${wantMin} min`);
      if (await write(ctx, 1, { ...f1, heartbeat: wantMin }, 'AFN04 F1 set heartbeat')) f1 = await readParam<F1>(ctx, 1, 'AFN0A F1 read back');
      if (f1) ctx.check('comm params F1', f1.heartbeat === wantMin ? 'PASS' : 'FAIL', f1.heartbeat === wantMin ? `pushed: ${text} → ${wantMin} min` : `still ${f1.heartbeat} min after the push`);
    } else {
      ctx.check('comm params F1', 'WARN', text);
      problems.push('F1');
    }
  } else if (f1) ctx.check('comm params F1', 'PASS', `heartbeat ${f1.heartbeat} min as configured`);

  // F3: master address.
  let f3 = await readParam<F3>(ctx, 3, 'AFN0A F3 master address');
  const master = ctx.options.master;
  if (f3 && !master) ctx.check('master address F3', 'PASS', `${f3.ip}:${f3.port} (no expected address given: --master host:port)`);
  else if (f3 && master) {
    const same = (v: F3): boolean => v.ip === master.ip && v.port === master.port;
    if (same(f3)) ctx.check('master address F3', 'PASS', `${f3.ip}:${f3.port} as expected`);
    else if (push) {
      ctx.actions.push(`AFN04 F3: master ${f3.ip}:${f3.port} → ${master.ip}:${master.port}`);
      if (await write(ctx, 3, { ...f3, ip: master.ip, port: master.port }, 'AFN04 F3 set master address')) f3 = await readParam<F3>(ctx, 3, 'AFN0A F3 read back');
      if (f3) ctx.check('master address F3', same(f3) ? 'PASS' : 'FAIL', `${f3.ip}:${f3.port} after the push (expected ${master.ip}:${master.port})`);
    } else {
      ctx.check('master address F3', 'FAIL', `terminal ${f3.ip}:${f3.port}, expected ${master.ip}:${master.port}`);
      problems.push('F3');
    }
  }

  // F10: meter configuration against the archive.
  const archive = ctx.deps.archive;
  if (!archive?.terminal(ctx.terminal)) {
    ctx.check('meter configuration F10', 'SKIP', 'no archive to compare with');
  } else {
    const frames: FrameEvidence[] = [];
    const request: TerminalRequest = (t, r) => ctx.deps.fep.request(t, { ...r, observe: (dir, hex) => frames.push({ dir, hex }) });
    let res: F10SyncResult | undefined;
    try {
      res = await new F10Sync(archive, request).sync(ctx.terminal, { push });
    } catch (e) {
      ctx.evidence.push({ label: push ? 'AFN0A/AFN04 F10 sync with push' : 'AFN0A F10 meter configuration', frames, error: `${(e as Error).name}: ${(e as Error).message}` });
      ctx.check('meter configuration F10', 'FAIL', `F10 sync: ${(e as Error).message}`);
    }
    if (res) {
      const found = res.differences.map(describeDifference);
      const left = res.push?.differences.map(describeDifference);
      ctx.evidence.push({ label: push ? 'AFN0A/AFN04 F10 sync with push' : 'AFN0A F10 meter configuration', frames, decoded: { archiveMeters: res.archive, read: res.read, differences: found, ...(res.push ? { push: { written: res.push.written, deleted: res.push.deleted, remaining: left } } : {}) } });
      if (found.length === 0) ctx.check('meter configuration F10', 'PASS', `${res.read} configuration(s) equal the archive's ${res.archive} meter(s)`);
      else if (res.push) {
        ctx.actions.push(`AFN04 F10: ${res.push.written} configuration(s) written, ${res.push.deleted.length} deleted`);
        ctx.check('meter configuration F10', left!.length === 0 ? 'PASS' : 'FAIL', left!.length === 0 ? `${found.length} difference(s) pushed and read back equal: ${found.join('; ')}` : `still different after the push: ${left!.join('; ')}`);
      } else {
        ctx.check('meter configuration F10', 'FAIL', `${found.length} difference(s): ${found.join('; ')}`);
        problems.push('F10');
      }
    }
  }
  if (problems.length > 0) ctx.actions.push(`would push ${problems.join(', ')} (AFN04) and read back: run with --push-params`);
  return { summary: problems.length ? `differences in ${problems.join(', ')}` : 'parameters as expected' };
}
