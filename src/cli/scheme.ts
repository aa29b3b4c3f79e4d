/**
 * `hes scheme …`: 有序用电 schemes through the running head-end's admin API.
 *
 *   hes scheme create peak-cut --line SS1101-001-L01 --action trip [--round 1] [--until 2026-07-01T18:00:00+08:00] --operator alice
 *   hes scheme approve peak-cut [--hash …] --operator bob       (a second operator)
 *   hes scheme run peak-cut [--watch]                          (protected customers' terminals skipped and listed)
 *   hes scheme show peak-cut [--watch]  ·  hes scheme restore peak-cut [--watch]  ·  hes scheme list
 *   hes scheme create evening --line … --action power-control --type period --group 2 --periods 1,2 --limits '{"schemes":[1],"values":[{"periods":[1,2],"setpoints":[120,85.5]}]}'
 *   hes scheme update peak-cut --taiqu …  ·  --limits …       (new targets or F41 limits: needs a new approval)
 */
import type { Command } from 'commander';
import type { RequestDetail, RequestView } from '../control/service.js';
import { actorClient, finish, int, ints, render, selectorBody, watch, withActor, withTargets, type ActorOpts, type TargetOpts } from './control-common.js';
import { InputError } from '../errors.js';
import { toJson } from './format.js';

/** `--limits` JSON (AFN04 F41 in the codec's shape); ranges are checked by the head-end. */
function limitsOf(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InputError('--limits', `expected JSON such as {"schemes":[1],"values":[{"periods":[1,2],"setpoints":[120,85.5]}]}, got ${text}`);
  }
}

const path = (name: string, what = ''): string => `/v1/schemes/${encodeURIComponent(name)}${what ? `/${what}` : ''}`;

export function registerScheme(program: Command, out: (s: string) => void): void {
  const scheme = program.command('scheme').description('有序用电 schemes: staged, approved by a second operator, run over many terminals, restored');

  withTargets(withActor(scheme.command('create')))
    .description('stage a scheme (nothing is sent until it is approved and run)')
    .argument('<name>', 'scheme name')
    .requiredOption('--action <action>', 'trip or power-control')
    .option('--round <list>', 'trip: control rounds 1..8 (default 1)')
    .option('--type <type>', 'power-control: period, holiday, shutdown, down-float, monthly-energy, purchase')
    .option('--group <n>', 'power-control: total-add group 1..8 (default 1)')
    .option('--periods <list>', 'period control: periods 1..8')
    .option('--scheme <n>', 'period control: F9 scheme number 1..3 (default 1)')
    .option('--limits <json>', 'period control: AFN04 F41 limits sent before F9, e.g. \'{"schemes":[1],"values":[{"periods":[1,2],"setpoints":[120,85.5]}]}\' (kW)')
    .option('--until <time>', 'restore automatically at this ISO time')
    .option('--reason <text>', 'why')
    .action(async (name: string, o: ActorOpts & TargetOpts & { action: string; round?: string; type?: string; group?: string; periods?: string; scheme?: string; limits?: string; until?: string; reason?: string }) => {
      const body: Record<string, unknown> = { name, action: o.action, ...selectorBody(o) };
      const rounds = ints(o.round, '--round');
      if (rounds) body.rounds = rounds;
      if (o.action === 'power-control') {
        body.control = o.type;
        body.on = true;
        body.group = int(o.group, '--group') ?? 1;
        const periods = ints(o.periods, '--periods');
        if (periods) body.periods = periods;
        const n = int(o.scheme, '--scheme');
        if (n !== undefined) body.scheme = n - 1; // AFN05 F9 carries 0..2 for schemes 1..3
        if (o.limits !== undefined) body.limits = limitsOf(o.limits);
      }
      if (o.until) body.until = o.until;
      if (o.reason) body.reason = o.reason;
      const v = await actorClient(o).post<RequestView>('/v1/schemes', body);
      if (o.json) return out(toJson(v));
      render(v, out);
      if (v.state === 'staged') out(`  approve with: hes scheme approve ${name} --hash ${v.hash} --operator <another operator>`);
    });

  withTargets(withActor(scheme.command('update')))
    .description('new targets and/or F41 limits for a staged or approved scheme (any approval is dropped)')
    .argument('<name>', 'scheme name')
    .option('--limits <json>', 'period schemes: new AFN04 F41 limits (as for create)')
    .action(async (name: string, o: ActorOpts & TargetOpts & { limits?: string }) => {
      const body: Record<string, unknown> = { ...selectorBody(o) };
      if (o.limits !== undefined) body.limits = limitsOf(o.limits);
      const v = await actorClient(o).post<RequestView>(path(name, 'update'), body);
      if (o.json) return out(toJson(v));
      render(v, out);
    });

  withActor(scheme.command('approve'))
    .description('approve a scheme staged by another operator')
    .argument('<name>', 'scheme name')
    .option('--hash <sha256>', 'the scheme hash you reviewed')
    .action(async (name: string, o: ActorOpts & { hash?: string }) => {
      const v = await actorClient(o).post<RequestView>(path(name, 'approve'), o.hash ? { hash: o.hash } : {});
      if (o.json) return out(toJson(v));
      render(v, out);
    });

  for (const [what, desc] of [
    ['run', 'execute an approved scheme'],
    ['restore', 'undo an executed scheme on the terminals it acted on'],
  ] as const) {
    withActor(scheme.command(what))
      .description(desc)
      .argument('<name>', 'scheme name')
      .option('--watch', 'follow it to the end (exit 1 when any target failed)')
      .action(async (name: string, o: ActorOpts & { watch?: boolean }) => {
        const client = actorClient(o);
        const v = await client.post<RequestView>(path(name, what));
        if (!o.watch) {
          if (o.json) return out(toJson(v));
          return render(v, out);
        }
        const d = await watch(client, path(name), out, o.json, (x) => x.state !== 'executing' && x.state !== 'restoring');
        if (o.json) out(toJson(d));
        else render(d, out, { results: true });
        finish(d);
      });
  }

  withActor(scheme.command('show'))
    .description('a scheme: state, live progress, final report per terminal')
    .argument('<name>', 'scheme name')
    .option('--watch', 'follow a running scheme until it settles')
    .action(async (name: string, o: ActorOpts & { watch?: boolean }) => {
      const client = actorClient(o, false);
      const d = o.watch ? await watch(client, path(name), out, o.json, (x) => x.state !== 'executing' && x.state !== 'restoring') : await client.get<RequestDetail>(path(name));
      if (o.json) return out(toJson(d));
      render(d, out, { results: true });
    });

  withActor(scheme.command('cancel'))
    .description('withdraw a staged or approved scheme')
    .argument('<name>', 'scheme name')
    .action(async (name: string, o: ActorOpts) => {
      const v = await actorClient(o).post<RequestView>(path(name, 'cancel'));
      if (o.json) return out(toJson(v));
      render(v, out);
    });

  withActor(scheme.command('list'))
    .description('schemes')
    .action(async (o: ActorOpts) => {
      const list = await actorClient(o, false).get<RequestView[]>('/v1/schemes');
      if (o.json) return out(toJson(list));
      for (const v of list) out(`${(v.scheme ?? '').padEnd(24)} ${v.action.kind.padEnd(13)} ${v.state.padEnd(10)} ${String(v.targets).padStart(6)} terminal(s)  ${v.createdBy}${v.approvedBy ? ` / ${v.approvedBy}` : ''}`);
      out(`${list.length} scheme${list.length === 1 ? '' : 's'}`);
    });
}
