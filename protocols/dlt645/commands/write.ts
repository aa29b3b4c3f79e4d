/**
 * Write data: 2007 14H = DI + PA P0 P1 P2 + C0..C3 + data (§7.3); 1997 04H = DI + PA P0 P1 P2 + data.
 * Normal reply has L=0.
 */
import { toHex } from '../../codec/hex.js';
import { formatDi } from '../di.js';
import { lookupDi } from '../registry/index.js';
import type { Dlt645Request, Dlt645Response } from '../messages.js';
import { readDi, readOperator, readPassword, writeDi, writeDiData, writeOperator, writePassword } from './fields.js';
import type { CommandCodec } from './types.js';

type WriteReq = Extract<Dlt645Request, { kind: 'write' }>;
type Ack = Extract<Dlt645Response, { kind: 'ack' }>;

function writeCodec(func: number, version: 2007 | 1997): CommandCodec<WriteReq, Ack> {
  return {
    func,
    version,
    name: 'write data',
    nameZh: '写数据',
    request: 'write',
    response: 'ack',
    decodeRequest(r, v) {
      const di = readDi(r, v, 'write request');
      const password = readPassword(r);
      const operator = v === 2007 ? readOperator(r) : undefined;
      const start = r.pos;
      const len = r.remaining;
      const data = toHex(r.bytes(len));
      const entry = lookupDi(di, v);
      const msg: WriteReq = { kind: 'write', di: formatDi(di, v), password, data };
      if (operator !== undefined) msg.operator = operator;
      if (entry) {
        r.pos = start;
        msg.value = entry.decode(r, len);
      }
      return msg;
    },
    decodeResponse() {
      return { kind: 'ack', func };
    },
    encodeRequest(w, m, v) {
      writeDi(w, m.di, v);
      writePassword(w, m.password);
      if (v === 2007) writeOperator(w, m.operator);
      writeDiData(w, m.di, m.value !== undefined ? { value: m.value } : { raw: m.data }, v);
    },
    encodeResponse() {},
  };
}

export const WRITE_2007 = writeCodec(0x14, 2007);
export const WRITE_1997 = writeCodec(0x04, 1997);
