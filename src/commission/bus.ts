/**
 * `hes commission bus`: commissioning a RS-485 bus of DL/T 645 meters, locally (no head-end). Steps:
 * scan (read address with the AA wildcard), then per meter of `addresses` (or the one found) a probe
 * reading energy (00010000) and the clock (04000101 + 04000102) with reply times, error replies and
 * checksum errors, and the bus statistics (requests, timeouts, retries, discarded bytes by reason).
 * Frames of every exchange are kept as evidence (a recording MeterLink between client and link).
 */
import { TimeoutError } from '../../drivers/errors.js';
import type { LinkReply, LinkRequest, MeterLink } from '../../drivers/dlt645-link.js';
import { openMeterChannel, type MeterChannelSpec } from '../meter/channel.js';
import { MeterClient } from '../meter/meter-client.js';
import { DeniedError, InputError } from '../errors.js';
import { countVerdicts, worst, type Check, type CommissionEvent, type CommissionReport, type Evidence, type FrameEvidence, type StepResult, type Verdict } from './types.js';

export interface BusRunOptions {
  serial?: string;
  tcp?: string;
  /** `2400,8E1` by default. */
  baud?: string;
  edition?: 2007 | 1997;
  addresses: readonly string[];
  operator: string;
  replyTimeoutMs?: number;
  retries?: number;
  clockWarnS?: number;
  clockFailS?: number;
  utcOffsetMinutes?: number;
  now?: () => number;
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1 ');

/** Records the frames of each exchange (request and reply) for the evidence. */
class RecordingLink implements MeterLink {
  frames: FrameEvidence[] = [];
  constructor(private readonly inner: MeterLink) {}
  async request(req: LinkRequest): Promise<LinkReply | null> {
    this.frames.push({ dir: 'out', hex: hexOf(req.frame) });
    const r = await this.inner.request(req);
    if (r) this.frames.push({ dir: 'in', hex: r.frame.hex });
    return r;
  }
  take(): FrameEvidence[] {
    const f = this.frames;
    this.frames = [];
    return f;
  }
}

export function parseAddresses(text: string): string[] {
  const out = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const a of out) if (!/^\d{1,12}$/.test(a)) throw new InputError('addresses', `'${a}' is not a meter address (up to 12 digits)`);
  return out.map((a) => a.padStart(12, '0'));
}

export async function runBusCommissioning(o: BusRunOptions, emit: (e: CommissionEvent) => void = () => undefined): Promise<CommissionReport> {
  const now = o.now ?? Date.now;
  const edition = o.edition ?? 2007;
  const discards: Record<string, number> = {};
  let discardsNow = 0;
  const spec: MeterChannelSpec = {
    version: edition,
    link: {
      replyTimeoutMs: o.replyTimeoutMs ?? 1500,
      retries: o.retries ?? 2,
      onDiscard: (span) => {
        discards[span.reason] = (discards[span.reason] ?? 0) + 1;
        if (span.reason === 'bad-checksum') discardsNow++;
      },
    },
  };
  if (o.serial) spec.serial = o.serial;
  if (o.tcp) spec.tcp = o.tcp;
  if (o.baud) spec.serialSettings = o.baud;
  const started = now();
  const channel = await openMeterChannel(spec);
  const rec = new RecordingLink(channel.link);
  const client = new MeterClient(rec, { version: edition, ...(o.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: o.utcOffsetMinutes } : {}) });
  const steps: StepResult[] = [];
  const plan = ['scan', ...o.addresses.map((a) => `meter ${a}`), 'bus statistics'];
  const runStep = async (id: string, title: string, body: (check: (n: string, v: Verdict, d: string) => void, evidence: Evidence[]) => Promise<string>): Promise<void> => {
    emit({ type: 'step-start', step: id, title, index: steps.length + 1, total: plan.length });
    const checks: Check[] = [];
    const evidence: Evidence[] = [];
    const t0 = now();
    const check = (name: string, verdict: Verdict, detail: string): void => {
      const c = { name, verdict, detail };
      checks.push(c);
      emit({ type: 'check', step: id, check: c });
    };
    const summary = await body(check, evidence);
    const verdict = worst(checks.map((c) => c.verdict));
    const durationMs = now() - t0;
    steps.push({ step: id, title, verdict, summary, checks, evidence, actions: [], startedAt: new Date(t0).toISOString(), durationMs });
    emit({ type: 'step-end', step: id, verdict, summary, durationMs });
  };
  const attempt = async <T>(label: string, evidence: Evidence[], f: () => Promise<T>): Promise<{ value?: T; error?: Error; ms: number }> => {
    const t0 = now();
    rec.take();
    try {
      const value = await f();
      const ms = now() - t0;
      evidence.push({ label, frames: rec.take(), decoded: value, latencyMs: ms });
      return { value, ms };
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      const ms = now() - t0;
      const frames = rec.take();
      if (error instanceof TimeoutError && frames.length === 0) frames.push({ dir: 'out', hex: error.requestHex });
      evidence.push({ label, frames, error: `${error.name}: ${error.message}`, latencyMs: ms });
      return { error, ms };
    }
  };
  const found: string[] = [];
  try {
    await runStep('scan', 'Scan: read address with the AA wildcard', async (check, evidence) => {
      const r = await attempt('read address (AAAAAAAAAAAA)', evidence, () => client.readAddress());
      if (r.value) {
        found.push(r.value);
        check('wildcard read address', 'PASS', `a meter answered: ${r.value} (${r.ms} ms); on a bus with several meters only one answer is heard`);
        return `found ${r.value}`;
      }
      check('wildcard read address', o.addresses.length > 0 ? 'WARN' : 'FAIL', `no answer: ${r.error?.message ?? 'none'}${o.addresses.length > 0 ? ' (probing the listed addresses)' : ''}`);
      return 'no answer to the wildcard';
    });
    const targets = o.addresses.length > 0 ? o.addresses : found;
    if (o.addresses.length === 0) plan.splice(1, 0, ...found.map((a) => `meter ${a}`));
    const warnS = o.clockWarnS ?? 5;
    const failS = o.clockFailS ?? 60;
    const meters: Record<string, unknown>[] = [];
    for (const address of targets) {
      await runStep(`meter ${address}`, `Meter ${address}: energy, clock, reply time`, async (check, evidence) => {
        discardsNow = 0;
        const e = await attempt('00010000 forward active energy total', evidence, () => client.read(address, '00010000'));
        const row: Record<string, unknown> = { address };
        meters.push(row);
        if (e.value) {
          row.energyKwh = e.value.value;
          row.replyMs = e.value.turnaroundMs;
          row.attempts = e.value.attempts;
          check('energy', e.value.attempts > 1 ? 'WARN' : 'PASS', `${String(e.value.value)} ${e.value.unit ?? ''} in ${e.value.turnaroundMs} ms${e.value.attempts > 1 ? `, after ${e.value.attempts} attempts` : ''}`);
        } else {
          row.error = e.error?.message;
          const kind = e.error instanceof DeniedError ? 'error reply' : e.error instanceof TimeoutError ? 'no valid reply' : 'failed';
          check('energy', 'FAIL', `${kind}: ${e.error?.message ?? ''}`);
        }
        if (e.value) {
          const d = await attempt('04000101 date and week', evidence, () => client.read(address, '04000101'));
          const t = await attempt('04000102 time', evidence, () => client.read(address, '04000102'));
          const date = (d.value?.value as { date?: string } | undefined)?.date;
          const time = t.value?.value;
          if (typeof date === 'string' && typeof time === 'string') {
            const meterMs = Date.parse(`${date}T${time}Z`) - (o.utcOffsetMinutes ?? 480) * 60_000;
            const offsetS = Math.round((meterMs - now()) / 1000);
            row.clock = `${date} ${time}`;
            row.clockOffsetS = offsetS;
            const abs = Math.abs(offsetS);
            check('clock', abs > failS ? 'FAIL' : abs > warnS ? 'WARN' : 'PASS', `${date} ${time}: offset ${offsetS >= 0 ? '+' : ''}${offsetS} s (WARN > ${warnS} s, FAIL > ${failS} s)`);
          } else check('clock', 'FAIL', `not read: ${(d.error ?? t.error)?.message ?? 'unexpected value'}`);
        }
        row.checksumErrors = discardsNow;
        if (discardsNow > 0) check('checksum errors', 'WARN', `${discardsNow} frame(s) with a bad checksum from this meter`);
        return e.value ? `answers in ${e.value.turnaroundMs} ms` : 'does not answer';
      });
    }
    await runStep('bus statistics', 'Bus statistics', async (check, evidence) => {
      const s = channel.link.stats;
      evidence.push({ label: 'link statistics', frames: [], decoded: { ...s, discards } });
      const bad = discards['bad-checksum'] ?? 0;
      check('timeouts', s.timeouts > 0 ? 'WARN' : 'PASS', `${s.timeouts} timeout(s) in ${s.requests} request(s), ${s.retries} retr${s.retries === 1 ? 'y' : 'ies'}`);
      check('checksum errors', bad > 0 ? 'WARN' : 'PASS', `${bad} frame(s) dropped for a bad checksum; discarded: ${Object.entries(discards).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
      return `${s.requests} requests, ${s.replies} replies, ${s.timeouts} timeouts, ${bad} checksum errors`;
    });
    const finished = now();
    const verdict = worst(steps.map((x) => x.verdict));
    const report: CommissionReport = {
      format: 'openhes-commission/1',
      kind: 'bus',
      target: o.serial ?? o.tcp ?? '?',
      operator: o.operator,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      verdict,
      counts: countVerdicts(steps),
      options: { baud: o.baud ?? '2400,8E1', edition, addresses: o.addresses, replyTimeoutMs: o.replyTimeoutMs ?? 1500, retries: o.retries ?? 2, clockWarnS: warnS, clockFailS: failS },
      facts: { found, meters },
      steps,
    };
    emit({ type: 'done', verdict, report });
    return report;
  } finally {
    await channel.close();
  }
}
