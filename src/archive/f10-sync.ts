/**
 * Archive → terminal meter configuration (Q/GDW 376.1-2009 AFN04 F10 终端电能表/交流采样装置配置参数)
 * and back (AFN0A F10).
 *
 * Pure part: `f10Records` builds the F10 records of a terminal's meters from the archive (configuration
 * number = Pn, as the simulated terminals and most field practice do); `diffF10` compares what a
 * terminal answered with the archive, per Pn: `missing` (in the archive, not in the terminal), `extra`
 * (configured in the terminal, not in the archive) and `mismatch` (field by field). Only what the
 * archive knows is compared: address, port, baud, protocol, tariff count (not the meter password,
 * digit counts, collector address or user class, which the archive does not hold and writes as
 * 0 / 6.2 digits / 0).
 *
 * Service part: `F10Sync` pushes and reads through an injected `request` function (the FEP's
 * `Fep.request` fits), so it is testable without sockets. `sync` is what `hes archive sync` runs:
 * compare, and with `push` make the terminal equal to the archive (write every archive meter, delete
 * with Pn 0 the configurations the archive does not have) and read back.
 */
import type { ValueOf } from '../../protocols/gw376/layout.js';
import type { METER_CONFIG } from '../../protocols/gw376/afn/afn04-set-params.js';
import type { MessageUnit } from '../../protocols/gw376/message.js';
import { DeniedError, InputError } from '../errors.js';
import type { Archive, MeterInfo } from './archive.js';

export type MeterConfig = ValueOf<typeof METER_CONFIG>;

/** F10 communication protocol byte (§5.4 F10 通信协议类型). */
export const F10_PROTOCOL: Readonly<Record<string, number>> = { 'dlt645-1997': 1, 'dlt645-2007': 30 };
/** F10 baud codes D7..D5: 0 = the port's default. */
export const F10_BAUD: Readonly<Record<number, number>> = { 600: 1, 1200: 2, 2400: 3, 4800: 4, 7200: 5, 9600: 6, 19200: 7 };

const NO_PASSWORD = '000000000000';
const NO_COLLECTOR = '000000000000';

/** The F10 record of one archive meter (configuration number = Pn). */
export function f10Record(m: Pick<MeterInfo, 'pn' | 'address' | 'port' | 'baud' | 'protocol' | 'tariffCount'>): MeterConfig {
  const protocol = F10_PROTOCOL[m.protocol];
  if (protocol === undefined) throw new InputError('protocol', `meter ${m.address}: ${m.protocol} has no F10 protocol code`);
  return {
    seq: m.pn,
    pn: m.pn,
    portBaud: { port: m.port, baud: F10_BAUD[m.baud] ?? 0 },
    protocol,
    address: m.address,
    password: NO_PASSWORD,
    tariffs: { count: m.tariffCount, reserved: 0 },
    // 6 integer digits (code 2) and 2 decimals (code 1): the usual residential register.
    digits: { decimal: 1, integer: 2, reserved: 0 },
    collector: NO_COLLECTOR,
    userClass: { small: 0, big: 0 },
  };
}

export function f10Records(meters: readonly MeterInfo[]): MeterConfig[] {
  return [...meters].sort((a, b) => a.pn - b.pn).map(f10Record);
}

/** The AFN04 F10 unit value(s): `{ n, meters }`, split into units of at most `perUnit` records. */
export function f10Values(records: readonly MeterConfig[], perUnit = 100): { n: number; meters: MeterConfig[] }[] {
  const out: { n: number; meters: MeterConfig[] }[] = [];
  for (let i = 0; i < records.length; i += perUnit) {
    const part = records.slice(i, i + perUnit);
    out.push({ n: part.length, meters: part });
  }
  return out;
}

export interface FieldDifference {
  field: 'address' | 'port' | 'baud' | 'protocol' | 'tariffs';
  archive: string | number;
  terminal: string | number;
}

export interface F10Difference {
  pn: number;
  kind: 'missing' | 'extra' | 'mismatch';
  /** For `mismatch`. */
  fields?: FieldDifference[];
  archive?: MeterConfig;
  terminal?: MeterConfig;
}

/** Field values as compared (and printed): baud as a rate, protocol by its archive name. */
const BAUD_OF_CODE = Object.fromEntries(Object.entries(F10_BAUD).map(([rate, code]) => [code, Number(rate)])) as Record<number, number>;
const PROTOCOL_OF_CODE = Object.fromEntries(Object.entries(F10_PROTOCOL).map(([name, code]) => [code, name])) as Record<number, string>;
const compared = (r: MeterConfig): Record<FieldDifference['field'], string | number> => ({
  address: r.address ?? '',
  port: r.portBaud.port,
  baud: BAUD_OF_CODE[r.portBaud.baud] ?? (r.portBaud.baud === 0 ? 'default' : `code ${r.portBaud.baud}`),
  protocol: PROTOCOL_OF_CODE[r.protocol] ?? `code ${r.protocol}`,
  tariffs: r.tariffs.count,
});

/** A record as people and JSON clients see it: what is compared, plus its configuration number. */
export interface MeterConfigView {
  /** Configuration number (序号). */
  seq: number;
  pn: number;
  address: string;
  port: number;
  /** bps, `default` (the port's) or `code N`. */
  baud: number | string;
  /** `dlt645-2007`, `dlt645-1997` or `code N`. */
  protocol: string;
  tariffs: number;
}

export function viewOf(r: MeterConfig): MeterConfigView {
  const c = compared(r);
  return { seq: r.seq, pn: r.pn, address: String(c.address), port: r.portBaud.port, baud: c.baud, protocol: String(c.protocol), tariffs: r.tariffs.count };
}

/** Differences per Pn between the archive's records and the terminal's (pn 0 = deleted, ignored). */
export function diffF10(archive: readonly MeterConfig[], terminal: readonly MeterConfig[]): F10Difference[] {
  const a = new Map<number, MeterConfig>();
  for (const r of archive) a.set(r.pn, r);
  const t = new Map<number, MeterConfig>();
  const out: F10Difference[] = [];
  for (const r of terminal) {
    if (r.pn === 0) continue;
    if (t.has(r.pn)) {
      // Two configurations for one Pn: the second is extra whatever the archive says.
      out.push({ pn: r.pn, kind: 'extra', terminal: r });
      continue;
    }
    t.set(r.pn, r);
  }
  for (const [pn, ar] of a) {
    const tr = t.get(pn);
    if (!tr) {
      out.push({ pn, kind: 'missing', archive: ar });
      continue;
    }
    const ca = compared(ar);
    const ct = compared(tr);
    const fields: FieldDifference[] = [];
    for (const f of Object.keys(ca) as FieldDifference['field'][]) if (ca[f] !== ct[f]) fields.push({ field: f, archive: ca[f], terminal: ct[f] });
    if (fields.length) out.push({ pn, kind: 'mismatch', fields, archive: ar, terminal: tr });
  }
  for (const [pn, tr] of t) if (!a.has(pn)) out.push({ pn, kind: 'extra', terminal: tr });
  return out.sort((x, y) => x.pn - y.pn || x.kind.localeCompare(y.kind));
}

/** One line per difference, e.g. `P5 mismatch: address archive 101000010005, terminal 101000010099`. */
export function describeDifference(d: F10Difference): string {
  switch (d.kind) {
    case 'missing':
      return `P${d.pn} missing in the terminal (archive: meter ${d.archive!.address})`;
    case 'extra':
      return `P${d.pn} extra in the terminal (meter ${d.terminal!.address}, not in the archive)`;
    case 'mismatch':
      return `P${d.pn} mismatch: ${d.fields!.map((f) => `${f.field} archive ${f.archive}, terminal ${f.terminal}`).join('; ')}`;
  }
}

// ---------------------------------------------------------------- service

/** What the FEP provides: one request to a terminal, the reply's units (all frames) and AFN00 result. */
export type TerminalRequest = (
  terminal: string,
  r: { afn: number; units: MessageUnit[] },
) => Promise<{ units: MessageUnit[]; confirm?: { ok: boolean; fn: number; items?: { pns: number[]; fns: number[]; err: number }[] } }>;

export interface F10SyncOptions {
  /** Records per AFN04 F10 request (default 100: 2.7 kB of data). */
  perRequest?: number;
  /** Configuration numbers per AFN0A F10 query (default 200). */
  perQuery?: number;
}

export interface F10Report {
  terminal: string;
  archive: number;
  read: number;
  differences: F10Difference[];
}

export interface F10SyncResult {
  terminal: string;
  /** Meters of the terminal in the archive. */
  archive: number;
  /** Configuration numbers queried. */
  queried: number[];
  /** Configurations the terminal had (before a push). */
  read: number;
  /** Differences as found, before anything was written. */
  differences: F10Difference[];
  /** With `push`: what was written and the differences left after reading back (none = in sync). */
  push?: { written: number; deleted: number[]; requests: number; read: number; differences: F10Difference[] };
}

/** What F10 sync needs of the archive (the `Archive` class has it). */
export type F10Source = Pick<Archive, 'terminal' | 'metersOf'>;

export class F10Sync {
  constructor(
    private readonly archive: F10Source,
    private readonly request: TerminalRequest,
    private readonly o: F10SyncOptions = {},
  ) {}

  private terminal(key: string): { key: string; records: MeterConfig[]; meterCount: number } {
    const t = this.archive.terminal(key);
    if (!t) throw new InputError('terminal', `${key} is not in the archive`);
    return { key: t.key, records: f10Records(this.archive.metersOf(t.key)), meterCount: t.meterCount };
  }

  /** Writes the archive's meter configuration to the terminal (AFN04 F10). Returns records and requests sent. */
  async push(terminalKey: string): Promise<{ records: number; requests: number }> {
    const { key, records } = this.terminal(terminalKey);
    return { records: records.length, requests: await this.write(key, records) };
  }

  /** AFN04 F10 of `records`, `perRequest` at a time; an AFN00 deny of any part is a DeniedError. */
  private async write(key: string, records: readonly MeterConfig[]): Promise<number> {
    let requests = 0;
    for (const value of f10Values(records, this.o.perRequest ?? 100)) {
      const r = await this.request(key, { afn: 0x04, units: [{ pn: 0, fn: 10, data: value }] });
      requests++;
      if (r.confirm && !r.confirm.ok) {
        throw new DeniedError(`terminal ${key}`, `AFN04 F10 (configurations ${value.meters[0]!.seq}..${value.meters[value.meters.length - 1]!.seq})`, r.confirm.items?.[0]?.err ?? 0, ['denied'], '');
      }
    }
    return requests;
  }

  /** Reads configuration numbers `seqs` from the terminal (AFN0A F10). */
  async read(terminalKey: string, seqs: readonly number[]): Promise<MeterConfig[]> {
    const per = this.o.perQuery ?? 200;
    const out: MeterConfig[] = [];
    for (let i = 0; i < seqs.length; i += per) {
      const part = seqs.slice(i, i + per);
      const r = await this.request(terminalKey, { afn: 0x0a, units: [{ pn: 0, fn: 10, data: { n: part.length, seqs: part } }] });
      for (const u of r.units) {
        if (u.raw || u.fn !== 10) continue;
        out.push(...((u.data as { meters?: MeterConfig[] } | undefined)?.meters ?? []));
      }
    }
    return out;
  }

  /**
   * Reads the terminal's configuration and compares it with the archive. Queries configuration numbers
   * 1..max(largest archive Pn, declared meter count) unless `seqs` is given.
   */
  async compare(terminalKey: string, seqs?: readonly number[]): Promise<F10Report> {
    const { key, records, meterCount } = this.terminal(terminalKey);
    const read = await this.read(key, seqs ?? defaultSeqs(records, meterCount));
    return { terminal: key, archive: records.length, read: read.length, differences: diffF10(records, read) };
  }

  /**
   * Compares; with `push`, then writes every archive record and deletes (Pn 0) each configuration read
   * whose number the archive does not use, and reads the same numbers back. The archive is the master
   * data: after a push the terminal holds exactly the archive's meters within the numbers queried.
   */
  async sync(terminalKey: string, o: { push?: boolean; seqs?: readonly number[] } = {}): Promise<F10SyncResult> {
    const { key, records, meterCount } = this.terminal(terminalKey);
    const queried = [...(o.seqs ?? defaultSeqs(records, meterCount))];
    const read = await this.read(key, queried);
    const result: F10SyncResult = { terminal: key, archive: records.length, queried, read: read.length, differences: diffF10(records, read) };
    if (!o.push) return result;
    const used = new Set(records.map((r) => r.seq));
    const deletions = new Map<number, MeterConfig>();
    for (const r of read) if (r.pn !== 0 && !used.has(r.seq) && !deletions.has(r.seq)) deletions.set(r.seq, { ...r, pn: 0 });
    const deleted = [...deletions.keys()].sort((a, b) => a - b);
    const requests = await this.write(key, [...records, ...deletions.values()].sort((a, b) => a.seq - b.seq));
    const back = await this.read(key, queried);
    result.push = { written: records.length, deleted, requests, read: back.length, differences: diffF10(records, back) };
    return result;
  }
}

/** Configuration numbers 1..max(declared meter count, largest archive number), at most 2040. */
function defaultSeqs(records: readonly MeterConfig[], meterCount: number): number[] {
  const top = Math.min(2040, Math.max(meterCount, ...records.map((r) => r.seq), 0));
  return Array.from({ length: top }, (_, i) => i + 1);
}
