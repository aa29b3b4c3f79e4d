/**
 * AFN10 data forwarding (数据转发), Q/GDW 376.1-2009 §5.5.1.3.16, p0. Downlink carries PW.
 *
 * F1 transparent forwarding. Down: port 1 B, communication control word 1 B (D7..D5 baud code 0..7 =
 * 300·2^code bps, D4 stop bits 0=1/1=2, D3 parity enabled, D2 0 even/1 odd, D1..D0 data bits 5..8),
 * frame timeout 1 B (D7 unit 0=10 ms/1=s, D6..D0 value), byte timeout 1 B (x10 ms), length 2 B,
 * content. Up: port 1 B, length 2 B, content. Checked on the vectors; the bit split follows the digest
 * and the vectors (2400 bps, even, 8 bits, 60 s, 100 ms) — UNVERIFIED beyond them.
 * A content that parses as a DL/T 645 frame is also offered decoded (`meterFrame`).
 *
 * F9 forward a direct meter read. Down: port, relay depth n (0 direct, 255 = no route given),
 * n relay addresses (6 B each), target address 6 B, DI type 1 B (0 DL/T 645-1997, 1 DL/T 645-2007), DI 4 B.
 * Up: port, target address 6 B, result flag 1 B, length 1 B, content (DI + data). Field order from public
 * terminal implementations (request struct and a "same as F9" batch buffer); UNVERIFIED against the text.
 *
 * F10 forward a direct remote trip / allow-close command, F11 a direct remote power-on command
 * (2009). Down: port, relay route as F9, target 6 B, control flag 1 B (F10: 55H trip,
 * AAH allow closing), password length 1 B, password. Up (§5.16.2.2.3–4): port, target 6 B, result flag
 * 1 B, control flag 1 B. Agreed by a master tool, a terminal's request structs and a Kaitai grammar of
 * 2009 replies; the F11 flag values are not given by any source. 1376.1-2013 redefines F10 as a batch
 * meter read whose layout was not found: with revision 2013, F10 stays raw (UNVERIFIED).
 */
import { Buffer } from 'node:buffer';
import { EncodeError } from '../../codec/errors.js';
import { decodeFrame as decode645 } from '../../dlt645/index.js';
import type { Dlt645Frame } from '../../dlt645/index.js';
import { readAddr6, restLayout, writeAddr6 } from './common.js';
import type { BinaryReader, BinaryWriter } from '../../codec/cursor.js';
import type { UnitLayout } from '../registry.js';
import { registerAfn, registerFns } from '../registry.js';

export const AFN_FORWARD = 0x10;

export interface SerialControl {
  /** D7..D5: 0..7 → 300, 600, 1200, 2400, 4800, 7200, 9600, 19200 bps. */
  baudCode: number;
  stopBits: 1 | 2;
  parity: 'none' | 'even' | 'odd';
  dataBits: 5 | 6 | 7 | 8;
}

export const BAUD_RATES = [300, 600, 1200, 2400, 4800, 7200, 9600, 19200] as const;

export interface ForwardRequest {
  port: number;
  control: SerialControl;
  /** Frame (message) timeout. */
  frameTimeout: { value: number; unit: 's' | '10ms' };
  /** Byte timeout in units of 10 ms. */
  byteTimeout10ms: number;
  content: Buffer;
  /** The content decoded as a DL/T 645 frame, when it is one (ignored when encoding). */
  meterFrame?: Dlt645Frame;
}

export interface ForwardResponse {
  port: number;
  content: Buffer;
  meterFrame?: Dlt645Frame;
}

export function decodeSerialControl(b: number): SerialControl {
  const parityOn = (b & 0x08) !== 0;
  return {
    baudCode: b >> 5,
    stopBits: b & 0x10 ? 2 : 1,
    parity: parityOn ? (b & 0x04 ? 'odd' : 'even') : 'none',
    dataBits: ((b & 3) + 5) as 5 | 6 | 7 | 8,
  };
}

export function encodeSerialControl(c: SerialControl): number {
  if (!Number.isInteger(c.baudCode) || c.baudCode < 0 || c.baudCode > 7) throw new EncodeError('control.baudCode', `${c.baudCode} is not 0..7`);
  if (c.dataBits < 5 || c.dataBits > 8) throw new EncodeError('control.dataBits', `${c.dataBits} is not 5..8`);
  return (c.baudCode << 5) | (c.stopBits === 2 ? 0x10 : 0) | (c.parity === 'none' ? 0 : 0x08) | (c.parity === 'odd' ? 0x04 : 0) | (c.dataBits - 5);
}

/** Tries to read `content` as one DL/T 645 frame (FE preamble allowed); undefined if it is not one. */
function meterFrameOf(content: Buffer): Dlt645Frame | undefined {
  try {
    return decode645(content);
  } catch {
    return undefined;
  }
}

function byte(field: string, v: number, max = 255): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new EncodeError(field, `${v} is not 0..${max}`);
  return v;
}

const f1Down: UnitLayout<ForwardRequest> = {
  decode(r) {
    r.need(6, 'AFN10 F1 request header');
    const port = r.u8();
    const control = decodeSerialControl(r.u8());
    const ft = r.u8();
    const byteTimeout10ms = r.u8();
    const len = r.u16();
    r.need(len, `AFN10 F1 content of ${len} bytes`);
    const content = Buffer.from(r.bytes(len));
    const out: ForwardRequest = { port, control, frameTimeout: { value: ft & 0x7f, unit: ft & 0x80 ? 's' : '10ms' }, byteTimeout10ms, content };
    const mf = meterFrameOf(content);
    if (mf) out.meterFrame = mf;
    return out;
  },
  encode(w, v) {
    w.u8(byte('port', v.port)).u8(encodeSerialControl(v.control));
    w.u8((v.frameTimeout.unit === 's' ? 0x80 : 0) | byte('frameTimeout.value', v.frameTimeout.value, 127));
    w.u8(byte('byteTimeout10ms', v.byteTimeout10ms)).u16(byte('content', v.content.length, 0xffff)).raw(v.content);
  },
};

const f1Up: UnitLayout<ForwardResponse> = {
  decode(r) {
    r.need(3, 'AFN10 F1 response header');
    const port = r.u8();
    const len = r.u16();
    r.need(len, `AFN10 F1 content of ${len} bytes`);
    const content = Buffer.from(r.bytes(len));
    const out: ForwardResponse = { port, content };
    const mf = meterFrameOf(content);
    if (mf) out.meterFrame = mf;
    return out;
  },
  encode(w, v) {
    w.u8(byte('port', v.port)).u16(byte('content', v.content.length, 0xffff)).raw(v.content);
  },
};

export interface MeterReadRequest {
  port: number;
  /** 255 = no relay route given; otherwise the number of relay addresses. */
  relayDepth: number;
  relays: string[];
  target: string;
  /** 0 = DL/T 645-1997, 1 = DL/T 645-2007. */
  diType: number;
  /** The data identifier as on the wire, 4 bytes LE, printed most significant byte first ("04000503"). */
  di: string;
}

export interface MeterReadResponse {
  port: number;
  target: string;
  /** Forward result flag as sent (meaning of codes UNVERIFIED). */
  result: number;
  content: Buffer;
}

/** Relay depth and route (F9–F11 requests): 255 = no route given, else that many 6-byte addresses. */
interface RelayRoute {
  relayDepth: number;
  relays: string[];
}

function readRoute(r: BinaryReader, label: string): RelayRoute {
  r.need(1, `${label} relay depth`);
  const relayDepth = r.u8();
  const n = relayDepth === 255 ? 0 : relayDepth;
  const relays: string[] = [];
  for (let i = 0; i < n; i++) relays.push(readAddr6(r, `${label} relay address`));
  return { relayDepth, relays };
}

function writeRoute(w: BinaryWriter, v: RelayRoute): void {
  const n = v.relayDepth === 255 ? 0 : v.relayDepth;
  if (n !== v.relays.length) throw new EncodeError('relays', `relayDepth ${v.relayDepth} but ${v.relays.length} relay address(es)`);
  w.u8(byte('relayDepth', v.relayDepth));
  for (const a of v.relays) writeAddr6(w, a, 'relay');
}

const f9Down: UnitLayout<MeterReadRequest> = {
  decode(r) {
    r.need(1, 'AFN10 F9 port');
    const port = r.u8();
    const { relayDepth, relays } = readRoute(r, 'AFN10 F9');
    const target = readAddr6(r, 'target address');
    r.need(5, 'AFN10 F9 DI type and DI');
    const diType = r.u8();
    const di = r.u32().toString(16).toUpperCase().padStart(8, '0');
    return { port, relayDepth, relays, target, diType, di };
  },
  encode(w, v) {
    w.u8(byte('port', v.port));
    writeRoute(w, v);
    writeAddr6(w, v.target, 'target');
    if (!/^[0-9A-Fa-f]{8}$/.test(v.di)) throw new EncodeError('di', `'${v.di}' is not 8 hex digits`);
    w.u8(byte('diType', v.diType)).u32(parseInt(v.di, 16));
  },
};

const f9Up: UnitLayout<MeterReadResponse> = {
  decode(r) {
    r.need(1, 'AFN10 F9 port');
    const port = r.u8();
    const target = readAddr6(r, 'target address');
    r.need(2, 'AFN10 F9 result and length');
    const result = r.u8();
    const len = r.u8();
    r.need(len, `AFN10 F9 content of ${len} bytes`);
    return { port, target, result, content: Buffer.from(r.bytes(len)) };
  },
  encode(w, v) {
    w.u8(byte('port', v.port));
    writeAddr6(w, v.target, 'target');
    w.u8(byte('result', v.result)).u8(byte('content', v.content.length)).raw(v.content);
  },
};

export interface MeterControlRequest extends RelayRoute {
  port: number;
  target: string;
  /** F10: 55H trip, AAH allow closing; F11: power-on flag as sent. */
  flag: number;
  /** Meter control password, hex as on the wire (length byte implied). */
  password: string;
}

export interface MeterControlResponse {
  port: number;
  target: string;
  /** Forward result flag as sent (meaning of codes UNVERIFIED). */
  result: number;
  /** The control flag of the request, echoed. */
  flag: number;
}

/** F10/F11 request (2009); a Buffer (raw rest of the data area) for F10 in revision 2013. */
const controlDown = (fn: number): UnitLayout<MeterControlRequest | Buffer> => ({
  decode(r, ctx) {
    if (fn === 10 && ctx.revision === 2013) return restLayout.decode(r, ctx);
    const label = `AFN10 F${fn}`;
    r.need(1, `${label} port`);
    const port = r.u8();
    const { relayDepth, relays } = readRoute(r, label);
    const target = readAddr6(r, `${label} target address`);
    r.need(2, `${label} flag and password length`);
    const flag = r.u8();
    const len = r.u8();
    r.need(len, `${label} password of ${len} bytes`);
    return { port, relayDepth, relays, target, flag, password: r.bytes(len).toString('hex').toUpperCase() };
  },
  encode(w, v, ctx) {
    if (Buffer.isBuffer(v)) return restLayout.encode(w, v, ctx);
    if (!/^([0-9A-Fa-f]{2}){0,255}$/.test(v.password)) throw new EncodeError('password', `'${v.password}' is not up to 255 hex bytes`);
    w.u8(byte('port', v.port));
    writeRoute(w, v);
    writeAddr6(w, v.target, 'target');
    w.u8(byte('flag', v.flag)).u8(v.password.length / 2).raw(Buffer.from(v.password, 'hex'));
  },
});

const controlUp = (fn: number): UnitLayout<MeterControlResponse | Buffer> => ({
  decode(r, ctx) {
    if (fn === 10 && ctx.revision === 2013) return restLayout.decode(r, ctx);
    r.need(1, `AFN10 F${fn} port`);
    const port = r.u8();
    const target = readAddr6(r, `AFN10 F${fn} target address`);
    r.need(2, `AFN10 F${fn} result and flag`);
    return { port, target, result: r.u8(), flag: r.u8() };
  },
  encode(w, v, ctx) {
    if (Buffer.isBuffer(v)) return restLayout.encode(w, v, ctx);
    w.u8(byte('port', v.port));
    writeAddr6(w, v.target, 'target');
    w.u8(byte('result', v.result)).u8(byte('flag', v.flag));
  },
});

registerAfn({ afn: AFN_FORWARD, name: 'data forwarding', nameZh: '数据转发', needsPw: true, needsTp: true, downFunction: 11, confirm: false });
registerFns([
  { afn: AFN_FORWARD, fn: 1, name: 'transparent forwarding', nameZh: '透明转发', p0Only: true, down: f1Down, up: f1Up },
  { afn: AFN_FORWARD, fn: 9, name: 'forward a direct meter read', nameZh: '转发主站直接对电能表的抄读数据命令', p0Only: true, down: f9Down, up: f9Up },
  { afn: AFN_FORWARD, fn: 10, name: 'forward a direct meter remote trip / allow-close command', nameZh: '转发主站直接对电表的遥控跳闸/允许合闸命令', p0Only: true, down: controlDown(10), up: controlUp(10) },
  { afn: AFN_FORWARD, fn: 11, name: 'forward a direct meter remote power-on command', nameZh: '转发主站直接对电表的遥控送电命令', p0Only: true, down: controlDown(11), up: controlUp(11) },
]);
