/**
 * `hes collect status|run|runs`: completeness figures and collection runs of a running head-end, through
 * its admin API (/v1/collect). Progress goes to stderr, results to stdout (also when not a terminal).
 *   hes collect status --date 2026-11-22 --by taiqu
 *   hes collect run daily --date 2026-11-22 --terminal 1101-00001,1101-00002     (manual 补采)
 *   hes collect run curve --from 2026-11-20 --to 2026-11-22 --terminal 1101-00001 --pn 1-8
 *   hes collect run clock
 * `run` waits for the end of the run (unless --no-wait) and exits 1 when terminals were left offline,
 * failed or with gaps.
 */
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { daysOf, seriesTaskOf, taskOf } from '../admin/collect-validate.js';
import { dateOf, parsePnList, terminalKey } from '../admin/validate.js';
import type { CompletenessReport, CompletenessRow, RunInfo } from '../scheduler/api.js';
import { clientOf, withApi, type AdminClient, type ApiOpts } from './admin-client.js';
import { CliExit } from './errors.js';
import { toJson } from './format.js';
import { ProgressBar, type ProgressSink } from './progress.js';

const BY = ['terminal', 'taiqu', 'region'];

/** Rounded down: one meter missing out of 20 000 shows 99.99 %, never 100.00 %. */
const pct = (x: number | null): string => (x === null ? '-' : `${(Math.floor(x * 10_000 + 1e-9) / 100).toFixed(2)}%`);

function row(r: CompletenessRow, width: number): string {
  return `${r.group.padEnd(width)} ${String(r.terminals).padStart(9)} ${String(r.meters).padStart(8)} ${String(r.complete).padStart(8)} ${pct(r.successRate).padStart(8)} ${String(r.points.missing).padStart(8)} ${pct(r.onlineRate).padStart(8)} ${pct(r.monthOnlineRate).padStart(8)}`;
}

export function renderStatus(r: CompletenessReport): string[] {
  const width = Math.max(8, ...r.rows.map((x) => x.group.length));
  const head = `${(r.by === 'system' ? 'group' : r.by).padEnd(width)} terminals   meters complete  success  missing   online month-on`;
  return [`${r.task} ${r.date}`, head, ...r.rows.map((x) => row(x, width)), ...(r.rows.length ? [''.padEnd(head.length, '-')] : []), row(r.system, width)];
}

export function renderRun(i: RunInfo): string[] {
  const t = i.terminals;
  const out = [
    `run ${i.id} ${i.task}${i.dates ? ` ${i.dates.length > 2 ? `${i.dates[0]}..${i.dates.at(-1)}` : i.dates.join(',')}` : ''} (${i.mode}): ${i.state}`,
    `  terminals ${t.done}/${t.total}: complete ${t.complete}, gaps ${t.gaps}, offline ${t.offline}, failed ${t.failed}, skipped ${t.skipped}`,
    `  requests ${i.requests.sent} (ok ${i.requests.ok}, failed ${i.requests.failed}), readings written ${i.readings}${i.events ? `, events ${i.events}` : ''}`,
  ];
  if (i.points.expected) out.push(`  points expected ${i.points.expected}, missing before ${i.points.missingBefore}, after ${i.points.missingAfter}`);
  if (i.clock) out.push(`  clocks set ${i.clock.set}, set failed ${i.clock.setFailed}, off but not set ${i.clock.drift}`);
  for (const p of i.problems) out.push(`  ! ${p}`);
  if (i.error) out.push(`  error: ${i.error}`);
  return out;
}

const progressText = (i: RunInfo): string => `terminals, ${i.requests.sent} requests, ${i.readings} readings${i.events ? `, ${i.events} events` : ''}`;

/** Polls a run until it ends, drawing progress on `sink`. */
export async function followRun(client: AdminClient, first: RunInfo, sink: ProgressSink, intervalMs = 250): Promise<RunInfo> {
  const bar = new ProgressBar(sink, `${first.task} run ${first.id}`);
  let i = first;
  while (i.state === 'running') {
    bar.update(i.terminals.done, i.terminals.total, progressText(i));
    await new Promise((r) => setTimeout(r, intervalMs));
    i = await client.get<RunInfo>(`/v1/collect/runs/${i.id}`);
  }
  bar.end(i.terminals.done, i.terminals.total, progressText(i));
  return i;
}

interface RunOpts extends ApiOpts {
  date?: string;
  from?: string;
  to?: string;
  terminal?: string;
  pn?: string;
  json?: boolean;
  wait?: boolean;
}

export function registerCollect(program: Command, out: (s: string) => void, err: ProgressSink = process.stderr): void {
  const collect = program.command('collect').description('data collection of a running head-end: completeness figures, runs and manual 补采');

  withApi(collect.command('status'))
    .description('success rate (meters with every point stored) and online rate of a day, per terminal, 台区 or region')
    .requiredOption('--date <YYYY-MM-DD>', 'the day (local time)')
    .option('--by <group>', `group by ${BY.join(', ')} (default: the whole system only)`)
    .option('--task <task>', 'daily (default), billingDay, monthly or curve')
    .option('--json', 'print JSON')
    .action(async (o: ApiOpts & { date: string; by?: string; task?: string; json?: boolean }) => {
      dateOf(o.date);
      if (o.by !== undefined && !BY.includes(o.by)) throw new InputError('by', `expected one of ${BY.join(', ')}, got '${o.by}'`);
      const task = seriesTaskOf(o.task ?? 'daily');
      const q = new URLSearchParams({ date: o.date, task, by: o.by ?? 'system' });
      const r = await clientOf(o).get<CompletenessReport>(`/v1/collect/status?${q.toString()}`);
      if (o.json) return out(toJson(r));
      for (const l of renderStatus(r)) out(l);
    });

  withApi(collect.command('run'))
    .description('run a task now: daily, billingDay, monthly, curve (manual 补采 of what is missing), snapshot, events, clock')
    .argument('<task>', 'daily | billingDay | monthly | curve | snapshot | events | clock')
    .option('--date <YYYY-MM-DD>', 'the day (default today; curve: yesterday; monthly: this month)')
    .option('--from <YYYY-MM-DD>', 'first day of a range (with --to)')
    .option('--to <YYYY-MM-DD>', 'last day of a range')
    .option('--terminal <keys>', 'terminal keys, comma-separated (default all)')
    .option('--pn <list>', 'measuring points, e.g. 1-8 or 1,3,5-7 (default all)')
    .option('--no-wait', 'start the run and return its id at once')
    .option('--json', 'print JSON')
    .action(async (taskText: string, o: RunOpts) => {
      const body: Record<string, unknown> = { task: taskOf(taskText) };
      if (o.date !== undefined && (o.from !== undefined || o.to !== undefined)) throw new InputError('date', 'give --date, or --from and --to, not both');
      if (o.date !== undefined) {
        dateOf(o.date);
        body.date = o.date;
      } else if (o.from !== undefined || o.to !== undefined) {
        if (o.from === undefined || o.to === undefined) throw new InputError(o.from === undefined ? 'from' : 'to', '--from and --to go together');
        daysOf(dateOf(o.from, 'from'), dateOf(o.to, 'to'));
        Object.assign(body, { from: o.from, to: o.to });
      }
      if (o.terminal !== undefined) body.terminal = o.terminal.split(',').map((k, i) => terminalKey(k.trim(), `terminal[${i}]`));
      if (o.pn !== undefined) body.pn = parsePnList(o.pn);
      const client = clientOf(o);
      const started = await client.post<RunInfo>('/v1/collect/run', body);
      const info = o.wait === false ? started : await followRun(client, started, err);
      if (o.json) out(toJson(info));
      else for (const l of renderRun(info)) out(l);
      if (info.state === 'failed') throw new CliExit(1, `run ${info.id} failed${info.error ? `: ${info.error}` : ''}`);
      const t = info.terminals;
      if (info.state === 'done' && t.gaps + t.offline + t.failed > 0) throw new CliExit(1, `run ${info.id}: ${t.gaps} terminal(s) with gaps, ${t.offline} offline, ${t.failed} failed`);
    });

  withApi(collect.command('runs'))
    .description('the last collection runs (scheduled, 补采, late logins, manual)')
    .option('--json', 'print JSON')
    .action(async (o: ApiOpts & { json?: boolean }) => {
      const r = await clientOf(o).get<{ runs: RunInfo[] }>('/v1/collect/runs');
      if (o.json) return out(toJson(r.runs));
      for (const i of r.runs) {
        const t = i.terminals;
        out(`${String(i.id).padStart(5)} ${i.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')} ${i.task.padEnd(10)} ${(i.dates?.join(',') ?? '').padEnd(10)} ${i.mode.padEnd(9)} ${i.state.padEnd(7)} ${t.done}/${t.total} complete ${t.complete} gaps ${t.gaps} offline ${t.offline} failed ${t.failed}`);
      }
      out(`${r.runs.length} run${r.runs.length === 1 ? '' : 's'}`);
    });
}
