/**
 * Reading and commanding DL/T 645 meters over a Dlt645Link (serial bus, TCP serial server, or later a
 * concentrator's AFN10 forwarding). This is what the CLI and the head-end call; it knows nothing of
 * the transport underneath.
 */
import { parseAddress, BROADCAST_ADDRESS, WILDCARD_ADDRESS } from '../../protocols/dlt645/address.js';
import { decodeFrameMessage } from '../../protocols/dlt645/message.js';
import { encodeMessage } from '../../protocols/dlt645/message.js';
import type { Dlt645Request, Dlt645Response, Password, DiData } from '../../protocols/dlt645/messages.js';
import { ERR_TEXT } from '../../protocols/dlt645/commands/index.js';
import { lookupDi } from '../../protocols/dlt645/registry/index.js';
import { parseDi } from '../../protocols/dlt645/di.js';
import type { Dlt645Version } from '../../protocols/dlt645/control.js';
import { BinaryReader } from '../../protocols/codec/cursor.js';
import { DataError } from '../../protocols/codec/errors.js';
import type { MeterLink } from '../../drivers/dlt645-link.js';
import { DeniedError } from '../errors.js';

export interface MeterReading extends DiData {
  address: string;
  name?: string;
  nameZh?: string;
  unit?: string;
  /** Attempts the link needed (1 = first try). */
  attempts: number;
  /** Request end → reply complete, ms (last exchange). */
  turnaroundMs: number;
  /** Number of frames the answer took (follow-up frames included). */
  frames: number;
}

export interface MeterClientOptions {
  version?: Dlt645Version;
  /** Default password for writes/controls (level 2, 000000 unless configured). */
  password?: Password;
  /** Operator code recorded by the meter for writes and controls. */
  operator?: string;
  /** Upper bound of follow-up frames for one read (guards against a meter that never ends). */
  maxFollowUps?: number;
  /** Meter clocks keep local time: minutes east of UTC (default 480, China Standard Time). */
  utcOffsetMinutes?: number;
}

type Reply = { message: Dlt645Response; address: string; frameHex: string; attempts: number; turnaroundMs: number; more: boolean };

export class MeterClient {
  private readonly link: MeterLink;
  readonly version: Dlt645Version;
  private readonly password: Password;
  private readonly operator: string;
  private readonly maxFollowUps: number;
  private readonly utcOffsetMinutes: number;

  constructor(link: MeterLink, opts: MeterClientOptions = {}) {
    this.link = link;
    this.version = opts.version ?? 2007;
    this.password = opts.password ?? { level: 2, code: '000000' };
    this.operator = opts.operator ?? '00000000';
    this.maxFollowUps = opts.maxFollowUps ?? 32;
    this.utcOffsetMinutes = opts.utcOffsetMinutes ?? 480;
  }

  private async exchange(address: string, message: Dlt645Request, noReply = false): Promise<Reply | null> {
    const frame = encodeMessage({ address, message, version: this.version, preamble: 0 });
    const func = frame[8]! & 0x1f;
    const reply = await this.link.request({ frame, address: parseAddress(address), func, noReply });
    if (!reply) return null;
    const decoded = decodeFrameMessage(reply.frame, { version: this.version });
    const m = decoded.message as Dlt645Response;
    if (m.kind === 'error') {
      throw new DeniedError(
        `meter ${decoded.address}`,
        describe(message),
        m.code,
        m.flags.map((f) => ERR_TEXT[f]),
        reply.frame.hex,
      );
    }
    return { message: m, address: decoded.address, frameHex: reply.frame.hex, attempts: reply.attempts, turnaroundMs: reply.turnaroundMs, more: decoded.more };
  }

  /**
   * Reads one DI, following up (12H/02H) while the meter signals more frames (D5 of C), and decodes
   * the joined data through the registry.
   */
  async read(address: string, di: string): Promise<MeterReading> {
    parseDi(di, this.version); // validates before anything is sent
    const first = await this.exchange(address, { kind: 'read', di });
    const m = first!.message;
    if (m.kind !== 'readReply') throw new DataError('read reply', 'a read reply', first!.frameHex);
    let raw = m.raw;
    let more = m.more;
    let frames = 1;
    let last = first!;
    for (let seq = 1; more; seq++) {
      if (frames > this.maxFollowUps) throw new DataError('read follow-up', `at most ${this.maxFollowUps} follow-up frames`, last.frameHex);
      const next = await this.exchange(address, { kind: 'readFollow', di, seq });
      const f = next!.message;
      if (f.kind !== 'readFollowReply') throw new DataError('read follow-up', 'a follow-up reply', next!.frameHex);
      raw = raw ? `${raw} ${f.raw}` : f.raw;
      more = f.more;
      frames++;
      last = next!;
    }
    const reading: MeterReading = { ...m, address: first!.address, raw, attempts: last.attempts, turnaroundMs: last.turnaroundMs, frames };
    const entry = lookupDi(parseDi(di, this.version), this.version);
    if (entry) {
      reading.name = entry.name;
      reading.nameZh = entry.nameZh;
      if (entry.unit) reading.unit = entry.unit;
      if (frames > 1) {
        const bytes = Buffer.from(raw.replace(/\s/g, ''), 'hex');
        reading.value = entry.decode(new BinaryReader(bytes), bytes.length);
        reading.unknown = false;
      }
    }
    return reading;
  }

  /** Reads several DIs one after the other; failures are reported per DI, never abort the rest. */
  async readMany(address: string, dis: readonly string[]): Promise<Array<{ di: string; reading?: MeterReading; error?: Error }>> {
    const out: Array<{ di: string; reading?: MeterReading; error?: Error }> = [];
    for (const di of dis) {
      try {
        out.push({ di, reading: await this.read(address, di) });
      } catch (e) {
        out.push({ di, error: e as Error });
      }
    }
    return out;
  }

  /**
   * Finds the address of the meter on a point-to-point line: 2007 read address (13H) to AAAAAAAAAAAA;
   * 1997 has no such command, so it reads the meter number C032 with the wildcard address.
   */
  async readAddress(): Promise<string> {
    if (this.version === 1997) {
      const r = await this.read(WILDCARD_ADDRESS, 'C032');
      return r.address;
    }
    const reply = await this.exchange(WILDCARD_ADDRESS, { kind: 'readAddress' });
    const m = reply!.message;
    if (m.kind !== 'readAddressReply') throw new DataError('read address', 'a read-address reply', reply!.frameHex);
    return m.address;
  }

  /**
   * Sets the meter clock. `broadcast` sends 08H to 999999999999 (no reply; meters accept it within
   * their daily limits); otherwise writes date (04000101) then time (04000102) with the password.
   */
  async setTime(target: { broadcast: true } | { address: string }, when: Date): Promise<void> {
    const local = toLocalParts(when, this.utcOffsetMinutes);
    if ('broadcast' in target) {
      await this.exchange(BROADCAST_ADDRESS, { kind: 'broadcastTime', time: `${local.date}T${local.time}` }, true);
      return;
    }
    if (this.version === 1997) {
      throw new DataError('set time', 'broadcast time for DL/T 645-1997 meters (addressed writes need C010/C011 support)', '');
    }
    await this.exchange(target.address, {
      kind: 'write', di: '04000101', password: this.password, operator: this.operator, data: '',
      value: { week: local.week, date: local.date },
    });
    await this.exchange(target.address, {
      kind: 'write', di: '04000102', password: this.password, operator: this.operator, data: '', value: local.time,
    });
  }

  /** Sends a remote-control command (1CH): trip, closeAllowed, closeDirect, alarm, keepPower … */
  async control(address: string, command: Extract<Dlt645Request, { kind: 'control' }>['command'], validUntil: string | null = null): Promise<void> {
    await this.exchange(address, { kind: 'control', password: this.password, operator: this.operator, command, n2: 0, validUntil });
  }
}

function describe(m: Dlt645Request): string {
  return 'di' in m && typeof m.di === 'string' ? `${m.kind} ${m.di}` : m.kind;
}

/** Meter clocks run on local time: the wall-clock parts of `d` at `utcOffsetMinutes` east of UTC. */
export function toLocalParts(d: Date, utcOffsetMinutes: number): { date: string; time: string; week: number } {
  const l = new Date(d.getTime() + utcOffsetMinutes * 60_000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return {
    date: `${l.getUTCFullYear()}-${p(l.getUTCMonth() + 1)}-${p(l.getUTCDate())}`,
    time: `${p(l.getUTCHours())}:${p(l.getUTCMinutes())}:${p(l.getUTCSeconds())}`,
    week: l.getUTCDay(),
  };
}

