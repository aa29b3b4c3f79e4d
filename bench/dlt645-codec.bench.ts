/**
 * DL/T 645 codec rates on one core: read-reply decode (single value and 0001FF00 block, every value
 * converted), read-request encode, the generic message path, and deframer throughput on a mixed
 * stream with 1 % garbage.  Run: npx tsx bench/dlt645-codec.bench.ts
 */
import { consume, header, measure } from './harness.js';
import { parseHex } from '../protocols/codec/hex.js';
import {
  decodeFrame, decodeFrameMessage, decodeReadReply, decodeReadReplyBytes, decodeReadReplyScaled, encodeReadRequest, encodeMessage, parseAddress, Dlt645Deframer,
} from '../protocols/dlt645/index.js';

header('DL/T 645 codec');
const single = encodeMessage({ address: '123456789012', message: { kind: 'readReply', more: false, di: '00010000', value: 1234.56, unknown: false, raw: '' } });
const block = parseHex('68 00 36 19 00 00 00 68 91 18 33 32 34 33 63 69 33 33 89 35 33 33 4C 33 33 33 6B 33 33 33 4A 66 33 33 E9 16');
const addr = parseAddress('000000193600');
const out = Buffer.allocUnsafe(32);

// Sanity: the measured paths produce the right values.
const check = decodeReadReply(decodeFrame(block)).value as { total: number; rates: number[] };
if (check.total !== 36.3 || check.rates[3] !== 33.17) throw new Error('block decode is wrong');

measure('decode read reply 00010000 (bytes → checked frame + value)', () => decodeReadReplyBytes(single).value);
measure('decode read reply 0001FF00 block (bytes → checked frame + 5 values)', () => decodeReadReplyBytes(block).value);
const values = new Float64Array(16);
const scaledInto = { di: 0, count: 0, decimals: 0 };
decodeReadReplyScaled(block, values, scaledInto);
if (scaledInto.count !== 5 || values[0] !== 3630 || values[4] !== 3317) throw new Error('scaled block decode is wrong');
measure('decode read reply 0001FF00 block, exact integer hundredths into a Float64Array', () => decodeReadReplyScaled(block, values, scaledInto).count);
measure('decode read reply 00010000, exact integer hundredths', () => decodeReadReplyScaled(single, values, scaledInto).count);
measure('decode read reply 0001FF00 block via a Dlt645Frame object', () => decodeReadReply(decodeFrame(block)).value);
measure('encode read request (into a reused buffer)', () => encodeReadRequest(addr, 0x0001ff00, 4, out, 0));
measure('encode read request (new Buffer each)', () => encodeReadRequest(addr, 0x0001ff00, 4));
measure('generic decodeFrameMessage 0001FF00 (typed message, raw hex)', () => decodeFrameMessage(decodeFrame(block)), { batch: 2000 });
measure('generic encodeMessage read request', () => encodeMessage({ address: addr, message: { kind: 'read', di: '0001FF00' } }), { batch: 2000 });

// Deframer: 1 MB stream of reply frames with 1 % garbage bytes.
const pieces: Buffer[] = [];
let size = 0;
let seed = 1;
const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
while (size < 1 << 20) {
  const f = rnd() < 0.5 ? single : block;
  pieces.push(f);
  size += f.length;
  if (rnd() < 0.11) {
    const g = Buffer.from([0x00, 0x68, 0x12, 0xff].slice(0, 1 + Math.floor(rnd() * 4)));
    pieces.push(g);
    size += g.length;
  }
}
const stream = Buffer.concat(pieces);
const garbage = stream.length - pieces.filter((p) => p === single || p === block).reduce((n, p) => n + p.length, 0);
console.log(`stream: ${(stream.length / 1e6).toFixed(2)} MB, garbage ${((100 * garbage) / stream.length).toFixed(2)} %`);
let framesSeen = 0;
const d = new Dlt645Deframer({ onFrame: (f) => { framesSeen++; consume(f); }, onDiscard: consume });
const chunk = 4096;
measure(
  'deframer mixed stream, 4 KiB chunks',
  () => {
    for (let p = 0; p < stream.length; p += chunk) d.push(stream.subarray(p, p + chunk));
    d.flush();
  },
  { batch: 1, minMs: 2000, unit: 'B', unitsPerOp: stream.length },
);
console.log(`frames seen: ${framesSeen}`);
