/**
 * `hes apikey create|list|revoke`: API keys of the northbound API, worked on offline in the head-end
 * database (`--data <dir>`, default the configuration's data.dir; a running head-end sees the change at
 * once — keys are looked up per request). The key is printed once, by `create`; the database keeps only
 * its hash. Creating and revoking are recorded in the API audit log (actor `cli:<user>`).
 *
 *   hes apikey create --name billing-sg186 --role billing [--json]
 *   hes apikey list [--all] [--json]
 *   hes apikey revoke <id|name>
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import { ApiAudit } from '../api/audit.js';
import { ApiKeyStore, type ApiKeyInfo } from '../api/auth/keys.js';
import { parseRoles } from '../api/auth/roles.js';
import { dbPath, openDatabase, type Db } from '../archive/db.js';
import { loadConfig } from '../config/load.js';
import { InputError } from '../errors.js';

interface DataOpts {
  data?: string;
  config?: string;
}

function open(o: DataOpts, create: boolean): Db {
  const dir = o.data ?? loadConfig(o.config ? { file: o.config } : {}).data.dir;
  if (!create && !existsSync(dbPath(dir))) throw new InputError('data', `no database at ${dbPath(dir)}`);
  return openDatabase(dir);
}

function who(): string {
  let user = process.env.USER ?? '';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (containers): keep USER
  }
  return `cli:${user || 'unknown'}`;
}

function line(k: ApiKeyInfo): string {
  const state = k.revokedAt ? `revoked ${k.revokedAt} by ${k.revokedBy ?? '?'}` : `last used ${k.lastUsedAt ?? 'never'}`;
  return `${k.id}  ${k.name.padEnd(20)}  ${k.roles.join(',').padEnd(24)}  created ${k.createdAt} by ${k.createdBy}  ${state}`;
}

function withData(cmd: Command): Command {
  return cmd.option('--data <dir>', 'data directory holding openhes.db (default: config data.dir)').option('--config <file>', 'configuration file (JSON)');
}

export function registerApikey(program: Command, out: (s: string) => void): void {
  const apikey = program.command('apikey').description('API keys of the northbound API (roles: billing, service, operator, engineer, admin)');

  withData(
    apikey
      .command('create')
      .description('create an API key and print it (once: only its hash is stored)')
      .requiredOption('--name <name>', 'who uses the key (shown in the audit log), e.g. billing-sg186')
      .requiredOption('--role <roles>', 'comma-separated roles: billing, service, operator, engineer, admin')
      .option('--json', 'JSON output'),
  ).action((o: DataOpts & { name: string; role: string; json?: boolean }) => {
    const roles = parseRoles(o.role, 'role');
    const db = open(o, true);
    try {
      const by = who();
      const k = new ApiKeyStore(db).create({ name: o.name, roles, by });
      new ApiAudit(db).record({ actor: by, action: 'cli apikey create', target: k.id, status: 200, detail: { name: k.name, roles: k.roles } });
      if (o.json) out(JSON.stringify(k));
      else {
        out(k.key);
        process.stderr.write(`API key ${k.id} '${k.name}' (${k.roles.join(', ')}) created: the line above is the key, shown only now. Use: Authorization: Bearer <key>\n`);
      }
    } finally {
      db.close();
    }
  });

  withData(apikey.command('list').description('list API keys (never the keys themselves)').option('--all', 'include revoked keys').option('--json', 'JSON output')).action(
    (o: DataOpts & { all?: boolean; json?: boolean }) => {
      const db = open(o, false);
      try {
        const keys = new ApiKeyStore(db).list({ includeRevoked: o.all === true });
        if (o.json) out(JSON.stringify(keys));
        else if (keys.length === 0) out('no API keys (hes apikey create --name <name> --role <roles>)');
        else for (const k of keys) out(line(k));
      } finally {
        db.close();
      }
    },
  );

  withData(apikey.command('revoke').description('revoke an API key by id (or by name when one active key has it)').argument('<key>', 'key id or name').option('--json', 'JSON output')).action(
    (key: string, o: DataOpts & { json?: boolean }) => {
      const db = open(o, false);
      try {
        const by = who();
        const k = new ApiKeyStore(db).revoke(key, by);
        new ApiAudit(db).record({ actor: by, action: 'cli apikey revoke', target: k.id, status: 200, detail: { name: k.name } });
        out(o.json ? JSON.stringify(k) : `revoked ${line(k)}`);
      } finally {
        db.close();
      }
    },
  );
}
