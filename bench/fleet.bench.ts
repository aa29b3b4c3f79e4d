/**
 * Fleet start-up and answer rate: N terminals × M meters (the real brain, SimulatedTerminal) dial in
 * over loopback TCP to a sink master in the same process (it confirms logins/heartbeats), then the
 * master sends AFN0D F161 daily-frozen reads (8 Pn per request, closed loop: one request in flight per
 * terminal, `window` terminals at a time) for `seconds` and counts answer frames.
 * The sink runs in a child process (each process needs one descriptor per socket; the hard limit here is
 * 20 000), so RSS is the fleet process's own.
 * Bounded: loopback only, N ≤ 20 000, each phase has a time limit.
 * Run: npx tsx bench/fleet.bench.ts [terminals=10000] [meters=200] [seconds=10] [window=2000]
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { builders, Gw376Deframer } from '../protocols/gw376/index.js';
import { parseEndpoint } from '../simulators/concentrator/channels.js';
import { SimulatedTerminal, type TerminalOptions } from '../simulators/concentrator/terminal.js';
import { Fleet } from '../simulators/fleet/fleet.js';
import { fmt, header } from './harness.js';

const N = Math.min(20_000, Number(process.argv[2] ?? 10_000));
const M = Number(process.argv[3] ?? 200);
const SECONDS = Number(process.argv[4] ?? 10);
const WINDOW = Number(process.argv[5] ?? 2000);
const A1 = '1101';
const MB = 1024 * 1024;

if (process.argv[2] === '--sink') {
  await runSink();
} else {
  await runFleetBench();
}

/** The sink master, in its own process (own file-descriptor budget): confirms link frames, runs the read loop. */
async function runSink(): Promise<void> {
  const conns = new Map<number, net.Socket>(); // a2 → socket
  let answers = 0;
  let reading = false;
  let seq = 0;
  const date = { year: 2024, month: 5, day: 3 };
  const reqOf = (a2: number): Buffer => builders.readDailyFrozen({ a1: A1, a2, msa: 1 }, [1, 2, 3, 4, 5, 6, 7, 8], date, { seq: seq++ & 15, tp: false })[0]!;
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    let a2 = 0;
    const d = new Gw376Deframer({
      onFrame: (f) => {
        if (f.afn === 0x02) {
          a2 = f.a2;
          conns.set(a2, s);
          s.write(builders.linkConfirm({ a1: A1, a2: f.a2 }, f.seq));
        } else if (f.afn === 0x0d) {
          answers++;
          if (reading && f.fin) s.write(reqOf(a2));
        }
      },
    });
    s.on('data', (c: Buffer) => d.push(c));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen({ port: 0, host: '127.0.0.1', backlog: 8192 }, () => r()));
  process.send!({ port: (server.address() as net.AddressInfo).port });
  process.on('message', (m: { read?: number; stop?: boolean }) => {
    if (m.read) {
      reading = true;
      answers = 0;
      for (const a2 of [...conns.keys()].slice(0, m.read)) conns.get(a2)!.write(reqOf(a2));
    }
    if (m.stop) {
      reading = false;
      process.send!({ answers, terminals: conns.size });
    }
  });
}

async function runFleetBench(): Promise<void> {
header(`fleet: ${N} terminals × ${M} meters over loopback TCP (sink master in a child process)`);
const rss0 = process.memoryUsage().rss;
const sink = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--sink'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const fromSink = <T>(): Promise<T> => new Promise((r) => sink.once('message', (m) => r(m as T)));
const { port } = await fromSink<{ port: number }>();

// ---- fleet
const shared: TerminalOptions = { seed: 1, meterCount: M };
const t0 = performance.now();
const fleet = new Fleet({
  terminals: N,
  metersPerTerminal: M,
  endpoint: parseEndpoint(`tcp://127.0.0.1:${port}`),
  makeDevice: ({ id }) => new SimulatedTerminal(id, shared),
  rampPerSec: 5000,
  progressMs: 0,
  reportPollMs: 30_000,
});
await fleet.start();
const built = performance.now() - t0;
const rssBuilt = process.memoryUsage().rss;
await fleet.waitOnline(N, 120_000);
const online = performance.now() - t0;
global.gc?.();
const rssOnline = process.memoryUsage().rss;
console.log(`fleet build (devices + sessions): ${built.toFixed(0)} ms`);
console.log(`fleet all ${N} online (ramp 5000/s): ${(online / 1000).toFixed(2)} s`);
console.log(`rss after build: ${((rssBuilt - rss0) / MB).toFixed(0)} MiB (+${(rssBuilt - rss0) / N / 1024 | 0} KiB/terminal)`);
console.log(`rss all online: ${(rssOnline / MB).toFixed(0)} MiB total (fleet process), ${((rssOnline - rss0) / N / 1024).toFixed(1)} KiB/terminal`);
console.log(`meters simulated: ${fmt(N * M)}`);

// ---- answer rate for F161
const tr = performance.now();
sink.send({ read: WINDOW });
await new Promise((r) => setTimeout(r, SECONDS * 1000));
const done = fromSink<{ answers: number; terminals: number }>();
sink.send({ stop: true });
const { answers } = await done;
const took = (performance.now() - tr) / 1000;
console.log(`F161 answer frames/s (8 Pn each, ${Math.min(WINDOW, N)} terminals in the loop): ${fmt(answers / took)}`);
console.log(`F161 meter values/s: ${fmt((answers * 8) / took)}`);
console.log(`rss after reads: ${(process.memoryUsage().rss / MB).toFixed(0)} MiB`);

const ts = performance.now();
await Promise.race([fleet.stop(), new Promise((r) => setTimeout(r, 30_000))]);
console.log(`fleet stop (logout all): ${(performance.now() - ts).toFixed(0)} ms`);
sink.kill();
process.exit(0);
}
