/**
 * Request turnaround overhead of a DL/T 645 read on a virtual serial line: `hes-sim meter` runs in its
 * own process on one end of a socat pty pair, the meter client reads through serialport on the other.
 * The simulator writes each reply Td + wire time (bytes × 11 bits / baud) after the request, so
 * overhead = measured turnaround − (Td + reply wire time): the cost of the pty, both event loops,
 * deframing, decoding and matching. A pty has no baud timing of its own (bench/RESULTS.md).
 * Run: npx tsx bench/meter-turnaround.bench.ts [requests=200]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { openPtyPair } from '../drivers/pty-pair.js';
import { openMeterChannel } from '../src/meter/channel.js';
import { encodeMessage } from '../protocols/dlt645/message.js';
import { header, percentile } from './harness.js';

const N = Number(process.argv[2] ?? 200);
const TD = 30;
const BAUD = 2400;
const ADDRESS = '000000193600';
const root = path.resolve(import.meta.dirname, '..');

header('DL/T 645 request turnaround on a pty pair');
const pty = await openPtyPair();
const sim = spawn(process.execPath, [path.join(root, 'bin/hes-sim.mjs'), 'meter', '--serial', pty.b, '--address', ADDRESS, '--td', String(TD), '--baud', String(BAUD), '--log-level', 'warn'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve, reject) => {
  sim.stdout!.on('data', (d: Buffer) => d.toString().includes('hes-sim:') && resolve());
  sim.once('exit', (c) => reject(new Error(`hes-sim exited ${c}`)));
});
const ch = await openMeterChannel({ serial: pty.a, serialSettings: `${BAUD},8E1`, link: { replyTimeoutMs: 1000, retries: 0 } });

for (const di of ['00010000', '0001FF00']) {
  const reply = encodeMessage({ address: ADDRESS, message: { kind: 'readReply', more: false, di, unknown: true, raw: di === '00010000' ? '00 00 00 00' : '00 '.repeat(20).trim() } });
  const wireMs = (reply.length * 11 * 1000) / BAUD;
  const expected = TD + Math.ceil(wireMs);
  for (let i = 0; i < 10; i++) await ch.client.read(ADDRESS, di); // warm-up
  const over: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const r = await ch.client.read(ADDRESS, di);
    over.push(r.turnaroundMs - expected);
  }
  const elapsed = performance.now() - t0;
  over.sort((a, b) => a - b);
  console.log(
    `read ${di} (${reply.length}-byte reply, Td ${TD} ms + wire ${wireMs.toFixed(1)} ms at ${BAUD} 8E1): ` +
      `overhead p50 ${percentile(over, 50).toFixed(2)} ms, p99 ${percentile(over, 99).toFixed(2)} ms, max ${over[over.length - 1]!.toFixed(2)} ms; ` +
      `${N} reads in ${(elapsed / 1000).toFixed(1)} s (${((N * 1000) / elapsed).toFixed(1)} reads/s)`,
  );
}
await ch.close();
sim.kill('SIGTERM');
await new Promise((r) => sim.once('exit', r));
await pty.close();
