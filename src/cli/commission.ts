/**
 * `hes commission terminal|bus|show`: commissioning checklists for field technicians (issue 10).
 *   hes commission terminal 1101-00001 [--steps link,clock] [--set-clock] [--push-params] [--report r.md --report r.json] [--json]
 *   hes commission terminal 1101-00001 --with-control [--test-pn 3 | --test-turn 1] [--approval-wait 600] [--dry-run]
 *   hes commission bus --serial /dev/ttyUSB0 [--baud 2400,8E1] [--addresses 000000000001,000000000002]
 *   hes commission show r.json|<run id> [--markdown] [--json]
 * Progress goes to stderr as plain lines (fine on a pipe), the result to stdout. Exit 0: every step
 * PASS or WARN; 1: a step FAILed (or the head-end/bus could not be used); 2: bad input.
 */
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { commissionKey, masterOf } from '../admin/commission-routes.js';
import { parseSteps } from '../commission/runner.js';
import { parseAddresses, runBusCommissioning } from '../commission/bus.js';
import { readReport, toMarkdown, toText } from '../commission/report.js';
import type { RunPoll } from '../commission/service.js';
import type { CommissionEvent, CommissionReport } from '../commission/types.js';
import { clientOf, withApi, type ApiOpts } from './admin-client.js';
import { CliExit } from './errors.js';
import { toJson } from './format.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

function reportTargets(files: readonly string[]): { file: string; kind: 'md' | 'json' }[] {
  return files.map((file) => {
    if (/\.json$/i.test(file)) return { file, kind: 'json' as const };
    if (/\.(md|markdown)$/i.test(file)) return { file, kind: 'md' as const };
    throw new InputError('report', `'${file}': give a .md or .json file name`);
  });
}

function operatorOf(o: { operator?: string }): string {
  if (o.operator?.trim()) return o.operator.trim();
  if (process.env.HES_OPERATOR?.trim()) return process.env.HES_OPERATOR.trim();
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

function num(v: string | undefined, field: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new InputError(field, `'${v}' is not a number in ${min}..${max}`);
  return n;
}

/** One progress line per event, on stderr. */
export function progressLine(e: CommissionEvent): string | undefined {
  switch (e.type) {
    case 'step-start':
      return `[${e.index}/${e.total}] ${e.title} …`;
    case 'check':
      return `      ${e.check.verdict.padEnd(4)} ${e.check.name}: ${e.check.detail}`;
    case 'progress':
      return `      …    ${e.message}`;
    case 'step-end':
      return `    ${e.verdict} ${e.step}: ${e.summary} (${e.durationMs} ms)`;
    case 'done':
      return undefined;
  }
}

/** Run ids of the head-end's commissioning service (`c<base36 time>-<n>`). */
const RUN_ID = /^c[0-9a-z]+-\d+$/;

function writeReport(report: CommissionReport, t: { file: string; kind: 'md' | 'json' }): void {
  try {
    writeFileSync(t.file, t.kind === 'json' ? `${JSON.stringify(report, null, 2)}\n` : toMarkdown(report));
  } catch (e) {
    throw new CliExit(1, `cannot write the report ${t.file}: ${(e as Error).message}`);
  }
  process.stderr.write(`report written: ${t.file}\n`);
}

function finish(report: CommissionReport, o: { report?: string[]; json?: boolean }, out: (s: string) => void): void {
  for (const t of reportTargets(o.report ?? [])) writeReport(report, t);
  out(o.json ? toJson(report) : toText(report));
  if (report.verdict === 'FAIL') throw new CliExit(1, `commissioning failed: ${report.counts.FAIL} step(s) FAIL`);
}

interface TerminalOpts extends ApiOpts {
  steps?: string;
  report?: string[];
  json?: boolean;
  setClock?: boolean;
  pushParams?: boolean;
  clockWarn?: string;
  clockFail?: string;
  rttWarn?: string;
  linkTimeout?: string;
  master?: string;
  withControl?: boolean;
  dryRun?: boolean;
  testPn?: string;
  testTurn?: string;
  approvalWait?: string;
  operator?: string;
  role?: string;
  pollMs?: string;
}

interface BusOpts {
  serial?: string;
  tcp?: string;
  baud?: string;
  edition?: string;
  addresses?: string;
  timeout?: string;
  retries?: string;
  clockWarn?: string;
  clockFail?: string;
  report?: string[];
  json?: boolean;
  operator?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function registerCommission(program: Command, out: (s: string) => void): void {
  const cmd = program.command('commission').description('commissioning checklists for terminals and RS-485 meter buses (field technicians)');

  withApi(cmd.command('terminal'))
    .description('run the commissioning checklist of a terminal through the running head-end')
    .argument('<terminal>', 'terminal key A1-A2, e.g. 1101-00001')
    .option('--steps <list>', 'steps to run: link,identity,clock,params,meters,events,control (default all but control)')
    .option('--report <file>', 'write the report: .md (Markdown) or .json; repeatable', collect)
    .option('--json', 'print the report as JSON')
    .option('--set-clock', 'set the terminal clock (AFN05 F31) when it is off, then re-check')
    .option('--push-params', 'push differing parameters (AFN04 F1/F3/F10) and read back')
    .option('--clock-warn <s>', 'clock offset above which the step warns (default 5)')
    .option('--clock-fail <s>', 'clock offset above which the step fails (default 60)')
    .option('--rtt-warn <ms>', 'round trip above which the link step warns (default 5000)')
    .option('--link-timeout <ms>', 'the link step fails when its AFN0C F2 probe is unanswered this long: half-open link (default 15000)')
    .option('--master <ip:port>', 'expected master address in AFN04 F3')
    .option('--with-control', 'add the control-loop step: checks (dry run), and with a test target the live trip → verify → close → verify loop')
    .option('--test-pn <pn>', 'with --with-control: the measuring point of a TEST meter to trip and close (DL/T 645 1CH via AFN10)')
    .option('--test-turn <n>', 'with --with-control: a control round (1..8) of the terminal wired for testing (AFN05 F1/F2)')
    .option('--approval-wait <s>', 'how long each control request waits for a second operator (hes control approve <id>), default 600')
    .option('--dry-run', 'with --with-control: only the checks, even with a test target; nothing that acts is sent')
    .option('--operator <name>', 'who commissions (default HES_OPERATOR or the login name)')
    .option('--role <roles>', 'roles of the operator (default operator)')
    .option('--poll-ms <ms>', 'progress poll period (default 200)')
    .action(async (terminal: string, o: TerminalOpts) => {
      const key = commissionKey(terminal);
      const body: Record<string, unknown> = {};
      if (o.steps !== undefined) body.steps = parseSteps(o.steps.split(',').map((s) => s.trim()).filter(Boolean));
      reportTargets(o.report ?? []);
      if (o.setClock) body.setClock = true;
      if (o.pushParams) body.pushParams = true;
      const warn = num(o.clockWarn, 'clock-warn', 0, 86_400);
      const fail = num(o.clockFail, 'clock-fail', 0, 86_400);
      if (warn !== undefined) body.clockWarnS = warn;
      if (fail !== undefined) body.clockFailS = fail;
      const rtt = num(o.rttWarn, 'rtt-warn', 1, 600_000);
      if (rtt !== undefined) body.rttWarnMs = rtt;
      const linkTimeout = num(o.linkTimeout, 'link-timeout', 100, 600_000);
      if (linkTimeout !== undefined) body.linkTimeoutMs = linkTimeout;
      if (o.master !== undefined) body.master = `${masterOf(o.master).ip}:${masterOf(o.master).port}`;
      if (o.withControl) body.withControl = true;
      const testPn = num(o.testPn, 'test-pn', 1, 2040);
      const testTurn = num(o.testTurn, 'test-turn', 1, 8);
      const wait = num(o.approvalWait, 'approval-wait', 1, 86_400);
      for (const [flag, v] of [['test-pn', testPn], ['test-turn', testTurn], ['approval-wait', wait], ['dry-run', o.dryRun]] as const) {
        if (v !== undefined && !o.withControl) throw new InputError(flag, `--${flag} goes with --with-control`);
      }
      if (testPn !== undefined && testTurn !== undefined) throw new InputError('test-turn', 'give one of --test-pn and --test-turn');
      if (testPn !== undefined && !Number.isInteger(testPn)) throw new InputError('test-pn', `'${o.testPn}' is not a measuring point number`);
      if (testTurn !== undefined && !Number.isInteger(testTurn)) throw new InputError('test-turn', `'${o.testTurn}' is not a control round 1..8`);
      if (testPn !== undefined) body.testPn = testPn;
      if (testTurn !== undefined) body.testTurn = testTurn;
      if (wait !== undefined) body.approvalWaitS = wait;
      if (o.dryRun) body.dryRun = true;
      const pollMs = num(o.pollMs, 'poll-ms', 20, 10_000) ?? 200;
      const operator = operatorOf(o);
      const client = clientOf(o, { 'x-hes-operator': encodeURIComponent(operator), 'x-hes-role': o.role ?? 'operator' });
      const { id } = await client.post<{ id: string }>(`/v1/terminals/${encodeURIComponent(key)}/commission`, body);
      process.stderr.write(`commissioning run ${id} (the head-end keeps its report: hes commission show ${id})\n`);
      let after = 0;
      for (;;) {
        const p = await client.get<RunPoll>(`/v1/commission/${encodeURIComponent(id)}?after=${after}`);
        for (const e of p.events) {
          const line = progressLine(e);
          if (line) process.stderr.write(`${line}\n`);
        }
        after = p.next;
        if (p.state === 'failed') throw new CliExit(1, `commissioning run ${id} failed: ${p.error ?? 'unknown error'}`);
        if (p.state === 'done' && p.report) return finish(p.report, o, out);
        if (p.events.length === 0) await sleep(pollMs);
      }
    });

  cmd
    .command('bus')
    .description('commission a RS-485 bus of DL/T 645 meters (local, no head-end): scan, energy and clock of each meter, bus statistics')
    .option('--serial <path>', 'serial device of the bus, e.g. /dev/ttyUSB0')
    .option('--tcp <host:port>', 'serial server / DTU exposing the bus over TCP')
    .option('--baud <settings>', 'serial settings, e.g. 2400 or 9600,8E1', '2400,8E1')
    .option('--edition <year>', 'DL/T 645 edition: 2007 or 1997', '2007')
    .option('--addresses <list>', 'meter addresses to probe, comma-separated (default: the one the wildcard finds)')
    .option('--timeout <ms>', 'reply timeout per attempt', '1500')
    .option('--retries <n>', 'extra attempts after a timeout or corrupt reply', '2')
    .option('--clock-warn <s>', 'meter clock offset above which it warns (default 5)')
    .option('--clock-fail <s>', 'meter clock offset above which it fails (default 60)')
    .option('--report <file>', 'write the report: .md or .json; repeatable', collect)
    .option('--json', 'print the report as JSON')
    .option('--operator <name>', 'who commissions (default HES_OPERATOR or the login name)')
    .action(async (o: BusOpts) => {
      if ((o.serial === undefined) === (o.tcp === undefined)) throw new InputError('channel', 'give one of --serial <path> and --tcp <host:port>');
      if (o.edition !== '2007' && o.edition !== '1997') throw new InputError('edition', `'${o.edition}' is not 2007 or 1997`);
      reportTargets(o.report ?? []);
      const addresses = o.addresses !== undefined ? parseAddresses(o.addresses) : [];
      const report = await runBusCommissioning(
        {
          ...(o.serial !== undefined ? { serial: o.serial } : {}),
          ...(o.tcp !== undefined ? { tcp: o.tcp } : {}),
          ...(o.baud !== undefined ? { baud: o.baud } : {}),
          edition: o.edition === '1997' ? 1997 : 2007,
          addresses,
          operator: operatorOf(o),
          replyTimeoutMs: num(o.timeout, 'timeout', 50, 60_000)!,
          retries: num(o.retries, 'retries', 0, 10)!,
          ...(o.clockWarn !== undefined ? { clockWarnS: num(o.clockWarn, 'clock-warn', 0, 86_400)! } : {}),
          ...(o.clockFail !== undefined ? { clockFailS: num(o.clockFail, 'clock-fail', 0, 86_400)! } : {}),
        },
        (e) => {
          const line = progressLine(e);
          if (line) process.stderr.write(`${line}\n`);
        },
      );
      finish(report, o, out);
    });

  withApi(cmd.command('show'))
    .description('print a commissioning report: a JSON file written with --report x.json, or a run id kept by the head-end')
    .argument('<report>', 'the JSON report file, or the run id (printed with the result, e.g. cmhx3k2a-4)')
    .option('--markdown', 'print it as Markdown (with the evidence)')
    .option('--json', 'print it as JSON')
    .option('--report <file>', 'also write it: .md or .json; repeatable', collect)
    .action(async (ref: string, o: ApiOpts & { markdown?: boolean; json?: boolean; report?: string[] }) => {
      const targets = reportTargets(o.report ?? []);
      let r: CommissionReport;
      if (existsSync(ref) || /\.json$/i.test(ref) || ref.includes('/')) r = readReport(ref);
      else {
        if (!RUN_ID.test(ref)) throw new InputError('report', `'${ref}' is neither a report file nor a run id`);
        const p = await clientOf(o).get<RunPoll>(`/v1/commission/${encodeURIComponent(ref)}?after=0`);
        if (!p.report) throw new CliExit(1, `commissioning run ${ref} is ${p.state}${p.error ? `: ${p.error}` : ''}: no report yet`);
        r = p.report;
      }
      for (const t of targets) writeReport(r, t);
      out(o.json ? toJson(r) : o.markdown ? toMarkdown(r).trimEnd() : toText(r));
    });
}
