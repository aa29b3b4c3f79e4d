/**
 * Read communication address (2007 13H: request L=0 to AAAAAAAAAAAA, reply the 6 address bytes) and
 * write communication address (2007 15H, 1997 0AH: the new address, reply L=0).
 */
import { formatAddress, parseAddress } from '../address.js';
import type { Dlt645Request, Dlt645Response } from '../messages.js';
import { expectEnd } from './fields.js';
import type { CommandCodec } from './types.js';

type ReadAddrReq = Extract<Dlt645Request, { kind: 'readAddress' }>;
type ReadAddrRes = Extract<Dlt645Response, { kind: 'readAddressReply' }>;
type WriteAddrReq = Extract<Dlt645Request, { kind: 'writeAddress' }>;
type Ack = Extract<Dlt645Response, { kind: 'ack' }>;

function readAddress6(r: Parameters<CommandCodec['decodeRequest']>[0], what: string): string {
  r.need(6, what);
  const b = r.bytes(6);
  return formatAddress(b, 0);
}

export const READ_ADDRESS_2007: CommandCodec<ReadAddrReq, ReadAddrRes> = {
  func: 0x13,
  version: 2007,
  name: 'read communication address',
  nameZh: '读通信地址',
  request: 'readAddress',
  response: 'readAddressReply',
  decodeRequest(r) {
    expectEnd(r, 'read-address request');
    return { kind: 'readAddress' };
  },
  decodeResponse(r) {
    const address = readAddress6(r, 'read-address reply');
    expectEnd(r, 'read-address reply');
    return { kind: 'readAddressReply', address };
  },
  encodeRequest() {},
  encodeResponse(w, m) {
    w.raw(parseAddress(m.address));
  },
};

function writeAddressCodec(func: number, version: 2007 | 1997): CommandCodec<WriteAddrReq, Ack> {
  return {
    func,
    version,
    name: 'write communication address',
    nameZh: '写通信地址',
    request: 'writeAddress',
    response: 'ack',
    decodeRequest(r) {
      const newAddress = readAddress6(r, 'write-address request');
      expectEnd(r, 'write-address request');
      return { kind: 'writeAddress', newAddress };
    },
    decodeResponse() {
      return { kind: 'ack', func };
    },
    encodeRequest(w, m) {
      w.raw(parseAddress(m.newAddress));
    },
    encodeResponse() {},
  };
}

export const WRITE_ADDRESS_2007 = writeAddressCodec(0x15, 2007);
export const WRITE_ADDRESS_1997 = writeAddressCodec(0x0a, 1997);
