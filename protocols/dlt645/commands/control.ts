/**
 * Remote control 1CH (跳合闸、报警、保电; DL/T 645-2007 备案 / State Grid 费控 meter rules):
 * PA P0 P1 P2 + C0..C3 + N1 (command) + N2 (reserved) + N3..N8 deadline ss mm hh DD MM YY. Reply 9CH L=0.
 */
import { toHex } from '../../codec/hex.js';
import { DataError } from '../../codec/errors.js';
import { CONTROL_COMMANDS, type ControlCommand, type Dlt645Request, type Dlt645Response } from '../messages.js';
import { expectEnd, readOperator, readPassword, writeOperator, writePassword } from './fields.js';
import { readDateTime6, writeDateTime6 } from './time.js';
import type { CommandCodec } from './types.js';

type ControlReq = Extract<Dlt645Request, { kind: 'control' }>;
type Ack = Extract<Dlt645Response, { kind: 'ack' }>;

const BY_CODE = new Map<number, ControlCommand>(
  Object.entries(CONTROL_COMMANDS).map(([k, v]) => [v, k as ControlCommand]),
);

export function controlCommandCode(c: ControlCommand | number): number {
  return typeof c === 'number' ? c : CONTROL_COMMANDS[c];
}

export const CONTROL_2007: CommandCodec<ControlReq, Ack> = {
  func: 0x1c,
  version: 2007,
  name: 'remote control (trip/close/alarm/keep-power)',
  nameZh: '跳合闸、报警、保电',
  request: 'control',
  response: 'ack',
  decodeRequest(r) {
    const password = readPassword(r);
    const operator = readOperator(r);
    r.need(8, 'control N1 N2 deadline');
    const n1 = r.u8();
    const n2 = r.u8();
    const start = r.pos;
    const validUntil = readDateTime6(r);
    if (validUntil === null && !r.isFillAt(start, 6, 0)) {
      // Not all-zero and not a valid time: keep it visible rather than silently dropping it.
      throw new DataError('control deadline', 'ss mm hh DD MM YY or all 00H', toHex(r.buf, start, start + 6));
    }
    expectEnd(r, 'control');
    return { kind: 'control', password, operator, command: BY_CODE.get(n1) ?? n1, n2, validUntil };
  },
  decodeResponse() {
    return { kind: 'ack', func: 0x1c };
  },
  encodeRequest(w, m) {
    writePassword(w, m.password);
    writeOperator(w, m.operator);
    w.u8(controlCommandCode(m.command));
    w.u8(m.n2);
    writeDateTime6(w, m.validUntil, 'validUntil');
  },
  encodeResponse() {},
};
