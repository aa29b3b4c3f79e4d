/**
 * `hes audit verify|show`: the hash-chained audit log of load control (src/control/audit-chain.ts),
 * through the running head-end, or straight from a database file with `--data <dir>` (read-only, e.g.
 * an auditor's copy). `verify` exits 1 naming the first record that breaks the chain.
 */
import type { Command } from 'commander';
import { listAudit, verifyAudit, type AuditRecord, type AuditVerifyResult } from '../control/audit-chain.js';
import { openDatabase } from '../archive/db.js';
import { clientOf, withApi, type ApiOpts } from './admin-client.js';
import { int } from './control-common.js';
import { CliExit } from './errors.js';
import { toJson } from './format.js';

interface Opts extends ApiOpts {
  data?: string;
  json?: boolean;
}

function local<T>(dir: string, fn: (db: ReturnType<typeof openDatabase>) => T): T {
  const db = openDatabase(dir, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function line(r: AuditRecord): string {
  const data = JSON.stringify(r.data);
  return `${String(r.seq).padStart(7)} ${new Date(r.at).toISOString()} ${r.kind.padEnd(10)} ${r.actor.padEnd(12)} ${r.ref.padEnd(8)} ${r.target.padEnd(14)} ${data.length > 120 ? `${data.slice(0, 117)}...` : data}`;
}

export function registerAudit(program: Command, out: (s: string) => void): void {
  const audit = program.command('audit').description('the tamper-evident audit log of load control');

  withApi(audit.command('verify'))
    .description('recompute the hash chain; exit 1 naming the first broken record')
    .option('--data <dir>', 'check this data directory\'s database directly (read-only) instead of asking the head-end')
    .option('--json', 'print JSON')
    .action(async (o: Opts) => {
      const r = o.data !== undefined ? local(o.data, verifyAudit) : await clientOf(o).get<AuditVerifyResult>('/v1/audit/verify');
      if (o.json) out(toJson(r));
      else if (r.ok) out(`audit chain intact: ${r.records} record(s)${r.head ? `, head #${r.head.seq} ${r.head.hash}` : ''}`);
      if (!r.ok) throw new CliExit(1, `audit chain broken at record ${r.broken!.seq}: ${r.broken!.reason}${r.head ? ` (intact up to #${r.head.seq})` : ''}`);
    });

  withApi(audit.command('show'))
    .description('audit records in order')
    .option('--data <dir>', 'read this data directory\'s database directly (read-only)')
    .option('--ref <ref>', 'only records of this request (R17) or account')
    .option('--kind <kind>', 'request, approval, frame-out, frame-in, outcome, erc, summary, protection, prepay …')
    .option('--from <seq>', 'from this record on')
    .option('--limit <n>', 'at most this many (default 1000)')
    .option('--json', 'print JSON')
    .action(async (o: Opts & { ref?: string; kind?: string; from?: string; limit?: string }) => {
      const q = { ...(o.ref ? { ref: o.ref } : {}), ...(o.kind ? { kind: o.kind } : {}), ...(o.from ? { from: int(o.from, '--from')! } : {}), ...(o.limit ? { limit: int(o.limit, '--limit')! } : {}) };
      let list: AuditRecord[];
      if (o.data !== undefined) list = local(o.data, (db) => listAudit(db, q));
      else list = await clientOf(o).get<AuditRecord[]>(`/v1/audit?${new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)])).toString()}`);
      if (o.json) return out(toJson(list));
      for (const r of list) out(line(r));
      out(`${list.length} record${list.length === 1 ? '' : 's'}`);
    });
}
