/**
 * Who the FEP serves: the terminal directory. The archive (src/archive, SQLite) implements
 * `TerminalDirectory`; `MemoryDirectory` serves tests and `hes serve` until it lands. Lookups are
 * synchronous because they sit on the login path of every session (an archive keeps an in-memory index).
 */

/** Uplink communication parameters of AFN04 F1 (Q/GDW 376.1-2009 §5.5.1.3.4 F1; digest §7). */
export interface CommParams {
  /** 等待从动站响应的超时时间, s (D11..D0). */
  timeoutS: number;
  /** 重发次数 0..3 (D13..D12). */
  retries: number;
  /** 心跳周期, minutes. */
  heartbeatMinutes: number;
}

/** A DL/T 645 meter behind a terminal (measuring point Pn), as the archive knows it. */
export interface MeterRef {
  pn: number;
  /** 12-digit 645 address. */
  address: string;
  /** Terminal port (AFN04 F10 D4..D0; 31 = carrier/RS-485 per captures when unknown). */
  port?: number;
  /** 2007 or 1997. */
  edition?: 2007 | 1997;
}

export interface TerminalRecord {
  /** Archive id (stable, printable). */
  id: string;
  /** Region code, 4 digits as on the wire ("1101"). */
  a1: string;
  /** Terminal address 1..65535. */
  a2: number;
  /** PW for downlink frames of AFN01/04/05/06/0F/10, 32 hex digits. */
  pw?: string;
  /** Master station address to use towards this terminal (1..127). */
  msa?: number;
  /** AFN04 F1 as last set/read; the FEP's timeouts, retries and heartbeat supervision follow it. */
  commParams?: CommParams;
  /** Meters (Pn ↔ 645 address) when the archive has them; AFN10 forwarding by Pn uses them. */
  meters?: readonly MeterRef[];
}

export interface TerminalDirectory {
  lookup(a1: string, a2: number): TerminalRecord | undefined;
}

/** Printable key of a terminal: A1, dash, A2 as 5 decimal digits (`1101-00007`, as the simulators print it). */
export function terminalKeyOf(a1: string, a2: number): string {
  return `${a1}-${String(a2).padStart(5, '0')}`;
}

/** Parses `1101-00007` (or `1101-7`); undefined when it is not a key. */
export function parseTerminalKey(key: string): { a1: string; a2: number } | undefined {
  const m = /^([0-9A-Fa-f]{4})-(\d{1,5})$/.exec(key);
  if (!m) return undefined;
  const a2 = Number(m[2]);
  return a2 >= 1 && a2 <= 65535 ? { a1: m[1]!, a2 } : undefined;
}

export class MemoryDirectory implements TerminalDirectory {
  private readonly byKey = new Map<string, TerminalRecord>();

  constructor(records: Iterable<TerminalRecord> = []) {
    for (const r of records) this.add(r);
  }

  add(rec: TerminalRecord): void {
    this.byKey.set(terminalKeyOf(rec.a1, rec.a2), rec);
  }

  remove(a1: string, a2: number): boolean {
    return this.byKey.delete(terminalKeyOf(a1, a2));
  }

  lookup(a1: string, a2: number): TerminalRecord | undefined {
    return this.byKey.get(terminalKeyOf(a1, a2));
  }

  list(): TerminalRecord[] {
    return [...this.byKey.values()];
  }

  get size(): number {
    return this.byKey.size;
  }
}
