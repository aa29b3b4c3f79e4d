/**
 * One-call builders for the frames a master station and a terminal send (Q/GDW 376.1-2009 §5.5).
 *
 * Control-code defaults follow real captures (digest §2; the standard's own FC per AFN is UNVERIFIED):
 * reset FC 1, set/control FC 10, reads FC 11, confirm of login/heartbeat C=0BH (PRM=0, FC 11 link
 * status), terminal link frames C=C9H, data replies C=88H, spontaneous reports C=C4H.
 * Units of AFNs owned by other files are written as raw DA/DT (+data) bytes, so these builders work
 * whether or not those AFNs are registered.
 */
import { Buffer } from 'node:buffer';
import { BinaryWriter } from '../codec/cursor.js';
import { EncodeError } from '../codec/errors.js';
import type { ClockA1 } from './afn/common.js';
import { writeA1, writeA20 } from './afn/common.js';
import type { ForwardRequest, SerialControl } from './afn/afn10-forward.js';
import { groupDataIds, daOfPn, dtOfFn } from './data-id.js';
import type { EventCounters, FrameHeader, TimeLabel } from './frame.js';
import { ZERO_PW } from './pw.js';
import { FUNC_PRM0, FUNC_PRM1, MAX_USER_NET, encodeFrame, makeTp, CST_OFFSET_MINUTES } from './frame.js';
import type { Gw376Message, KnownUnit, MessageUnit, RawUnit } from './message.js';
import { encodeMessage } from './message.js';
import { lookupAfn } from './registry.js';

/** The terminal addressed (or sending). */
export interface Target {
  a1: string;
  a2: number;
  /** Master station address 1..127 for master-initiated frames; 0 for terminal-initiated ones. */
  msa?: number;
  group?: boolean;
}

export interface RequestOptions {
  /** PSEQ 0..15 (use the low 4 bits of the PFC). */
  seq: number;
  /** Frame counter for Tp; defaults to `seq`. */
  pfc?: number;
  /** Send time for Tp (default: now). */
  now?: Date;
  /** Include Tp (default: the AFN's `needsTp`). */
  tp?: boolean;
  /** Allowed transmission delay in minutes for Tp (default 5, as in the captures). */
  delayMinutes?: number;
  /** PW for AFNs that carry it, 32 hex digits (default 16 zero bytes: the value test systems send). */
  pw?: string;
  fcb?: boolean;
  fcv?: boolean;
  con?: boolean;
  /** Control function code (default per AFN). */
  func?: number;
}

interface AfnDefaults {
  func: number;
  pw: boolean;
  tp: boolean;
  con: boolean;
}

/** Used when an AFN is not registered (the captures' conventions). */
const FALLBACK: Record<number, AfnDefaults> = {
  0x01: { func: FUNC_PRM1.reset, pw: true, tp: true, con: true },
  0x04: { func: FUNC_PRM1.requestClass1, pw: true, tp: true, con: true },
  0x05: { func: FUNC_PRM1.requestClass1, pw: true, tp: true, con: true },
  0x0a: { func: FUNC_PRM1.requestClass2, pw: false, tp: true, con: false },
  0x0c: { func: FUNC_PRM1.requestClass2, pw: false, tp: true, con: false },
  0x0d: { func: FUNC_PRM1.requestClass2, pw: false, tp: true, con: false },
  0x0e: { func: FUNC_PRM1.requestClass2, pw: false, tp: true, con: false },
  0x10: { func: FUNC_PRM1.requestClass2, pw: true, tp: true, con: false },
};

function defaultsOf(afn: number): AfnDefaults {
  const info = lookupAfn(afn);
  if (info) return { func: info.downFunction, pw: info.needsPw, tp: info.needsTp, con: info.confirm };
  return FALLBACK[afn] ?? { func: FUNC_PRM1.requestClass2, pw: false, tp: false, con: false };
}

/** Header of a master request (DIR=0, PRM=1) with the AFN's defaults applied. */
export function requestHeader(afn: number, t: Target, o: RequestOptions): FrameHeader {
  const d = defaultsOf(afn);
  const h: FrameHeader = {
    dir: 'down',
    prm: true,
    fcbAcd: o.fcb ?? false,
    fcv: o.fcv ?? false,
    func: o.func ?? d.func,
    a1: t.a1,
    a2: t.a2,
    msa: t.msa ?? 1,
    group: t.group ?? false,
    afn,
    seq: o.seq,
    con: o.con ?? d.con,
  };
  if (d.pw || o.pw) h.pw = o.pw ?? ZERO_PW;
  if (o.tp ?? d.tp) h.tp = makeTp(o.pfc ?? o.seq, o.now ?? new Date(), o.delayMinutes ?? 5);
  return h;
}

/** A raw unit: DA/DT of (pn, fn) followed by `data` as on the wire. */
export function rawUnit(pn: number, fn: number, data?: Uint8Array): RawUnit {
  const w = new BinaryWriter(4 + (data?.length ?? 0));
  w.u16(daOfPn(pn)).u16(dtOfFn(fn));
  if (data) w.raw(data);
  return { raw: true, reason: 'unknown-fn', pns: [pn], fns: [fn], bytes: w.finish() };
}

/** Raw units for data-less requests of (pn, fn) pairs, grouped compactly into DA/DT units. */
export function requestUnits(pairs: readonly { pn: number; fn: number }[]): RawUnit[] {
  return groupDataIds(pairs).map((id) => {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt16LE(id.da, 0);
    b.writeUInt16LE(id.dt, 2);
    return { raw: true, reason: 'unknown-fn', da: id.da, dt: id.dt, pns: id.pns, fns: id.fns, bytes: b };
  });
}

function build(h: FrameHeader, units: MessageUnit[], maxUserLength = MAX_USER_NET): Buffer {
  const msg: Gw376Message = { ...h, units };
  return encodeMessage(msg, { maxUserLength });
}

// ---------------------------------------------------------------- master → terminal

/** AFN00 F1 answering a terminal's login / heartbeat / logout (C=0BH, echoes its sequence). */
export function linkConfirm(t: Target, seq: number): Buffer {
  return encodeFrame({ dir: 'down', prm: false, func: FUNC_PRM0.linkStatus, a1: t.a1, a2: t.a2, msa: t.msa ?? 0, group: t.group ?? false, afn: 0x00, seq }, LINK_DADT[0]!);
}
export const loginConfirm = linkConfirm;
export const heartbeatConfirm = linkConfirm;

/** AFN00 confirm (F1) or deny (F2) of any terminal frame with CON=1 (C=00H, PRM=0 FC 0). */
export function masterConfirm(t: Target, seq: number, ok = true): Buffer {
  return build(
    { dir: 'down', prm: false, func: FUNC_PRM0.confirm, a1: t.a1, a2: t.a2, msa: t.msa ?? 0, group: t.group ?? false, afn: 0x00, seq },
    [{ pn: 0, fn: ok ? 1 : 2 }],
  );
}

/** AFN0C read of one Fn for a list of points (grouped 8 per DA). */
export function readRealtime(t: Target, fn: number, pns: readonly number[], o: RequestOptions): Buffer {
  return build(requestHeader(0x0c, t, o), requestUnits(pns.map((pn) => ({ pn, fn }))));
}

/** AFN0C read of several (pn, fn) pairs. */
export function readRealtimeMany(t: Target, pairs: readonly { pn: number; fn: number }[], o: RequestOptions): Buffer {
  return build(requestHeader(0x0c, t, o), requestUnits(pairs));
}

export interface DayDate {
  year: number;
  month: number;
  day: number;
}

/**
 * AFN0D daily-frozen read (default F161, daily frozen forward active energy) of points `pns` on `date`:
 * one DA/DT per point, each followed by Td_d (A.20 DD MM YY). One point per DA keeps the Td placement
 * unambiguous (Td per multi-point DA is UNVERIFIED). Units are split over several frames so that each
 * stays within `maxUserLength` (255 on radio channels).
 */
export function readDailyFrozen(t: Target, pns: readonly number[], date: DayDate, o: RequestOptions & { fn?: number; maxUserLength?: number }): Buffer[] {
  const fn = o.fn ?? 161;
  const w = new BinaryWriter(3);
  writeA20(w, date, 'date');
  const td = w.finish();
  const units = pns.map((pn) => rawUnit(pn, fn, td));
  const max = o.maxUserLength ?? MAX_USER_NET;
  const probe = requestHeader(0x0d, t, o);
  const fixed = 8 + (probe.pw ? 16 : 0) + (probe.tp ? 6 : 0);
  const perFrame = Math.max(1, Math.floor((max - fixed) / 7));
  const frames: Buffer[] = [];
  for (let i = 0, k = 0; i < units.length; i += perFrame, k++) {
    const seq = (o.seq + k) & 15;
    frames.push(build(requestHeader(0x0d, t, { ...o, seq, pfc: (o.pfc ?? o.seq) + k }), units.slice(i, i + perFrame), max));
  }
  return frames;
}

/**
 * AFN05 F1 remote trip of control round `round` (default 1) with PW and Tp. `data` byte: D7..D4 power-limit
 * time (x0.5 h), D3..D0 alarm delay minutes (nibble split UNVERIFIED; 00H = trip now, indefinitely).
 */
export function remoteTrip(t: Target, o: RequestOptions & { round?: number; limitHalfHours?: number; alarmMinutes?: number }): Buffer {
  const limit = o.limitHalfHours ?? 0;
  const alarm = o.alarmMinutes ?? 0;
  if (limit < 0 || limit > 15 || alarm < 0 || alarm > 15) throw new EncodeError('trip', 'limit time and alarm delay are 0..15');
  return build(requestHeader(0x05, t, o), [rawUnit(o.round ?? 1, 1, Uint8Array.of((limit << 4) | alarm))]);
}

/** AFN05 F31 clock set (A.1) with PW and Tp. */
export function clockSet(t: Target, clock: ClockA1, o: RequestOptions): Buffer {
  const w = new BinaryWriter(6);
  writeA1(w, clock, 'clock');
  return build(requestHeader(0x05, t, o), [rawUnit(0, 31, w.finish())]);
}

/** A.1 clock of the instant `d` on a terminal clock `utcOffsetMinutes` east of UTC (default UTC+8). */
export function clockOf(d: Date, utcOffsetMinutes = CST_OFFSET_MINUTES): ClockA1 {
  const l = new Date(d.getTime() + utcOffsetMinutes * 60_000);
  const wd = l.getUTCDay();
  return {
    year: l.getUTCFullYear(),
    month: l.getUTCMonth() + 1,
    day: l.getUTCDate(),
    hour: l.getUTCHours(),
    minute: l.getUTCMinutes(),
    second: l.getUTCSeconds(),
    weekday: wd === 0 ? 7 : wd,
  };
}

/** Defaults of the captures: 2400 bps, even parity, 8 data bits, 1 stop bit. */
export const SERIAL_2400_8E1: SerialControl = { baudCode: 3, stopBits: 1, parity: 'even', dataBits: 8 };

/** AFN10 F1 transparent forwarding of a DL/T 645 frame to `port` (default 31 = carrier/RS-485 per captures). */
export function forward645(
  t: Target,
  frame645: Uint8Array,
  o: RequestOptions & { port?: number; control?: SerialControl; frameTimeoutS?: number; byteTimeout10ms?: number },
): Buffer {
  const data: ForwardRequest = {
    port: o.port ?? 31,
    control: o.control ?? SERIAL_2400_8E1,
    frameTimeout: { value: o.frameTimeoutS ?? 60, unit: 's' },
    byteTimeout10ms: o.byteTimeout10ms ?? 10,
    content: Buffer.from(frame645),
  };
  const unit: KnownUnit = { pn: 0, fn: 1, data };
  return build(requestHeader(0x10, t, o), [unit]);
}

/** AFN01 reset Fn (1 hardware, 2 data area, 3 factory, 4 parameters except comms) with PW and Tp. */
export function reset(t: Target, fn: 1 | 2 | 3 | 4, o: RequestOptions): Buffer {
  return build(requestHeader(0x01, t, o), [{ pn: 0, fn }]);
}

/** AFN09 F1 request of the terminal version information. */
export function readVersion(t: Target, o: RequestOptions): Buffer {
  return build(requestHeader(0x09, t, o), [{ pn: 0, fn: 1 }]);
}

// ---------------------------------------------------------------- terminal → master

/** AFN02 F1 login / F2 logout / F3 heartbeat (C=C9H, CON=1, MSA 0). */
export function linkFrame(t: Target, fn: 1 | 2 | 3, seq: number): Buffer {
  return encodeFrame({ dir: 'up', prm: true, func: FUNC_PRM1.linkTest, a1: t.a1, a2: t.a2, msa: 0, group: false, afn: 0x02, seq, con: true }, LINK_DADT[fn - 1]!);
}

/** p0 DA/DT of AFN02 F1, F2, F3 (and AFN00 F1, F2). */
const LINK_DADT = [Buffer.from('00000100', 'hex'), Buffer.from('00000200', 'hex'), Buffer.from('00000400', 'hex')];
export const login = (t: Target, seq: number): Buffer => linkFrame(t, 1, seq);
export const logout = (t: Target, seq: number): Buffer => linkFrame(t, 2, seq);
export const heartbeat = (t: Target, seq: number): Buffer => linkFrame(t, 3, seq);

export interface ResponseOptions {
  /** Event counters; when given, ACD=1 and EC is appended. */
  ec?: EventCounters;
  /** FIR/FIN/sequence override for multi-frame responses. */
  fir?: boolean;
  fin?: boolean;
  seq?: number;
  con?: boolean;
  /** Default 8 (user data response). */
  func?: number;
}

/**
 * A terminal's reply to a decoded request: same address and MSA, RSEQ = request PSEQ, Tp echoed,
 * PRM=0, FC 8 unless given.
 */
export function response(req: Gw376Message, units: MessageUnit[], o: ResponseOptions = {}): Buffer {
  const h: FrameHeader = {
    dir: 'up',
    prm: false,
    fcbAcd: o.ec !== undefined,
    func: o.func ?? FUNC_PRM0.userDataResponse,
    a1: req.a1,
    a2: req.a2,
    msa: req.msa ?? 0,
    group: false,
    afn: req.afn,
    seq: o.seq ?? req.seq,
    fir: o.fir,
    fin: o.fin,
    con: o.con ?? false,
  };
  if (o.ec) h.ec = o.ec;
  if (req.tp) h.tp = req.tp;
  return build(h, units);
}

/**
 * Header of a terminal's AFN00 answer to `req` (PRM=0 FC 0, echoing its address, MSA, SEQ and Tp; ACD and
 * EC when event counters are given).
 */
export function confirmAnswerHeader(req: Gw376Message, ec?: EventCounters): FrameHeader {
  const h: FrameHeader = {
    dir: 'up',
    prm: false,
    fcbAcd: ec !== undefined,
    func: FUNC_PRM0.confirm,
    a1: req.a1,
    a2: req.a2,
    msa: req.msa ?? 0,
    afn: 0x00,
    seq: req.seq,
  };
  if (ec) h.ec = ec;
  if (req.tp) h.tp = req.tp;
  return h;
}

/** A terminal's AFN00 answer to a request: F1 all confirmed, F2 all denied. */
export function terminalConfirm(req: Gw376Message, ok: boolean, o: ResponseOptions = {}): Buffer {
  const h = confirmAnswerHeader(req, o.ec);
  return build(h, [{ pn: 0, fn: ok ? 1 : 2 }]);
}

/**
 * AFN0E spontaneous event report (C=C4H: PRM=1, FC 4). `body` is the F1 (important) or F2 (normal) unit
 * data as on the wire: EC1 EC2 Pm Pn records (AFN0E layouts live in afn0e-events.ts).
 */
export function eventReport(t: Target, body: Uint8Array, o: { seq: number; fn?: 1 | 2; con?: boolean; ec?: EventCounters; tp?: TimeLabel }): Buffer {
  const h: FrameHeader = {
    dir: 'up',
    prm: true,
    fcbAcd: o.ec !== undefined,
    func: FUNC_PRM1.userData,
    a1: t.a1,
    a2: t.a2,
    msa: 0,
    afn: 0x0e,
    seq: o.seq,
    con: o.con ?? false,
  };
  if (o.ec) h.ec = o.ec;
  if (o.tp) h.tp = o.tp;
  return build(h, [rawUnit(0, o.fn ?? 1, body)]);
}
