/**
 * Frames ↔ typed messages. The control code's function selects the command codec (table in
 * commands/index.ts); D7 selects request or reply; D6 marks an abnormal reply carrying the ERR word.
 */
import { BinaryWriter } from '../codec/cursor.js';
import { DataError, EncodeError } from '../codec/errors.js';
import { C_ABNORMAL, C_DIRECTION, C_MORE, versionOfFunction, type Dlt645Version } from './control.js';
import { decodeFrame, encodeFrame, type Dlt645Frame } from './frame.js';
import { commandFor, commandForKind, errorCode, errorFlags } from './commands/index.js';
import type { Dlt645Decoded, Dlt645Message, Dlt645Request, Dlt645Response } from './messages.js';

export interface DecodeOptions {
  /** Force an edition instead of inferring it from the function code (08H is shared). */
  version?: Dlt645Version;
}

/** Edition of a frame: by function code (dlt645 digest §7.1), then by DI length for shared codes. */
export function frameVersion(frame: Dlt645Frame, forced?: Dlt645Version): Dlt645Version {
  if (forced) return forced;
  const v = versionOfFunction(frame.func);
  if (v === undefined) {
    throw new DataError('control code', `a DL/T 645-2007 or -1997 function (C=${frame.control.toString(16).toUpperCase()}H)`, frame.hex);
  }
  return v;
}

/** Decodes the application message of a validated frame. Throws DataError for data that does not fit. */
export function decodeFrameMessage(frame: Dlt645Frame, opts: DecodeOptions = {}): Dlt645Decoded {
  const version = frameVersion(frame, opts.version);
  const func = frame.func;
  const codec = commandFor(version, func);
  if (!codec) {
    throw new DataError('control code', `a known DL/T 645-${version} function, got ${func.toString(16).toUpperCase()}H`, frame.hex);
  }
  const r = frame.reader();
  let message: Dlt645Message;
  try {
    if (!frame.isResponse) {
      message = codec.decodeRequest(r, version);
    } else if (frame.abnormal) {
      r.need(1, 'error word ERR');
      const wide = func === 0x03 && r.remaining >= 2;
      const code = wide ? r.u16() : r.u8();
      message = wide ? { kind: 'error', func, code, flags: errorFlags(code & 0xff), wide } : { kind: 'error', func, code, flags: errorFlags(code) };
    } else if (codec.decodeResponse) {
      message = codec.decodeResponse(r, frame.more, version);
    } else {
      throw new DataError(codec.name, 'no reply for this command (it is a broadcast)', frame.hex);
    }
  } catch (e) {
    // Re-anchor cursor errors on the whole frame so the message shows what was received.
    if (e instanceof DataError && e.hex !== frame.hex) throw new DataError(e.field, `${e.expected}`, frame.hex);
    throw e;
  }
  return {
    version,
    address: frame.address,
    control: frame.control,
    func,
    direction: frame.isResponse ? 'response' : 'request',
    abnormal: frame.abnormal,
    more: frame.more,
    preamble: frame.preamble,
    message,
  };
}

/** Decodes bytes (FE preamble allowed) into link fields and the typed message. */
export function decodeMessage(bytes: Buffer, opts: DecodeOptions = {}): Dlt645Decoded {
  return decodeFrameMessage(decodeFrame(bytes), opts);
}

export interface EncodeMessageOptions {
  address: string | Uint8Array;
  message: Dlt645Message;
  version?: Dlt645Version;
  /** FE bytes before the frame; default 4 for requests, 0 for replies (digest §1). */
  preamble?: number;
}

const RESPONSE_FUNC: Record<string, string> = {
  readReply: 'read',
  readFollowReply: 'readFollow',
  readAddressReply: 'readAddress',
};

function isResponse(m: Dlt645Message): m is Dlt645Response {
  return m.kind === 'readReply' || m.kind === 'readFollowReply' || m.kind === 'readAddressReply' || m.kind === 'ack' || m.kind === 'error';
}

/** Encodes a typed message as a complete frame. */
export function encodeMessage(opts: EncodeMessageOptions): Buffer {
  const version = opts.version ?? 2007;
  const m = opts.message;
  const w = new BinaryWriter(64);
  let control: number;
  if (!isResponse(m)) {
    const codec = commandForKind(version, m.kind);
    if (!codec) throw new EncodeError('message', `'${m.kind}' does not exist in DL/T 645-${version}`);
    codec.encodeRequest(w, m as Dlt645Request, version);
    control = codec.func;
  } else if (m.kind === 'error') {
    control = C_DIRECTION | C_ABNORMAL | m.func;
    const code = m.code ?? errorCode(m.flags);
    if (m.wide) w.u16(code);
    else w.u8(code);
  } else if (m.kind === 'ack') {
    const codec = commandFor(version, m.func);
    if (!codec) throw new EncodeError('func', `${m.func.toString(16)}H is not a DL/T 645-${version} function`);
    codec.encodeResponse?.(w, m, version);
    control = C_DIRECTION | m.func;
  } else {
    const codec = commandForKind(version, RESPONSE_FUNC[m.kind] as Dlt645Request['kind']);
    if (!codec?.encodeResponse) throw new EncodeError('message', `'${m.kind}' does not exist in DL/T 645-${version}`);
    codec.encodeResponse(w, m, version);
    control = C_DIRECTION | codec.func | ('more' in m && m.more ? C_MORE : 0);
  }
  return encodeFrame({
    address: opts.address,
    control,
    data: w.finish(),
    preamble: opts.preamble ?? (isResponse(m) ? 0 : 4),
  });
}
