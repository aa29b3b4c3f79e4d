/**
 * Q/GDW 376.1 link frame (Q/GDW 376.1-2009 §5.1–§5.2, unchanged envelope in Q/GDW 1376.1-2013):
 *
 *   68 L L 68 | C | A1(2) A2(2) A3 | AFN | SEQ | data units | [PW 16][EC 2][Tp 6] | CS 16
 *
 * L (LE u16) = user-data length << 2 | protocol id (D1D0). User data = C … AUX; CS = byte sum of it.
 * `decodeFrame` validates in place and returns a `Gw376Frame` view: nothing is copied, the A1 string and
 * Tp are built only when read, and the data units are reached through `dataStart`/`dataEnd`.
 *
 * Protocol id: 2 (D1D0 = 10) is 376.1. Both the 2009 and the 2013 (Q/GDW 1376.1-2013) editions use it:
 * no source consulted shows a different id or L layout for 2013, so the edition cannot be read from the
 * wire and is a decode option recorded on the frame (`revision`). Id 1 (D1D0 = 01) marks the older
 * 2004-era protocol (one public terminal header documents "01 = 本规约使用(04规约)"); accepted only on
 * request (`acceptLegacyId`). 0 is forbidden and 3 reserved.
 */
import { Buffer } from 'node:buffer';
import { BCD_TO_INT } from '../codec/bcd.js';
import { BinaryReader } from '../codec/cursor.js';
import { EncodeError, FrameError } from '../codec/errors.js';
import { HEX_BYTE, HEX_DIGIT_VALUE, toHex } from '../codec/hex.js';
import { byteSum } from '../codec/checksum.js';
import type { Direction } from './registry.js';
import { afnPwFlag } from './registry.js';
import { PW_LEN, checkPw, pwText, writePw } from './pw.js';

export const START = 0x68;
export const END = 0x16;
export const PREAMBLE = 0xfe;
/** 68 L L 68 before C, CS 16 after the user data. */
export const FRAME_OVERHEAD = 8;
/** C(1) + A(5) + AFN(1) + SEQ(1). */
export const HEADER_USER_BYTES = 8;
/** Minimum frame: header + one DA/DT (20 bytes, e.g. login). */
export const MIN_FRAME = FRAME_OVERHEAD + HEADER_USER_BYTES + 4;
/** L has 14 bits of length: network channels allow up to 16383 user-data bytes (§5.1.2). */
export const MAX_USER_NET = 16383;
/** Dedicated radio channels allow up to 255 user-data bytes (§5.1.2). */
export const MAX_USER_RADIO = 255;
export const PROTOCOL_ID = 2;
export const PROTOCOL_ID_LEGACY = 1;
export const EC_LEN = 2;
export const TP_LEN = 6;

export type Revision = 2009 | 2013;

/** Control field C (§5.2.1.1). */
export const C_DIR = 0x80;
export const C_PRM = 0x40;
export const C_FCB_ACD = 0x20;
export const C_FCV = 0x10;
export const C_FUNC = 0x0f;

/** SEQ (§5.2.3.2): TpV, FIR, FIN, CON, PSEQ/RSEQ. */
export const SEQ_TPV = 0x80;
export const SEQ_FIR = 0x40;
export const SEQ_FIN = 0x20;
export const SEQ_CON = 0x10;
export const SEQ_NO = 0x0f;

/** Function codes of a frame from the initiating station (PRM=1), §5.2.1.1.4. */
export const FUNC_PRM1 = {
  reset: 1,
  userData: 4,
  linkTest: 9,
  requestClass1: 10,
  requestClass2: 11,
} as const;
/** Function codes of a frame from the responding station (PRM=0). */
export const FUNC_PRM0 = {
  confirm: 0,
  userDataResponse: 8,
  denyNoData: 9,
  linkStatus: 11,
} as const;
export type FunctionName = keyof typeof FUNC_PRM1 | keyof typeof FUNC_PRM0;

const NAMES_PRM1: (FunctionName | undefined)[] = [];
const NAMES_PRM0: (FunctionName | undefined)[] = [];
for (const [k, v] of Object.entries(FUNC_PRM1)) NAMES_PRM1[v] = k as FunctionName;
for (const [k, v] of Object.entries(FUNC_PRM0)) NAMES_PRM0[v] = k as FunctionName;

/** Name of function code `code` for the given PRM, or undefined when reserved. */
export function functionName(prm: boolean, code: number): FunctionName | undefined {
  return (prm ? NAMES_PRM1 : NAMES_PRM0)[code];
}

/** Function code of a name; the PRM it belongs to follows from the name. */
export function functionCode(name: FunctionName): { prm: boolean; code: number } {
  if (name in FUNC_PRM1) return { prm: true, code: FUNC_PRM1[name as keyof typeof FUNC_PRM1] };
  return { prm: false, code: FUNC_PRM0[name as keyof typeof FUNC_PRM0] };
}

/** AFNs whose downlink frames carry PW when the AFN is not registered (§5.2.3.6.1: 01 04 05 06 0F 10). */
const DEFAULT_PW_AFNS = new Set([0x01, 0x04, 0x05, 0x06, 0x0f, 0x10]);

/** Whether a downlink frame of `afn` carries the 16-byte PW (registry first, then the standard's list). */
export function afnNeedsPw(afn: number): boolean {
  const flag = afnPwFlag(afn);
  return flag < 0 ? DEFAULT_PW_AFNS.has(afn) : flag === 1;
}

/** Event counters EC (§5.2.3.6.2): important (EC1) and normal (EC2), each 0..255 wrapping. */
export interface EventCounters {
  important: number;
  normal: number;
}

/** Time label Tp (§5.2.3.6.3): PFC, send time (A.16 ss mm hh DD, BCD), allowed delay in minutes. */
export interface TimeLabel {
  pfc: number;
  /** Send time; null when its bytes are not BCD. */
  sendTime: { day: number; hour: number; minute: number; second: number } | null;
  /** Allowed transmission delay in minutes; 0 = not checked. */
  delayMinutes: number;
}

export interface DecodeOptions {
  /** Edition to record on the frame (not visible on the wire); default 2009. */
  revision?: Revision;
  /** Accept protocol id 1 (2004-era) besides 2. */
  acceptLegacyId?: boolean;
  /** Largest user-data length accepted; default 16383 (use 255 on radio channels). */
  maxUserLength?: number;
  /** Allow bytes after the 16H (deframers pass exact windows); default false. */
  allowTrailing?: boolean;
}

/** Where `locateAux` puts its results (offsets -1 when the part is absent). */
export interface AuxLocation {
  /** Offset after the last data-unit byte. */
  dataEnd: number;
  pwAt: number;
  ecAt: number;
  tpAt: number;
  /** An announced part did not fit and was treated as absent. */
  shortfall: boolean;
}

/** The scratch `locateAux` fills and returns (the codec is synchronous): locating allocates nothing. Read it at once. */
const AUX: AuxLocation = { dataEnd: 0, pwAt: -1, ecAt: -1, tpAt: -1, shortfall: false };

/**
 * Locates the AUX parts of the frame whose 68H is at `start` (§5.2.3.6), from the end: Tp if TpV, EC if
 * uplink with ACD, PW if downlink of a PW AFN; fills `AUX`. A part that does not fit is treated as absent
 * and flagged as a shortfall.
 */
export function locateAux(buf: Uint8Array, start: number, userLength: number): AuxLocation {
  const c = buf[start + 6]!;
  const seq = buf[start + 13]!;
  const dataStart = start + 14;
  let end = start + 6 + userLength;
  let shortfall = false;
  let tpAt = -1;
  let ecAt = -1;
  let pwAt = -1;
  // Literal masks and lengths here and in checkFrame (per-frame path): optimised code loads and checks a
  // module binding on every use of a named constant (≈ 6 % of an AFN04 F10 frame decode).
  if (seq & 0x80 /* SEQ_TPV */) {
    if (end - 6 /* TP_LEN */ >= dataStart) {
      end -= 6;
      tpAt = end;
    } else shortfall = true;
  }
  if (c & 0x80 /* C_DIR */) {
    if (c & 0x20 /* C_FCB_ACD */) {
      if (end - 2 /* EC_LEN */ >= dataStart) {
        end -= 2;
        ecAt = end;
      } else shortfall = true;
    }
  } else if (afnNeedsPw(buf[start + 12]!)) {
    // Tolerance: a frame too short to hold PW plus one DA/DT is read as having no PW.
    if (end - 16 /* PW_LEN */ >= dataStart + 4) {
      end -= 16;
      pwAt = end;
    } else shortfall = true;
  }
  const aux = AUX;
  aux.dataEnd = end;
  aux.pwAt = pwAt;
  aux.ecAt = ecAt;
  aux.tpAt = tpAt;
  aux.shortfall = shortfall;
  return aux;
}

/**
 * A validated frame, viewing `buf` (not copied). Header fields are plain numbers read once; the A1 text
 * comes from a table filled once per area code, Tp is built when read.
 */
export class Gw376Frame {
  readonly buf: Buffer;
  /** Offset of the first 68H. */
  readonly start: number;
  /** Number of FE / garbage bytes skipped before the frame. */
  readonly preamble: number;
  readonly userLength: number;
  readonly protocolId: number;
  readonly revision: Revision;
  readonly control: number;
  readonly a1Raw: number;
  readonly a2: number;
  readonly a3: number;
  readonly afn: number;
  readonly seqByte: number;
  /** Offset of the first DA byte. */
  readonly dataStart: number;
  /** Offset after the last data-unit byte (AUX starts here). */
  readonly dataEnd: number;
  /** Offsets of the AUX parts, -1 when absent. */
  readonly pwAt: number;
  readonly ecAt: number;
  readonly tpAt: number;
  /** Set when the AUX the header announces does not fit (e.g. PW missing): the part is treated as absent. */
  readonly auxShortfall: boolean;

  constructor(
    buf: Buffer,
    start: number,
    preamble: number,
    userLength: number,
    protocolId: number,
    revision: Revision,
  ) {
    this.buf = buf;
    this.start = start;
    this.preamble = preamble;
    this.userLength = userLength;
    this.protocolId = protocolId;
    this.revision = revision;
    const c = buf[start + 6]!;
    this.control = c;
    this.a1Raw = buf[start + 7]! | (buf[start + 8]! << 8);
    this.a2 = buf[start + 9]! | (buf[start + 10]! << 8);
    this.a3 = buf[start + 11]!;
    const afn = buf[start + 12]!;
    this.afn = afn;
    const seq = buf[start + 13]!;
    this.seqByte = seq;
    this.dataStart = start + 14;
    const aux = locateAux(buf, start, userLength);
    this.dataEnd = aux.dataEnd;
    this.pwAt = aux.pwAt;
    this.ecAt = aux.ecAt;
    this.tpAt = aux.tpAt;
    this.auxShortfall = aux.shortfall;
  }

  /** Whole frame length, 68H to 16H. */
  get length(): number {
    return this.userLength + FRAME_OVERHEAD;
  }
  get dir(): Direction {
    return this.control & C_DIR ? 'up' : 'down';
  }
  /** PRM: true = from the initiating station. */
  get prm(): boolean {
    return (this.control & C_PRM) !== 0;
  }
  /** FCB on downlink, ACD on uplink (D5). */
  get fcbAcd(): boolean {
    return (this.control & C_FCB_ACD) !== 0;
  }
  get fcv(): boolean {
    return (this.control & C_FCV) !== 0;
  }
  get func(): number {
    return this.control & C_FUNC;
  }
  get funcName(): FunctionName | undefined {
    return functionName(this.prm, this.func);
  }
  /** Administrative area code as 4 characters, high byte first ("0171" for bytes 71 01). */
  get a1(): string {
    return a1Text(this.a1Raw);
  }
  /** Master station address MSA 0..127 (A3 D7..D1). */
  get msa(): number {
    return this.a3 >> 1;
  }
  /** A3 D0: A2 is a group address. */
  get group(): boolean {
    return (this.a3 & 1) !== 0;
  }
  /** A2 = FFFFH with the group flag: system broadcast. */
  get broadcast(): boolean {
    return this.a2 === 0xffff && (this.a3 & 1) !== 0;
  }
  get tpv(): boolean {
    return (this.seqByte & SEQ_TPV) !== 0;
  }
  get fir(): boolean {
    return (this.seqByte & SEQ_FIR) !== 0;
  }
  get fin(): boolean {
    return (this.seqByte & SEQ_FIN) !== 0;
  }
  get con(): boolean {
    return (this.seqByte & SEQ_CON) !== 0;
  }
  /** PSEQ/RSEQ 0..15. */
  get seq(): number {
    return this.seqByte & SEQ_NO;
  }
  /** PW as 32 upper-case hex digits, when present. */
  get pw(): string | undefined {
    return this.pwAt < 0 ? undefined : pwText(this.buf, this.pwAt);
  }
  get ec(): EventCounters | undefined {
    return this.ecAt < 0 ? undefined : { important: this.buf[this.ecAt]!, normal: this.buf[this.ecAt + 1]! };
  }
  get tp(): TimeLabel | undefined {
    return this.tpAt < 0 ? undefined : readTp(this.buf, this.tpAt);
  }
  /** A cursor over the data units (DA/DT onwards, AUX excluded). */
  reader(): BinaryReader {
    return new BinaryReader(this.buf, this.dataStart, this.dataEnd);
  }
  /** The data-unit bytes (a view). */
  get data(): Buffer {
    return this.buf.subarray(this.dataStart, this.dataEnd);
  }
  /** The frame's bytes, 68H to 16H (a view). */
  bytes(): Buffer {
    return this.buf.subarray(this.start, this.start + this.length);
  }
  get hex(): string {
    return toHex(this.buf, this.start, this.start + this.length);
  }
}

/**
 * Decodes exactly one frame from `buf[start, end)` after any FE wake-up bytes. Throws FrameError naming
 * the fault, what was expected and the bytes.
 */
export function decodeFrame(buf: Buffer, start = 0, end = buf.length, opts?: DecodeOptions): Gw376Frame {
  const p = checkFrame(buf, start, end, opts);
  const l = buf[p + 1]! | (buf[p + 2]! << 8);
  return new Gw376Frame(buf, p, p - start, l >>> 2, l & 3, opts?.revision ?? 2009);
}

/**
 * Validates exactly one frame in `buf[start, end)` after any FE wake-up bytes (§5.1: 68 L L 68, protocol
 * id, length limits, CS, 16H) and returns the offset of its first 68H. Throws FrameError naming the fault.
 *
 * One compound test, small enough for TurboFan to inline into its callers; `frameFault` works out which
 * rule failed (in the order below) only when one did. Literal masks and lengths rather than the named
 * constants: optimised code loads and checks a module binding on each use (see locateAux).
 */
export function checkFrame(buf: Buffer, start: number, end: number, opts?: DecodeOptions): number {
  let p = start;
  while (p < end && buf[p] === 0xfe /* PREAMBLE */) p++;
  const avail = end - p;
  if (avail < 20 /* MIN_FRAME */ || buf[p] !== 0x68 /* START */) throw frameFault(buf, start, end, p, opts);
  const l1 = buf[p + 1]! | (buf[p + 2]! << 8);
  const pid = l1 & 3;
  const userLen = l1 >>> 2;
  const total = userLen + 8 /* FRAME_OVERHEAD */;
  const csAt = p + 6 + userLen;
  if (
    l1 !== (buf[p + 3]! | (buf[p + 4]! << 8)) ||
    buf[p + 5] !== 0x68 /* START */ ||
    (pid !== 2 /* PROTOCOL_ID */ && !(pid === 1 /* PROTOCOL_ID_LEGACY */ && opts?.acceptLegacyId)) ||
    userLen < 12 /* HEADER_USER_BYTES + one DA/DT */ ||
    userLen > (opts?.maxUserLength ?? 16383 /* MAX_USER_NET */) ||
    avail < total ||
    buf[csAt] !== byteSum(buf, p + 6, csAt) ||
    buf[csAt + 1] !== 0x16 /* END */ ||
    (p + total < end && !opts?.allowTrailing)
  ) {
    throw frameFault(buf, start, end, p, opts);
  }
  return p;
}

/** The FrameError of the first rule of checkFrame that the frame at `p` breaks. */
function frameFault(buf: Buffer, start: number, end: number, p: number, opts?: DecodeOptions): FrameError {
  const hex = toHex(buf, start, end);
  const avail = end - p;
  if (avail < MIN_FRAME) {
    if (avail > 0 && buf[p] !== START) return new FrameError('no-start', '68H', hex, p - start);
    return new FrameError('too-short', `at least ${MIN_FRAME} bytes from 68H, got ${avail}`, hex, p - start);
  }
  if (buf[p] !== START) return new FrameError('no-start', '68H', hex, p - start);
  const l1 = buf[p + 1]! | (buf[p + 2]! << 8);
  const l2 = buf[p + 3]! | (buf[p + 4]! << 8);
  if (l1 !== l2) return new FrameError('length-mismatch', `second L equal to first (${hex4(l1)}), found ${hex4(l2)}`, hex, p + 3 - start);
  if (buf[p + 5] !== START) return new FrameError('bad-second-start', '68H after the two L fields', hex, p + 5 - start);
  const pid = l1 & 3;
  if (pid !== PROTOCOL_ID && !(pid === PROTOCOL_ID_LEGACY && opts?.acceptLegacyId)) {
    return new FrameError('bad-length', `protocol id D1D0=10 in L, found ${pid.toString(2).padStart(2, '0')}`, hex, p + 1 - start);
  }
  const userLen = l1 >>> 2;
  const max = opts?.maxUserLength ?? MAX_USER_NET;
  if (userLen < HEADER_USER_BYTES + 4 || userLen > max) {
    return new FrameError('bad-length', `user-data length ${HEADER_USER_BYTES + 4}..${max}, found ${userLen}`, hex, p + 1 - start);
  }
  const total = userLen + FRAME_OVERHEAD;
  if (avail < total) return new FrameError('truncated', `${total} bytes for L=${userLen}, got ${avail}`, hex, p - start);
  const csAt = p + 6 + userLen;
  const cs = byteSum(buf, p + 6, csAt);
  if (buf[csAt] !== cs) return new FrameError('bad-checksum', `CS ${hex2(cs)} (sum of user data), found ${hex2(buf[csAt]!)}`, hex, csAt - start);
  if (buf[csAt + 1] !== END) return new FrameError('bad-end', '16H after CS', hex, csAt + 1 - start);
  return new FrameError('too-long', `frame to end at 16H (${end - p - total} extra byte(s))`, hex, p + total - start);
}

/** Header fields of a frame to encode. Booleans default to false, except FIR/FIN (single frame). */
export interface FrameHeader {
  dir: Direction;
  prm: boolean;
  /** FCB (downlink) / ACD (uplink). ACD=1 requires `ec`. */
  fcbAcd?: boolean;
  fcv?: boolean;
  func: number;
  /** 4 hex/BCD digits, high byte first ("0171"). */
  a1: string;
  a2: number;
  msa?: number;
  group?: boolean;
  afn: number;
  seq: number;
  fir?: boolean;
  fin?: boolean;
  con?: boolean;
  /** PW (downlink AFN01/04/05/06/0F/10, §5.2.3.6.1) as 32 hex digits, first wire byte first; decoded upper case. */
  pw?: string;
  ec?: EventCounters;
  tp?: TimeLabel;
  /** Default 2. */
  protocolId?: number;
}

export interface EncodeOptions {
  /** Largest user-data length allowed; default 16383. */
  maxUserLength?: number;
}

/** Encodes a frame around `data` (the data units, DA/DT included). */
export function encodeFrame(h: FrameHeader, data: Uint8Array, opts?: EncodeOptions): Buffer {
  const auxLen = auxLength(h);
  const out = Buffer.allocUnsafe(FRAME_OVERHEAD + HEADER_USER_BYTES + data.length + auxLen);
  writeHeader(out, 0, h);
  out.set(data, 14);
  writeAux(out, 14 + data.length, h);
  finishFrame(out, 0, out.length, h.protocolId ?? PROTOCOL_ID, opts?.maxUserLength);
  return out;
}

/** Bytes of AUX the header asks for. */
export function auxLength(h: FrameHeader): number {
  return (h.pw !== undefined ? PW_LEN : 0) + (h.ec ? EC_LEN : 0) + (h.tp ? TP_LEN : 0);
}

/** Writes 68 L L 68 (L filled later by finishFrame), C, A, AFN, SEQ at `at`; returns the next offset. */
export function writeHeader(out: Buffer, at: number, h: FrameHeader): number {
  checkByte('func', h.func, 15);
  checkByte('afn', h.afn, 255);
  checkByte('seq', h.seq, 15);
  checkByte('a2', h.a2, 0xffff);
  const msa = h.msa ?? 0;
  checkByte('msa', msa, 127);
  if (h.pw !== undefined) checkPw(h.pw);
  if (h.dir === 'up' && h.fcbAcd && !h.ec) throw new EncodeError('ec', 'ACD=1 on an uplink frame requires EC');
  if (h.ec && !(h.dir === 'up' && h.fcbAcd)) throw new EncodeError('ec', 'EC is carried only by uplink frames with ACD=1');
  out[at] = START;
  out[at + 5] = START;
  out[at + 6] =
    (h.dir === 'up' ? C_DIR : 0) | (h.prm ? C_PRM : 0) | (h.fcbAcd ? C_FCB_ACD : 0) | (h.fcv ? C_FCV : 0) | h.func;
  const a1 = a1FromString(h.a1);
  out[at + 7] = a1 & 0xff;
  out[at + 8] = a1 >> 8;
  out[at + 9] = h.a2 & 0xff;
  out[at + 10] = h.a2 >> 8;
  out[at + 11] = (msa << 1) | (h.group ? 1 : 0);
  out[at + 12] = h.afn;
  out[at + 13] =
    (h.tp ? SEQ_TPV : 0) | (h.fir === false ? 0 : SEQ_FIR) | (h.fin === false ? 0 : SEQ_FIN) | (h.con ? SEQ_CON : 0) | h.seq;
  return at + 14;
}

/** Writes PW, EC, Tp at `at`; returns the next offset. */
export function writeAux(out: Buffer, at: number, h: FrameHeader): number {
  let p = at;
  if (h.pw !== undefined) {
    writePw(out, p, h.pw);
    p += PW_LEN;
  }
  if (h.ec) {
    checkByte('ec.important', h.ec.important, 255);
    checkByte('ec.normal', h.ec.normal, 255);
    out[p++] = h.ec.important;
    out[p++] = h.ec.normal;
  }
  if (h.tp) p = writeTp(out, p, h.tp);
  return p;
}

/**
 * Fills L (both copies), CS and 16H for a frame whose 68H is at `start` and which ends (after 16H) at
 * `end`. Throws EncodeError when the user data exceeds the limit.
 */
export function finishFrame(out: Buffer, start: number, end: number, protocolId = PROTOCOL_ID, max = MAX_USER_NET): void {
  const userLen = end - start - FRAME_OVERHEAD;
  if (userLen > max) throw new EncodeError('length', `user data of ${userLen} bytes exceeds ${max}`);
  const l = (userLen << 2) | (protocolId & 3);
  out[start + 1] = l & 0xff;
  out[start + 2] = l >> 8;
  out[start + 3] = l & 0xff;
  out[start + 4] = l >> 8;
  const csAt = end - 2;
  out[csAt] = byteSum(out, start + 6, csAt);
  out[csAt + 1] = END;
}


/** Reads Tp at `at`: PFC, A.16 send time, delay. */
export function readTp(buf: Buffer, at: number): TimeLabel {
  const second = BCD_TO_INT[buf[at + 1]!]!;
  const minute = BCD_TO_INT[buf[at + 2]!]!;
  const hour = BCD_TO_INT[buf[at + 3]!]!;
  const day = BCD_TO_INT[buf[at + 4]!]!;
  const ok = second >= 0 && minute >= 0 && hour >= 0 && day >= 0;
  return { pfc: buf[at]!, sendTime: ok ? { day, hour, minute, second } : null, delayMinutes: buf[at + 5]! };
}

/** Writes Tp (A.16 time; an absent time is written as EEH fill). */
export function writeTp(out: Buffer, at: number, tp: TimeLabel): number {
  checkByte('tp.pfc', tp.pfc, 255);
  checkByte('tp.delayMinutes', tp.delayMinutes, 255);
  out[at] = tp.pfc;
  const t = tp.sendTime;
  if (t) {
    out[at + 1] = bcdByte('tp.second', t.second, 59);
    out[at + 2] = bcdByte('tp.minute', t.minute, 59);
    out[at + 3] = bcdByte('tp.hour', t.hour, 23);
    out[at + 4] = bcdByte('tp.day', t.day, 31);
  } else out.fill(0xee, at + 1, at + 5);
  out[at + 5] = tp.delayMinutes;
  return at + TP_LEN;
}

/** A Tp for a request sent at `now` (local time fields of the Date). */
/** Terminal clocks keep local time; China Standard Time (UTC+8) unless the caller says otherwise. */
export const CST_OFFSET_MINUTES = 480;

export function makeTp(pfc: number, now: Date, delayMinutes = 0, utcOffsetMinutes = CST_OFFSET_MINUTES): TimeLabel {
  const l = new Date(now.getTime() + utcOffsetMinutes * 60_000);
  return {
    pfc: pfc & 0xff,
    sendTime: { day: l.getUTCDate(), hour: l.getUTCHours(), minute: l.getUTCMinutes(), second: l.getUTCSeconds() },
    delayMinutes,
  };
}

/**
 * Whether a request with this Tp must be discarded at `now` (§5.2.3.6.3: now later than send time plus
 * the allowed delay; delay 0 = never). The send time carries only day..second, so it is placed in the
 * month of `now`, or the previous month when its day is later than today.
 */
export function tpExpired(tp: TimeLabel, now: Date, utcOffsetMinutes = CST_OFFSET_MINUTES): boolean {
  if (tp.delayMinutes === 0 || !tp.sendTime) return false;
  const t = tp.sendTime;
  const off = utcOffsetMinutes * 60_000;
  const l = new Date(now.getTime() + off);
  const month = t.day > l.getUTCDate() ? l.getUTCMonth() - 1 : l.getUTCMonth();
  const sent = Date.UTC(l.getUTCFullYear(), month, t.day, t.hour, t.minute, t.second) - off;
  return now.getTime() - sent > tp.delayMinutes * 60_000;
}

export function a1ToString(raw: number): string {
  return HEX_BYTE[raw >> 8]! + HEX_BYTE[raw & 0xff]!;
}

/** A1 strings already built, by raw value 0..FFFFH (a head-end sees few distinct area codes). */
const A1_TEXT: (string | undefined)[] = new Array<string | undefined>(0x10000);

/** The A1 text of raw value `raw` (A1 bytes as LE u16), from the table. */
export function a1Text(raw: number): string {
  return A1_TEXT[raw] ?? (A1_TEXT[raw] = a1ToString(raw));
}

export function a1FromString(a1: string): number {
  let v = -1;
  if (a1.length === 4) {
    v = 0;
    for (let i = 0; i < 4; i++) {
      const d = HEX_DIGIT_VALUE[a1.charCodeAt(i) & 0x7f]!;
      if (d < 0 || a1.charCodeAt(i) > 0x7f) {
        v = -1;
        break;
      }
      v = (v << 4) | d;
    }
  }
  if (v < 0) throw new EncodeError('a1', `'${a1}' is not 4 digits`);
  return v;
}

function checkByte(field: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new EncodeError(field, `${v} is not an integer 0..${max}`);
}

function bcdByte(field: string, v: number, max: number): number {
  checkByte(field, v, max);
  return ((v / 10) | 0) * 16 + (v % 10);
}

function hex2(b: number): string {
  return HEX_BYTE[b]! + 'H';
}

function hex4(v: number): string {
  return HEX_BYTE[v & 0xff]! + ' ' + HEX_BYTE[v >> 8]!;
}
