/**
 * The Q/GDW 376.1 and DL/T 645 codecs as a library (run: npx tsx examples/gw376-library.ts).
 * Every step asserts what it shows, so this file doubles as a test (test/unit/examples.test.ts).
 */
import assert from 'node:assert/strict';
import { FrameError, parseHex } from '../protocols/codec/index.js';
import { Gw376Deframer, MultiFrameAssembler, builders, confirmDuty, decodeMessage, encodeMessage } from '../protocols/gw376/index.js';
import type { Gw376Frame, KnownUnit } from '../protocols/gw376/index.js';
import * as dlt645 from '../protocols/dlt645/index.js';

const terminal = { a1: '1101', a2: 1234, msa: 1 };

// 1. A terminal logs in (AFN02 F1). decodeMessage takes the bytes and returns every layer as plain data.
const login = decodeMessage(builders.login(terminal, 5));
assert.equal(login.afn, 0x02);
assert.equal(login.dir, 'up');
assert.deepEqual([login.a1, login.a2, login.seq, login.con], ['1101', 1234, 5, true]);
assert.deepEqual(login.units, [{ pn: 0, fn: 1, block: 0 }]); // AFN02 F1 has no data, only its DA/DT
// CON=1: the master owes an AFN00 answer echoing the sequence number.
assert.deepEqual(confirmDuty(login), { required: true, afn: 0x00, seq: 5, func: 11, dir: 'down' });

// 2. The head-end asks for daily frozen energy (AFN0D F161) of points 1..8 on a date: one call, frames ready to send.
const [request] = builders.readDailyFrozen(terminal, [1, 2, 3, 4, 5, 6, 7, 8], { year: 2026, month: 11, day: 21 }, { seq: 6, tp: false });
const asked = decodeMessage(request!);
assert.deepEqual(asked.units.map((u) => (u as KnownUnit).pn), [1, 2, 3, 4, 5, 6, 7, 8]);
assert.deepEqual((asked.units[0] as KnownUnit).data, { td: { year: 2026, month: 11, day: 21 } });

// 3. A trip (AFN05 F1) carries PW — 32 hex digits, as configuration and the archive keep it — and Tp.
const pw = '0123456789ABCDEF0123456789ABCDEF';
const trip = decodeMessage(builders.remoteTrip(terminal, { seq: 7, pw, now: new Date(Date.UTC(2026, 10, 23, 2, 0, 0)) }));
assert.equal(trip.pw, pw);
assert.deepEqual(trip.tp?.sendTime, { day: 23, hour: 10, minute: 0, second: 0 }); // terminal time, UTC+8

// 4. Encoding is the inverse: a decoded message re-encodes byte for byte.
const bytes = builders.remoteTrip(terminal, { seq: 7, pw, tp: false });
assert.ok(encodeMessage(decodeMessage(bytes)).equals(bytes));

// 5. Bad input is a typed error naming the fault, what was expected and the bytes — never a crash.
const corrupt = Buffer.from(bytes);
corrupt[corrupt.length - 2]! ^= 0xff;
assert.throws(() => decodeMessage(corrupt), (e: unknown) => e instanceof FrameError && e.fault === 'bad-checksum');

// 6. A byte stream (TCP, serial): the deframer finds frames behind garbage and split across chunks.
const frames: Gw376Frame[] = [];
const deframer = new Gw376Deframer({ onFrame: (f) => frames.push(f) });
const stream = Buffer.concat([Buffer.from('0102FE', 'hex'), builders.heartbeat(terminal, 8), builders.login(terminal, 9)]);
deframer.push(stream.subarray(0, 10));
deframer.push(stream.subarray(10));
assert.deepEqual(frames.map((f) => [f.afn, f.seq]), [[0x02, 8], [0x02, 9]]);

// 7. Multi-frame answers (FIR/FIN) are put back together per terminal and AFN.
const assembler = new MultiFrameAssembler<{ a1: string; a2: number; afn: number; seq: number; fir: boolean; fin: boolean }>();
assert.equal(assembler.push({ ...terminal, afn: 0x0d, seq: 3, fir: true, fin: false }).status, 'partial');
assert.equal(assembler.push({ ...terminal, afn: 0x0d, seq: 4, fir: false, fin: true }).status, 'complete');

// 8. DL/T 645-2007: read total forward active energy (DI 00010000) from a meter, and decode its answer.
const read = dlt645.encodeMessage({ address: '000000001234', message: { kind: 'read', di: '00010000' } });
const req = dlt645.decodeMessage(read);
assert.deepEqual([req.address, req.direction, req.message], ['000000001234', 'request', { kind: 'read', di: '00010000' }]);
// A meter's answer for the whole forward-active block (0001FF00): total and four tariffs, in kWh.
const reply = dlt645.decodeMessage(parseHex('68 00 36 19 00 00 00 68 91 18 33 32 34 33 63 69 33 33 89 35 33 33 4C 33 33 33 6B 33 33 33 4A 66 33 33 E9 16'));
assert.deepEqual(reply.message.kind === 'readReply' && reply.message.value, { total: 36.3, rates: [2.56, 0.19, 0.38, 33.17] });

console.log('all library examples hold');
