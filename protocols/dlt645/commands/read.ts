/**
 * Read data (2007 11H, 1997 01H) and read follow-up data (2007 12H, 1997 02H).
 * Request: DI [+ parameters, e.g. load-record N and time, 2007 §7.1]; reply: DI + data (D5 of C set when
 * follow-up frames exist); follow-up replies end with the frame sequence number SEQ (2007 only).
 */
import { toHex } from '../../codec/hex.js';
import { formatDi } from '../di.js';
import type { Dlt645Request, Dlt645Response } from '../messages.js';
import { readDi, readDiData, writeDi, writeDiData } from './fields.js';
import type { CommandCodec } from './types.js';

type ReadReq = Extract<Dlt645Request, { kind: 'read' }>;
type ReadRes = Extract<Dlt645Response, { kind: 'readReply' }>;
type FollowReq = Extract<Dlt645Request, { kind: 'readFollow' }>;
type FollowRes = Extract<Dlt645Response, { kind: 'readFollowReply' }>;

function readCodec(func: number, version: 2007 | 1997): CommandCodec<ReadReq, ReadRes> {
  return {
    func,
    version,
    name: 'read data',
    nameZh: '读数据',
    request: 'read',
    response: 'readReply',
    decodeRequest(r, v) {
      const di = formatDi(readDi(r, v, 'read request'), v);
      return r.remaining > 0 ? { kind: 'read', di, params: toHex(r.bytes(r.remaining)) } : { kind: 'read', di };
    },
    decodeResponse(r, more, v) {
      const di = readDi(r, v, 'read reply');
      // D5 = 1 (B1H): the first part of a longer answer (§7.2); like a follow-up frame it is a fragment, so raw.
      if (more) return { kind: 'readReply', more, di: formatDi(di, v), unknown: true, raw: toHex(r.bytes(r.remaining)) };
      return { kind: 'readReply', more, ...readDiData(r, di, r.remaining, v) };
    },
    encodeRequest(w, m, v) {
      writeDi(w, m.di, v);
      if (m.params) writeDiData(w, m.di, { raw: m.params }, v);
    },
    encodeResponse(w, m, v) {
      writeDi(w, m.di, v);
      writeDiData(w, m.di, m.unknown ? { raw: m.raw } : { value: m.value }, v);
    },
  };
}

function followCodec(func: number, version: 2007 | 1997): CommandCodec<FollowReq, FollowRes> {
  const hasSeq = version === 2007;
  return {
    func,
    version,
    name: 'read follow-up data',
    nameZh: '读后续数据',
    request: 'readFollow',
    response: 'readFollowReply',
    decodeRequest(r, v) {
      const di = formatDi(readDi(r, v, 'follow-up request'), v);
      return hasSeq && r.remaining > 0 ? { kind: 'readFollow', di, seq: r.u8() } : { kind: 'readFollow', di };
    },
    decodeResponse(r, more, v) {
      const di = readDi(r, v, 'follow-up reply');
      const len = hasSeq ? r.remaining - 1 : r.remaining;
      // A follow-up frame continues a block: its data is a fragment, so it stays raw.
      const data = { di: formatDi(di, v), unknown: true, raw: toHex(r.bytes(Math.max(0, len))) };
      const seq = hasSeq && r.remaining > 0 ? r.u8() : null;
      return { kind: 'readFollowReply', more, seq, ...data };
    },
    encodeRequest(w, m, v) {
      writeDi(w, m.di, v);
      if (hasSeq) w.u8(m.seq ?? 1);
    },
    encodeResponse(w, m, v) {
      writeDi(w, m.di, v);
      writeDiData(w, m.di, { raw: m.raw }, v);
      if (hasSeq) w.u8(m.seq ?? 1);
    },
  };
}

export const READ_2007 = readCodec(0x11, 2007);
export const READ_FOLLOW_2007 = followCodec(0x12, 2007);
export const READ_1997 = readCodec(0x01, 1997);
export const READ_FOLLOW_1997 = followCodec(0x02, 1997);
