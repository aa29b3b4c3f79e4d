/** `hes terminal list|show|release`: terminals of a running head-end, through its admin API. */
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import type { TerminalDetail, TerminalList, TerminalState, TerminalSummary } from '../service/api.js';
import { clientOf, withApi, type ApiOpts } from './admin-client.js';
import { toJson } from './format.js';

const pad = (s: string | number | undefined, n: number): string => String(s ?? '-').padEnd(n);
const when = (s: string | undefined): string => (s ? s.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

function line(t: TerminalSummary): string {
  const head = `${pad(t.terminal, 11)} ${pad(t.state, 10)}`;
  if (t.state === 'online') return `${head} ${pad(t.channel, 7)} ${pad(t.remote, 22)} since ${when(t.onlineAt)}  last seen ${when(t.lastSeen)}  queue ${t.queueDepth ?? 0}`;
  if (t.state === 'quarantine') return `${head} ${pad(t.channel, 7)} ${pad(t.remote, 22)} first ${when(t.firstSeen)}  last ${when(t.lastSeen)}  ${t.frames} frame(s), ${t.logins} login(s)`;
  return `${head} ${t.lastOffline ? `offline since ${when(t.lastOffline)} (${t.lastOfflineReason ?? '?'})` : 'never online since the head-end started'}`;
}

export function registerTerminal(program: Command, out: (s: string) => void): void {
  const terminal = program.command('terminal').description('terminals (concentrators) of a running head-end: sessions, quarantine');

  withApi(terminal.command('list'))
    .description('list terminals: online, offline (in the archive, not connected) and quarantined (unknown)')
    .option('--online', 'only online terminals')
    .option('--offline', 'only archive terminals that are not online')
    .option('--quarantine', 'only unknown terminals held in the quarantine')
    .option('--limit <n>', 'at most this many')
    .option('--json', 'print JSON')
    .action(async (o: ApiOpts & { online?: boolean; offline?: boolean; quarantine?: boolean; limit?: string; json?: boolean }) => {
      const states = (['online', 'offline', 'quarantine'] as const).filter((s) => o[s]);
      if (states.length > 1) throw new InputError('state', `give at most one of --online, --offline, --quarantine (got ${states.map((s) => `--${s}`).join(' ')})`);
      if (o.limit !== undefined && !/^\d{1,9}$/.test(o.limit)) throw new InputError('limit', `'${o.limit}' is not a non-negative integer`);
      const q = new URLSearchParams();
      const state: TerminalState | undefined = states[0];
      if (state) q.set('state', state);
      if (o.limit !== undefined) q.set('limit', o.limit);
      const r = await clientOf(o).get<TerminalList>(`/v1/terminals${q.toString() ? `?${q.toString()}` : ''}`);
      if (o.json) return out(toJson(r.terminals));
      for (const t of r.terminals) out(line(t));
      out(`${r.total} terminal${r.total === 1 ? '' : 's'}${state ? ` ${state}` : ''}${r.terminals.length < r.total ? ` (${r.terminals.length} shown)` : ''}`);
    });

  withApi(terminal.command('show'))
    .description('one terminal: state, session, archive facts and meters')
    .argument('<key>', 'terminal key A1-A2, e.g. 1101-00001')
    .option('--json', 'print JSON')
    .action(async (key: string, o: ApiOpts & { json?: boolean }) => {
      const t = await clientOf(o).get<TerminalDetail>(`/v1/terminals/${encodeURIComponent(key)}`);
      if (o.json) return out(toJson(t));
      out(line(t));
      if (t.session) out(`  session #${t.session.session}: connected ${when(t.session.connectedAt)}, ${t.session.framesIn} frame(s) in, ${t.session.framesOut} out, ${t.session.heartbeats} heartbeat(s)${t.session.clockOffsetMs !== undefined ? `, clock offset ${t.session.clockOffsetMs} ms` : ''}`);
      const d = t.dialOut;
      if (d) out(`  dial-out to ${d.endpoint}: ${d.state}${d.failures ? `, ${d.failures} failure(s) in a row${d.lastError ? ` (${d.lastError})` : ''}` : ''}${d.nextAttemptAt ? `, next call ${when(d.nextAttemptAt)}` : ''}`);
      if (t.lastOffline && t.state === 'online') out(`  last offline ${when(t.lastOffline)} (${t.lastOfflineReason ?? '?'})`);
      const a = t.archive;
      if (a) {
        if (a.taiqu !== undefined) out(`  archive: ${String(a.substation)} → ${String(a.line)} → ${String(a.taiqu)} (${String(a.taiquName)}), ${String(a.protocol)} over ${String(a.channel)}`);
        const meters = Array.isArray(a.meterList) ? (a.meterList as { pn: number; address: string; port?: number; protocol?: string }[]) : [];
        out(`  meters: ${meters.length}`);
        for (const m of meters) out(`    P${pad(m.pn, 5)} ${m.address}${m.port !== undefined ? ` port ${m.port}` : ''}${m.protocol ? ` ${m.protocol}` : ''}`);
      } else if (t.state === 'quarantine') {
        out(`  not in the archive: add it (hes archive import), then hes terminal release ${t.terminal}`);
      }
    });

  withApi(terminal.command('release'))
    .description('forget a quarantined terminal (after adding it to the archive; its next login is served)')
    .argument('<key>', 'terminal key A1-A2')
    .option('--json', 'print JSON')
    .action(async (key: string, o: ApiOpts & { json?: boolean }) => {
      const r = await clientOf(o).post<{ released: string; inArchive: boolean }>(`/v1/quarantine/${encodeURIComponent(key)}/release`);
      if (o.json) return out(toJson(r));
      out(`${r.released} released from the quarantine${r.inArchive ? ' (in the archive: its next login is served)' : ' (still not in the archive: it returns to the quarantine when it logs in again)'}`);
    });
}
