/**
 * AFN0E request class-3 data (请求3类数据: events), Q/GDW 376.1-2009 §5.14, p0.
 * F1 important events (重要事件), F2 general events (一般事件).
 * Request: Pm (start pointer) and Pn (end pointer), 1 byte each.
 * Reply (also the spontaneous event upload): EC1, EC2 (current event counters), Pm, Pn, then
 * Y = (Pn − Pm) mod 256 records (ERC, Le, body — see ../erc/registry.ts).
 */
import { EncodeError } from '../../codec/errors.js';
import { custom, compile, struct } from '../layout.js';
import { registerAfn, registerFns } from '../registry.js';
import type { FnEntry } from '../registry.js';
import { decodeErcRecord, encodeErcRecord } from '../erc/registry.js';
import type { ErcRecord } from '../erc/registry.js';

export const AFN_CLASS3 = 0x0e;

export interface EventRequest {
  pm: number;
  pn: number;
}
export interface EventReply {
  ec1: number;
  ec2: number;
  pm: number;
  pn: number;
  records: ErcRecord[];
}

const REQUEST = struct({ pm: 'u8', pn: 'u8' });
const HEADER = struct({ ec1: 'u8', ec2: 'u8', pm: 'u8', pn: 'u8' });
const header = compile(HEADER, 'AFN0E header');

/** The reply as one custom node: the record count follows from the pointers. */
const REPLY = custom<EventReply>(
  -1,
  'eventReply',
  (r, ctx) => {
    const h = header.decode(r, ctx);
    const y = (h.pn - h.pm + 256) & 0xff;
    const records: ErcRecord[] = [];
    for (let i = 0; i < y; i++) records.push(decodeErcRecord(r, ctx));
    return { ec1: h.ec1, ec2: h.ec2, pm: h.pm, pn: h.pn, records };
  },
  (w, v, ctx) => {
    const y = (v.pn - v.pm + 256) & 0xff;
    if (v.records.length !== y) {
      throw new EncodeError('AFN0E.records', `${v.records.length} record(s) but pointers Pm=${v.pm}, Pn=${v.pn} say ${y}`);
    }
    header.encode(w, v, ctx);
    for (const rec of v.records) encodeErcRecord(w, rec, ctx);
  },
);

const replyLayout = compile(REPLY, 'AFN0E');
const requestLayout = compile(REQUEST, 'AFN0E (request)');

export const AFN0E_FNS: FnEntry[] = [
  { afn: AFN_CLASS3, fn: 1, name: 'important events', nameZh: '请求重要事件', p0Only: true, down: requestLayout, up: replyLayout },
  { afn: AFN_CLASS3, fn: 2, name: 'general events', nameZh: '请求一般事件', p0Only: true, down: requestLayout, up: replyLayout },
];

registerAfn({
  afn: AFN_CLASS3,
  name: 'request class-3 data',
  nameZh: '请求3类数据',
  needsPw: false,
  needsTp: false,
  downFunction: 11,
  confirm: false,
});
registerFns(AFN0E_FNS);
