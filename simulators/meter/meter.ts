/**
 * One simulated DL/T 645 meter: address, edition, clock, registers from the model, status words,
 * passwords, event records, and the command handlers of DL/T 645-2007 §7 (and -1997). `handle` takes a
 * decoded request and returns the typed reply, or null when a real meter stays silent (broadcasts,
 * requests of the other edition). Address matching and line timing belong to the bus (bus.ts).
 */
import { BinaryWriter } from '../../protocols/codec/cursor.js';
import { toHex } from '../../protocols/codec/hex.js';
import {
  BROADCAST_ADDRESS, errorFlags, lookupDi, parseAddress, parseDi,
  type DiValue, type Dlt645Decoded, type Dlt645Request, type Dlt645Response, type Password,
} from '../../protocols/dlt645/index.js';
import {
  energyWhAt as modelEnergyWhAt, fromLocal, instantAt, localParts, maxDemand, profileFor, register, subtractWh,
  type EnergyWh, type ModelId, type Profile,
} from '../model.js';
import { EventLog, type Snapshot } from './events.js';
import { settlementInstant, stamp, stampMinute, value1997, value2007, type MeterState } from './values.js';

/** ERR bits (DL/T 645-2007 §4, digest §4). */
export const ERR = { other: 0x01, noData: 0x02, unauthorized: 0x04, baudUnchangeable: 0x08 } as const;

export interface MeterOptions {
  /** 12-digit address (shorter is left-padded with 0). */
  address: string;
  edition?: 2007 | 1997;
  /** Model seed (default 1). */
  seed?: ModelId;
  /** Model id of the registers (default the address; a concentrator's meters use `${terminal}/${pn}`). */
  modelId?: ModelId;
  /** Real time, UTC ms (default Date.now). The meter's clock is this plus its offset. */
  now?: () => number;
  /** Initial clock offset from real time, ms (default 0). */
  clockOffsetMs?: number;
  /** Password per level PA (6 hex digits P2P1P0); default { 2: '000000' }. */
  passwords?: Record<number, string>;
  /** Line speed (default 2400 for 2007, 1200 for 1997, digest §1/§7). */
  baud?: number;
  phases?: 1 | 3;
  /** Meter number 04000402/C032 (default = address). */
  meterNumber?: string;
  /** Maximum L of a reply before follow-up frames are used (default 200, digest §2). */
  maxReplyData?: number;
  /** Reject 1CH commands whose deadline is zero or past (default false: many test meters ignore it). */
  checkControlDeadline?: boolean;
  /** Broadcast time is applied only when within this many seconds of the meter clock (default 300). */
  broadcastTimeWindowS?: number;
}

/** Status word 3 bits (digest §5.3). */
const SW3_RELAY_OPEN = 1 << 4;
const SW3_RELAY_CMD_TRIP = 1 << 6;
const SW3_PRE_TRIP_ALARM = 1 << 7;
const SW3_KEEP_POWER = 1 << 12;

interface PendingFollow {
  di: string;
  rest: Buffer;
  seq: number;
}

export class SimulatedMeter implements MeterState {
  address: string;
  readonly edition: 2007 | 1997;
  readonly seed: ModelId;
  readonly profile: Profile;
  readonly phases: 1 | 3;
  meterNumber: string;
  baud: number;
  clockOffsetMs: number;
  readonly params = new Map<number, DiValue>();
  readonly events = new EventLog();
  readonly instantFreezes: number[] = [];
  settlement = { day: 1, hour: 0 };
  /** The last freeze schedule set with 16H (mm hh DD MM, null = any); recorded, not acted on. */
  timedFreeze: { minute: number | null; hour: number | null; day: number | null; month: number | null } | null = null;
  /** Status word 3 (operation class). */
  status3 = 0;
  readonly maxReplyData: number;
  private readonly passwords = new Map<number, string>();
  private readonly realNow: () => number;
  private readonly checkDeadline: boolean;
  private readonly broadcastWindowMs: number;
  private clearedAt: number | null = null;
  private clearBase: EnergyWh | null = null;
  private demandResetAt = -Infinity;
  private pending: PendingFollow | null = null;
  private addressBytesCache: { text: string; bytes: Buffer } | null = null;

  constructor(opts: MeterOptions) {
    this.address = normaliseAddress(opts.address);
    this.edition = opts.edition ?? 2007;
    this.seed = opts.seed ?? 1;
    this.profile = profileFor(this.seed, opts.modelId ?? this.address);
    this.phases = opts.phases ?? 3;
    this.meterNumber = opts.meterNumber ?? this.address;
    this.baud = opts.baud ?? (this.edition === 2007 ? 2400 : 1200);
    this.clockOffsetMs = opts.clockOffsetMs ?? 0;
    this.realNow = opts.now ?? Date.now;
    this.maxReplyData = opts.maxReplyData ?? 200;
    this.checkDeadline = opts.checkControlDeadline ?? false;
    this.broadcastWindowMs = (opts.broadcastTimeWindowS ?? 300) * 1000;
    for (const [level, code] of Object.entries(opts.passwords ?? { 2: '000000' })) {
      this.passwords.set(Number(level), code.toUpperCase().padStart(6, '0'));
    }
  }

  /** The 6 address bytes, LSB first. */
  get addressBytes(): Buffer {
    if (this.addressBytesCache?.text !== this.address) this.addressBytesCache = { text: this.address, bytes: parseAddress(this.address) };
    return this.addressBytesCache.bytes;
  }

  now(): number {
    return this.realNow();
  }

  /** The meter's clock, UTC ms. */
  clock(): number {
    return this.realNow() + this.clockOffsetMs;
  }

  energyWhAt(t: number): EnergyWh {
    const raw = modelEnergyWhAt(this.profile, t);
    if (this.clearedAt === null) return raw;
    if (t < this.clearedAt) return subtractWh(raw, raw);
    return subtractWh(raw, this.clearBase!);
  }

  demandStart(): number {
    return Math.max(settlementInstant(this, 1) - this.clockOffsetMs, this.demandResetAt);
  }

  statusWord(n: number): number {
    if (n === 3) return this.status3;
    if (n !== 1 && n !== 2) return 0;
    const iv = instantAt(this.profile, this.now());
    if (n === 1) return (iv.activePower < 0 ? 1 << 4 : 0) | (iv.reactivePower < 0 ? 1 << 5 : 0);
    let w = 0;
    iv.phases.forEach((p, i) => {
      if (p.activePower < 0) w |= 1 << i;
      if (p.reactivePower < 0) w |= 1 << (4 + i);
    });
    return w;
  }

  get relayOpen(): boolean {
    return (this.status3 & SW3_RELAY_OPEN) !== 0;
  }

  get keepPower(): boolean {
    return (this.status3 & SW3_KEEP_POWER) !== 0;
  }

  /**
   * The customer presses the button: after "close allowed" (1B: command bit6 clear, relay bit4 still
   * open) the relay closes and bit4 clears. Returns whether the relay closed.
   */
  pressButton(): boolean {
    if ((this.status3 & SW3_RELAY_CMD_TRIP) !== 0 || !this.relayOpen) return false;
    this.status3 &= ~SW3_RELAY_OPEN;
    this.events.add('close', this.energySnapshot({ time: stamp(this.clock()), operator: null }));
    return true;
  }

  /** Handles one decoded request; null = no reply. */
  handle(req: Dlt645Decoded): Dlt645Response | null {
    if (req.direction !== 'request') return null;
    const m = req.message as Dlt645Request;
    if (req.address === BROADCAST_ADDRESS) {
      // Broadcast (digest §2): only time sync 08H and freeze 16H, never answered.
      if (m.kind === 'broadcastTime') this.broadcastTime(m.time);
      else if (m.kind === 'freeze') this.freeze(m);
      return null;
    }
    if (m.kind === 'broadcastTime') {
      this.broadcastTime(m.time);
      return null;
    }
    // A meter of one edition does not understand the other's function codes.
    if (req.version !== this.edition) return null;
    const func = req.func;
    const err = (code: number): Dlt645Response => ({ kind: 'error', func, code, flags: errorFlags(code) });
    switch (m.kind) {
      case 'read':
        return this.read(m.di, func);
      case 'readFollow':
        return this.readFollow(m.di, m.seq, func);
      case 'readAddress':
        return { kind: 'readAddressReply', address: this.address };
      case 'write':
        return this.write(m, func);
      case 'writeAddress':
        if (!/^\d{12}$/.test(m.newAddress) || m.newAddress === BROADCAST_ADDRESS) return err(ERR.other);
        this.address = m.newAddress;
        return { kind: 'ack', func };
      case 'freeze':
        this.freeze(m);
        return { kind: 'ack', func };
      case 'changeBaud':
        // The reply goes out at the old speed; the bus reads `baud` before calling handle (§7.7).
        this.baud = m.baud;
        return { kind: 'ack', func, baud: m.baud };
      case 'changePassword':
        return this.changePassword(m, func);
      case 'demandReset':
        if (!this.authorised(m.password)) return err(ERR.unauthorized);
        this.demandReset(m.operator);
        return { kind: 'ack', func };
      case 'meterClear':
        if (!this.authorised(m.password)) return err(ERR.unauthorized);
        this.meterClear(m.operator);
        return { kind: 'ack', func };
      case 'eventClear': {
        if (!this.authorised(m.password)) return err(ERR.unauthorized);
        this.events.clearMatching(parseDi(m.di));
        this.events.add('eventClear', { time: stamp(this.clock()), operator: operatorDigits(m.operator), clearedDi: m.di });
        return { kind: 'ack', func };
      }
      case 'control':
        return this.control(m, func);
      case 'security':
        // No ESAM: SERR bit0 (other error), 2 bytes.
        return { kind: 'error', func, code: 0x0001, flags: errorFlags(0x01), wide: true };
    }
  }

  // ── read ────────────────────────────────────────────────────────────────────────────────────────

  /** The encoded data of a DI (after the DI), or an ERR code. */
  dataOf(di: number): Buffer | number {
    const entry = lookupDi(di, this.edition);
    if (!entry || entry.access === 'w') return ERR.noData;
    const value = this.edition === 2007 ? value2007(this, di, entry) : value1997(this, di, entry);
    if (value === undefined) return ERR.noData;
    const w = new BinaryWriter(64);
    try {
      entry.encode(w, value);
    } catch {
      return ERR.noData;
    }
    return Buffer.from(w.finish());
  }

  private read(di: string, func: number): Dlt645Response {
    const data = this.dataOf(parseDi(di, this.edition));
    if (typeof data === 'number') return { kind: 'error', func, code: data, flags: errorFlags(data) };
    const room = this.maxReplyData - (this.edition === 2007 ? 4 : 2);
    if (data.length <= room) {
      this.pending = null;
      return { kind: 'readReply', more: false, di, unknown: true, raw: toHex(data, 0, data.length, Infinity) };
    }
    // Longer than one frame: first part now (C = B1H), the rest on 12H follow-ups (§7.2, digest §3.4).
    this.pending = { di, rest: data.subarray(room), seq: 0 };
    return { kind: 'readReply', more: true, di, unknown: true, raw: toHex(data, 0, room, Infinity) };
  }

  private readFollow(di: string, seq: number | undefined, func: number): Dlt645Response {
    const p = this.pending;
    if (!p || p.di !== di) return { kind: 'error', func, code: ERR.noData, flags: errorFlags(ERR.noData) };
    const room = this.maxReplyData - (this.edition === 2007 ? 5 : 2);
    const part = p.rest.subarray(0, room);
    p.rest = p.rest.subarray(part.length);
    p.seq = seq ?? p.seq + 1;
    const more = p.rest.length > 0;
    if (!more) this.pending = null;
    // SEQ echoes the request's (digest §3.4: implementations treat it as an echo).
    return { kind: 'readFollowReply', more, seq: p.seq, di, unknown: true, raw: toHex(part, 0, part.length, Infinity) };
  }

  // ── write (14H / 1997 04H) ──────────────────────────────────────────────────────────────────────

  private write(m: Extract<Dlt645Request, { kind: 'write' }>, func: number): Dlt645Response {
    const err = (code: number): Dlt645Response => ({ kind: 'error', func, code, flags: errorFlags(code) });
    if (!this.authorised(m.password)) return err(ERR.unauthorized);
    const di = parseDi(m.di, this.edition);
    const entry = lookupDi(di, this.edition);
    if (!entry || m.value === undefined) return err(ERR.noData);
    if (entry.access === 'r') return err(ERR.unauthorized);
    const operator = operatorDigits(m.operator);
    const before = this.clock();
    const v = m.value as Record<string, DiValue> | string;
    if (di === 0x04000101 || di === 0xc010) {
      // Date (YYMMDDWW): keep the time of day.
      const [y, mo, d] = String((v as Record<string, DiValue>)['date']).split('-').map(Number) as [number, number, number];
      const p = localParts(before);
      this.setClock(fromLocal(y, mo, d, p.hour, p.minute, p.second) + (before % 1000), operator, before);
    } else if (di === 0x04000102 || di === 0xc011) {
      const [h, mi, s] = String(v).split(':').map(Number) as [number, number, number];
      const p = localParts(before);
      this.setClock(fromLocal(p.year, p.month, p.day, h, mi, s), operator, before);
    } else if (di === 0x04000401) {
      this.address = String(v);
    } else if (di === 0x04000402 || di === 0xc032) {
      this.meterNumber = String(v);
    } else if (di === 0x04000b01 || di === 0xc117) {
      const mm = /(\d\d)T(\d\d)$/.exec(String(v));
      if (mm) this.settlement = { day: Number(mm[1]), hour: Number(mm[2]) };
    } else {
      this.params.set(di, m.value);
    }
    // Programming record (§7.3: the meter records the operator code).
    this.events.add('programming', { time: stamp(this.clock()), operator, di1: this.edition === 2007 ? m.di : `0000${m.di}` });
    return { kind: 'ack', func };
  }

  private setClock(meterT: number, operator: string | null, before: number): void {
    this.clockOffsetMs = meterT - this.realNow();
    this.events.add('timeSet', { operator, before: stamp(before), after: stamp(meterT) });
  }

  private broadcastTime(time: string): void {
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)$/.exec(time);
    if (!m) return;
    const t = fromLocal(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
    // Broadcast time only trims the clock (commonly ±5 min); larger corrections need a password.
    if (Math.abs(t - this.clock()) <= this.broadcastWindowMs) this.clockOffsetMs = t - this.realNow();
  }

  // ── administrative ──────────────────────────────────────────────────────────────────────────────

  private authorised(pw: Password): boolean {
    return this.passwords.get(pw.level) === pw.code.toUpperCase();
  }

  private changePassword(m: Extract<Dlt645Request, { kind: 'changePassword' }>, func: number): Dlt645Response {
    const target = m.di ? parseDi(m.di) - 0x04000c01 : m.new.level;
    // The old password must be valid and at least as privileged (lower PA) as the level being set.
    if (!this.authorised(m.old) || m.old.level > target || target !== m.new.level) {
      return { kind: 'error', func, code: ERR.unauthorized, flags: errorFlags(ERR.unauthorized) };
    }
    this.passwords.set(m.new.level, m.new.code.toUpperCase());
    return { kind: 'ack', func, password: m.new };
  }

  /** Energy snapshot fields as named in the registry's event records (total fwd/rev active, Q1..Q4). */
  private energySnapshot(base: Snapshot): Snapshot {
    const wh = this.energyWhAt(this.now());
    return {
      ...base,
      totalForwardActive: register(wh, 'forwardActive').total,
      totalReverseActive: register(wh, 'reverseActive').total,
      totalReactiveQ1: register(wh, 'q1').total,
      totalReactiveQ2: register(wh, 'q2').total,
      totalReactiveQ3: register(wh, 'q3').total,
      totalReactiveQ4: register(wh, 'q4').total,
    };
  }

  private demandReset(operator: string | undefined): void {
    const snap: Snapshot = { time: stamp(this.clock()), operator: operatorDigits(operator) };
    for (const [name, ch] of [['ForwardActive', 'forwardActive'], ['ReverseActive', 'reverseActive']] as const) {
      const d = maxDemand(this.profile, ch, this.demandStart(), this.now()).total;
      snap[`total${name}Demand`] = d.demand;
      snap[`total${name}Time`] = d.at === null ? null : stampMinute(d.at + this.clockOffsetMs);
    }
    this.demandResetAt = this.now();
    this.events.add('demandClear', snap);
  }

  private meterClear(operator: string | undefined): void {
    const snap = this.energySnapshot({ time: stamp(this.clock()), operator: operatorDigits(operator) });
    const t = this.now();
    this.clearBase = modelEnergyWhAt(this.profile, t);
    this.clearedAt = t;
    this.demandResetAt = t;
    this.instantFreezes.length = 0;
    // Meter clear wipes energies, demand and event records, then records itself (§7.9).
    this.events.clearMatching(0xffffffff);
    this.events.clear('eventClear');
    this.events.add('meterClear', snap);
  }

  private freeze(m: Extract<Dlt645Request, { kind: 'freeze' }>): void {
    if (m.minute === null && m.hour === null && m.day === null && m.month === null) {
      // 99999999 = freeze now (瞬时冻结): the last 3 are kept (0501xx01..03).
      this.instantFreezes.unshift(this.clock());
      if (this.instantFreezes.length > 3) this.instantFreezes.length = 3;
    } else {
      this.timedFreeze = { minute: m.minute, hour: m.hour, day: m.day, month: m.month };
    }
  }

  // ── remote control 1CH (digest §3.2, status word 3 per §5.3) ───────────────────────────────────

  private control(m: Extract<Dlt645Request, { kind: 'control' }>, func: number): Dlt645Response {
    const err = (code: number): Dlt645Response => ({ kind: 'error', func, code, flags: errorFlags(code) });
    if (!this.authorised(m.password)) return err(ERR.unauthorized);
    if (this.checkDeadline) {
      const d = m.validUntil ? /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)$/.exec(m.validUntil) : null;
      if (!d || fromLocal(+d[1]!, +d[2]!, +d[3]!, +d[4]!, +d[5]!, +d[6]!) < this.clock()) return err(ERR.other);
    }
    const record = (): Snapshot => this.energySnapshot({ time: stamp(this.clock()), operator: operatorDigits(m.operator) });
    switch (m.command) {
      case 'trip':
        // Keep-power (保电) blocks tripping; the ERR meaning for DCH is UNVERIFIED: bit0 "other".
        if (this.keepPower) return err(ERR.other);
        this.status3 |= SW3_RELAY_CMD_TRIP | SW3_RELAY_OPEN;
        this.events.add('trip', record());
        break;
      case 'closeDirect':
        if (this.relayOpen) this.events.add('close', record());
        this.status3 &= ~(SW3_RELAY_CMD_TRIP | SW3_RELAY_OPEN);
        break;
      case 'closeAllowed':
        // Close allowed: the command bit clears; the relay stays open until the button (pressButton).
        this.status3 &= ~SW3_RELAY_CMD_TRIP;
        break;
      case 'alarm':
        this.status3 |= SW3_PRE_TRIP_ALARM;
        break;
      case 'alarmRelease':
        this.status3 &= ~SW3_PRE_TRIP_ALARM;
        break;
      case 'keepPower':
        this.status3 |= SW3_KEEP_POWER;
        break;
      case 'keepPowerRelease':
        this.status3 &= ~SW3_KEEP_POWER;
        break;
      default:
        return err(ERR.other);
    }
    return { kind: 'ack', func };
  }
}

export function normaliseAddress(a: string): string {
  const t = a.trim();
  if (!/^\d{1,12}$/.test(t)) throw new Error(`meter address '${a}' is not up to 12 digits`);
  return t.padStart(12, '0');
}

/** Operator codes are stored as digits (registry format NN×4); other codes are recorded as FFH. */
function operatorDigits(op: string | undefined): string | null {
  return op !== undefined && /^\d{8}$/.test(op) ? op : null;
}
