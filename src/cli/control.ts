/**
 * `hes control …`: load control through the running head-end's admin API.
 *
 *   hes control trip --terminal 1101-00001 [--round 1,2] [--alarm-minutes N] [--limit-half-hours N] --operator alice
 *   hes control trip --account 110100001000X [--reason "…"]     (the customer's meter, 1CH via its concentrator)
 *   hes control trip --scheme peak-cut                           (runs an approved scheme; close --scheme restores it)
 *   hes control close|keep-power|release|urge-fee … ; hes control power-control … ; hes control set-param …
 *   hes control approve <id> [--hash <sha256>] --operator bob    (a different operator: two-person rule)
 *   hes control reject|cancel <id> ; hes control status <id> [--watch] ; hes control list [--state pending]
 *   hes control link <meter> --serial /dev/ttyUSB0 [--baud 2400,8E1] | --tcp host:port | --remove ; hes control links
 *
 * A request that needs approval is printed with its id and hash and waits; otherwise it executes at once
 * (`--wait` follows it to the end). `status --watch` exits 1 when any target failed.
 */
import type { Command } from 'commander';
import type { RequestDetail, RequestView } from '../control/service.js';
import { InputError } from '../errors.js';
import { actorClient, finish, int, ints, render, selectorBody, watch, withActor, withTargets, type ActorOpts, type TargetOpts } from './control-common.js';
import { toJson } from './format.js';

interface CommonOpts extends ActorOpts, TargetOpts {
  reason?: string;
  scheme?: string;
  wait?: boolean;
}

async function submit(o: CommonOpts, body: Record<string, unknown>, out: (s: string) => void): Promise<void> {
  const client = actorClient(o);
  const v = await client.post<RequestView>('/v1/control/requests', { ...body, ...selectorBody(o), ...(o.reason ? { reason: o.reason } : {}) });
  if (o.wait && v.state === 'executing') {
    const d = await watch(client, `/v1/control/requests/${v.id}`, out, o.json);
    if (o.json) out(toJson(d));
    else render(d, out, { results: true });
    return finish(d);
  }
  if (o.json) return out(toJson(v));
  render(v, out);
  if (v.state === 'pending') out(`  approve with: hes control approve ${v.id} --hash ${v.hash} --operator <another operator>`);
}

/** `--scheme` on trip/close: run / restore that scheme. */
async function schemeAction(o: CommonOpts, what: 'run' | 'restore', out: (s: string) => void): Promise<void> {
  const client = actorClient(o);
  const v = await client.post<RequestView>(`/v1/schemes/${encodeURIComponent(o.scheme!)}/${what}`);
  if (!o.wait) {
    if (o.json) return out(toJson(v));
    return render(v, out);
  }
  const d = await watch(client, `/v1/schemes/${encodeURIComponent(o.scheme!)}`, out, o.json, (x) => x.state !== 'executing' && x.state !== 'restoring');
  if (o.json) out(toJson(d));
  else render(d, out, { results: true });
  finish(d);
}

function common(cmd: Command): Command {
  return withTargets(withActor(cmd)).option('--reason <text>', 'why (required to trip a protected customer)').option('--wait', 'follow the request until it is done when it executes at once');
}

export function registerControl(program: Command, out: (s: string) => void): void {
  const control = program.command('control').description('load control: trip, close, keep-power, power control — two-person approved, verified and audited');

  common(control.command('trip'))
    .description('remote trip (AFN05 F1 on terminals; DL/T 645 1AH on accounts\' meters)')
    .option('--scheme <name>', 'run this approved scheme instead')
    .option('--round <list>', 'control rounds 1..8 (terminals; default 1)')
    .option('--alarm-minutes <n>', 'alarm before tripping, minutes 0..15 (AFN05 F1)')
    .option('--limit-half-hours <n>', 'close again after n × 0.5 h, 0..15 (0 = stay open)')
    .action(async (o: CommonOpts & { round?: string; alarmMinutes?: string; limitHalfHours?: string }) => {
      if (o.scheme) return schemeAction(o, 'run', out);
      const body: Record<string, unknown> = { action: 'trip' };
      const rounds = ints(o.round, '--round');
      if (rounds) body.rounds = rounds;
      if (o.alarmMinutes !== undefined) body.alarmMinutes = int(o.alarmMinutes, '--alarm-minutes');
      if (o.limitHalfHours !== undefined) body.limitHalfHours = int(o.limitHalfHours, '--limit-half-hours');
      await submit(o, body, out);
    });

  common(control.command('close'))
    .description('allow closing (AFN05 F2; DL/T 645 1BH, or 1CH with --direct)')
    .option('--scheme <name>', 'restore this executed scheme instead')
    .option('--round <list>', 'control rounds 1..8 (terminals; default 1)')
    .option('--direct', 'meters: close the relay at once (1CH) instead of allowing the customer to (1BH)')
    .action(async (o: CommonOpts & { round?: string; direct?: boolean }) => {
      if (o.scheme) return schemeAction(o, 'restore', out);
      const body: Record<string, unknown> = { action: 'close' };
      const rounds = ints(o.round, '--round');
      if (rounds) body.rounds = rounds;
      if (o.direct) body.direct = true;
      await submit(o, body, out);
    });

  common(control.command('keep-power'))
    .description('keep-power 保电 on (AFN05 F25; DL/T 645 3AH on meters — the customer is protected from schemes)')
    .option('--half-hours <n>', 'terminals: duration × 0.5 h, 0 = until released')
    .action(async (o: CommonOpts & { halfHours?: string }) => {
      await submit(o, { action: 'keep-power', ...(o.halfHours !== undefined ? { halfHours: int(o.halfHours, '--half-hours') } : {}) }, out);
    });

  common(control.command('release'))
    .description('keep-power off (AFN05 F33; DL/T 645 3BH on meters — the customer loses its protection)')
    .action(async (o: CommonOpts) => submit(o, { action: 'release' }, out));

  common(control.command('urge-fee'))
    .description('urge-fee (催费) alarm on or off (AFN05 F26/F34; DL/T 645 2AH/2BH on meters)')
    .option('--off', 'switch it off')
    .action(async (o: CommonOpts & { off?: boolean }) => submit(o, { action: 'urge-fee', on: !o.off }, out));

  common(control.command('power-control'))
    .description('power/energy control of a total-add group on or off (AFN05 F9–F16 / F17–F24)')
    .requiredOption('--type <type>', 'period, holiday, shutdown, down-float, monthly-energy or purchase')
    .option('--off', 'switch it off')
    .option('--group <n>', 'total-add group 1..8 (default 1)')
    .option('--periods <list>', 'period control: periods 1..8')
    .option('--period-scheme <n>', 'period control: scheme 0..2')
    .action(async (o: CommonOpts & { type: string; off?: boolean; group?: string; periods?: string; periodScheme?: string }) => {
      const body: Record<string, unknown> = { action: 'power-control', control: o.type, on: !o.off, group: int(o.group, '--group') ?? 1 };
      const periods = ints(o.periods, '--periods');
      if (periods) body.periods = periods;
      if (o.periodScheme !== undefined) body.scheme = int(o.periodScheme, '--period-scheme');
      await submit(o, body, out);
    });

  common(control.command('set-param'))
    .description('a control parameter AFN04 F41–F48 of a total-add group, value as JSON (validated against the standard\'s ranges)')
    .requiredOption('--fn <n>', '41..48')
    .option('--group <n>', 'total-add group 1..8 (default 1)')
    .requiredOption('--value <json>', 'e.g. F46: {"setpoint": 5000}')
    .action(async (o: CommonOpts & { fn: string; group?: string; value: string }) => {
      let value: unknown;
      try {
        value = JSON.parse(o.value);
      } catch {
        throw new InputError('--value', 'is not JSON');
      }
      await submit(o, { action: 'set-param', fn: int(o.fn, '--fn'), pn: int(o.group, '--group') ?? 1, value }, out);
    });

  withActor(control.command('approve'))
    .description('approve a request created by another operator; it then executes')
    .argument('<id>', 'request id')
    .option('--hash <sha256>', 'the request hash you reviewed (refused when the request differs)')
    .option('--wait', 'follow the execution to the end')
    .action(async (id: string, o: ActorOpts & { hash?: string; wait?: boolean }) => {
      const client = actorClient(o);
      const v = await client.post<RequestView>(`/v1/control/requests/${encodeURIComponent(id)}/approve`, o.hash ? { hash: o.hash } : {});
      if (o.wait && v.state === 'executing') {
        const d = await watch(client, `/v1/control/requests/${v.id}`, out, o.json);
        if (o.json) out(toJson(d));
        else render(d, out, { results: true });
        return finish(d);
      }
      if (o.json) return out(toJson(v));
      render(v, out);
    });

  withActor(control.command('reject'))
    .description('refuse a pending request')
    .argument('<id>', 'request id')
    .option('--reason <text>', 'why')
    .action(async (id: string, o: ActorOpts & { reason?: string }) => {
      const v = await actorClient(o).post<RequestView>(`/v1/control/requests/${encodeURIComponent(id)}/reject`, o.reason ? { reason: o.reason } : {});
      if (o.json) return out(toJson(v));
      render(v, out);
    });

  withActor(control.command('cancel'))
    .description('withdraw a pending or approved request (its creator or an admin)')
    .argument('<id>', 'request id')
    .action(async (id: string, o: ActorOpts) => {
      const v = await actorClient(o).post<RequestView>(`/v1/control/requests/${encodeURIComponent(id)}/cancel`);
      if (o.json) return out(toJson(v));
      render(v, out);
    });

  withActor(control.command('status'))
    .description('a request: state, progress, outcome per target')
    .argument('<id>', 'request id')
    .option('--watch', 'follow it until it settles (exit 1 when any target failed)')
    .action(async (id: string, o: ActorOpts & { watch?: boolean }) => {
      const client = actorClient(o, false);
      const path = `/v1/control/requests/${encodeURIComponent(id)}`;
      const d = o.watch ? await watch(client, path, out, o.json) : await client.get<RequestDetail>(path);
      if (o.json) out(toJson(d));
      else render(d, out, { results: true });
      if (o.watch) finish(d);
    });

  withActor(control.command('list'))
    .description('recent requests')
    .option('--state <state>', 'pending, approved, executing, done, rejected, expired, cancelled')
    .option('--limit <n>', 'at most this many (default 100)')
    .action(async (o: ActorOpts & { state?: string; limit?: string }) => {
      const q = new URLSearchParams();
      if (o.state) q.set('state', o.state);
      if (o.limit) q.set('limit', o.limit);
      const list = await actorClient(o, false).get<RequestView[]>(`/v1/control/requests${q.size ? `?${q.toString()}` : ''}`);
      if (o.json) return out(toJson(list));
      for (const v of list) out(`${String(v.id).padStart(5)} ${v.action.kind.padEnd(13)} ${v.state.padEnd(10)} ${String(v.targets).padStart(6)} target(s)  ${v.createdBy}${v.approvedBy ? ` / ${v.approvedBy}` : ''}  ${v.createdAt}`);
      out(`${list.length} request${list.length === 1 ? '' : 's'}`);
    });

  withActor(control.command('link'))
    .description('a meter the head-end reaches itself (RS-485 or serial server over TCP): its 1CH commands go there, not through its concentrator (admin)')
    .argument('<meter>', 'meter address (12 digits)')
    .option('--serial <path>', 'serial device, e.g. /dev/ttyUSB0')
    .option('--baud <settings>', 'serial settings (default 2400,8E1)')
    .option('--tcp <host:port>', 'serial server / DTU')
    .option('--remove', 'back to its concentrator')
    .action(async (meter: string, o: ActorOpts & { serial?: string; baud?: string; tcp?: string; remove?: boolean }) => {
      if ([o.serial, o.tcp, o.remove].filter((x) => x !== undefined).length !== 1) throw new InputError('link', 'give exactly one of --serial <path>, --tcp <host:port> or --remove');
      const body = o.remove ? { remove: true } : o.serial ? { serial: o.serial, ...(o.baud ? { settings: o.baud } : {}) } : { tcp: o.tcp };
      const r = await actorClient(o).post<Record<string, unknown>>(`/v1/control/meter-links/${encodeURIComponent(meter)}`, body);
      out(o.json ? toJson(r) : o.remove ? `${meter}: ${r.removed ? 'direct link removed' : 'had no direct link'}` : `${meter}: direct link ${String(r.kind)} ${String(r.endpoint)}`);
    });

  withActor(control.command('links'))
    .description('meters on a direct link')
    .action(async (o: ActorOpts) => {
      const list = await actorClient(o, false).get<{ meter: string; kind: string; endpoint: string; settings?: string }[]>('/v1/control/meter-links');
      if (o.json) return out(toJson(list));
      for (const l of list) out(`${l.meter}  ${l.kind} ${l.endpoint}${l.settings ? ` ${l.settings}` : ''}`);
      out(`${list.length} direct link${list.length === 1 ? '' : 's'}`);
    });
}
