/**
 * `hes call <terminal> <afn/fn>`: on-demand call-up of real-time (AFN0C) or history (AFN0D) data from a
 * terminal of a running head-end, through its admin API. Arguments are checked here first (exit 2
 * without a head-end), then again by the API.
 *   hes call 1101-00001 0C/25 --pn 1
 *   hes call 1101-00001 0D/161 --pn 1-200 --date 2026-11-21
 *   hes call 1101-00001 0D/177 --pn 1-8 --month 2026-10
 *   hes call 1101-00001 0D/81 --pn 1 --from 2026-11-21T00:00 --points 96 --density 15
 */
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { afnOf, dateOf, fnOf, minuteOf, monthOf, parsePnList, terminalKey } from '../admin/validate.js';
import type { CallResult } from '../service/api.js';
import { clientOf, withApi, type ApiOpts } from './admin-client.js';
import { toJson } from './format.js';

interface CallOpts extends ApiOpts {
  pn?: string;
  date?: string;
  month?: string;
  from?: string;
  points?: string;
  density?: string;
  json?: boolean;
}

/** `0D/161`, `AFN0D/F161`, `0c:25` → { afn, fn }. */
export function parseItem(text: string): { afn: number; fn: number } {
  const m = /^(?:AFN)?([0-9A-Fa-f]{1,2})H?[/:](?:F)?(\d{1,3})$/i.exec(text.trim());
  if (!m) throw new InputError('item', `'${text}' is not AFN/Fn such as 0C/25 or 0D/161`);
  return { afn: afnOf(m[1]), fn: fnOf(Number(m[2])) };
}

const two = (n: number): string => String(n).padStart(2, '0');

/** One decoded value on one line: nested fields as `name value`, dates as dates, null as —. */
export function renderData(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `[${v.map(renderData).join(', ')}]`;
  const o = v as Record<string, unknown>;
  if (typeof o.year === 'number' && typeof o.month === 'number') {
    let s = `${o.year}-${two(o.month)}`;
    if (typeof o.day === 'number') s += `-${two(o.day)}`;
    if (typeof o.hour === 'number') s += ` ${two(o.hour)}:${two(typeof o.minute === 'number' ? o.minute : 0)}`;
    return s;
  }
  return Object.entries(o)
    .map(([k, x]) => `${k} ${renderData(x)}`)
    .join(', ');
}

export function registerCall(program: Command, out: (s: string) => void): void {
  withApi(program.command('call'))
    .description('call up real-time (AFN0C) or history (AFN0D) data from a terminal of the running head-end')
    .argument('<terminal>', 'terminal key A1-A2, e.g. 1101-00001')
    .argument('<afn/fn>', 'data item, e.g. 0C/25 (real-time) or 0D/161 (daily frozen)')
    .option('--pn <list>', 'measuring points, e.g. 1, 1-8, 1,3,5-7 (default 0, the terminal)')
    .option('--date <YYYY-MM-DD>', 'day of daily frozen data (AFN0D daily Fn)')
    .option('--month <YYYY-MM>', 'month of monthly frozen data (AFN0D monthly Fn)')
    .option('--from <YYYY-MM-DDTHH:mm>', 'first point of a curve (terminal local time)')
    .option('--points <n>', 'curve points 1..255')
    .option('--density <minutes>', 'curve density: 1, 5, 15, 30 or 60 minutes (default 15)')
    .option('--json', 'print JSON')
    .action(async (terminal: string, item: string, o: CallOpts) => {
      terminalKey(terminal);
      const { afn, fn } = parseItem(item);
      const pns = o.pn !== undefined ? parsePnList(o.pn) : [0];
      const given = (['date', 'month', 'from'] as const).filter((k) => o[k] !== undefined);
      if (given.length > 1) throw new InputError(given[1]!, `give one of --date, --month, --from (got ${given.map((g) => `--${g}`).join(' ')})`);
      const body: Record<string, unknown> = { terminal, afn, fn, pn: pns };
      const check = { date: dateOf, month: monthOf, from: minuteOf };
      for (const k of given) {
        check[k](o[k], k);
        body[k] = o[k];
      }
      for (const k of ['points', 'density'] as const) {
        const v = o[k];
        if (v === undefined) continue;
        if (!/^\d{1,3}$/.test(v)) throw new InputError(k, `'${v}' is not a number`);
        body[k] = Number(v);
      }
      const r = await clientOf(o).post<CallResult>('/v1/call', body);
      if (o.json) return out(toJson(r));
      out(`${r.terminal} AFN${afn.toString(16).toUpperCase().padStart(2, '0')} F${r.fn} ${r.name} (${r.nameZh}): ${r.units.length} unit(s), ${r.frames} frame(s), ${r.latencyMs} ms${r.attempts > 1 ? `, ${r.attempts} attempts` : ''}`);
      for (const u of r.units) {
        if ('raw' in u) out(`  p${u.pns.join(',')} F${u.fns.join(',')}  raw (${u.reason}) ${u.hex}`);
        else out(`  p${String(u.pn).padEnd(4)} ${renderData(u.data)}`);
      }
    });
}
