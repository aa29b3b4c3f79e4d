/**
 * `--write-archive <dir>`: the simulated fleet's archive (档案) as CSV files in the head-end's import
 * format (docs/archive-format.md): substations → lines → taiqu (transformer areas, one per concentrator)
 * → terminals → meters → customers/accounts with their meter-reading day (抄表日). Deterministic: the same
 * (a1, terminals, meters, seed) always gives the same bytes. Meter addresses are the brain's
 * (`meterAddress` in simulators/concentrator/params.ts), so the head-end's archive matches what the
 * terminals report in AFN04/0A F10.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { hash32 } from '../model.js';
import { terminalKey, type TerminalId } from '../concentrator/device.js';
import { METER_PORT, meterAddress } from '../concentrator/params.js';

export interface ArchiveSpec {
  a1: string;
  terminals: number;
  metersPerTerminal: number;
  seed: number | string;
  /** Where the terminals dial in (recorded in terminals.csv), e.g. tcp://127.0.0.1:9100. */
  endpoint?: string;
  firstA2?: number;
  /** Terminals per 10 kV line (default 20) and lines per substation (default 10). */
  terminalsPerLine?: number;
  linesPerSubstation?: number;
}

export const ARCHIVE_FILES = {
  'substations.csv': ['substation_id', 'name', 'voltage_kv'],
  'lines.csv': ['line_id', 'substation_id', 'name', 'voltage_kv'],
  'taiqu.csv': ['taiqu_id', 'line_id', 'name', 'transformer_kva', 'terminal_key'],
  'terminals.csv': ['terminal_key', 'a1', 'a2', 'taiqu_id', 'protocol', 'channel', 'endpoint', 'meter_count'],
  'meters.csv': ['meter_address', 'terminal_key', 'pn', 'port', 'protocol', 'baud', 'wiring', 'ct_ratio', 'pt_ratio', 'customer_id'],
  'customers.csv': ['customer_id', 'account_no', 'name', 'taiqu_id', 'meter_address', 'reading_day', 'tariff_class'],
} as const;

export type ArchiveFile = keyof typeof ARCHIVE_FILES;

const KVA = [100, 200, 315, 400, 500, 630];

/** CSV field: quoted when it holds a comma, quote or line break. */
export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

class CsvOut {
  private fd: number;
  private buf: string[] = [];
  private size = 0;
  rows = 0;
  constructor(file: string, header: readonly string[]) {
    this.fd = openSync(file, 'w');
    this.line(header);
    this.rows = 0;
  }
  line(fields: readonly (string | number)[]): void {
    const l = fields.map(csvField).join(',') + '\n';
    this.buf.push(l);
    this.size += l.length;
    this.rows++;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.buf.length) writeSync(this.fd, this.buf.join(''));
    this.buf = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export const substationId = (a1: string, s: number): string => `SS${a1}-${String(s).padStart(3, '0')}`;
export const lineId = (a1: string, s: number, l: number): string => `${substationId(a1, s)}-L${String(l).padStart(2, '0')}`;
export const taiquId = (id: TerminalId): string => `TQ${terminalKey(id)}`;
export const customerId = (id: TerminalId, pn: number): string => `C${terminalKey(id)}-${String(pn).padStart(4, '0')}`;
/** 13 digits: A1, A2 (5), Pn (4). */
export const accountNo = (id: TerminalId, pn: number): string => `${id.a1}${String(id.a2).padStart(5, '0')}${String(pn).padStart(4, '0')}`;
/** Meter-reading day 1..28 of an account (deterministic). */
export const readingDayOf = (seed: number | string, id: TerminalId, pn: number): number => 1 + (hash32(`${seed}:${terminalKey(id)}:${pn}:reading-day`) % 28);

/** Writes the six CSV files into `dir` (created); returns rows per file. */
export function writeArchive(dir: string, spec: ArchiveSpec): Record<ArchiveFile, number> {
  mkdirSync(dir, { recursive: true });
  const out = {} as Record<ArchiveFile, CsvOut>;
  for (const [f, header] of Object.entries(ARCHIVE_FILES)) out[f as ArchiveFile] = new CsvOut(path.join(dir, f), header);
  const perLine = spec.terminalsPerLine ?? 20;
  const linesPerSs = spec.linesPerSubstation ?? 10;
  const first = spec.firstA2 ?? 1;
  const channel = spec.endpoint?.startsWith('mqtt:') ? 'mqtt' : 'tcp';
  const { a1, seed } = spec;
  let lastLine = -1;
  let lastSs = -1;
  for (let i = 0; i < spec.terminals; i++) {
    const lineIdx = Math.floor(i / perLine);
    const ss = Math.floor(lineIdx / linesPerSs) + 1;
    const ln = (lineIdx % linesPerSs) + 1;
    if (ss !== lastSs) {
      out['substations.csv'].line([substationId(a1, ss), `${a1} 110kV substation ${ss}`, 110]);
      lastSs = ss;
    }
    if (lineIdx !== lastLine) {
      out['lines.csv'].line([lineId(a1, ss, ln), substationId(a1, ss), `${a1} 10kV line ${ss}-${ln}`, 10]);
      lastLine = lineIdx;
    }
    const id = { a1, a2: first + i };
    const key = terminalKey(id);
    const tq = taiquId(id);
    const h = hash32(`${seed}:${key}:taiqu`);
    out['taiqu.csv'].line([tq, lineId(a1, ss, ln), `taiqu ${key}`, KVA[h % KVA.length]!, key]);
    out['terminals.csv'].line([key, a1, id.a2, tq, 'gw376.1-2009', channel, spec.endpoint ?? '', spec.metersPerTerminal]);
    for (let pn = 1; pn <= spec.metersPerTerminal; pn++) {
      const addr = meterAddress(id, pn);
      const cust = customerId(id, pn);
      const mh = hash32(`${seed}:${key}:${pn}:meter`);
      const three = mh % 20 === 0;
      out['meters.csv'].line([addr, key, pn, METER_PORT, 'dlt645-2007', 2400, three ? 'three-phase-4w' : 'single-phase', 1, 1, cust]);
      out['customers.csv'].line([cust, accountNo(id, pn), `Customer ${key}-${String(pn).padStart(4, '0')}`, tq, addr, readingDayOf(seed, id, pn), three ? 'commercial' : 'residential']);
    }
  }
  const rows = {} as Record<ArchiveFile, number>;
  for (const [f, o] of Object.entries(out)) {
    o.close();
    rows[f as ArchiveFile] = o.rows;
  }
  return rows;
}
