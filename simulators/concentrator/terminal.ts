/**
 * A simulated Q/GDW 376.1 concentrator (the "brain"): sans-I/O, frames in, frames out, time passed in.
 *
 * Link behaviour (Q/GDW 376.1-2009 §5.2): answers only frames addressed to it (A1, A2; group/broadcast
 * frames are executed but not answered), echoes the master's MSA, the PSEQ as RSEQ (+1 per frame of a
 * multi-frame answer) and the Tp; appends EC with ACD=1 while important events are unread; answers AFN00
 * (F1/F2/F3) to AFN01/04/05 and AFN00 F2 to what it does not support; checks PW on the AFNs that carry it
 * (§5.2.3.6.1): by default a PW equal to the configured one (16 zero bytes) passes, others are denied
 * with ERC20. Optionally discards requests whose Tp is older than its allowed delay (§5.2.3.6.3),
 * against the terminal clock in Beijing time; with that check on, a PW frame whose Tp was already
 * executed is not executed again (replay.ts), and meters refuse 1CH commands past their deadline.
 * AFNs: 01 reset, 04 set / 0A query parameters (params.ts), 05 controls (controls.ts), 09 F1 version,
 * 0C/0D data (meters.ts), 0E events (events.ts), 10 F1 forwarding (forward.ts).
 */
import type { EventCounters, FrameHeader, Gw376Message, KnownUnit, RawUnit, Revision, TimeLabel } from '../../protocols/gw376/index.js';
import type { VersionInfo } from '../../protocols/gw376/index.js';
import { afnNeedsPw, builders, daOfPn, decodeMessage, dtOfFn, encodeMessage, FUNC_PRM1, ZERO_PW, checkPw } from '../../protocols/gw376/index.js';
import { PARAM_LAYOUTS } from '../../protocols/gw376/afn/afn04-set-params.js';
import type { ErcRecord } from '../../protocols/gw376/erc/registry.js';
import { energyWhAt, instantAt, localParts, register, type ModelId } from '../model.js';
import type { TerminalDevice, TerminalId } from './device.js';
import { terminalKey } from './device.js';
import { TerminalClock } from './clock.js';
import { ControlState, type ControlEnv, type ControlsJSON } from './controls.js';
import { EventLog } from './events.js';
import { TerminalFaults, type FaultFlags } from './faults.js';
import { forwardTransparent, type ForwardEnv } from './forward.js';
import { ReplayGuard } from './replay.js';
import { a15Of, a1Of, defaultPurchase, historyOf, profileOf, realtimeOf, tdKindOf, type MeterContext } from './meters.js';
import { ParamStore, type EventConfig, type ParamsJSON, type UplinkParams } from './params.js';
import { confirmFrame, dataFrames, encodeUnit, resultFrame, type DataUnit } from './reply.js';

export interface TerminalOptions {
  /** Model seed (default 1). */
  seed?: ModelId;
  /** Protocol edition (default 2009): 2013 heartbeats carry the clock. */
  revision?: Revision;
  /** Meters configured by default, Pn 1..meterCount (default 8). */
  meterCount?: number;
  /** Largest user-data length of an answer frame before it is split (default 16383, §5.1.2). */
  maxUserLength?: number;
  /** The PW the terminal expects, 32 hex digits (default 16 zero bytes). */
  password?: string;
  /** 'match' (default): PW must equal `password`; 'accept': any PW; 'fail': every PW fails (AFN00 F2). */
  pwPolicy?: 'match' | 'accept' | 'fail';
  /**
   * Discard requests whose Tp has expired against the terminal clock, refuse replays of executed PW
   * frames, and have meters check 1CH deadlines (default false).
   */
  checkTp?: boolean;
  /** Active reporting allowed at start (default true; AFN05 F29/F37 change it). */
  autoReport?: boolean;
  /** Clock offset from real time at start, ms (default 0). */
  clockOffsetMs?: number;
  /** Defaults of AFN04 F1/F3. */
  heartbeatMinutes?: number;
  masterIp?: string;
  masterPort?: number;
  /** AFN09 F1 answer (defaults: vendor "OHES", software "1.00"). */
  version?: Partial<VersionInfo>;
}

export interface TerminalJSON {
  params: ParamsJSON;
  controls: ControlsJSON;
  clockOffsetMs: number;
}

/** AFN04 Fns the store accepts (the codec's AFN04 layouts). */
const SETTABLE = new Set(PARAM_LAYOUTS.map((e) => e[0]));
const MAX_OUTAGES = 32;
const LOCAL_OFFSET_MS = 8 * 3_600_000;

interface AwaitingReport {
  seq: number;
  sentAt: number;
  tries: number;
  upTo: number;
  frame: Buffer;
}

export class SimulatedTerminal implements TerminalDevice {
  readonly id: TerminalId;
  readonly key: string;
  readonly params: ParamStore;
  readonly events = new EventLog();
  readonly controls: ControlState;
  readonly clock: TerminalClock;
  readonly faults: TerminalFaults;
  private readonly opts: TerminalOptions;
  /** The PW requests must carry (upper-case hex). */
  private readonly password: string;
  private pseq = 0;
  private lastNow = 0;
  private powerOffSince = -1;
  private outages: [number, number][] | undefined;
  private awaiting: AwaitingReport | undefined;
  private replays: ReplayGuard | undefined;

  /** `opts` is kept by reference: a fleet passes one shared object to all its terminals. */
  constructor(id: TerminalId, opts: TerminalOptions = {}) {
    this.id = id;
    this.key = terminalKey(id);
    if (opts.password !== undefined) checkPw(opts.password);
    this.opts = opts;
    this.password = (opts.password ?? ZERO_PW).toUpperCase();
    this.params = new ParamStore(id, {
      meterCount: opts.meterCount ?? 8,
      ...(opts.heartbeatMinutes !== undefined ? { heartbeatMinutes: opts.heartbeatMinutes } : {}),
      ...(opts.masterIp !== undefined ? { masterIp: opts.masterIp } : {}),
      ...(opts.masterPort !== undefined ? { masterPort: opts.masterPort } : {}),
    });
    this.controls = new ControlState(opts.autoReport ?? true);
    this.clock = new TerminalClock(opts.clockOffsetMs ?? 0);
    this.faults = new TerminalFaults(`${opts.seed ?? 1}:${this.key}`, (p, n, now) => this.onFaults(p, n, now), () => this.lastNow);
  }

  private get seed(): ModelId {
    return this.opts.seed ?? 1;
  }
  private get revision(): Revision {
    return this.opts.revision ?? 2009;
  }

  // ── TerminalDevice ──────────────────────────────────────────────────────────────────────────

  receive(frame: Buffer, now: number): Buffer[] {
    this.lastNow = now;
    if (this.faults.powerOff) {
      this.faults.fired.silentPowerOff++;
      return [];
    }
    if (this.faults.drawDrop()) return [];
    let req: Gw376Message;
    try {
      req = decodeMessage(frame, { revision: this.revision });
    } catch {
      return [];
    }
    if (req.dir !== 'down' || req.a1 !== this.id.a1) return [];
    const broadcast = req.a2 === 0xffff;
    if (!broadcast && req.a2 !== this.id.a2) return [];
    if (this.opts.checkTp && req.tp && this.tpExpired(req.tp, now)) return [];
    const replayKey = this.opts.checkTp && afnNeedsPw(req.afn) ? ReplayGuard.keyOf(req) : undefined;
    if (replayKey !== undefined) {
      const v = (this.replays ??= new ReplayGuard()).check(replayKey, frame, now);
      if (v.kind === 'discard') return [];
      if (v.kind === 'repeat') return broadcast ? [] : this.faults.shape(v.answer);
    }
    this.controls.tick(this.controlEnv(now));
    const out = this.handle(req, now);
    if (replayKey !== undefined) this.replays!.remember(replayKey, frame, out, now + Math.max(1, req.tp?.delayMinutes ?? 0) * 60_000 + 60_000);
    return broadcast ? [] : this.faults.shape(out);
  }

  linkFrame(kind: 'login' | 'heartbeat' | 'logout', now: number): Buffer {
    this.lastNow = now;
    const fn = kind === 'login' ? 1 : kind === 'logout' ? 2 : 3;
    const seq = this.nextSeq();
    if (fn === 3 && this.revision === 2013) {
      const h: FrameHeader = { dir: 'up', prm: true, func: FUNC_PRM1.linkTest, a1: this.id.a1, a2: this.id.a2, msa: 0, group: false, afn: 0x02, seq, con: true };
      return encodeMessage({ ...h, revision: 2013, units: [{ pn: 0, fn: 3, data: { clock: a1Of(this.clock.at(now)) } }] });
    }
    return builders.linkFrame(this.id, fn, seq);
  }

  heartbeatPeriodMs(): number {
    const f1 = this.params.get(1, 0) as UplinkParams;
    return Math.max(1, f1.heartbeat) * 60_000;
  }

  pendingReports(now: number): Buffer[] {
    this.lastNow = now;
    if (this.faults.powerOff) return [];
    this.controls.tick(this.controlEnv(now));
    if (!this.controls.autoReport) return [];
    const f1 = this.params.get(1, 0) as UplinkParams;
    const a = this.awaiting;
    if (a) {
      if (now - a.sentAt < Math.max(1, f1.wait.timeout) * 1000) return [];
      if (a.tries <= f1.wait.retries) {
        a.tries++;
        a.sentAt = now;
        return this.faults.shape([a.frame]);
      }
      // Never confirmed: given up; the records stay readable with AFN0E.
      this.awaiting = undefined;
    }
    const batch = this.events.nextReport();
    if (!batch) return [];
    const con = f1.confirm.class3;
    const seq = this.nextSeq();
    const h: FrameHeader = { dir: 'up', prm: true, fcbAcd: true, func: FUNC_PRM1.userData, a1: this.id.a1, a2: this.id.a2, msa: 0, afn: 0x0e, seq, con };
    h.ec = this.events.counters();
    const frame = encodeMessage({ ...h, revision: this.revision, units: [{ pn: 0, fn: 1, data: batch.data }] });
    this.events.reportSent(batch.upTo, !con);
    if (con) this.awaiting = { seq, sentAt: now, tries: 1, upTo: batch.upTo, frame };
    return this.faults.shape([frame]);
  }

  /** Reply delay a channel should apply (the `slowMs` fault). */
  replyDelayMs(): number {
    return this.faults.slowMs;
  }

  // ── persistence ─────────────────────────────────────────────────────────────────────────────

  toJSON(): TerminalJSON {
    return { params: this.params.toJSON(), controls: this.controls.toJSON(), clockOffsetMs: this.clock.offsetAt(this.lastNow) };
  }

  /** Restores a saved state at real time `now`. */
  fromJSON(j: TerminalJSON, now: number): void {
    this.params.fromJSON(j.params);
    this.controls.fromJSON(j.controls);
    this.clock.set(now + j.clockOffsetMs, now);
  }

  // ── dispatch ────────────────────────────────────────────────────────────────────────────────

  private handle(req: Gw376Message, now: number): Buffer[] {
    if (req.afn === 0x00) {
      this.onMasterConfirm(req);
      return [];
    }
    if (req.afn === 0x02) return [];
    if (this.faults.denyAll) {
      this.faults.fired.denied++;
      return [this.deny(req)];
    }
    if (afnNeedsPw(req.afn) && !this.pwOk(req, now)) return [this.deny(req)];
    switch (req.afn) {
      case 0x01:
        return [this.reset(req, now)];
      case 0x04:
        return [this.setParams(req, now)];
      case 0x05:
        return [this.control(req, now)];
      case 0x09:
        return this.answer(req, this.config(req));
      case 0x0a:
        return this.answer(req, this.query(req));
      case 0x0c:
        return this.answer(req, this.realtime(req, now));
      case 0x0d:
        return this.answer(req, this.history(req, now));
      case 0x0e:
        return this.answer(req, this.eventData(req));
      case 0x10:
        return this.answer(req, this.forward(req, now));
      default:
        return [this.deny(req)];
    }
  }

  /** Data units → frames; none answerable → AFN00 F2. */
  private answer(req: Gw376Message, units: DataUnit[]): Buffer[] {
    if (units.length === 0) return [this.deny(req)];
    const raws: RawUnit[] = units.map((u) => encodeUnit(req.afn, u, this.revision));
    return dataFrames(req, raws, this.opts.maxUserLength ?? 16383, this.ec());
  }

  private deny(req: Gw376Message): Buffer {
    return confirmFrame(req, false, this.ec());
  }

  private ec(): EventCounters | undefined {
    return this.events.acd() ? this.events.counters() : undefined;
  }

  private known(req: Gw376Message): { units: KnownUnit[]; raw: RawUnit | undefined } {
    const units: KnownUnit[] = [];
    let raw: RawUnit | undefined;
    for (const u of req.units) {
      if (u.raw) raw ??= u;
      else units.push(u);
    }
    return { units, raw };
  }

  private pwOk(req: Gw376Message, now: number): boolean {
    const policy = this.opts.pwPolicy ?? 'match';
    if (policy === 'accept') return true;
    // Decoded PWs are upper-case hex, as is this.password.
    const pw = req.pw ?? ZERO_PW;
    const ok = policy === 'match' && pw === this.password;
    if (!ok) this.addEvent({ erc: 20, data: { time: a15Of(this.clock.at(now)), pw, msa: req.msa ?? 0 } });
    return ok;
  }

  private tpExpired(tp: TimeLabel, now: number): boolean {
    if (tp.delayMinutes === 0 || !tp.sendTime) return false;
    const c = this.clock.at(now);
    const p = localParts(c);
    const t = tp.sendTime;
    let sent = Date.UTC(p.year, p.month - 1, t.day, t.hour, t.minute, t.second) - LOCAL_OFFSET_MS;
    if (t.day > p.day) sent = Date.UTC(p.year, p.month - 2, t.day, t.hour, t.minute, t.second) - LOCAL_OFFSET_MS;
    return c - sent > tp.delayMinutes * 60_000;
  }

  // ── AFN01 reset ─────────────────────────────────────────────────────────────────────────────

  private reset(req: Gw376Message, now: number): Buffer {
    const { units } = this.known(req);
    const fn = units[0]?.fn;
    if (fn === undefined || fn < 1 || fn > 4) return this.deny(req);
    if (fn === 2 || fn === 3) this.events.clear();
    if (fn === 3) {
      this.params.clear();
      this.controls.clear(this.opts.autoReport ?? true);
    }
    if (fn === 4) this.params.clear(true);
    if (fn >= 2) {
      const v = this.versionInfo().softwareVersion;
      this.addEvent({ erc: 1, data: { time: a15Of(this.clock.at(now)), flags: { dataInit: true, versionChange: false }, oldVersion: v, newVersion: v } });
    }
    return confirmFrame(req, true, this.ec());
  }

  // ── AFN04 set / AFN0A query ─────────────────────────────────────────────────────────────────

  private setParams(req: Gw376Message, now: number): Buffer {
    const { units, raw } = this.known(req);
    const items: { pn: number; fn: number; ok: boolean }[] = [];
    const env = this.controlEnv(now);
    for (const u of units) {
      let ok = SETTABLE.has(u.fn) && u.data !== undefined;
      // F47 is a purchase record: a repeated order number is refused and not stored (controls.ts).
      if (ok && u.fn === 47) ok = this.controls.setPurchase(u.pn, u.data as Parameters<ControlState['setPurchase']>[1], env) === 'ok';
      if (ok) this.params.set(u.fn, u.pn, u.data);
      items.push({ pn: u.pn, fn: u.fn, ok });
    }
    if (raw) items.push({ pn: raw.pns[0] ?? 0, fn: raw.fns[0] ?? 0, ok: false });
    const changed = items.filter((i) => i.ok);
    if (changed.length) {
      this.addEvent({
        erc: 3,
        data: { time: a15Of(this.clock.at(now)), msa: req.msa ?? 0, ids: changed.map((i) => ({ da: daOfPn(i.pn), dt: dtOfFn(i.fn) })) },
      });
    }
    return resultFrame(req, items, this.ec());
  }

  private query(req: Gw376Message): DataUnit[] {
    const out: DataUnit[] = [];
    for (const u of this.known(req).units) {
      if (u.fn === 10) {
        const seqs = (u.data as { seqs: number[] } | undefined)?.seqs ?? [];
        const meters = seqs.map((s) => this.params.meterConfig(s)).filter((m) => m !== undefined);
        // One unit per ≤ `per` records so that every unit fits a frame.
        const per = Math.max(1, Math.floor(((this.opts.maxUserLength ?? 16383) - 8 - 8 - 4 - 2) / 27));
        for (let i = 0; i < meters.length || i === 0; i += per) {
          const part = meters.slice(i, i + per);
          out.push({ pn: u.pn, fn: 10, data: { n: part.length, meters: part } });
        }
        continue;
      }
      const v = this.params.get(u.fn, u.pn);
      if (v !== undefined) out.push({ pn: u.pn, fn: u.fn, data: v });
    }
    return out;
  }

  // ── AFN05 control ───────────────────────────────────────────────────────────────────────────

  private control(req: Gw376Message, now: number): Buffer {
    const { units, raw } = this.known(req);
    const env = this.controlEnv(now);
    const items = units.map((u) => ({ pn: u.pn, fn: u.fn, ok: this.controls.apply(u.fn, u.pn, u.data, env) === 'ok' }));
    if (raw) items.push({ pn: raw.pns[0] ?? 0, fn: raw.fns[0] ?? 0, ok: false });
    return resultFrame(req, items, this.ec());
  }

  // ── AFN09 configuration ─────────────────────────────────────────────────────────────────────

  private versionInfo(): VersionInfo {
    return {
      vendor: 'OHES',
      deviceNumber: String(this.id.a2).padStart(8, '0'),
      softwareVersion: '1.00',
      softwareDate: { year: 2024, month: 1, day: 1 },
      capacityCode: 'SIM-2040',
      protocolVersion: this.revision === 2013 ? '2013' : '2009',
      hardwareVersion: '1.00',
      hardwareDate: { year: 2024, month: 1, day: 1 },
      ...this.opts.version,
    };
  }

  private config(req: Gw376Message): DataUnit[] {
    return this.known(req).units.filter((u) => u.fn === 1 && u.pn === 0).map(() => ({ pn: 0, fn: 1, data: this.versionInfo() }));
  }

  // ── AFN0C / AFN0D data ──────────────────────────────────────────────────────────────────────

  private meterContext(now: number): MeterContext {
    const missing = this.faults.meterMissing;
    const days = this.readingDays();
    return {
      seed: this.seed,
      terminal: this.key,
      now,
      clock: this.clock.at(now),
      present: (pn) => !missing.has(pn) && this.params.meterOfPn(pn) !== undefined,
      inOutage: (t) => this.inOutage(t),
      relayOpen: (pn) => this.controls.relayOpen(pn),
      readingDays: days,
    };
  }

  private readingDays(): number[] {
    const f33 = this.params.get(33, 0) as { ports: { port: number; days: number[] }[] } | undefined;
    return f33?.ports.find((p) => p.port === 2)?.days ?? f33?.ports[0]?.days ?? [1];
  }

  private inOutage(t: number): boolean {
    if (this.powerOffSince >= 0 && t >= this.powerOffSince) return true;
    for (const [a, b] of this.outages ?? []) if (t >= a && t <= b) return true;
    return false;
  }

  private realtime(req: Gw376Message, now: number): DataUnit[] {
    const ctx = this.meterContext(now);
    const out: DataUnit[] = [];
    for (const u of this.known(req).units) {
      const data =
        u.pn === 0
          ? this.terminalData(u.fn, now)
          : u.fn === 23
            ? this.groupRemaining(u.pn, now)
            : this.params.meterOfPn(u.pn)
              ? realtimeOf(u.fn, u.pn, ctx, this.purchaseOf(u.pn, now))
              : undefined;
      if (data !== undefined) out.push({ pn: u.pn, fn: u.fn, data });
    }
    return out;
  }

  /** AFN0C F23 of total-add group `g`: remaining purchased energy, whole kWh (A.3); none before any F47. */
  private groupRemaining(g: number, now: number): { remaining: number } | undefined {
    const left = this.controls.remaining(g, now, this.controlEnv(now));
    return left === undefined ? undefined : { remaining: Math.floor(left) };
  }

  private purchaseOf(pn: number, now: number): ReturnType<typeof defaultPurchase> | undefined {
    const left = this.controls.remaining(pn, now, this.controlEnv(now));
    if (left === undefined) return undefined;
    const base = defaultPurchase(0);
    return { ...base, remainingEnergy: left, balance: Math.round(left * 0.5 * 10000) / 10000, purchases: 1, totalPurchasedEnergy: this.controls.remaining(pn, now) ?? left };
  }

  /** AFN0C Fns of p0 (the terminal itself). */
  private terminalData(fn: number, now: number): unknown {
    const clock = this.clock.at(now);
    switch (fn) {
      case 2:
        return { clock: a1Of(clock) };
      case 3:
        return { fns: this.params.setFns() };
      case 4:
        return { state: { call: 1, report: this.controls.autoReport ? 1 : 2 } };
      case 5:
        return this.controls.settings(now, (f, p) => this.params.get(f, p));
      case 6:
        return this.controls.current((f, p) => this.params.get(f, p));
      case 7: {
        const ec = this.events.counters();
        return { ec1: ec.important, ec2: ec.normal };
      }
      case 8:
        return { ercs: [] };
      case 9:
        return { state: [], changed: [] };
      case 10:
        return { day: 0, month: 0 };
      case 11: {
        const total = this.params.meterCount();
        const missing = [...this.faults.meterMissing].filter((pn) => this.params.meterOfPn(pn)).length;
        const p = localParts(clock);
        const start = a1Of(Date.UTC(p.year, p.month - 1, p.day, p.hour, 0, 0) - LOCAL_OFFSET_MS);
        return { n: 1, ports: [{ port: 2, meters: total, state: { reading: false, timeSlotExceeded: false }, success: total - missing, keySuccess: 0, start, end: a1Of(clock) }] };
      }
      default:
        return undefined;
    }
  }

  private history(req: Gw376Message, now: number): DataUnit[] {
    const ctx = this.meterContext(now);
    const out: DataUnit[] = [];
    for (const u of this.known(req).units) {
      if (!tdKindOf(u.fn) || !this.params.meterOfPn(u.pn)) continue;
      const td = (u.data as { td?: unknown } | undefined)?.td;
      if (td === undefined || td === null) continue;
      const data = historyOf(u.fn, u.pn, td, ctx);
      if (data !== undefined) out.push({ pn: u.pn, fn: u.fn, data });
    }
    return out;
  }

  // ── AFN0E events ────────────────────────────────────────────────────────────────────────────

  private eventData(req: Gw376Message): DataUnit[] {
    const max = Math.max(1, Math.floor(((this.opts.maxUserLength ?? 16383) - 30) / 40));
    return this.known(req)
      .units.filter((u) => u.fn === 1 || u.fn === 2)
      .map((u) => {
        const q = u.data as { pm: number; pn: number };
        return { pn: 0, fn: u.fn, data: this.events.read(u.fn === 1, q.pm, q.pn, max) };
      });
  }

  /** Records an event in the queue its ERC belongs to (AFN04 F9); ERCs not valid there are dropped. */
  addEvent(rec: ErcRecord): void {
    const f9 = this.params.get(9, 0) as EventConfig;
    if (!f9.valid.includes(rec.erc)) return;
    this.events.add(rec, f9.important.includes(rec.erc));
  }

  private onMasterConfirm(req: Gw376Message): void {
    const a = this.awaiting;
    if (!a || req.seq !== a.seq) return;
    const f = req.units[0];
    this.events.reportSent(a.upTo, f !== undefined && !f.raw && f.fn === 1);
    this.awaiting = undefined;
  }

  // ── AFN10 forwarding ────────────────────────────────────────────────────────────────────────

  private forward(req: Gw376Message, now: number): DataUnit[] {
    const env: ForwardEnv = {
      seed: this.seed,
      terminal: this.key,
      now,
      clock: this.clock.at(now),
      pnOfAddress: (a) => this.params.pnOfAddress(a),
      editionOf: (pn) => (this.params.meterOfPn(pn)?.protocol === 1 ? 1997 : 2007),
      present: (pn) => !this.faults.meterMissing.has(pn),
      relayOpen: (pn) => this.controls.outputOpen(pn),
      keepPower: () => this.controls.keepPower(now),
      meterStatus3: (pn) => this.controls.meterStatus3(pn),
      setMeterStatus3: (pn, v) => this.controls.setMeterStatus3(pn, v),
      checkDeadline: this.opts.checkTp ?? false,
    };
    return this.known(req)
      .units.filter((u) => u.fn === 1 && u.data !== undefined)
      .map((u) => ({ pn: 0, fn: 1, data: forwardTransparent(u.data as Parameters<typeof forwardTransparent>[0], env) }));
  }

  // ── controls and faults ─────────────────────────────────────────────────────────────────────

  private controlEnv(now: number): ControlEnv {
    return {
      now,
      clock: this.clock.at(now),
      totalPowerKw: () => {
        let kw = 0;
        this.params.forEachMeter((m) => {
          if (!this.faults.meterMissing.has(m.pn)) kw += instantAt(profileOf({ seed: this.seed, terminal: this.key }, m.pn), now).activePower;
        });
        return Math.round(kw * 1000) / 1000;
      },
      groupEnergyKwh: (g, t) => register(energyWhAt(profileOf({ seed: this.seed, terminal: this.key }, g), t), 'forwardActive').total,
      param: (fn, pn) => this.params.get(fn, pn),
      addEvent: (rec) => this.addEvent(rec),
      setClock: (t) => this.clock.set(t, now),
    };
  }

  private onFaults(prev: Readonly<FaultFlags>, next: Readonly<FaultFlags>, now: number): void {
    if (prev.clockDriftPpm !== next.clockDriftPpm) this.clock.setDrift(next.clockDriftPpm, now);
    if (!prev.powerOff && next.powerOff) this.powerOffSince = now;
    if (prev.powerOff && !next.powerOff && this.powerOffSince >= 0) {
      const since = this.powerOffSince;
      this.powerOffSince = -1;
      const list = (this.outages ??= []);
      list.push([since, now]);
      if (list.length > MAX_OUTAGES) list.shift();
      // ERC14: power-off and power-on times on the terminal clock (§C ERC14, 2009 layout).
      this.addEvent({ erc: 14, data: { powerOff: a15Of(this.clock.at(since)), powerOn: a15Of(this.clock.at(now)) } });
    }
    if (prev.meterMissing !== next.meterMissing) {
      for (const pn of next.meterMissing) if (!prev.meterMissing.has(pn)) this.readingFailure(pn, true, now);
      for (const pn of prev.meterMissing) if (!next.meterMissing.has(pn)) this.readingFailure(pn, false, now);
    }
  }

  /** ERC31 (终端485抄表失败): start when a meter stops answering, end when it answers again. */
  private readingFailure(pn: number, start: boolean, now: number): void {
    if (!this.params.meterOfPn(pn)) return;
    const wh = energyWhAt(profileOf({ seed: this.seed, terminal: this.key }, pn), now);
    const clock = this.clock.at(now);
    const lastRead = clock - (clock % (15 * 60_000));
    this.addEvent({
      erc: 31,
      data: {
        time: a15Of(clock),
        pn: { pn, start },
        lastSuccess: a15Of(lastRead),
        activeEnergy: register(wh, 'forwardActive').total,
        reactiveEnergy: register(wh, 'combinedReactive1').total,
      },
    });
  }

  private nextSeq(): number {
    const s = this.pseq;
    this.pseq = (this.pseq + 1) & 15;
    return s;
  }
}
