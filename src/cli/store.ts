/**
 * `hes store coverage|reindex`: the coverage index of a running head-end with InfluxDB (src/store/coverage),
 * through its admin API (/v1/store). Progress goes to stderr, results to stdout.
 *   hes store coverage
 *   hes store reindex --from 2026-01-01 --to 2026-11-22     (after an upgrade, or a deleted coverage.db)
 */
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { dateOf } from '../admin/validate.js';
import type { CoverageInfo, ReindexJob } from '../service/reindex-jobs.js';
import { clientOf, withApi, type ApiOpts } from './admin-client.js';
import { CliExit } from './errors.js';
import { toJson } from './format.js';
import { ProgressBar, type ProgressSink } from './progress.js';

const KINDS = ['day', 'billingDay', 'month', 'curve'];
const iso = (t: number | null): string => (t === null ? 'every data time' : new Date(t).toISOString());

export function renderReindex(j: ReindexJob): string[] {
  const out = [`reindex ${j.id} ${iso(j.from)} .. ${iso(j.to)}: ${j.state}, ${j.readings} readings indexed`];
  if (j.authoritativeFrom !== null) {
    out.push(`  the index answers data times from ${iso(j.authoritativeFrom === Number.MIN_SAFE_INTEGER ? null : j.authoritativeFrom)}`);
    if (j.authoritativeFrom > j.to) out.push(`  note: the range ends before that: its days are indexed, but their gaps are still asked of the store until a reindex reaches ${iso(j.authoritativeFrom)}`);
  }
  if (j.error) out.push(`  error: ${j.error}`);
  return out;
}

export function registerStore(program: Command, out: (s: string) => void, err: ProgressSink = process.stderr): void {
  const store = program.command('store').description('the time-series store of a running head-end: the InfluxDB coverage index');

  withApi(store.command('coverage'))
    .description('the coverage index: its file, from which data time it answers gaps, the last reindex run')
    .option('--json', 'print JSON')
    .action(async (o: ApiOpts & { json?: boolean }) => {
      const i = await clientOf(o).get<CoverageInfo>('/v1/store/coverage');
      if (o.json) return out(toJson(i));
      out(`coverage index ${i.file}`);
      out(`  answers gaps of ${i.authoritativeFrom === null ? 'every data time' : `data times from ${iso(i.authoritativeFrom)} (earlier ones are asked of the store)`}`);
      // Retention moves a kind's start later than the index's own.
      for (const [kind, from] of Object.entries(i.answersFrom)) if (from !== i.authoritativeFrom) out(`  ${kind} points kept from ${iso(from)} (older ones are asked of the store)`);
      if (i.job) for (const l of renderReindex(i.job)) out(`  last run: ${l.trimStart()}`);
    });

  withApi(store.command('reindex'))
    .description('index what the store holds for a range of days (China time), so gaps of those days are no longer asked of the store')
    .requiredOption('--from <YYYY-MM-DD>', 'first day')
    .requiredOption('--to <YYYY-MM-DD>', 'last day (inclusive)')
    .option('--json', 'print JSON')
    .action(async (o: ApiOpts & { from: string; to: string; json?: boolean }) => {
      const from = dateOf(o.from, 'from');
      const to = dateOf(o.to, 'to');
      if (Date.UTC(to.year, to.month - 1, to.day) < Date.UTC(from.year, from.month - 1, from.day)) throw new InputError('to', 'must not be before --from');
      const client = clientOf(o);
      let j = await client.post<ReindexJob>('/v1/store/reindex', { from: o.from, to: o.to });
      const bar = new ProgressBar(err, `reindex ${j.id}`);
      while (j.state === 'running') {
        bar.update(j.kind ? KINDS.indexOf(j.kind) : 0, KINDS.length, `kinds, ${j.readings} readings`);
        await new Promise((r) => setTimeout(r, 250));
        j = await client.get<ReindexJob>(`/v1/store/reindex/${j.id}`);
      }
      bar.end(j.state === 'done' ? KINDS.length : KINDS.indexOf(j.kind ?? 'day'), KINDS.length, `kinds, ${j.readings} readings`);
      if (o.json) out(toJson(j));
      else for (const l of renderReindex(j)) out(l);
      if (j.state === 'failed') throw new CliExit(1, `reindex ${j.id} failed${j.error ? `: ${j.error}` : ''}`);
    });
}
