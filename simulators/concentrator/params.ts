/**
 * Parameter store of a simulated terminal: AFN04 values per (Fn, Pn), answered back by AFN0A
 * (Q/GDW 376.1-2009 §5.4 / §5.10: the query reply carries the AFN04 layout of the same Fn).
 *
 * Only overrides are stored; defaults are computed on demand, so 10 000 terminals × 200 meters hold no
 * per-meter objects. Defaults:
 * - F1 uplink comm: RTS 0, initiator delay 0, timeout 30 s, 3 retries, event reports (class 3) need
 *   the master's confirm, heartbeat 1 min;
 * - F3 master IP/port: from the options (default 127.0.0.1:7000, APN "CMNET");
 * - F9 event config: ERC1–35 valid; ERC1, 2, 5, 6, 7, 10, 14, 20, 21, 31 important;
 * - F10 meter configuration: config number s = Pn s for s = 1..meterCount, port 2, 2400 bps (code 3),
 *   protocol 30 (DL/T 645-2007), address `meterAddress(terminal, pn)`, 4 tariffs, 6.2 digits;
 * - F25 per Pn: PT 1, CT 1, 220 V, 5 A, 6.6 kVA, three-phase four-wire;
 * - F33 reading run parameters: port 2, reading day 1, reading at 01:00 every 15 min, sync on day 1 02:00.
 * Other Fns have no default: a query of one that was never set is not answered (the unit is left out).
 */
import type { ValueOf } from '../../protocols/gw376/layout.js';
import type { METER_CONFIG } from '../../protocols/gw376/afn/afn04-set-params.js';
import type { TerminalId } from './device.js';

export type MeterConfig = ValueOf<typeof METER_CONFIG>;

/** DL/T 645-2007 in F10's protocol byte (§5.4 F10 通信协议类型). */
export const PROTOCOL_645_2007 = 30;
export const METER_PORT = 2;

/**
 * The 12-digit address of meter `pn` of a terminal: last 3 digits of A1, A2 as 5 digits, Pn as 4 digits
 * (e.g. terminal 1101-01234, Pn 17 → 101012340017). Invertible: see `pnOfDefaultAddress`.
 */
export function meterAddress(id: TerminalId, pn: number): string {
  return `${id.a1.slice(-3)}${String(id.a2).padStart(5, '0')}${String(pn).padStart(4, '0')}`;
}

/** The Pn whose default address is `address`, or undefined when it is not one of this terminal's. */
export function pnOfDefaultAddress(id: TerminalId, address: string): number | undefined {
  if (!address.startsWith(`${id.a1.slice(-3)}${String(id.a2).padStart(5, '0')}`)) return undefined;
  const pn = Number(address.slice(8));
  return Number.isInteger(pn) && pn >= 1 && pn <= 2040 ? pn : undefined;
}

export interface ParamDefaults {
  /** Number of meters configured by default (Pn 1..meterCount). */
  meterCount: number;
  masterIp?: string;
  masterPort?: number;
  apn?: string;
  heartbeatMinutes?: number;
}

export interface ParamsJSON {
  /** [fn, pn, value] of every override. */
  values: [number, number, unknown][];
  /** F10 records set by the master (pn 0 = deleted). */
  meters: MeterConfig[];
}

const key = (fn: number, pn: number): number => fn * 4096 + pn;
const ALL_ERCS = Array.from({ length: 35 }, (_, i) => i + 1);
const IMPORTANT_ERCS = [1, 2, 5, 6, 7, 10, 14, 20, 21, 31];

export class ParamStore {
  private values: Map<number, unknown> | undefined;
  private meters: Map<number, MeterConfig> | undefined;

  constructor(
    private readonly id: TerminalId,
    private readonly defaults: ParamDefaults,
  ) {}

  /** The value of AFN04 F`fn` for `pn`: the override, else the default, else undefined. */
  get(fn: number, pn: number): unknown {
    if (fn === 10) return undefined;
    const v = this.values?.get(key(fn, pn));
    return v !== undefined ? v : this.defaultOf(fn, pn);
  }

  /** Stores an AFN04 value (F10 records go through `setMeters`). */
  set(fn: number, pn: number, value: unknown): void {
    if (fn === 10) {
      this.setMeters((value as { meters: MeterConfig[] }).meters);
      return;
    }
    (this.values ??= new Map()).set(key(fn, pn), value);
  }

  /** Whether the master has set anything (for the parameter-status bitmap, AFN0C F3). */
  setFns(): number[] {
    const fns = new Set<number>();
    for (const k of this.values?.keys() ?? []) fns.add(Math.floor(k / 4096));
    if (this.meters?.size) fns.add(10);
    return [...fns].sort((a, b) => a - b);
  }

  // ── F10 meter configuration ─────────────────────────────────────────────────────────────────

  setMeters(records: readonly MeterConfig[]): void {
    const m = (this.meters ??= new Map());
    for (const r of records) m.set(r.seq, r);
  }

  /** The configuration with number `seq` (undefined when none or deleted). */
  meterConfig(seq: number): MeterConfig | undefined {
    const o = this.meters?.get(seq);
    if (o) return o.pn === 0 ? undefined : o;
    return seq >= 1 && seq <= this.defaults.meterCount ? this.defaultMeter(seq) : undefined;
  }

  /** The configuration of measuring point `pn`. */
  meterOfPn(pn: number): MeterConfig | undefined {
    if (this.meters) {
      for (const r of this.meters.values()) if (r.pn === pn) return r;
    }
    const d = this.meterConfig(pn);
    return d && d.pn === pn ? d : undefined;
  }

  /** The measuring point whose configured address is `address`. */
  pnOfAddress(address: string): number | undefined {
    if (this.meters) {
      for (const r of this.meters.values()) if (r.pn !== 0 && r.address === address) return r.pn;
    }
    const pn = pnOfDefaultAddress(this.id, address);
    if (pn === undefined) return undefined;
    return this.meterOfPn(pn)?.address === address ? pn : undefined;
  }

  /** Calls `f` for every configured meter, in configuration-number order. */
  forEachMeter(f: (m: MeterConfig) => void): void {
    let max = this.defaults.meterCount;
    for (const s of this.meters?.keys() ?? []) max = Math.max(max, s);
    for (let s = 1; s <= max; s++) {
      const m = this.meterConfig(s);
      if (m) f(m);
    }
  }

  meterCount(): number {
    let n = 0;
    this.forEachMeter(() => n++);
    return n;
  }

  /** Forgets every override (AFN01 F3 factory reset); `keepComms` keeps F1–F8 (AFN01 F4). */
  clear(keepComms = false): void {
    this.meters = undefined;
    if (!keepComms || !this.values) {
      this.values = undefined;
      return;
    }
    for (const k of [...this.values.keys()]) if (Math.floor(k / 4096) > 8) this.values.delete(k);
  }

  // ── persistence ─────────────────────────────────────────────────────────────────────────────

  toJSON(): ParamsJSON {
    const values: [number, number, unknown][] = [];
    for (const [k, v] of this.values ?? []) values.push([Math.floor(k / 4096), k % 4096, v]);
    return { values, meters: [...(this.meters?.values() ?? [])] };
  }

  fromJSON(json: ParamsJSON): void {
    this.values = undefined;
    this.meters = undefined;
    for (const [fn, pn, v] of json.values) this.set(fn, pn, v);
    if (json.meters.length) this.setMeters(json.meters);
  }

  // ── defaults ────────────────────────────────────────────────────────────────────────────────

  private defaultMeter(seq: number): MeterConfig {
    return {
      seq,
      pn: seq,
      portBaud: { port: METER_PORT, baud: 3 },
      protocol: PROTOCOL_645_2007,
      address: meterAddress(this.id, seq),
      password: '000000000000',
      tariffs: { count: 4, reserved: 0 },
      digits: { decimal: 1, integer: 2, reserved: 0 },
      collector: '000000000000',
      userClass: { small: 0, big: 0 },
    };
  }

  private defaultOf(fn: number, pn: number): unknown {
    const d = this.defaults;
    switch (fn) {
      case 1:
        return pn === 0
          ? { rts: 0, masterDelay: 0, wait: { timeout: 30, retries: 3 }, confirm: { class1: false, class2: false, class3: true }, heartbeat: d.heartbeatMinutes ?? 1 }
          : undefined;
      case 3:
        return pn === 0
          ? { ip: d.masterIp ?? '127.0.0.1', port: d.masterPort ?? 7000, backupIp: '0.0.0.0', backupPort: 0, apn: d.apn ?? 'CMNET' }
          : undefined;
      case 9:
        return pn === 0 ? { valid: ALL_ERCS, important: IMPORTANT_ERCS } : undefined;
      case 25:
        return this.meterOfPn(pn)
          ? { ptRatio: 1, ctRatio: 1, ratedVoltage: 220, ratedCurrent: 5, ratedLoad: 6.6, wiring: { mode: 2, phase: 0, reserved: 0 } }
          : undefined;
      case 33:
        return pn === 0
          ? {
              n: 1,
              ports: [
                {
                  port: METER_PORT,
                  control: 0,
                  days: [1],
                  readTime: { hour: 1, minute: 0 },
                  intervalMinutes: 15,
                  syncTime: { day: 1, hour: 2, minute: 0 },
                  k: 1,
                  periods: [{ start: { hour: 0, minute: 0 }, end: { hour: 23, minute: 59 } }],
                },
              ],
            }
          : undefined;
      default:
        return undefined;
    }
  }
}

/** Typed views of the defaults above (the shapes of the codec's AFN04 layouts). */
export interface UplinkParams {
  rts: number;
  masterDelay: number;
  wait: { timeout: number; retries: number };
  confirm: { class1: boolean; class2: boolean; class3: boolean };
  heartbeat: number;
}
export interface EventConfig {
  valid: number[];
  important: number[];
}
export interface ReadingRunParams {
  n: number;
  ports: { port: number; days: number[] }[];
}
