/**
 * Q/GDW 376.1 data-unit throughput (run: npx tsx bench/gw376-data.bench.ts). Whole frames through the
 * message layer (`decodeMessage` / `encodeMessage`, every value converted): decode of AFN0C F25 replies,
 * AFN0D F1 replies, AFN04 F10 frames (one and two meter records), AFN0D F161 replies for 8 Pn (M = 4)
 * and a ~0.9 KB AFN0D F81 curve reply (Pn 1–3 × 96 points of A.9, one DA/DT); encode of AFN0D F161
 * requests and replies for 8 Pn (the reply is what a simulated terminal sends) and of the curve reply. The `unit …` cases time the generated layouts alone (no
 * frame/message layer). Each case runs ≥ 1.5 s after warm-up (bench/harness.ts) and prints
 * `name: N ops/s`.
 */
import '../protocols/gw376/afn/afn04-set-params.js';
import '../protocols/gw376/afn/afn0c-realtime.js';
import '../protocols/gw376/afn/afn0d-history.js';
import { decodeMessage, encodeMessage } from '../protocols/gw376/message.js';
import { ZERO_PW } from '../protocols/gw376/pw.js';
import type { Gw376Message, KnownUnit } from '../protocols/gw376/message.js';
import { header, measure } from './harness.js';
import { BinaryReader } from '../protocols/codec/cursor.js';
import { lookupFn } from '../protocols/gw376/registry.js';

const bench = (name: string, fn: () => unknown): void => {
  measure(name, fn, { batch: 1000 });
};

/** Sanity: the frame decodes back to the message's unit values. */
function check(frame: Buffer, msg: Gw376Message): void {
  const back = decodeMessage(frame).units.map((u) => (u as KnownUnit).data);
  if (JSON.stringify(back) !== JSON.stringify(msg.units.map((u) => (u as KnownUnit).data))) {
    throw new Error(`AFN${msg.afn} frame does not decode to its values`);
  }
}

header('Q/GDW 376.1 data units');

// A reply template (AFN0C F129 capture) whose header we reuse.
const tpl = decodeMessage(Buffer.from('68C600C600688871012208020CA2010101101816280818040001000000EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE0239191628008C16', 'hex'));
const time = { year: 2024, month: 5, day: 6, hour: 7, minute: 8 };
const f25 = {
  time, p: 1.2345, pa: 0.4, pb: 0.4, pc: 0.4345, q: 0.1, qa: 0.03, qb: 0.03, qc: 0.04,
  pf: 99.9, pfa: 99.5, pfb: 99, pfc: 98, ua: 220.1, ub: 219.9, uc: 221.3,
  ia: 1.5, ib: 1.6, ic: 1.7, i0: 0.01, s: 1.3, sa: 0.5, sb: 0.4, sc: 0.4,
};
const msgF25: Gw376Message = { ...tpl, units: [{ pn: 1, fn: 25, data: f25 }] };
const frameF25 = encodeMessage(msgF25);

const rates = [1234.5678, 300.1, 400.2, 500.3, 34.0678];
const q = [12.5, 3, 4, 5, 0.5];
const msg0D: Gw376Message = {
  ...tpl,
  afn: 0x0d,
  units: [{ pn: 1, fn: 1, data: { td: { year: 2024, month: 5, day: 6 }, time, m: 4, active: rates, reactive: q, quadrantX: q, quadrantY: q } }],
};
const frame0D = encodeMessage(msg0D);

const meter = (i: number) => ({
  seq: i, pn: i, portBaud: { port: 2, baud: 3 }, protocol: 30, address: `0000000000${String(i).padStart(2, '0')}`,
  password: '000000000000', tariffs: { count: 4, reserved: 0 }, digits: { decimal: 1, integer: 2, reserved: 0 },
  collector: '000000000000', userClass: { small: 1, big: 2 },
});
const msg04 = (n: number): Gw376Message =>
  ({
    ...tpl,
    dir: 'down',
    prm: true,
    fcbAcd: false,
    func: 10,
    afn: 0x04,
    pw: ZERO_PW,
    ec: undefined,
    tp: undefined,
    units: [{ pn: 0, fn: 10, data: { n, meters: Array.from({ length: n }, (_, i) => meter(i + 1)) } }],
  }) as Gw376Message;
const frame04 = encodeMessage(msg04(1));
const frame04x2 = encodeMessage(msg04(2));

const msg161: Gw376Message = {
  ...tpl,
  dir: 'down',
  prm: true,
  fcbAcd: false,
  func: 11,
  afn: 0x0d,
  tp: undefined,
  units: [1, 2, 3, 4, 5, 6, 7, 8].map((pn) => ({ pn, fn: 161, data: { td: { year: 2024, month: 5, day: 6 } } })),
} as Gw376Message;

// AFN0D F161 reply for Pn 1..8 (one DA/DT): Td_d, read time, M = 4, 5 × A.14 each.
const msg161Reply: Gw376Message = {
  ...tpl,
  afn: 0x0d,
  units: [1, 2, 3, 4, 5, 6, 7, 8].map((pn) => ({
    pn,
    fn: 161,
    data: { td: { year: 2024, month: 5, day: 6 }, time, m: 4, values: rates.map((v) => v + pn) },
  })),
};
const frame161Reply = encodeMessage(msg161Reply);

// AFN0D F81 (active power curve) reply for Pn 1..3: Td_c (15 min, 96 points) and 96 × A.9 each.
const msgCurve: Gw376Message = {
  ...tpl,
  afn: 0x0d,
  units: [1, 2, 3].map((pn) => ({
    pn,
    fn: 81,
    data: {
      td: { start: { year: 2024, month: 5, day: 6, hour: 0, minute: 0 }, density: 1, points: 96 },
      values: Array.from({ length: 96 }, (_, i) => (((i * 7919 + pn * 104729) % 1_599_999) - 799_999) / 10000),
    },
  })),
};
const frameCurve = encodeMessage(msgCurve);

check(frameF25, msgF25);
check(frame161Reply, msg161Reply);
check(frameCurve, msgCurve);
if (frameCurve.length < 850) throw new Error(`curve frame is ${frameCurve.length} bytes`);
check(frame0D, msg0D);
check(frame04, msg04(1));
check(frame04x2, msg04(2));
if (encodeMessage(msg161).length !== 8 + 8 + 4 + 8 * 3) throw new Error('F161 request is not one DA/DT with 8 Td');

// Data-unit level (layouts only, no frame/message layer), to separate the two costs.
const ctx = { afn: 0x0c, fn: 25, pn: 1, dir: 'up' as const, revision: 2009 as const };
const unitF25 = frameF25.subarray(18, 18 + 67);
const layF25 = lookupFn(0x0c, 25)!.up!;
const unit0D = frame0D.subarray(18, frame0D.length - 8);
const lay0D = lookupFn(0x0d, 1)!.up!;
const unit04 = frame04.subarray(18, 18 + 29);
const lay04 = lookupFn(0x04, 10)!.down!;
bench('unit AFN0C F25 decode', () => layF25.decode(new BinaryReader(unitF25), ctx));
bench('unit AFN0D F1 decode', () => lay0D.decode(new BinaryReader(unit0D), ctx));
bench('unit AFN04 F10 decode', () => lay04.decode(new BinaryReader(unit04), ctx));
bench('AFN0C F25 reply decode', () => decodeMessage(frameF25));
bench('AFN0D F1 reply decode', () => decodeMessage(frame0D));
bench('AFN04 F10 frame decode (1 meter)', () => decodeMessage(frame04));
bench('AFN04 F10 frame decode (2 meters)', () => decodeMessage(frame04x2));
bench('AFN0D F161 reply decode (8 Pn)', () => decodeMessage(frame161Reply));
bench(`AFN0D F81 curve reply decode (${frameCurve.length} B, 3 Pn x 96 points)`, () => decodeMessage(frameCurve));
bench('AFN0D F161 request encode (8 Pn)', () => encodeMessage(msg161));
bench('AFN0D F161 reply encode (8 Pn)', () => encodeMessage(msg161Reply));
const decodedCurve = decodeMessage(frameCurve);
bench(`AFN0D F81 curve reply encode (${frameCurve.length} B, 3 Pn x 96 points)`, () => encodeMessage(decodedCurve));
