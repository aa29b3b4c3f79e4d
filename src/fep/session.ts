/**
 * One terminal connection (TCP socket, dial-out socket or MQTT topic pair — anything that is a Transport).
 *
 * - Deframing (§5.1): malformed bytes are dropped by the deframer, counted, logged with hex and published
 *   as `frameError`; nothing a terminal sends can throw out of here.
 * - Link frames AFN02 (§5.5.1.3.3, digest §8.2): F1 login identifies the terminal by A1 + A2 in the
 *   directory; a known terminal is confirmed with AFN00 F1, C=0BH (PRM=0, FC 11 link status) echoing the
 *   frame's sequence, as CON=1 asks (§5.2.3.2); an unknown one is quarantined and not answered. F3
 *   heartbeat updates last-seen and, when it carries the terminal clock (A.1, 2013 practice, UNVERIFIED),
 *   the clock offset; a heartbeat on a socket that has not logged in (head-end restarted under a live
 *   link) brings a known terminal online too. F2 logout is confirmed, then the socket is closed.
 * - Supervision (`check`, driven by the FEP's sweep): a socket that does not log in within
 *   `loginTimeoutMs` is evicted; an online terminal silent for `silencePeriods` heartbeat periods goes
 *   offline with reason `heartbeat-silence`. Any uplink frame counts as a sign of life.
 * - Other uplink frames of an online terminal: replies (PRM=0) go to its request queue, frames it sends
 *   on its own (PRM=1) to active-report handling — both through the host.
 */
import { BinaryReader } from '../../protocols/codec/cursor.js';
import type { ClockA1, DiscardedSpan, Gw376Frame } from '../../protocols/gw376/index.js';
import { builders, CST_OFFSET_MINUTES, Gw376Deframer } from '../../protocols/gw376/index.js';
import { readA1 } from '../../protocols/gw376/afn/common.js';
import type { Transport } from '../../drivers/transport.js';
import type { OfflineReason, OnlineVia, TerminalRef } from '../bus.js';
import type { TerminalRecord } from './directory.js';
import { terminalKeyOf } from './directory.js';

export type SessionState = 'pending' | 'online' | 'closed';
/** Why a session ended: an offline reason, or `replaced` (the terminal stays online on its new session). */
export type CloseReason = OfflineReason | 'replaced' | 'rejected';

const AFN_LINK = 0x02;

/** What a session needs from the FEP. */
export interface SessionHost {
  now(): number;
  lookup(a1: string, a2: number): TerminalRecord | undefined;
  /** A known terminal logged in (or sent a heartbeat) on `s`: bind it (replacing another session). */
  bind(s: Session, rec: TerminalRecord, via: OnlineVia): void;
  /** `s` ended; `wasOnline` when it was the terminal's session. */
  ended(s: Session, reason: CloseReason, detail: string | undefined, wasOnline: boolean): void;
  unknown(s: Session, f: Gw376Frame, login: boolean): void;
  login(s: Session): void;
  heartbeat(s: Session, clockOffsetMs: number | undefined): void;
  response(s: Session, f: Gw376Frame): void;
  report(s: Session, f: Gw376Frame): void;
  frameError(s: Session, reason: string, hex: string, length: number): void;
  framesIn(n: number): void;
  framesOut(n: number): void;
  /** Heartbeat period of a terminal, ms. */
  heartbeatMs(rec: TerminalRecord): number;
  readonly silencePeriods: number;
  readonly loginTimeoutMs: number;
  readonly utcOffsetMinutes?: number;
}

export interface SessionInfo {
  session: number;
  terminal?: string;
  id?: string;
  state: SessionState;
  channel: string;
  remote: string;
  connectedAt: number;
  onlineAt?: number;
  lastSeen: number;
  framesIn: number;
  framesOut: number;
  heartbeats: number;
  malformed: number;
  clockOffsetMs?: number;
}

let nextId = 1;

export class Session {
  readonly id = nextId++;
  readonly transport: Transport;
  readonly channel: string;
  readonly remote: string;
  private readonly host: SessionHost;
  private st: SessionState = 'pending';
  private rec: TerminalRecord | undefined;
  ref: TerminalRef | undefined;
  readonly connectedAt: number;
  onlineAt: number | undefined;
  lastSeen: number;
  framesIn = 0;
  framesOut = 0;
  heartbeats = 0;
  malformed = 0;
  clockOffsetMs: number | undefined;
  /** Supervise heartbeats (off for dial-out links until the terminal sends one). */
  private expectHeartbeat = true;
  private readonly deframer: Gw376Deframer;
  private readonly unsubs: (() => void)[];

  constructor(transport: Transport, host: SessionHost, o: { channel?: string; dialOut?: TerminalRecord } = {}) {
    this.transport = transport;
    this.host = host;
    this.channel = o.channel ?? transport.kind;
    this.remote = transport.description;
    this.connectedAt = this.lastSeen = host.now();
    this.deframer = new Gw376Deframer({
      onFrame: (f) => this.onFrame(f),
      onDiscard: (span) => this.onDiscard(span),
    });
    this.unsubs = [
      transport.onData((chunk) => {
        try {
          this.deframer.push(chunk);
        } catch (err) {
          // Defensive: a bug below must cost this chunk, never the process.
          this.host.frameError(this, `internal: ${err instanceof Error ? err.message : String(err)}`, chunk.toString('hex').toUpperCase(), chunk.length);
        }
      }),
      transport.onClose((err) => this.end('socket-closed', err?.message)),
    ];
    if (o.dialOut) {
      // Head-end dial-out: the master knows whom it called; such links often carry no heartbeat.
      this.expectHeartbeat = false;
      this.host.bind(this, o.dialOut, 'dial-out');
    }
  }

  get state(): SessionState {
    return this.st;
  }

  get record(): TerminalRecord | undefined {
    return this.rec;
  }

  /** Called by the FEP when it binds this session to its terminal. */
  markOnline(rec: TerminalRecord): void {
    this.rec = rec;
    this.ref = { id: rec.id, terminal: terminalKeyOf(rec.a1, rec.a2), a1: rec.a1, a2: rec.a2 };
    this.st = 'online';
    this.onlineAt = this.host.now();
  }

  /** Writes a frame; false when the channel is gone. */
  send(bytes: Buffer): boolean {
    if (this.st === 'closed' || !this.transport.isOpen) return false;
    this.framesOut++;
    this.host.framesOut(1);
    this.transport.write(bytes).catch(() => undefined);
    return true;
  }

  /** Ends the session (idempotent) and closes its channel. */
  close(reason: CloseReason, detail?: string): void {
    if (this.st === 'closed') return;
    this.end(reason, detail);
    void this.transport.close().catch(() => undefined);
  }

  private end(reason: CloseReason, detail: string | undefined): void {
    if (this.st === 'closed') return;
    const wasOnline = this.st === 'online';
    this.st = 'closed';
    for (const u of this.unsubs) u();
    this.unsubs.length = 0;
    this.host.ended(this, reason, detail, wasOnline);
  }

  /** Supervision at `now`: login deadline of new sockets, heartbeat silence of online ones. */
  check(now: number): void {
    if (this.st === 'pending') {
      if (now - this.connectedAt >= this.host.loginTimeoutMs) this.close('evicted', `no login within ${this.host.loginTimeoutMs} ms`);
      return;
    }
    if (this.st !== 'online' || !this.expectHeartbeat || !this.rec) return;
    const limit = this.host.silencePeriods * this.host.heartbeatMs(this.rec);
    const silent = now - this.lastSeen;
    if (silent >= limit) this.close('heartbeat-silence', `silent for ${silent} ms (limit ${this.host.silencePeriods} heartbeat periods = ${limit} ms)`);
  }

  info(): SessionInfo {
    const i: SessionInfo = {
      session: this.id,
      state: this.st,
      channel: this.channel,
      remote: this.remote,
      connectedAt: this.connectedAt,
      lastSeen: this.lastSeen,
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      heartbeats: this.heartbeats,
      malformed: this.malformed,
    };
    if (this.ref) {
      i.terminal = this.ref.terminal;
      i.id = this.ref.id;
    }
    if (this.onlineAt !== undefined) i.onlineAt = this.onlineAt;
    if (this.clockOffsetMs !== undefined) i.clockOffsetMs = this.clockOffsetMs;
    return i;
  }

  // ------------------------------------------------------------------ frames

  private onDiscard(span: DiscardedSpan): void {
    this.malformed++;
    this.host.frameError(this, span.reason, span.hex, span.length);
  }

  private onFrame(f: Gw376Frame): void {
    if (this.st === 'closed') return;
    this.framesIn++;
    this.host.framesIn(1);
    if (f.dir !== 'up') {
      this.malformed++;
      this.host.frameError(this, 'downlink frame (DIR=0) from a terminal', f.hex, f.length);
      return;
    }
    const rec = this.rec;
    if (this.st === 'online' && rec && (f.a2 !== rec.a2 || f.a1 !== rec.a1)) {
      this.malformed++;
      this.host.frameError(this, `address ${terminalKeyOf(f.a1, f.a2)} on the link of ${this.ref!.terminal}`, f.hex, f.length);
      return;
    }
    if (f.afn === AFN_LINK && f.prm) {
      this.onLink(f);
      return;
    }
    if (this.st !== 'online') {
      if (!this.host.lookup(f.a1, f.a2)) this.host.unknown(this, f, false);
      // A known terminal talking before it logged in: not served until it does.
      return;
    }
    this.lastSeen = this.host.now();
    if (f.prm) this.host.report(this, f);
    else this.host.response(this, f);
  }

  /** AFN02 F1/F2/F3 from the terminal (C=C9H, CON=1). */
  private onLink(f: Gw376Frame): void {
    const fn = linkFn(f);
    const known = this.st === 'online' ? this.rec : this.host.lookup(f.a1, f.a2);
    if (!known) {
      this.host.unknown(this, f, fn === 1);
      return;
    }
    const now = this.host.now();
    this.lastSeen = now;
    const confirm = (): void => {
      // AFN00 F1 with C=0BH echoing the link frame's sequence (digest §8.2); MSA echoed.
      if (f.con) this.send(builders.linkConfirm({ a1: f.a1, a2: f.a2, msa: f.msa }, f.seq));
    };
    if (fn === 1) {
      if (this.st !== 'online') this.host.bind(this, known, 'login');
      if (this.st !== 'online') return;
      confirm();
      this.host.login(this);
      return;
    }
    if (fn === 3) {
      if (this.st !== 'online') this.host.bind(this, known, 'heartbeat');
      if (this.st !== 'online') return;
      this.expectHeartbeat = true;
      this.heartbeats++;
      const clock = heartbeatClock(f);
      if (clock) {
        const t = clockMs(clock, this.host.utcOffsetMinutes ?? CST_OFFSET_MINUTES);
        if (t !== undefined) this.clockOffsetMs = t - now;
      }
      confirm();
      this.host.heartbeat(this, clock ? this.clockOffsetMs : undefined);
      return;
    }
    if (fn === 2) {
      if (this.st === 'online') confirm();
      this.close('logout');
      return;
    }
    this.malformed++;
    this.host.frameError(this, `AFN02 with an unknown Fn (DT ${f.data.subarray(2, 4).toString('hex')})`, f.hex, f.length);
  }
}

/** Fn of a p0 AFN02 frame from its DT (F1 ↔ 01 00, F2 ↔ 02 00, F3 ↔ 04 00); 0 when not one of them. */
function linkFn(f: Gw376Frame): number {
  if (f.dataEnd - f.dataStart < 4) return 0;
  const dt1 = f.buf[f.dataStart + 2]!;
  const dt2 = f.buf[f.dataStart + 3]!;
  if (dt2 !== 0) return 0;
  return dt1 === 1 ? 1 : dt1 === 2 ? 2 : dt1 === 4 ? 3 : 0;
}

/** The A.1 clock after the heartbeat's DA/DT, when the frame carries one (2013 practice, UNVERIFIED). */
function heartbeatClock(f: Gw376Frame): ClockA1 | undefined {
  if (f.dataEnd - f.dataStart < 10) return undefined;
  try {
    return readA1(new BinaryReader(f.buf, f.dataStart + 4, f.dataEnd), 'AFN02 F3 clock') ?? undefined;
  } catch {
    return undefined;
  }
}

/** UTC ms of a terminal clock (local time `utcOffsetMinutes` east of UTC); undefined when not a date. */
function clockMs(c: ClockA1, utcOffsetMinutes: number): number | undefined {
  const t = Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second) - utcOffsetMinutes * 60_000;
  return Number.isFinite(t) ? t : undefined;
}
