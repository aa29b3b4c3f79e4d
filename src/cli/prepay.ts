/**
 * `hes prepay …`: head-end-side prepayment through the running head-end's admin API.
 *
 *   hes prepay topup <account> <yuan> [--ref <payment ref>] [--price <yuan/kWh>] [--alarm <yuan>] [--mode terminal --group 1] --operator alice
 *   hes prepay balance <account> [--json]
 *   hes prepay settle <account>        read the meter now and charge the usage since the last reading
 */
import type { Command } from 'commander';
import type { BalanceView } from '../control/prepayment.js';
import { actorClient, amount, withActor, type ActorOpts } from './control-common.js';
import { InputError } from '../errors.js';
import { toJson } from './format.js';

function show(b: BalanceView, out: (s: string) => void): void {
  out(`${b.account} balance ${b.balanceYuan.toFixed(3)} yuan, ${b.state} (price ${b.priceYuanPerKwh} yuan/kWh, alarm at ${b.alarmYuan} yuan)${b.lastKwh !== undefined ? `, meter ${b.lastKwh} kWh at ${b.lastReadAt}` : ''}`);
  const t = b.terminal;
  if (t) out(`  terminal-side: group ${t.group}, order ${t.orderNo}, purchase control ${t.purchaseControl ? 'on' : 'off'}, remaining ${t.remainingKwh ?? '?'} kWh (alarm ${t.alarmKwh}, trip ${t.tripKwh})${t.unsentYuan ? `, ${t.unsentYuan} yuan not yet sent` : ''}`);
  for (const h of b.history) out(`  ${h.at} ${h.kind.padEnd(6)} ${h.amountYuan.toFixed(3).padStart(12)} → ${h.balanceYuan.toFixed(3).padStart(12)}${h.kwh !== undefined ? `  ${h.kwh} kWh` : ''}${h.ref ? `  ref ${h.ref}` : ''}  ${h.actor}`);
}

export function registerPrepay(program: Command, out: (s: string) => void): void {
  const prepay = program.command('prepay').description('prepayment: top-ups, balances; alarm, trip (keep-power respected) and close follow the balance');

  withActor(prepay.command('topup'))
    .description('record a purchase (opens the prepayment of the account on first use)')
    .argument('<account>', 'account number (户号)')
    .argument('<amount>', 'yuan')
    .option('--ref <text>', 'payment reference')
    .option('--price <yuan>', 'price per kWh for a new prepayment (default from the configuration)')
    .option('--alarm <yuan>', 'alarm threshold for a new prepayment')
    .option('--mode <mode>', 'new prepayment: head-end (balance kept here) or terminal (AFN04 F47 purchase records, the terminal trips)')
    .option('--group <n>', 'new terminal-mode prepayment: total-add group 1..8 on the terminal')
    .action(async (account: string, yuan: string, o: ActorOpts & { ref?: string; price?: string; alarm?: string; mode?: string; group?: string }) => {
      const body: Record<string, unknown> = { amount: amount(yuan, 'amount') };
      if (o.ref) body.ref = o.ref;
      if (o.price) body.price = amount(o.price, '--price');
      if (o.alarm) body.alarm = amount(o.alarm, '--alarm');
      if (o.mode) body.mode = o.mode;
      if (o.group) {
        if (!/^[1-8]$/.test(o.group)) throw new InputError('group', `expected a total-add group 1..8, got '${o.group}'`);
        body.group = Number(o.group);
      }
      const b = await actorClient(o).post<BalanceView>(`/v1/prepay/${encodeURIComponent(account)}/topup`, body);
      if (o.json) return out(toJson(b));
      show(b, out);
    });

  withActor(prepay.command('balance'))
    .description('balance, state and history of an account')
    .argument('<account>', 'account number (户号)')
    .action(async (account: string, o: ActorOpts) => {
      const b = await actorClient(o, false).get<BalanceView>(`/v1/prepay/${encodeURIComponent(account)}`);
      if (o.json) return out(toJson(b));
      show(b, out);
    });

  withActor(prepay.command('settle'))
    .description('read the meter now and charge the usage since the last reading')
    .argument('<account>', 'account number (户号)')
    .action(async (account: string, o: ActorOpts) => {
      const b = await actorClient(o).post<BalanceView>(`/v1/prepay/${encodeURIComponent(account)}/settle`);
      if (o.json) return out(toJson(b));
      show(b, out);
    });
}
