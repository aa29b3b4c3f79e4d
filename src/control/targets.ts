/**
 * Who a control request acts on, resolved against the archive (站-线-变-户): terminals by key, customers
 * by account number (户号), and everything supplied through a taiqu, a 10 kV line or a substation.
 *
 * Level: a request on accounts acts on each customer's own meter (DL/T 645 1CH, forwarded by its
 * concentrator, or on the meter's own link when `meter_links` has one) when the operation can; terminal keys, topology selectors and schemes act on terminals
 * (AFN05), an account then standing for the terminal that serves it.
 */
import type { Db, Stmt } from '../archive/db.js';
import { parseTerminalKey, terminalKeyOf } from '../fep/directory.js';
import { InputError } from '../errors.js';
import { NotFoundError } from '../service/errors.js';
import type { MeterTarget } from './channel.js';

export interface Selector {
  terminals?: string[];
  accounts?: string[];
  taiqus?: string[];
  lines?: string[];
  substations?: string[];
}

export const SELECTOR_KEYS = ['terminals', 'accounts', 'taiqus', 'lines', 'substations'] as const;

export interface Target {
  /** Terminal key (1101-00001) or account number. */
  key: string;
  level: 'terminal' | 'meter';
  terminal: string;
  account?: string;
  meter?: MeterTarget;
}

/** Largest number of targets one request may name (a scheme over every terminal of a big region). */
export const MAX_TARGETS = 200_000;

export function selectorSize(s: Selector): number {
  return SELECTOR_KEYS.reduce((n, k) => n + (s[k]?.length ?? 0), 0);
}

export class TargetResolver {
  private readonly st: Record<'terminal' | 'account' | 'taiqu' | 'line' | 'substation', Stmt>;

  constructor(db: Db) {
    this.st = {
      terminal: db.prepare('SELECT terminal_key AS k FROM terminals WHERE a1 = ? AND a2 = ?'),
      account: db.prepare(
        `SELECT c.account_no, m.meter_address, m.pn, m.port, m.protocol, t.terminal_key, l.kind AS link_kind, l.endpoint AS link_endpoint, l.settings AS link_settings
         FROM customers c JOIN meters m ON m.id = c.meter JOIN terminals t ON t.id = m.terminal
         LEFT JOIN meter_links l ON l.meter_address = m.meter_address WHERE c.account_no = ?`,
      ),
      taiqu: db.prepare('SELECT t.terminal_key AS k FROM taiqu q JOIN terminals t ON t.taiqu = q.id WHERE q.taiqu_id = ? ORDER BY t.a1, t.a2'),
      line: db.prepare('SELECT t.terminal_key AS k FROM lines l JOIN taiqu q ON q.line = l.id JOIN terminals t ON t.taiqu = q.id WHERE l.line_id = ? ORDER BY t.a1, t.a2'),
      substation: db.prepare(
        `SELECT t.terminal_key AS k FROM substations s JOIN lines l ON l.substation = s.id JOIN taiqu q ON q.line = l.id
         JOIN terminals t ON t.taiqu = q.id WHERE s.substation_id = ? ORDER BY t.a1, t.a2`,
      ),
    };
  }

  /**
   * Resolves a selector; `meterLevel` makes accounts meter targets (else their terminals). Unknown names
   * are a NotFoundError listing them; duplicates collapse. Targets are in a stable order (by key).
   */
  resolve(s: Selector, meterLevel: boolean): Target[] {
    const out = new Map<string, Target>();
    const missing: string[] = [];
    const addTerminal = (k: string): void => {
      if (!out.has(k)) out.set(k, { key: k, level: 'terminal', terminal: k });
    };
    for (const t of s.terminals ?? []) {
      const p = parseTerminalKey(t);
      if (!p) throw new InputError('terminals', `'${t}' is not a terminal key A1-A2 (e.g. 1101-00001)`);
      const row = this.st.terminal.get(p.a1, p.a2) as { k: string } | undefined;
      if (row) addTerminal(row.k);
      else missing.push(`terminal ${terminalKeyOf(p.a1, p.a2)}`);
    }
    for (const a of s.accounts ?? []) {
      const row = this.st.account.get(a) as
        | { account_no: string; meter_address: string; pn: number; port: number; protocol: string; terminal_key: string; link_kind: 'serial' | 'tcp' | null; link_endpoint: string | null; link_settings: string | null }
        | undefined;
      if (!row) {
        missing.push(`account ${a}`);
        continue;
      }
      if (!meterLevel) {
        addTerminal(row.terminal_key);
        continue;
      }
      const meter: MeterTarget = { terminal: row.terminal_key, pn: row.pn, address: row.meter_address, port: row.port, edition: row.protocol === 'dlt645-1997' ? 1997 : 2007 };
      if (row.link_kind !== null && row.link_endpoint !== null) meter.link = { kind: row.link_kind, endpoint: row.link_endpoint, ...(row.link_settings !== null ? { settings: row.link_settings } : {}) };
      out.set(row.account_no, { key: row.account_no, level: 'meter', terminal: row.terminal_key, account: row.account_no, meter });
    }
    const topo = [
      ['taiqu', s.taiqus],
      ['line', s.lines],
      ['substation', s.substations],
    ] as const;
    for (const [level, ids] of topo) {
      for (const id of ids ?? []) {
        const rows = this.st[level].all(id) as { k: string }[];
        if (rows.length === 0) missing.push(`${level} ${id}`);
        for (const r of rows) addTerminal(r.k);
      }
    }
    if (missing.length) throw new NotFoundError('target', `not in the archive (or without terminals): ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ` … (${missing.length})` : ''}`);
    if (out.size === 0) throw new InputError('targets', 'no target given (terminals, accounts, taiqus, lines or substations)');
    if (out.size > MAX_TARGETS) throw new InputError('targets', `${out.size} targets exceed the limit of ${MAX_TARGETS}`);
    return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
