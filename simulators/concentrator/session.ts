/**
 * A concentrator's channel behaviour: drives one TerminalDevice (the sans-I/O brain) over a Transport.
 *
 * Dial-in (GPRS/4G terminals, and MQTT): connect → AFN02 F1 login → wait for the master's AFN00 confirm
 * (same sequence number; retried `loginRetries` times every `loginTimeoutMs`) → F3 heartbeat every
 * `device.heartbeatPeriodMs()` (re-read each period, so an AFN04 F1 change applies at the next beat; the
 * frame carries the terminal's clock where the revision has it) → after `maxMissedHeartbeats`
 * unconfirmed heartbeats in a row, or when the channel closes, the terminal drops the link and reconnects
 * after an exponential back-off with jitter: d = min(maxMs, baseMs·factor^(n−1)), wait d/2 + random·d/2
 * (n = failed attempts since the last login; reset by a confirmed login). `stop()` sends F2 logout, waits
 * for its confirm (bounded), then closes.
 *
 * Listen (head-end dial-out): `accept(transport)` for each connection the head-end opens; no login by
 * default (the master knows whom it called); a newer connection replaces the older one.
 *
 * Frames in are deframed (protocols/gw376 deframer: garbage and bad checksums are dropped and counted),
 * link confirms are consumed here, frames for another address are ignored, and every other downlink frame
 * goes to `device.receive(frame, terminalNow)`; its answers are written in order. `pendingReports` is
 * polled after each frame and every `reportPollMs` while online.
 *
 * Channel faults (`setFaults`), applied here because they live on the wire:
 * - `offlineUntil`: drop the link now (if up) and make no connection attempt before that time;
 * - `halfOpen`: the socket stays open but nothing leaves the terminal (no heartbeats, no answers) and
 *   nothing received is acted on — what a master sees of a terminal whose modem hung;
 * - `slowMs`: every answer leaves `slowMs` late;
 * - `lossPct`: each frame, in either direction, is dropped with this probability;
 * - `corruptPct`: each outgoing frame has one byte of its user data flipped (its CS no longer matches);
 * - `duplicatePct`: each outgoing frame is sent twice;
 * - `clockOffsetMs` / `clockDriftPpm`: the terminal's clock (what the device is given as `now`) runs
 *   ahead/behind by the offset plus a drift accumulated since the fault was set.
 * Each injected action increments `counters.faultsInjected`.
 *
 * Time comes from an injected Scheduler: a fleet shares one TimerWheel; tests use a manual clock.
 */
import type { Transport } from '../../drivers/transport.js';
import { Gw376Deframer, type DiscardedSpan, type Gw376Frame } from '../../protocols/gw376/index.js';
import type { TerminalDevice } from './device.js';
import { realScheduler, type Scheduler, type TimerHandle } from './scheduler.js';

export type SessionMode = 'dial-in' | 'listen';
export type SessionState = 'idle' | 'connecting' | 'login' | 'online' | 'backoff' | 'offline' | 'waiting' | 'stopping' | 'stopped';

/** Live counters; a fleet passes one object shared by all its sessions. */
export interface SessionCounters {
  /** Sessions with an open channel now (gauge). */
  connected: number;
  /** Sessions logged in now (gauge). */
  online: number;
  connectAttempts: number;
  connectFailures: number;
  logins: number;
  loginTimeouts: number;
  heartbeats: number;
  heartbeatsConfirmed: number;
  reconnects: number;
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Bytes the deframer dropped (garbage, bad checksum …). */
  bytesDiscarded: number;
  faultsInjected: number;
}

export function newCounters(): SessionCounters {
  return {
    connected: 0,
    online: 0,
    connectAttempts: 0,
    connectFailures: 0,
    logins: 0,
    loginTimeouts: 0,
    heartbeats: 0,
    heartbeatsConfirmed: 0,
    reconnects: 0,
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    bytesDiscarded: 0,
    faultsInjected: 0,
  };
}

export interface ChannelFaults {
  /** Scheduler time until which the terminal stays off the channel (0/undefined: none). */
  offlineUntil?: number;
  halfOpen?: boolean;
  slowMs?: number;
  lossPct?: number;
  corruptPct?: number;
  duplicatePct?: number;
  clockOffsetMs?: number;
  clockDriftPpm?: number;
}

export type FrameDirection = 'in' | 'out';

export interface SessionObserver {
  /** Every frame seen or sent; `note` says what a fault did to it (`dropped: loss`, `corrupted` …). */
  frame?(dir: FrameDirection, bytes: Buffer, note?: string): void;
  state?(state: SessionState, detail?: string): void;
  discard?(span: DiscardedSpan): void;
  error?(err: unknown): void;
}

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  factor?: number;
}

export interface SessionOptions {
  device: TerminalDevice;
  mode?: SessionMode;
  /** Dial-in: makes a fresh (unopened) transport for each connection attempt. */
  connect?: () => Transport;
  scheduler?: Scheduler;
  counters?: SessionCounters;
  observer?: SessionObserver;
  /** Uniform [0, 1) source for jitter and fault draws (default Math.random). */
  random?: () => number;
  /** Send AFN02 F1 login after connecting (default: dial-in yes, listen no). */
  login?: boolean;
  /** Send F3 heartbeats (default: same as `login`). */
  heartbeat?: boolean;
  loginTimeoutMs?: number;
  loginRetries?: number;
  maxMissedHeartbeats?: number;
  backoff?: BackoffOptions;
  /** Poll `pendingReports` this often while online (default 1000; 0 = only after received frames). */
  reportPollMs?: number;
  logoutTimeoutMs?: number;
  faults?: ChannelFaults;
  /** Delay before the first connection attempt (fleet ramp), default 0. */
  startDelayMs?: number;
}

type LinkKind = 'login' | 'heartbeat' | 'logout';

const AFN_CONFIRM = 0x00;
const SEQ_OFFSET = 13;

/** Optional extra a brain may offer: the reply delay its own `slowMs` fault asks the channel to apply. */
interface SlowDevice {
  replyDelayMs?(): number;
}

export class TerminalSession {
  readonly device: TerminalDevice & SlowDevice;
  readonly mode: SessionMode;
  readonly counters: SessionCounters;
  private readonly o: SessionOptions;
  private readonly sched: Scheduler;
  private readonly rnd: () => number;
  private readonly doLogin: boolean;
  private readonly doHeartbeat: boolean;
  private st: SessionState = 'idle';
  private transport: Transport | null = null;
  private unsubs: (() => void)[] = [];
  private deframer: Gw376Deframer | null = null;
  private faults: ChannelFaults = {};
  private driftSince = 0;
  private attempt = 0;
  private everConnected = false;
  private stopped = false;
  private pendingLink: { kind: LinkKind; seq: number } | null = null;
  private loginTries = 0;
  private missed = 0;
  private logoutDone: (() => void) | null = null;
  private tConnect: TimerHandle | null = null;
  private tLogin: TimerHandle | null = null;
  private tBeat: TimerHandle | null = null;
  private tPoll: TimerHandle | null = null;
  private readonly pendingSlow = new Set<TimerHandle>();

  constructor(o: SessionOptions) {
    this.o = o;
    this.device = o.device;
    this.mode = o.mode ?? 'dial-in';
    if (this.mode === 'dial-in' && !o.connect) throw new Error('dial-in session needs a connect() transport factory');
    this.sched = o.scheduler ?? realScheduler;
    this.counters = o.counters ?? newCounters();
    this.rnd = o.random ?? Math.random;
    this.doLogin = o.login ?? this.mode === 'dial-in';
    this.doHeartbeat = o.heartbeat ?? this.doLogin;
    if (o.faults) this.setFaults(o.faults);
  }

  get state(): SessionState {
    return this.st;
  }

  get isConnected(): boolean {
    return this.transport !== null;
  }

  /** The terminal's own clock: scheduler time + offset + drift. */
  terminalNow(): number {
    const now = this.sched.now();
    const f = this.faults;
    let t = now + (f.clockOffsetMs ?? 0);
    if (f.clockDriftPpm) t += ((now - this.driftSince) * f.clockDriftPpm) / 1e6;
    return Math.round(t);
  }

  currentFaults(): Readonly<ChannelFaults> {
    return this.faults;
  }

  /** Merges channel faults (a key set to undefined/0/false clears it). */
  setFaults(f: ChannelFaults): void {
    const next = { ...this.faults, ...f };
    const now = this.sched.now();
    if (f.clockDriftPpm !== undefined && f.clockDriftPpm !== this.faults.clockDriftPpm) this.driftSince = now;
    const wasHalfOpen = !!this.faults.halfOpen;
    this.faults = next;
    if (f.halfOpen && !wasHalfOpen) this.counters.faultsInjected++;
    if (f.offlineUntil !== undefined && f.offlineUntil > now) {
      this.counters.faultsInjected++;
      this.goOffline(f.offlineUntil);
    }
  }

  clearFaults(): void {
    this.faults = {};
  }

  /** Dial-in: starts connecting (after `startDelayMs`). */
  start(): void {
    if (this.mode !== 'dial-in' || this.st !== 'idle') {
      if (this.mode === 'listen' && this.st === 'idle') this.setState('waiting');
      return;
    }
    const d = this.o.startDelayMs ?? 0;
    if (d > 0) {
      this.setState('backoff', 'ramp');
      this.tConnect = this.sched.setTimer(d, () => this.connectNow());
    } else this.connectNow();
  }

  /** Listen mode: takes over a connection the head-end opened. */
  accept(t: Transport): void {
    if (this.stopped) {
      void t.close();
      return;
    }
    if (this.faults.offlineUntil && this.faults.offlineUntil > this.sched.now()) {
      this.counters.faultsInjected++;
      void t.close();
      return;
    }
    if (this.transport) {
      const old = this.transport;
      this.detach();
      void old.close();
    }
    this.attach(t);
    this.afterConnect();
  }

  /** Logs out (when logged in), closes the channel and cancels every timer. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTimers();
    this.sched.clearTimer(this.tConnect);
    const t = this.transport;
    if (t && this.st === 'online' && this.doLogin && !this.faults.halfOpen) {
      this.setState('stopping');
      await new Promise<void>((resolve) => {
        const timer = this.sched.setTimer(this.o.logoutTimeoutMs ?? 2000, () => resolve());
        this.logoutDone = () => {
          this.sched.clearTimer(timer);
          resolve();
        };
        this.sendLink('logout');
      });
      this.logoutDone = null;
    }
    for (const h of this.pendingSlow) this.sched.clearTimer(h);
    this.pendingSlow.clear();
    this.detach();
    if (t) await t.close().catch(() => undefined);
    this.setState('stopped');
  }

  // ------------------------------------------------------------------ connection

  private setState(s: SessionState, detail?: string): void {
    const wasOnline = this.st === 'online' || this.st === 'stopping';
    const isOnline = s === 'online' || s === 'stopping';
    if (wasOnline && !isOnline) this.counters.online--;
    if (!wasOnline && isOnline) this.counters.online++;
    this.st = s;
    this.o.observer?.state?.(s, detail);
  }

  private connectNow(): void {
    this.tConnect = null;
    if (this.stopped) return;
    const now = this.sched.now();
    if (this.faults.offlineUntil && this.faults.offlineUntil > now) {
      this.setState('offline');
      this.tConnect = this.sched.setTimer(this.faults.offlineUntil - now, () => this.connectNow());
      return;
    }
    if (this.everConnected || this.attempt > 0) this.counters.reconnects++;
    this.setState('connecting');
    this.counters.connectAttempts++;
    let t: Transport;
    try {
      t = this.o.connect!();
    } catch (err) {
      this.o.observer?.error?.(err);
      this.counters.connectFailures++;
      this.scheduleReconnect('cannot create transport');
      return;
    }
    t.open().then(
      () => {
        if (this.stopped || this.st !== 'connecting') {
          void t.close();
          return;
        }
        this.everConnected = true;
        this.attach(t);
        this.afterConnect();
      },
      (err: unknown) => {
        this.counters.connectFailures++;
        if (this.stopped) return;
        this.scheduleReconnect(err instanceof Error ? err.message : String(err));
      },
    );
  }

  private afterConnect(): void {
    if (this.doLogin) {
      this.loginTries = 0;
      this.setState('login');
      this.sendLogin();
    } else {
      this.setState('online');
      this.onOnline();
    }
  }

  private attach(t: Transport): void {
    this.transport = t;
    this.counters.connected++;
    this.pendingLink = null;
    this.missed = 0;
    this.deframer = new Gw376Deframer({
      onFrame: (f) => this.onFrame(f),
      onDiscard: (span) => {
        this.counters.bytesDiscarded += span.length;
        this.o.observer?.discard?.(span);
      },
    });
    this.unsubs = [
      t.onData((chunk) => {
        this.counters.bytesIn += chunk.length;
        this.deframer?.push(chunk);
      }),
      t.onClose((err) => {
        if (this.transport === t) this.onLost(err ? err.message : 'closed by peer');
      }),
    ];
  }

  private detach(): void {
    if (!this.transport) return;
    for (const u of this.unsubs) u();
    this.unsubs = [];
    this.transport = null;
    this.deframer = null;
    this.counters.connected--;
    this.pendingLink = null;
    this.cancelTimers();
  }

  private cancelTimers(): void {
    this.sched.clearTimer(this.tLogin);
    this.sched.clearTimer(this.tBeat);
    this.sched.clearTimer(this.tPoll);
    this.tLogin = this.tBeat = this.tPoll = null;
  }

  private onLost(reason: string): void {
    this.detach();
    if (this.stopped) return;
    if (this.mode === 'listen') {
      this.setState('waiting', reason);
      return;
    }
    const now = this.sched.now();
    if (this.faults.offlineUntil && this.faults.offlineUntil > now) {
      this.setState('offline', reason);
      this.sched.clearTimer(this.tConnect);
      this.tConnect = this.sched.setTimer(this.faults.offlineUntil - now, () => this.connectNow());
      return;
    }
    this.scheduleReconnect(reason);
  }

  /** Drops the link on purpose (missed heartbeats, login failure) and reconnects. */
  private drop(reason: string): void {
    const t = this.transport;
    if (!t) return;
    this.onLost(reason);
    void t.close().catch(() => undefined);
  }

  /** Back-off delay of the n-th failed attempt (n ≥ 1). */
  backoffDelay(n: number): number {
    const b = this.o.backoff ?? {};
    const base = b.baseMs ?? 1000;
    const d = Math.min(b.maxMs ?? 60_000, base * Math.pow(b.factor ?? 2, Math.max(0, n - 1)));
    return Math.round(d / 2 + (this.rnd() * d) / 2);
  }

  private scheduleReconnect(reason: string): void {
    this.attempt++;
    const delay = this.backoffDelay(this.attempt);
    this.setState('backoff', `${reason}; retry in ${delay} ms`);
    this.sched.clearTimer(this.tConnect);
    this.tConnect = this.sched.setTimer(delay, () => this.connectNow());
  }

  private goOffline(until: number): void {
    this.faults.offlineUntil = until;
    if (this.mode === 'dial-in' && this.st === 'backoff') {
      // Not connected: push the next attempt to the end of the offline period.
      this.sched.clearTimer(this.tConnect);
      this.setState('offline');
      this.tConnect = this.sched.setTimer(until - this.sched.now(), () => this.connectNow());
      return;
    }
    if (this.transport) this.drop('offline (fault)');
  }

  // ------------------------------------------------------------------ link frames

  private sendLogin(): void {
    this.loginTries++;
    this.sendLink('login');
    this.sched.clearTimer(this.tLogin);
    this.tLogin = this.sched.setTimer(this.o.loginTimeoutMs ?? 10_000, () => {
      this.tLogin = null;
      this.counters.loginTimeouts++;
      if (this.loginTries <= (this.o.loginRetries ?? 2)) this.sendLogin();
      else this.drop('login not confirmed');
    });
  }

  private sendLink(kind: LinkKind): void {
    const frame = this.device.linkFrame(kind, this.terminalNow());
    this.pendingLink = { kind, seq: frame[SEQ_OFFSET]! & 0x0f };
    if (kind === 'heartbeat') this.counters.heartbeats++;
    this.writeFrames([frame]);
  }

  private onOnline(): void {
    this.attempt = 0;
    if (this.doHeartbeat) this.scheduleHeartbeat();
    this.schedulePoll();
    this.pollReports();
  }

  private scheduleHeartbeat(): void {
    const period = Math.max(100, this.device.heartbeatPeriodMs());
    this.tBeat = this.sched.setTimer(period, () => {
      this.tBeat = null;
      if (!this.transport || this.st !== 'online') return;
      if (!this.faults.halfOpen) {
        if (this.missed >= (this.o.maxMissedHeartbeats ?? 3)) {
          this.drop(`${this.missed} heartbeats not confirmed`);
          return;
        }
        this.missed++;
        this.sendLink('heartbeat');
      }
      this.scheduleHeartbeat();
    });
  }

  private schedulePoll(): void {
    const every = this.o.reportPollMs ?? 1000;
    if (every <= 0) return;
    this.tPoll = this.sched.setTimer(every, () => {
      this.tPoll = null;
      if (!this.transport || this.st !== 'online') return;
      this.pollReports();
      this.schedulePoll();
    });
  }

  private pollReports(): void {
    if (this.st !== 'online' || this.faults.halfOpen) return;
    const frames = this.device.pendingReports(this.terminalNow());
    if (frames.length) this.send(frames);
  }

  /** A master AFN00 answering the link frame we wait for. */
  private onLinkConfirm(kind: LinkKind, ok: boolean): void {
    this.pendingLink = null;
    if (kind === 'login') {
      this.sched.clearTimer(this.tLogin);
      this.tLogin = null;
      if (!ok) {
        this.drop('login denied');
        return;
      }
      this.counters.logins++;
      this.setState('online');
      this.onOnline();
    } else if (kind === 'heartbeat') {
      this.missed = 0;
      this.counters.heartbeatsConfirmed++;
    } else {
      this.logoutDone?.();
    }
  }

  // ------------------------------------------------------------------ frames

  private onFrame(f: Gw376Frame): void {
    const c = this.counters;
    c.framesIn++;
    const obs = this.o.observer;
    const bytes = f.bytes();
    if (this.faults.halfOpen) {
      obs?.frame?.('in', bytes, 'ignored: half-open');
      return;
    }
    if (this.draw(this.faults.lossPct)) {
      c.faultsInjected++;
      obs?.frame?.('in', bytes, 'dropped: loss');
      return;
    }
    obs?.frame?.('in', bytes);
    if (f.dir !== 'down') return;
    const id = this.device.id;
    if (!f.group && (f.a2 !== id.a2 || f.a1 !== id.a1)) return;
    const link = this.pendingLink;
    if (f.afn === AFN_CONFIRM && link && f.seq === link.seq && !f.prm) {
      // F1 confirm (DT 01 00) or F2 deny (DT 02 00) of our link frame.
      const dt1 = f.dataEnd - f.dataStart >= 4 ? f.buf[f.dataStart + 2]! : 1;
      this.onLinkConfirm(link.kind, dt1 !== 2);
      return;
    }
    let answers: Buffer[];
    try {
      answers = this.device.receive(bytes, this.terminalNow());
    } catch (err) {
      obs?.error?.(err);
      return;
    }
    if (answers.length) this.send(answers);
    this.pollReports();
  }

  private draw(pct: number | undefined): boolean {
    return !!pct && pct > 0 && this.rnd() * 100 < pct;
  }

  /** Answers: delayed by `slowMs` when slow. */
  private send(frames: Buffer[]): void {
    const slow = Math.max(this.faults.slowMs ?? 0, this.device.replyDelayMs?.() ?? 0);
    if (slow > 0) {
      this.counters.faultsInjected++;
      const h = this.sched.setTimer(slow, () => {
        this.pendingSlow.delete(h);
        this.writeFrames(frames);
      });
      this.pendingSlow.add(h);
    } else this.writeFrames(frames);
  }

  private writeFrames(frames: Buffer[]): void {
    const t = this.transport;
    if (!t) return;
    const obs = this.o.observer;
    const c = this.counters;
    const f = this.faults;
    for (const frame of frames) {
      if (f.halfOpen) {
        obs?.frame?.('out', frame, 'withheld: half-open');
        continue;
      }
      if (this.draw(f.lossPct)) {
        c.faultsInjected++;
        obs?.frame?.('out', frame, 'dropped: loss');
        continue;
      }
      let out = frame;
      let note: string | undefined;
      if (this.draw(f.corruptPct)) {
        c.faultsInjected++;
        out = corruptFrame(frame, this.rnd);
        note = 'corrupted';
      }
      const copies = this.draw(f.duplicatePct) ? 2 : 1;
      if (copies === 2) {
        c.faultsInjected++;
        note = note ? `${note}, duplicated` : 'duplicated';
      }
      for (let i = 0; i < copies; i++) {
        c.framesOut++;
        c.bytesOut += out.length;
        obs?.frame?.('out', out, note);
        t.write(out).catch((err: unknown) => obs?.error?.(err));
      }
    }
  }
}

/** A copy of `frame` with one user-data byte (control field onwards, before CS) XORed with a non-zero mask. */
export function corruptFrame(frame: Buffer, rnd: () => number = Math.random): Buffer {
  const out = Buffer.from(frame);
  const first = 6;
  const last = Math.max(first, out.length - 3);
  const at = first + Math.floor(rnd() * (last - first + 1));
  const mask = 1 + Math.floor(rnd() * 255);
  out[at] = out[at]! ^ mask;
  return out;
}
