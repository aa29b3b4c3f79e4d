/**
 * Q/GDW 376.1 link-layer benchmark: frame decode/encode of a login frame, message decode of a heartbeat,
 * and deframer throughput on a mixed stream with 1 % garbage. Each case runs ≥ 1.5 s after warm-up
 * (bench/harness.ts) and prints `name: N ops/s`.
 * Run: npx tsx bench/gw376-link.bench.ts
 */
import { readFileSync } from 'node:fs';
import { Gw376Deframer, builders, decodeFrame, decodeMessage, encodeFrame } from '../protocols/gw376/index.js';
import { header, measure } from './harness.js';

const vectors = JSON.parse(readFileSync(new URL('../test/fixtures/gw376-vectors.json', import.meta.url), 'utf8')) as { hex: string }[];
const LOGIN = Buffer.from('683200320068C97101220800027800000100E016', 'hex');
const HEARTBEAT = Buffer.from('683200320068C97101220800027900000400E416', 'hex');
const DADT_F1 = Buffer.from('00000100', 'hex');

header('Q/GDW 376.1 link layer');

// Sanity: the measured paths produce the right values.
const login = decodeFrame(LOGIN);
if (login.a1 !== '0171' || login.afn !== 2 || login.seq !== 8 || !login.con) throw new Error('login decode is wrong');

measure('gw376 decodeFrame login', () => decodeFrame(LOGIN).a2);
measure('gw376 decodeFrame login + a1/afn/seq fields', () => {
  const f = decodeFrame(LOGIN);
  return f.a1.length + f.afn + f.seq + (f.con ? 1 : 0);
});
measure('gw376 decodeMessage heartbeat', () => decodeMessage(HEARTBEAT).units.length);
measure('gw376 encodeFrame login', () =>
  encodeFrame({ dir: 'up', prm: true, func: 9, a1: '0171', a2: 0x0822, afn: 2, seq: 8, con: true }, DADT_F1).length,
);
measure('gw376 builders.login', () => builders.login({ a1: '0171', a2: 0x0822 }, 8).length);

// Mixed stream: all vectors repeated, 1 % of bytes garbage (never 68H), cut into 1 KiB chunks.
const parts: Buffer[] = [];
let seed = 1;
const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
let size = 0;
let owed = 0;
while (size < 1 << 20) {
  for (const v of vectors) {
    const b = Buffer.from(v.hex, 'hex');
    parts.push(b);
    size += b.length;
    owed += (b.length / 99) * (0.5 + rnd());
    const junk = Math.floor(owed);
    owed -= junk;
    if (junk > 0) {
      const g = Buffer.alloc(junk);
      for (let i = 0; i < junk; i++) g[i] = 0x10 + Math.floor(rnd() * 0x50); // 10H..5FH: no 68H/16H/FEH
      parts.push(g);
      size += junk;
    }
  }
}
const stream = Buffer.concat(parts);
const chunks: Buffer[] = [];
for (let i = 0; i < stream.length; i += 1024) chunks.push(stream.subarray(i, i + 1024));
let passes = 0;
const d = new Gw376Deframer();
measure(
  'gw376 deframer mixed stream 1% garbage (1 MiB passes)',
  () => {
    for (const c of chunks) d.push(c);
    passes++;
  },
  { batch: 1, unit: 'B', unitsPerOp: stream.length },
);
d.flush();
const garbagePct = (100 * d.bytesDiscarded) / (passes * stream.length);
console.log(`  (stream ${stream.length} B; ${d.framesOut} frames; ${garbagePct.toFixed(2)} % of bytes discarded as garbage)`);
