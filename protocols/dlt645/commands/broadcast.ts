/**
 * Broadcast time (08H, both editions: ss mm hh DD MM YY, no reply, DL/T 645-2007 §7.5) and
 * freeze (2007 16H: mm hh DD MM, 99H = any, e.g. 99999999 = freeze now; reply L=0 unless broadcast).
 */
import { BCD_TO_INT } from '../../codec/bcd.js';
import { DataError } from '../../codec/errors.js';
import { toHex } from '../../codec/hex.js';
import type { Dlt645Request, Dlt645Response } from '../messages.js';
import { expectEnd } from './fields.js';
import { readDateTime6, writeDateTime6 } from './time.js';
import type { CommandCodec } from './types.js';

type TimeReq = Extract<Dlt645Request, { kind: 'broadcastTime' }>;
type FreezeReq = Extract<Dlt645Request, { kind: 'freeze' }>;
type Ack = Extract<Dlt645Response, { kind: 'ack' }>;

export const BROADCAST_TIME: CommandCodec<TimeReq, Ack> = {
  func: 0x08,
  version: 2007,
  name: 'broadcast time',
  nameZh: '广播校时',
  request: 'broadcastTime',
  decodeRequest(r) {
    r.need(6, 'broadcast time');
    const start = r.pos;
    const time = readDateTime6(r);
    expectEnd(r, 'broadcast time');
    if (time === null) {
      throw new DataError('broadcast time', 'ss mm hh DD MM YY with valid clock values', toHex(r.buf, start, r.end));
    }
    return { kind: 'broadcastTime', time };
  },
  encodeRequest(w, m) {
    writeDateTime6(w, m.time, 'time');
  },
};

const FREEZE_FIELDS = [['minute', 59], ['hour', 23], ['day', 31], ['month', 12]] as const;

export const FREEZE: CommandCodec<FreezeReq, Ack> = {
  func: 0x16,
  version: 2007,
  name: 'freeze',
  nameZh: '冻结命令',
  request: 'freeze',
  response: 'ack',
  decodeRequest(r) {
    r.need(4, 'freeze time');
    const out: Record<string, number | null> = {};
    for (const [name, max] of FREEZE_FIELDS) {
      const raw = r.u8();
      const d = BCD_TO_INT[raw]!;
      if (raw === 0x99) out[name] = null;
      else if (d < 0 || d > max) throw new DataError('freeze time', `${name} as BCD ≤ ${max} or 99H`, toHex(r.buf, r.pos - 1, r.end));
      else out[name] = d;
    }
    expectEnd(r, 'freeze');
    return { kind: 'freeze', minute: out.minute!, hour: out.hour!, day: out.day!, month: out.month! } as FreezeReq;
  },
  decodeResponse() {
    return { kind: 'ack', func: 0x16 };
  },
  encodeRequest(w, m) {
    for (const [name] of FREEZE_FIELDS) {
      const v = m[name];
      if (v === null) w.u8(0x99);
      else w.bcd(v, 1, name);
    }
  },
  encodeResponse() {},
};
