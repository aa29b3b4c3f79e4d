/**
 * FEP live sessions per process (issue 6, "Tests and measures"): ramp a simulated fleet in steps until
 * heartbeat handling falls behind, or the goal; report sessions, RSS per session, event-loop lag.
 *
 * Setup: the FEP (src/fep, silent logger, in-process bus) runs in THIS process; the fleet (the real
 * simulators/fleet API and SimulatedTerminal brains) runs in a child process (bench/fep-fleet-child.ts).
 * Channel `mqtt` (default): the terminals share a few broker connections per step and the FEP subscribes
 * `hes/+/+/up` over ONE connection (Fep.attachMqtt), so a session is a topic pair, not a socket — the hard
 * open-file limit here (20 000) does not cap the count, and what is measured is the FEP's session handling
 * (login, heartbeat confirm, supervision sweep, per-session memory) plus its one MQTT client. Broker: an
 * external mosquitto (drivers/mosquitto.ts), else aedes in its own process. Channel `tcp`: the FEP holds one
 * socket per session, so the count is capped below the descriptor limit.
 *
 * Ramp: steps of `--step` terminals; each step's logins are spread over one heartbeat period (ramp rate =
 * step / period) so heartbeat phases stay uniform. After a step is online, one heartbeat period is
 * measured: event-loop lag p50/p99/max (monitorEventLoopDelay, resolution 10 ms, lag = delay − 10 ms),
 * heartbeats confirmed by the FEP vs expected, heartbeats the terminals sent vs had confirmed, offline
 * events, CPU of the FEP, fleet and broker processes; then RSS and heap after a full GC. A step falls
 * behind when lag p99 > `--lag-limit-ms`, or heartbeats are missed: the FEP handled < 95 % of the
 * expected rate, the confirms the terminals wait for grow by > 1 % of the window's heartbeats or exceed
 * 2 s worth, any login timeout, offline event or reconnect.
 * A step that falls behind is measured a second time (a stall from other load on the shared cores
 * recovers; a saturated FEP does not); the ramp stops when it fails twice, at the goal, or at `--max-minutes`.
 *
 * Run: npx tsx bench/fep-sessions.bench.ts [--goal 50000] [--step 5000] [--heartbeat-s 15] [--channel mqtt|tcp]
 *        [--broker auto|mosquitto|aedes] [--mqtt-connections 2] [--lag-limit-ms 200] [--max-minutes 15]
 */
import { Fep } from '../src/fep/fep.js';
import type { HesEvents } from '../src/bus.js';
import { InProcessBus } from '../src/bus.js';
import { loadavg } from 'node:os';
import { BusTally, CpuMeter, FleetProcess, LagMonitor, MiB, fleetDirectory, fullGc, loadAverage, memory, ms, num, parseArgs, sleep, startBroker, teardownOnExit, until, type Broker } from './fep-common.js';
import { header } from './harness.js';

const args = parseArgs({
  goal: '50000',
  step: '5000',
  'heartbeat-s': '15',
  channel: 'mqtt',
  broker: 'auto',
  'mqtt-connections': '2',
  'lag-limit-ms': '200',
  'max-minutes': '15',
  meters: '1',
});
const CHANNEL = args.channel;
if (CHANNEL !== 'mqtt' && CHANNEL !== 'tcp') throw new Error('--channel must be mqtt or tcp');
const TCP_CAP = 19_000; // hard open-file limit 20 000: FEP sockets + its own descriptors
const GOAL = Math.min(num(args.goal, 'goal', 1, 65_535), CHANNEL === 'tcp' ? TCP_CAP : 65_535);
const STEP = Math.min(num(args.step, 'step', 100, 65_535), GOAL);
const HB_S = num(args['heartbeat-s'], 'heartbeat-s', 1, 3600);
const MQTT_CONNS = num(args['mqtt-connections'], 'mqtt-connections', 0, 64);
const LAG_LIMIT = num(args['lag-limit-ms'], 'lag-limit-ms', 1, 60_000);
const MAX_MS = num(args['max-minutes'], 'max-minutes', 1, 120) * 60_000;
const METERS = num(args.meters, 'meters', 0, 2040);
const BROKER = args.broker as 'auto' | 'mosquitto' | 'aedes';
const RAMP = Math.max(1, Math.round(STEP / HB_S));
const WINDOW_MS = Math.max(10_000, HB_S * 1000);

const t0 = Date.now();
let broker: Broker | undefined;
let fleet: FleetProcess | undefined;
let fep: Fep | undefined;
let results: StepResult[] = [];
let tally: BusTally;
let lag: LagMonitor;
let cpu: CpuMeter;
let base: { rss: number; heapUsed: number };

// The whole run is bounded: past MAX_MS (+ 2 min for clean-up) everything is torn down.
const cleanup = teardownOnExit(() => ({ fleet, fep, broker }), MAX_MS);

interface StepResult {
  /** Heartbeats the terminals sent and have not (yet) seen confirmed, since the start. */
  unconfirmed: number;
  /** Growth of `unconfirmed` over the window: confirms lost or falling behind. */
  unconfirmedGrowth: number;
  /** Logins the terminals retried for want of a confirm (during the step's ramp and the window). */
  loginTimeouts: number;
  startedAt: number;
  cpuPct: number[];
  fepUsPerHeartbeat: number;
  sessions: number;
  rssMiB: number;
  heapMiB: number;
  kibPerSession: number;
  heapKibPerSession: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  hbPerS: number;
  hbExpectedPerS: number;
  sent: number;
  confirmed: number;
  offline: number;
  reconnects: number;
  fleetRssMiB: number;
}


async function measureWindow(rampLoginTimeouts: number): Promise<StepResult> {
  const f0 = await fleet!.stats();
  const hb0 = tally.heartbeats;
  const off0 = tally.offlineEvents;
  lag.reset();
  cpu.reset();
  const w0 = Date.now();
  await sleep(WINDOW_MS);
  const wMs = Date.now() - w0;
  const l = lag.snapshot();
  const c = cpu.read();
  const hbs = tally.heartbeats - hb0;
  const f1 = await fleet!.stats();
  fullGc();
  const mem = memory();
  const sessions = fep!.metrics().online;
  return {
    startedAt: w0,
    sessions,
    rssMiB: mem.rss / MiB,
    heapMiB: mem.heapUsed / MiB,
    kibPerSession: (mem.rss - base.rss) / 1024 / sessions,
    heapKibPerSession: (mem.heapUsed - base.heapUsed) / 1024 / sessions,
    lagP50: l.p50,
    lagP99: l.p99,
    lagMax: l.max,
    hbPerS: (hbs * 1000) / wMs,
    hbExpectedPerS: sessions / HB_S,
    sent: f1.counters.heartbeats - f0.counters.heartbeats,
    confirmed: f1.counters.heartbeatsConfirmed - f0.counters.heartbeatsConfirmed,
    unconfirmed: f1.counters.heartbeats - f1.counters.heartbeatsConfirmed,
    unconfirmedGrowth: f1.counters.heartbeats - f1.counters.heartbeatsConfirmed - (f0.counters.heartbeats - f0.counters.heartbeatsConfirmed),
    loginTimeouts: f1.counters.loginTimeouts - f0.counters.loginTimeouts + rampLoginTimeouts,
    offline: tally.offlineEvents - off0,
    reconnects: f1.counters.reconnects - f0.counters.reconnects,
    fleetRssMiB: f1.rssBytes / MiB,
    cpuPct: c.pct,
    fepUsPerHeartbeat: hbs > 0 ? (c.cpuMs[0]! * 1000) / hbs : NaN,
  };
}

function failureOf(r: StepResult): string | undefined {
  if (r.lagP99 > LAG_LIMIT) return `lag p99 ${ms(r.lagP99)} ms > ${LAG_LIMIT} ms`;
  if (r.loginTimeouts > 0) return `logins not confirmed in time (${r.loginTimeouts} login timeouts at the terminals)`;
  if (r.offline > 0 || r.reconnects > 0 || r.unconfirmedGrowth > 0.01 * r.sent || r.unconfirmed > 2 * r.hbExpectedPerS || r.hbPerS < 0.95 * r.hbExpectedPerS) {
    return `heartbeats missed (unconfirmed at the terminals ${r.unconfirmed}, +${r.unconfirmedGrowth} in the window, confirmed in the window ${r.confirmed}/${r.sent}, handled ${r.hbPerS.toFixed(0)}/s of ${r.hbExpectedPerS.toFixed(0)}/s, offline ${r.offline}, reconnects ${r.reconnects}; offline reasons so far ${JSON.stringify(tally.offlineReasons)})`;
  }
  return undefined;
}

function printStep(r: StepResult, what: string): void {
  const [fepPct, fleetPct, brokerPct] = r.cpuPct;
  console.log(
    `step ${results.length + 1}: ${what}` +
      ` | lag p50 ${ms(r.lagP50)} ms p99 ${ms(r.lagP99)} ms max ${ms(r.lagMax)} ms` +
      ` | heartbeats handled ${r.hbPerS.toFixed(0)}/s (expected ${r.hbExpectedPerS.toFixed(0)}/s), terminals sent ${r.sent} confirmed ${r.confirmed} (unconfirmed now ${r.unconfirmed}, ${r.unconfirmedGrowth >= 0 ? '+' : ''}${r.unconfirmedGrowth} in the window)` +
      ` | offline ${r.offline} reconnects ${r.reconnects}` +
      ` | rss ${r.rssMiB.toFixed(0)} MiB (${r.kibPerSession.toFixed(2)} KiB/session), heap ${r.heapMiB.toFixed(0)} MiB (${r.heapKibPerSession.toFixed(2)} KiB/session)` +
      ` | cpu % of a core: fep ${fepPct!.toFixed(0)} (${r.fepUsPerHeartbeat.toFixed(0)} µs/heartbeat), fleet ${fleetPct!.toFixed(0)}${CHANNEL === 'mqtt' ? `, broker ${brokerPct!.toFixed(0)}` : ''}` +
      ` | fleet rss ${r.fleetRssMiB.toFixed(0)} MiB | load ${loadNow()}`,
  );
}

function loadNow(): string {
  return loadavg().map((x) => x.toFixed(2)).join(' ');
}

try {
  header(`fep-sessions: live FEP sessions per process, ${CHANNEL}, goal ${GOAL}`);
  const setupBroker = CHANNEL === 'mqtt' ? (broker = await startBroker(BROKER, MAX_MS / 1000 + 300)) : undefined;
  const bus = new InProcessBus<HesEvents>();
  tally = new BusTally(bus);
  const directory = fleetDirectory(GOAL, METERS);
  fep = new Fep({ directory, bus, config: { heartbeatS: HB_S } });
  let url: string;
  if (CHANNEL === 'mqtt') {
    await fep.attachMqtt({ url: broker!.url, clientId: `openhes-fep-bench-${process.pid}` });
    url = broker!.url;
  } else {
    const l = await fep.listenTcp(0, '127.0.0.1');
    url = `tcp://127.0.0.1:${l.port}`;
  }
  console.log(
    `setup: FEP in this process (silent logger, in-process bus), fleet of SimulatedTerminal in a child process; channel ${CHANNEL}` +
      (CHANNEL === 'mqtt'
        ? ` via ${setupBroker!.name}, terminals share ${MQTT_CONNS} broker connections per step, FEP on ONE connection (sessions are topic pairs, not sockets)`
        : ' (one socket per session on each side)') +
      `; heartbeat ${HB_S} s (FEP silence limit ${3 * HB_S} s); steps of ${STEP}, ramp ${RAMP}/s (one step per heartbeat period); window ${WINDOW_MS / 1000} s per step; directory ${GOAL} terminals × ${METERS} meters; load average ${await loadAverage()}`,
  );
  lag = new LagMonitor(10);
  fullGc();
  base = memory();
  console.log(`baseline (FEP + directory of ${GOAL}, no sessions): rss ${(base.rss / MiB).toFixed(0)} MiB, heap ${(base.heapUsed / MiB).toFixed(0)} MiB`);
  fleet = await FleetProcess.start(MAX_MS / 1000 + 300);

  results = [];
  cpu = new CpuMeter([process.pid, fleet.child.proc.pid ?? 0, broker?.pid ?? 0]);
  let stopReason = `goal of ${GOAL} sessions reached`;
  let target = 0;
  while (target < GOAL) {
    if (Date.now() - t0 > MAX_MS) {
      stopReason = `time limit (${MAX_MS / 60_000} min)`;
      break;
    }
    const n = Math.min(STEP, GOAL - target);
    const firstA2 = target + 1;
    target += n;
    // ---- ramp
    lag.reset();
    const s0 = await fleet.stats();
    const rampStart = Date.now();
    await fleet.add({ url, terminals: n, firstA2, meters: METERS, rampPerSec: RAMP, heartbeatMs: HB_S * 1000, mqttConnections: CHANNEL === 'mqtt' ? MQTT_CONNS : 0 });
    const rampBudget = (n / RAMP) * 1000 + 60_000;
    const allOnline = await until(() => tally.online >= target, rampBudget);
    const rampLag = lag.snapshot();
    const s1 = await fleet.stats();
    const rampNote = `login timeouts ${s1.counters.loginTimeouts - s0.counters.loginTimeouts}, connect failures ${s1.counters.connectFailures - s0.counters.connectFailures}`;
    if (!allOnline) {
      stopReason = `only ${tally.online}/${target} online ${(rampBudget / 1000).toFixed(0)} s after the step started`;
      console.log(`step ${results.length + 1}: ${stopReason}`);
      break;
    }
    // ---- steady window: one heartbeat period with every terminal of the step beating. A window that
    // fails (CPU shared with other work can stall any of the three processes) is measured once more
    // before the ramp stops.
    let r = await measureWindow(s1.counters.loginTimeouts - s0.counters.loginTimeouts);
    let failure = failureOf(r);
    printStep(r, `sessions ${r.sessions} (ramp ${((r.startedAt - rampStart) / 1000).toFixed(1)} s, ramp lag p99 ${ms(rampLag.p99)} ms, ${rampNote})`);
    if (failure) {
      console.log(`  step ${results.length + 1} fell behind (${failure}); measuring one more window at the same size`);
      r = await measureWindow(0);
      failure = failureOf(r);
      printStep(r, `sessions ${r.sessions} (second window)`);
    }
    results.push(r);
    if (failure) {
      stopReason = `${failure} at ${r.sessions} sessions, twice in a row`;
      break;
    }
  }

  // ---- summary: the last step that kept up
  const ok = results.filter((r) => !failureOf(r));
  const best = ok[ok.length - 1];
  const last = results[results.length - 1];
  const m = fep.metrics();
  console.log(`stopped: ${stopReason}`);
  console.log(`channel: ${CHANNEL}${CHANNEL === 'mqtt' ? ` (${setupBroker!.name}; sessions are topic pairs over one FEP connection, not sockets)` : ''}`);
  console.log(`heartbeat period: ${HB_S} s`);
  if (best) {
    console.log(`sessions (largest step that kept up): ${best.sessions} sessions`);
    console.log(`rss at that step: ${best.rssMiB.toFixed(0)} MiB`);
    console.log(`rss per session: ${best.kibPerSession.toFixed(2)} KiB/session`);
    console.log(`heap per session: ${best.heapKibPerSession.toFixed(2)} KiB/session`);
    console.log(`event-loop lag p50: ${ms(best.lagP50)} ms`);
    console.log(`event-loop lag p99: ${ms(best.lagP99)} ms`);
    console.log(`event-loop lag max: ${ms(best.lagMax)} ms`);
    console.log(`heartbeats handled: ${best.hbPerS.toFixed(0)} heartbeats/s (expected ${best.hbExpectedPerS.toFixed(0)}/s)`);
    console.log(`fep cpu: ${best.cpuPct[0]!.toFixed(0)} % of a core, ${best.fepUsPerHeartbeat.toFixed(0)} µs/heartbeat (MQTT receive + confirm publish included)`);
  } else {
    console.log('sessions (largest step that kept up): 0 sessions (the first step already fell behind)');
  }
  if (last && last !== best) console.log(`last step (fell behind): ${last.sessions} sessions, lag p99 ${ms(last.lagP99)} ms, confirmed ${last.confirmed}/${last.sent}`);
  console.log(`fep counters: logins ${m.counters.logins} heartbeats ${m.counters.heartbeats} framesIn ${m.counters.framesIn} framesOut ${m.counters.framesOut} frameErrors ${m.counters.frameErrors} silenceOffline ${m.counters.silenceOffline} replaced ${m.counters.replaced}`);
  console.log(`goal ≥ 50000 sessions: ${best && best.sessions >= 50_000 ? 'met' : 'not met'}`);
  console.log(`load average at end: ${await loadAverage()}`);
  console.log(`bench time: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  lag.stop();
} finally {
  await cleanup();
}
process.exit(0);
