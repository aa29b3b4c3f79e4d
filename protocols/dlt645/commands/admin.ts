/**
 * Administrative commands: change baud (2007 17H / 1997 0CH), change password (18H / 0FH),
 * max-demand reset (19H / 10H), meter clear (1AH), event clear (1BH).
 * DL/T 645-2007 §7.7–§7.11.
 */
import { DataError, EncodeError } from '../../codec/errors.js';
import { toHex } from '../../codec/hex.js';
import { formatDi } from '../di.js';
import type { Dlt645Request, Dlt645Response } from '../messages.js';
import { expectEnd, readDi, readOperator, readPassword, writeDi, writeOperator, writePassword } from './fields.js';
import type { CommandCodec } from './types.js';

type Ack = Extract<Dlt645Response, { kind: 'ack' }>;
type BaudReq = Extract<Dlt645Request, { kind: 'changeBaud' }>;
type PwReq = Extract<Dlt645Request, { kind: 'changePassword' }>;
type DemandReq = Extract<Dlt645Request, { kind: 'demandReset' }>;
type ClearReq = Extract<Dlt645Request, { kind: 'meterClear' }>;
type EventClearReq = Extract<Dlt645Request, { kind: 'eventClear' }>;

/** Baud-rate feature word Z (通信速率特征字): bit1 600 … bit6 19200 (2007 附录? 表 Z). */
const BAUD_BITS: [number, number][] = [[0x02, 600], [0x04, 1200], [0x08, 2400], [0x10, 4800], [0x20, 9600], [0x40, 19200]];

export function baudFromZ(z: number): number | null {
  const hit = BAUD_BITS.find(([bit]) => bit === z);
  return hit ? hit[1] : null;
}

export function zFromBaud(baud: number): number {
  const hit = BAUD_BITS.find(([, b]) => b === baud);
  if (!hit) throw new EncodeError('baud', `${baud} is not one of ${BAUD_BITS.map(([, b]) => b).join(', ')}`);
  return hit[0];
}

function baudCodec(func: number, version: 2007 | 1997): CommandCodec<BaudReq, Ack> {
  return {
    func,
    version,
    name: 'change baud rate',
    nameZh: '更改通信速率',
    request: 'changeBaud',
    response: 'ack',
    decodeRequest(r) {
      r.need(1, 'baud feature word Z');
      const z = r.u8();
      const baud = baudFromZ(z);
      if (baud === null) throw new DataError('baud feature word Z', 'exactly one of bits 1..6 set', toHex(Uint8Array.of(z)));
      expectEnd(r, 'change baud');
      return { kind: 'changeBaud', baud };
    },
    decodeResponse(r) {
      if (r.remaining === 0) return { kind: 'ack', func };
      const z = r.u8();
      const baud = baudFromZ(z);
      return baud === null ? { kind: 'ack', func, data: toHex(Uint8Array.of(z)) } : { kind: 'ack', func, baud };
    },
    encodeRequest(w, m) {
      w.u8(zFromBaud(m.baud));
    },
    encodeResponse(w, m) {
      if (m.baud !== undefined) w.u8(zFromBaud(m.baud));
    },
  };
}

function passwordCodec(func: number, version: 2007 | 1997): CommandCodec<PwReq, Ack> {
  return {
    func,
    version,
    name: 'change password',
    nameZh: '修改密码',
    request: 'changePassword',
    response: 'ack',
    decodeRequest(r, v) {
      // 2007: DI (04000C01..0A) + old PA P0..P2 + new PA P0..P2; 1997: old + new.
      const di = v === 2007 ? formatDi(readDi(r, v, 'change password'), v) : undefined;
      const old = readPassword(r);
      const next = readPassword(r);
      expectEnd(r, 'change password');
      return di ? { kind: 'changePassword', di, old, new: next } : { kind: 'changePassword', old, new: next };
    },
    decodeResponse(r) {
      if (r.remaining >= 4) return { kind: 'ack', func, password: readPassword(r) };
      return { kind: 'ack', func };
    },
    encodeRequest(w, m, v) {
      if (v === 2007) writeDi(w, m.di ?? `04000C${(m.new.level + 1).toString(16).toUpperCase().padStart(2, '0')}`, v);
      writePassword(w, m.old);
      writePassword(w, m.new);
    },
    encodeResponse(w, m) {
      if (m.password) writePassword(w, m.password);
    },
  };
}

type AuthReq = DemandReq | ClearReq;

function authorisedCodec(
  func: number,
  version: 2007 | 1997,
  kind: AuthReq['kind'],
  name: string,
  nameZh: string,
): CommandCodec<AuthReq, Ack> {
  return {
    func,
    version,
    name,
    nameZh,
    request: kind,
    response: 'ack',
    decodeRequest(r, v) {
      const password = readPassword(r);
      const operator = v === 2007 ? readOperator(r) : undefined;
      expectEnd(r, name);
      return operator === undefined ? { kind, password } : { kind, password, operator };
    },
    decodeResponse() {
      return { kind: 'ack', func };
    },
    encodeRequest(w, m, v) {
      writePassword(w, m.password);
      if (v === 2007) writeOperator(w, m.operator);
    },
    encodeResponse() {},
  };
}

export const CHANGE_BAUD_2007 = baudCodec(0x17, 2007);
export const CHANGE_BAUD_1997 = baudCodec(0x0c, 1997);
export const CHANGE_PASSWORD_2007 = passwordCodec(0x18, 2007);
export const CHANGE_PASSWORD_1997 = passwordCodec(0x0f, 1997);
export const DEMAND_RESET_2007 = authorisedCodec(0x19, 2007, 'demandReset', 'max demand reset', '最大需量清零');
export const DEMAND_RESET_1997 = authorisedCodec(0x10, 1997, 'demandReset', 'max demand reset', '最大需量清零');
export const METER_CLEAR_2007 = authorisedCodec(0x1a, 2007, 'meterClear', 'meter clear', '电表清零');

export const EVENT_CLEAR_2007: CommandCodec<EventClearReq, Ack> = {
  func: 0x1b,
  version: 2007,
  name: 'event clear',
  nameZh: '事件清零',
  request: 'eventClear',
  response: 'ack',
  decodeRequest(r, v) {
    const password = readPassword(r);
    const operator = readOperator(r);
    const di = formatDi(readDi(r, v, 'event clear'), v);
    expectEnd(r, 'event clear');
    return { kind: 'eventClear', password, operator, di };
  },
  decodeResponse() {
    return { kind: 'ack', func: 0x1b };
  },
  encodeRequest(w, m, v) {
    writePassword(w, m.password);
    writeOperator(w, m.operator);
    writeDi(w, m.di, v);
  },
  encodeResponse() {},
};

