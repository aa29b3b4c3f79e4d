/** Security authentication 03H (安全认证, ESAM; 费控 amendment): carried as raw bytes; SERR is 2 bytes. */
import { Buffer } from 'node:buffer';
import { toHex } from '../../codec/hex.js';
import type { Dlt645Request, Dlt645Response } from '../messages.js';
import type { CommandCodec } from './types.js';

type SecReq = Extract<Dlt645Request, { kind: 'security' }>;
type Ack = Extract<Dlt645Response, { kind: 'ack' }>;

export const SECURITY_2007: CommandCodec<SecReq, Ack> = {
  func: 0x03,
  version: 2007,
  name: 'security authentication',
  nameZh: '安全认证',
  request: 'security',
  response: 'ack',
  decodeRequest(r) {
    return { kind: 'security', data: toHex(r.bytes(r.remaining)) };
  },
  decodeResponse(r) {
    return { kind: 'ack', func: 0x03, data: toHex(r.bytes(r.remaining)) };
  },
  encodeRequest(w, m) {
    w.raw(Buffer.from(m.data.replace(/\s/g, ''), 'hex'));
  },
  encodeResponse(w, m) {
    if (m.data) w.raw(Buffer.from(m.data.replace(/\s/g, ''), 'hex'));
  },
};
