/**
 * FEP call-up latency at 10 000 online terminals (issue 6, "Tests and measures").
 *
 * Setup: the FEP (src/fep, silent logger) runs in THIS process; the fleet (simulators/fleet API,
 * SimulatedTerminal brains with `--meters` meters each) runs in a child process (bench/fep-fleet-child.ts)
 * and dials in over loopback TCP (default: one socket per terminal on each side, 10 000 < the 20 000
 * descriptor limit of each process) or MQTT (`--channel mqtt`: mosquitto, terminals on a few shared
 * connections, the FEP on one). Once every terminal is online, the bench issues call-ups open-loop at a
 * bounded rate to terminals drawn at random (seeded): AFN0C F25 for one Pn (Fep.readRealtime) and AFN0D
 * F161 for 8 Pn on yesterday's date (Fep.readDaily), `--seconds` per rate. Latency is measured here from
 * the call to the resolved result (queueing in the FEP, the wire both ways, the terminal's answer), and
 * every answer is checked (units for the Pn asked). Outstanding requests are capped (`--max-outstanding`;
 * calls past the cap are counted as skipped, not queued). Event-loop lag during each phase as in
 * fep-sessions.bench.ts. Heartbeats run at their period throughout (`--heartbeat-s`). A 3 s warm-up of each kind at
 * the lowest rate comes first and is not reported.
 *
 * Run: npx tsx bench/fep-callup.bench.ts [--terminals 10000] [--rates 200,1000] [--seconds 15]
 *        [--channel tcp|mqtt] [--meters 8] [--max-outstanding 2000] [--heartbeat-s 60] [--max-minutes 10]
 */
import type { DayDate } from '../protocols/gw376/builders.js';
import type { MessageUnit } from '../protocols/gw376/index.js';
import { hash32, mulberry32 } from '../simulators/model.js';
import { Fep } from '../src/fep/fep.js';
import type { RequestResult } from '../src/fep/request-queue.js';
import type { HesEvents } from '../src/bus.js';
import { InProcessBus } from '../src/bus.js';
import { terminalKeyOf } from '../src/fep/directory.js';
import { A1, BusTally, CpuMeter, FleetProcess, LagMonitor, MiB, fleetDirectory, loadAverage, memory, ms, num, parseArgs, sleep, startBroker, teardownOnExit, until, type Broker } from './fep-common.js';
import { header, percentile } from './harness.js';

const args = parseArgs({
  terminals: '10000',
  rates: '200,1000',
  seconds: '15',
  channel: 'tcp',
  broker: 'auto',
  'mqtt-connections': '4',
  meters: '8',
  'max-outstanding': '2000',
  'heartbeat-s': '60',
  ramp: '2000',
  'max-minutes': '10',
});
const CHANNEL = args.channel;
if (CHANNEL !== 'mqtt' && CHANNEL !== 'tcp') throw new Error('--channel must be mqtt or tcp');
const N = num(args.terminals, 'terminals', 1, CHANNEL === 'tcp' ? 19_000 : 65_535);
const RATES = args.rates.split(',').map((r) => num(r, 'rates', 1, 20_000));
const SECONDS = num(args.seconds, 'seconds', 1, 600);
const METERS = num(args.meters, 'meters', 8, 2040);
const MAX_OUT = num(args['max-outstanding'], 'max-outstanding', 1, 100_000);
const HB_S = num(args['heartbeat-s'], 'heartbeat-s', 1, 3600);
const RAMP = num(args.ramp, 'ramp', 1, 100_000);
const MQTT_CONNS = num(args['mqtt-connections'], 'mqtt-connections', 0, 64);
const MAX_MS = num(args['max-minutes'], 'max-minutes', 1, 120) * 60_000;
const BROKER = args.broker as 'auto' | 'mosquitto' | 'aedes';
const F161_PNS = [1, 2, 3, 4, 5, 6, 7, 8];

const t0 = Date.now();
let broker: Broker | undefined;
let fleet: FleetProcess | undefined;
let fep: Fep | undefined;
// The whole run is bounded: past MAX_MS (+ 2 min for clean-up) everything is torn down.
const cleanup = teardownOnExit(() => ({ fleet, fep, broker }), MAX_MS);

/** Yesterday in China Standard Time (the terminals keep local time). */
function yesterdayCst(): DayDate {
  const d = new Date(Date.now() + 8 * 3_600_000 - 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function pnsOf(units: readonly MessageUnit[], fn: number): number[] {
  const out: number[] = [];
  for (const u of units) if (!u.raw && u.fn === fn && u.data !== undefined) out.push(u.pn);
  return out;
}

interface Kind {
  name: string;
  call(f: Fep, terminal: string, rnd: () => number): { p: Promise<RequestResult>; check: (r: RequestResult) => boolean };
}

const DATE = yesterdayCst();
const KINDS: Kind[] = [
  {
    name: 'AFN0C F25 (1 Pn)',
    call(f, terminal, rnd) {
      const pn = 1 + Math.floor(rnd() * METERS);
      return { p: f.readRealtime(terminal, 25, [pn]), check: (r) => pnsOf(r.units, 25).join() === String(pn) };
    },
  },
  {
    name: `AFN0D F161 (8 Pn, ${DATE.year}-${String(DATE.month).padStart(2, '0')}-${String(DATE.day).padStart(2, '0')})`,
    call(f, terminal) {
      return { p: f.readDaily(terminal, 161, F161_PNS, DATE), check: (r) => pnsOf(r.units, 161).join() === F161_PNS.join() };
    },
  },
];

interface PhaseResult {
  issued: number;
  skipped: number;
  ok: number;
  bad: number;
  failed: number;
  retried: number;
  lat: number[];
  durS: number;
  errors: Record<string, number>;
}

async function phase(f: Fep, kind: Kind, rate: number, seconds: number, rnd: () => number): Promise<PhaseResult> {
  const r: PhaseResult = { issued: 0, skipped: 0, ok: 0, bad: 0, failed: 0, retried: 0, lat: [], durS: 0, errors: {} };
  let outstanding = 0;
  const start = performance.now();
  const endAt = start + seconds * 1000;
  let due = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      const target = Math.floor((Math.min(now, endAt) - start) * (rate / 1000));
      for (; due < target; due++) {
        if (outstanding >= MAX_OUT) {
          r.skipped++;
          continue;
        }
        const terminal = terminalKeyOf(A1, 1 + Math.floor(rnd() * N));
        const t = performance.now();
        outstanding++;
        r.issued++;
        let c: ReturnType<Kind['call']>;
        try {
          c = kind.call(f, terminal, rnd);
        } catch (err) {
          outstanding--;
          r.failed++;
          const k = err instanceof Error ? err.constructor.name : 'error';
          r.errors[k] = (r.errors[k] ?? 0) + 1;
          continue;
        }
        c.p.then(
          (res) => {
            outstanding--;
            r.lat.push(performance.now() - t);
            if (res.attempts > 1) r.retried++;
            if (c.check(res)) r.ok++;
            else r.bad++;
          },
          (err: unknown) => {
            outstanding--;
            r.failed++;
            const k = err instanceof Error ? `${err.constructor.name}: ${err.message.slice(0, 60)}` : 'error';
            r.errors[k] = (r.errors[k] ?? 0) + 1;
          },
        );
      }
      if (now >= endAt) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  await until(() => outstanding === 0, 60_000, 10);
  r.durS = (performance.now() - start) / 1000;
  return r;
}

try {
  header(`fep-callup: call-up latency at ${N} online terminals, ${CHANNEL}`);
  if (CHANNEL === 'mqtt') broker = await startBroker(BROKER, MAX_MS / 1000 + 300);
  const bus = new InProcessBus<HesEvents>();
  const tally = new BusTally(bus);
  fep = new Fep({ directory: fleetDirectory(N, METERS), bus, config: { heartbeatS: HB_S } });
  let url: string;
  if (CHANNEL === 'mqtt') {
    await fep.attachMqtt({ url: broker!.url, clientId: `openhes-fep-bench-${process.pid}` });
    url = broker!.url;
  } else {
    url = `tcp://127.0.0.1:${(await fep.listenTcp(0, '127.0.0.1')).port}`;
  }
  const cfg = fep.config;
  console.log(
    `setup: FEP in this process (silent logger, in-process bus, window ${cfg.window}, timeout ${cfg.timeoutMs} ms, retries ${cfg.retries}), fleet of ${N} SimulatedTerminal × ${METERS} meters in a child process;` +
      ` channel ${CHANNEL}${CHANNEL === 'mqtt' ? ` via ${broker!.name}, terminals on ${MQTT_CONNS} shared connections, FEP on one` : ' (one loopback socket per terminal)'};` +
      ` heartbeat ${HB_S} s; login ramp ${RAMP}/s; call-ups open-loop at ${RATES.join(', ')} requests/s for ${SECONDS} s each to random terminals, ≤ ${MAX_OUT} outstanding; load average ${await loadAverage()}`,
  );
  fleet = await FleetProcess.start(MAX_MS / 1000 + 300);
  const r0 = Date.now();
  await fleet.add({ url, terminals: N, firstA2: 1, meters: METERS, rampPerSec: RAMP, heartbeatMs: HB_S * 1000, mqttConnections: CHANNEL === 'mqtt' ? MQTT_CONNS : 0 });
  if (!(await until(() => tally.online >= N, (N / RAMP) * 1000 + 90_000))) throw new Error(`only ${tally.online}/${N} terminals online`);
  console.log(`all online: ${N} terminals in ${((Date.now() - r0) / 1000).toFixed(1)} s`);
  await sleep(3000);
  const lag = new LagMonitor(10);
  const rnd = mulberry32(hash32('fep-callup'));
  const cpu = new CpuMeter([process.pid, fleet.child.proc.pid ?? 0, broker?.pid ?? 0]);
  // Warm-up (not reported): both kinds at the lowest rate for 3 s, so the JIT has compiled the paths.
  for (const kind of KINDS) await phase(fep, kind, Math.min(...RATES), 3, rnd);
  await sleep(1000);
  const summary: string[] = [];
  for (const kind of KINDS) {
    for (const rate of RATES) {
      if (Date.now() - t0 > MAX_MS) break;
      lag.reset();
      cpu.reset();
      const off0 = tally.offlineEvents;
      const res = await phase(fep, kind, rate, SECONDS, rnd);
      const l = lag.snapshot();
      const c = cpu.read();
      const lat = res.lat.sort((a, b) => a - b);
      const done = res.ok + res.bad;
      const line =
        `${kind.name} @ ${rate} requests/s: issued ${res.issued} (skipped ${res.skipped}), ok ${res.ok}, wrong answer ${res.bad}, failed ${res.failed}, retried ${res.retried}` +
        ` | completed ${(done / res.durS).toFixed(0)} requests/s` +
        ` | latency p50 ${ms(percentile(lat, 50))} ms p90 ${ms(percentile(lat, 90))} ms p99 ${ms(percentile(lat, 99))} ms max ${ms(lat[lat.length - 1] ?? NaN)} ms` +
        ` | lag p50 ${ms(l.p50)} ms p99 ${ms(l.p99)} ms max ${ms(l.max)} ms` +
        ` | cpu % of a core: fep ${c.pct[0]!.toFixed(0)}, fleet ${c.pct[1]!.toFixed(0)}${CHANNEL === 'mqtt' ? `, broker ${c.pct[2]!.toFixed(0)}` : ''} | offline ${tally.offlineEvents - off0} | load ${await loadAverage()}`;
      console.log(line);
      if (Object.keys(res.errors).length) console.log(`  errors: ${JSON.stringify(res.errors)}`);
      summary.push(`${kind.name} @ ${rate}/s latency p50: ${ms(percentile(lat, 50))} ms`, `${kind.name} @ ${rate}/s latency p99: ${ms(percentile(lat, 99))} ms`, `${kind.name} @ ${rate}/s throughput: ${(done / res.durS).toFixed(0)} requests/s`);
      await sleep(1000);
    }
  }
  lag.stop();
  const m = fep.metrics();
  for (const s of summary) console.log(s);
  console.log(`online terminals: ${m.online} sessions`);
  console.log(`fep rss: ${(memory().rss / MiB).toFixed(0)} MiB`);
  console.log(`fep counters: requestsOk ${m.counters.requestsOk} requestsFailed ${m.counters.requestsFailed} unmatched ${m.counters.unmatched} frameErrors ${m.counters.frameErrors} heartbeats ${m.counters.heartbeats} silenceOffline ${m.counters.silenceOffline}; FEP latency histogram p50 ≤ ${m.latency.p50Ms} ms, p99 ≤ ${m.latency.p99Ms} ms (bucket bounds)`);
  console.log(`load average at end: ${await loadAverage()}`);
  console.log(`bench time: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
} finally {
  await cleanup();
}
process.exit(0);
