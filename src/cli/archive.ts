/**
 * `hes archive import|export|show|find|customers`: the archive (档案) in the head-end's database,
 * worked on offline through `--data <dir>` (default: the configuration's `data.dir`).
 * A rejected import exits 2 with every problem (`file:line: column: what was wrong`) on stderr.
 * `hes archive sync <terminal> [--push]` needs the terminal online: it goes through the running
 * head-end's admin API (`--url`) and exits 1 when a push leaves differences.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { InputError } from '../errors.js';
import { Archive, type CustomerInfo, type TopologyLevel } from '../archive/archive.js';
import { dbPath, openDatabase } from '../archive/db.js';
import { exportArchive } from '../archive/export.js';
import { ArchiveImportError, importArchive } from '../archive/import.js';
import { ENTITIES } from '../archive/entities.js';
import { terminalKey } from '../admin/validate.js';
import type { ArchiveSyncDifference, ArchiveSyncResult } from '../service/api.js';
import { clientOf, withApi, type ApiOpts } from './admin-client.js';
import { CliExit } from './errors.js';
import { toJson } from './format.js';

interface DataOpts {
  data?: string;
  config?: string;
}

function dataDir(o: DataOpts): string {
  if (o.data) return o.data;
  return loadConfig(o.config ? { file: o.config } : {}).data.dir;
}

function withData(cmd: Command): Command {
  return cmd.option('--data <dir>', 'data directory holding openhes.db (default: config data.dir)').option('--config <file>', 'configuration file (JSON)');
}

/** Opens an existing archive (read paths must not create an empty database by accident). */
function openExisting(o: DataOpts): Archive {
  const dir = dataDir(o);
  if (!existsSync(dbPath(dir))) throw new InputError('data', `no database at ${dbPath(dir)} (import an archive first: hes archive import <dir> --data ${dir})`);
  return new Archive(openDatabase(dir));
}

const pad = (s: string | number, n: number): string => String(s).padEnd(n);

function customerLine(c: CustomerInfo): string {
  return `${pad(c.accountNo, 14)} ${pad(c.customerId, 20)} ${pad(c.meterAddress, 13)} ${pad(c.taiqu, 14)} day ${pad(c.readingDay, 3)} ${pad(c.tariffClass, 12)} ${c.name}`;
}

function int(name: string, text: string | undefined, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new InputError(name, `'${text}' is not an integer in ${min}..${max}`);
  return n;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** `1, 3, 5..9` for configuration numbers. */
function numbers(list: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < list.length; ) {
    let j = i;
    while (j + 1 < list.length && list[j + 1] === list[j]! + 1) j++;
    parts.push(j > i ? `${list[i]}..${list[j]}` : String(list[i]));
    i = j + 1;
  }
  return parts.join(', ');
}

function differenceLines(list: readonly ArchiveSyncDifference[]): string[] {
  const counts = (['missing', 'extra', 'mismatch'] as const).map((k) => [k, list.filter((d) => d.kind === k).length] as const).filter(([, n]) => n > 0);
  return [`${plural(list.length, 'difference')} (${counts.map(([k, n]) => `${n} ${k}`).join(', ')}):`, ...list.map((d) => `  ${d.text}`)];
}

/** What `hes archive sync` prints for people. */
export function syncReport(r: ArchiveSyncResult): string[] {
  const lines = [`${r.terminal}: meter configuration (AFN0A F10, numbers 1..${r.queried}) — ${plural(r.archiveMeters, 'meter')} in the archive, ${r.read} configured in the terminal`];
  if (r.differences.length === 0) lines.push('no differences: the terminal matches the archive');
  else lines.push(...differenceLines(r.differences));
  const p = r.push;
  if (!p) {
    if (r.differences.length) lines.push(`write the archive's configuration to the terminal with: hes archive sync ${r.terminal} --push`);
    return lines;
  }
  lines.push(`pushed (AFN04 F10, ${plural(p.requests, 'request')}): ${plural(p.written, 'meter')} written${p.deleted.length ? `, ${plural(p.deleted.length, 'configuration')} deleted (numbers ${numbers(p.deleted)}, not in the archive)` : ''}`);
  if (p.differences.length === 0) lines.push(`read back: ${p.read} configured, the terminal matches the archive`);
  else {
    const [head, ...rest] = differenceLines(p.differences);
    lines.push(`read back: ${p.read} configured, still ${head!}`, ...rest);
  }
  return lines;
}

export function registerArchive(program: Command, out: (s: string) => void): void {
  const archive = program.command('archive').description("the archive (档案): import/export the CSV files, look up terminals, meters, accounts; sync a terminal's meter configuration");

  withData(archive.command('import'))
    .description('import a directory of archive CSV files (docs/archive-format.md) or one entity file; all or nothing')
    .argument('<path>', 'directory with substations.csv … customers.csv, or one of those files')
    .option('--dry-run', 'validate and count, write nothing')
    .option('--json', 'print the result as JSON')
    .action((input: string, o: DataOpts & { dryRun?: boolean; json?: boolean }) => {
      const dir = dataDir(o);
      const db = openDatabase(dir);
      try {
        const r = importArchive(db, input, {
          dryRun: o.dryRun ?? false,
          onProgress: (p) => {
            if (!p.done) process.stderr.write(`archive import: ${p.file}: ${p.rows} rows…\n`);
          },
        });
        if (o.json) {
          out(toJson({ ...r, database: dbPath(dir) }));
          return;
        }
        const rows = r.files.reduce((n, f) => n + f.rows, 0);
        out(`${r.dryRun ? 'dry run (nothing written): ' : ''}${input} → ${dbPath(dir)}: ${r.files.length} file(s), ${rows} rows in ${r.elapsedMs} ms`);
        for (const f of r.files) {
          const c = r.counts[f.entity]!;
          out(`  ${pad(f.file, 16)} ${pad(f.rows, 8)} ${c.inserted} inserted, ${c.updated} updated, ${c.unchanged} unchanged`);
        }
        if (r.ignored.length) out(`  ignored (not archive files): ${r.ignored.join(', ')}`);
      } catch (e) {
        if (!(e instanceof ArchiveImportError)) throw e;
        process.stderr.write(`archive import: ${input} rejected, ${e.total} problem${e.total === 1 ? '' : 's'}; nothing was imported:\n`);
        for (const p of e.problems) process.stderr.write(`${p}\n`);
        if (e.total > e.problems.length) process.stderr.write(`… and ${e.total - e.problems.length} more\n`);
        throw new CliExit(2, `archive import rejected (${e.total} problem${e.total === 1 ? '' : 's'})`);
      } finally {
        db.close();
      }
    });

  withData(archive.command('export'))
    .description('write the archive as the six CSV files into a directory')
    .argument('<dir>', 'output directory (created; files overwritten)')
    .action((dir: string, o: DataOpts) => {
      const a = openExisting(o);
      try {
        const r = exportArchive(a.db, dir);
        out(`${dir}: ${ENTITIES.map((e) => `${e} ${r.rows[e]}`).join(', ')} (${r.elapsedMs} ms)`);
      } finally {
        a.close();
      }
    });

  withData(archive.command('show'))
    .description('show a terminal (key 1101-00001 or archive id), a meter (12-digit address), an account (户号) or a customer (id)')
    .argument('<kind>', 'terminal | meter | account | customer')
    .argument('<key>', 'terminal key, meter address, account number or customer id')
    .option('--json', 'print JSON')
    .action((kind: string, key: string, o: DataOpts & { json?: boolean }) => {
      if (!['terminal', 'meter', 'account', 'customer'].includes(kind)) throw new InputError('kind', `'${kind}' is not terminal, meter, account or customer`);
      const a = openExisting(o);
      try {
        if (kind === 'terminal') {
          const t = a.terminal(key);
          if (!t) throw new InputError('terminal', `${key} is not in the archive`);
          const meters = a.metersOf(t.key);
          if (o.json) return out(toJson({ ...t, meterList: meters }));
          out(`terminal ${t.key} (id ${t.id}): A1 ${t.a1} A2 ${t.a2}, ${t.protocol} over ${t.channel}${t.endpoint ? ` (${t.endpoint})` : ''}`);
          out(`  ${t.substation} → ${t.line} → ${t.taiqu} (${t.taiquName})`);
          out(`  meters: ${t.meters} in the archive, ${t.meterCount} declared${t.pw ? ', own PW' : ''}${t.msa !== undefined ? `, MSA ${t.msa}` : ''}`);
          for (const m of meters) out(`  P${pad(m.pn, 5)} ${m.address} port ${m.port} ${m.protocol} ${m.baud} ${pad(m.wiring, 15)} CT ${m.ctRatio} PT ${m.ptRatio} ${m.accountNo ?? ''}`);
          return;
        }
        if (kind === 'meter') {
          const m = a.meter(key);
          if (!m) throw new InputError('meter', `${key} is not in the archive`);
          const c = m.customerId ? a.chainOf(m.customerId) : undefined;
          if (o.json) return out(toJson({ ...m, customer: c?.customer }));
          out(`meter ${m.address}: terminal ${m.terminal} P${m.pn}, port ${m.port}, ${m.protocol} ${m.baud} bps, ${m.wiring}, CT ${m.ctRatio} PT ${m.ptRatio}, ${m.tariffCount} tariffs`);
          if (c) out(`  customer ${c.customer.customerId} account ${c.customer.accountNo} ${c.customer.name} (reading day ${c.customer.readingDay}, ${c.customer.tariffClass})`);
          return;
        }
        const c = a.chainOf(key);
        if (!c || (kind === 'account' && c.customer.accountNo !== key) || (kind === 'customer' && c.customer.customerId !== key)) throw new InputError(kind, `${key} is not in the archive`);
        if (o.json) return out(toJson(c));
        out(`account ${c.customer.accountNo} (customer ${c.customer.customerId}): ${c.customer.name}`);
        out(`  reading day (抄表日) ${c.customer.readingDay}, ${c.customer.tariffClass}${c.customer.prepaid ? ', prepaid' : ''}${c.customer.address ? `, ${c.customer.address}` : ''}`);
        out(`  meter ${c.meter.address} = terminal ${c.terminal.key} P${c.meter.pn} (${c.meter.wiring})`);
        out(`  ${c.substation.id} ${c.substation.name} → ${c.line.id} ${c.line.name} → ${c.taiqu.id} ${c.taiqu.name} (${c.taiqu.transformerKva} kVA)`);
      } finally {
        a.close();
      }
    });

  withData(archive.command('find'))
    .description('find customers whose name contains a fragment')
    .argument('<fragment>', 'part of the name')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action((fragment: string, o: DataOpts & { limit: string; json?: boolean }) => {
      const limit = int('limit', o.limit, 1, 100_000);
      const a = openExisting(o);
      try {
        const list = a.findByName(fragment, limit);
        if (o.json) return out(toJson(list));
        for (const c of list) out(customerLine(c));
        if (!list.length) out(`no customer name contains "${fragment}"`);
      } finally {
        a.close();
      }
    });

  withData(archive.command('customers'))
    .description('customers supplied through a taiqu, a 10 kV line or a substation (站-线-变-户)')
    .option('--taiqu <id>', 'taiqu id')
    .option('--line <id>', 'line id')
    .option('--substation <id>', 'substation id')
    .option('--limit <n>', 'at most this many (0 = all)', '0')
    .option('--count', 'print only the number of customers')
    .option('--json', 'print JSON')
    .action((o: DataOpts & { taiqu?: string; line?: string; substation?: string; limit: string; count?: boolean; json?: boolean }) => {
      const given = (['taiqu', 'line', 'substation'] as const).filter((k) => o[k] !== undefined);
      if (given.length !== 1) throw new InputError('customers', 'give exactly one of --taiqu, --line, --substation');
      const level: TopologyLevel = given[0]!;
      const id = o[level]!;
      const limit = int('limit', o.limit, 0, 10_000_000);
      const a = openExisting(o);
      try {
        const n = a.countCustomersOf(level, id);
        if (o.count) return out(o.json ? toJson({ [level]: id, customers: n }) : String(n));
        const list = a.customersOf(level, id, limit ? { limit } : {});
        if (o.json) return out(toJson(list));
        out(`${level} ${id}: ${n} customer${n === 1 ? '' : 's'}`);
        for (const c of list) out(customerLine(c));
      } finally {
        a.close();
      }
    });

  withApi(archive.command('sync'))
    .description("compare a terminal's meter configuration (AFN0A F10) with the archive through the running head-end; --push writes it (AFN04 F10) and reads back")
    .argument('<terminal>', 'terminal key A1-A2, e.g. 1101-00001 (must be online)')
    .option('--push', "make the terminal's configuration equal to the archive's: write every archive meter, delete configurations the archive does not have, read back")
    .option('--json', 'print JSON')
    .action(async (terminal: string, o: ApiOpts & { push?: boolean; json?: boolean }) => {
      terminalKey(terminal);
      const r = await clientOf(o).post<ArchiveSyncResult>(`/v1/terminals/${encodeURIComponent(terminal)}/archive-sync`, { push: o.push === true });
      out(o.json ? toJson(r) : syncReport(r).join('\n'));
      if (r.push && !r.inSync) throw new CliExit(1, `${r.terminal} still differs from the archive after the push (${plural(r.push.differences.length, 'difference')})`);
    });
}
