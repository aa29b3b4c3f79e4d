/**
 * Child process of the FEP benches (not a bench itself): runs the simulated fleet, or an aedes broker,
 * in its own process so the FEP process under test holds only its side of every channel and its RSS and
 * event loop are its own.
 *
 *   --fleet            fleets of SimulatedTerminal brains (simulators/fleet, the real fleet API), added in
 *                      steps on the parent's IPC command (`add`); `stats` sums the counters of every step;
 *                      `stop` logs every terminal out (bounded) and exits.
 *   --aedes            an aedes MQTT broker on a free 127.0.0.1 port (fallback when mosquitto is missing).
 *
 * Heartbeat period: the simulated terminal beats at its AFN04 F1 period, whole minutes (≥ 1 min). A bench
 * asks for a shorter one (`heartbeatMs`), so the fleet here uses a SimulatedTerminal subclass whose
 * `heartbeatPeriodMs()` returns it — nothing else of the brain changes.
 *
 * Bounded: exits when the parent goes away (IPC disconnect) and after `--max-s` seconds (default 1800).
 */
import net from 'node:net';
import { parseEndpoint } from '../simulators/concentrator/channels.js';
import { SimulatedTerminal, type TerminalOptions } from '../simulators/concentrator/terminal.js';
import { newCounters, type SessionCounters } from '../simulators/concentrator/session.js';
import { Fleet } from '../simulators/fleet/fleet.js';

export interface AddCommand {
  t: 'add';
  /** tcp://host:port or mqtt://host:port */
  url: string;
  terminals: number;
  firstA2: number;
  meters: number;
  rampPerSec: number;
  /** Heartbeat period of the terminals, ms (undefined = their AFN04 F1 default, 1 min). */
  heartbeatMs?: number;
  /** MQTT connections shared by this step's terminals (0 = one per terminal). */
  mqttConnections: number;
  /** Terminals check Tp and refuse replays (TerminalOptions.checkTp; bench/control.bench.ts). */
  checkTp?: boolean;
}
export type ChildCommand = AddCommand | { t: 'stats' } | { t: 'stop' };

export interface ChildStats {
  t: 'stats';
  terminals: number;
  counters: SessionCounters;
  states: Record<string, number>;
  rssBytes: number;
  heapUsedBytes: number;
}
export type ChildMessage = { t: 'ready'; url?: string } | { t: 'added'; buildMs: number } | ChildStats | { t: 'stopped'; stopMs: number } | { t: 'error'; message: string };

const role = process.argv[2];
const maxS = Number(process.argv[process.argv.indexOf('--max-s') + 1] ?? 1800) || 1800;
const send = (m: ChildMessage): void => void process.send?.(m);

if (role === '--fleet' || role === '--aedes') {
  // Never outlive the parent or the time bound.
  process.on('disconnect', () => process.exit(0));
  setTimeout(() => process.exit(3), maxS * 1000).unref();
  if (role === '--fleet') runFleetChild();
  else await runAedesChild();
}

function runFleetChild(): void {
  const fleets: Fleet[] = [];
  let stopping = false;
  process.on('message', (raw) => {
    const m = raw as ChildCommand;
    void (async () => {
      try {
        if (m.t === 'add') {
          const t0 = Date.now();
          const shared: TerminalOptions = { seed: 1, meterCount: m.meters, ...(m.checkTp ? { checkTp: true } : {}) };
          const hb = m.heartbeatMs;
          class BenchTerminal extends SimulatedTerminal {
            override heartbeatPeriodMs(): number {
              return hb ?? super.heartbeatPeriodMs();
            }
          }
          const fleet = new Fleet({
            terminals: m.terminals,
            firstA2: m.firstA2,
            metersPerTerminal: m.meters,
            endpoint: parseEndpoint(m.url),
            makeDevice: ({ id }) => new BenchTerminal(id, shared),
            rampPerSec: m.rampPerSec,
            progressMs: 0,
            reportPollMs: 60_000,
            ...(m.mqttConnections > 0 ? { mqttConnections: m.mqttConnections } : {}),
          });
          fleets.push(fleet);
          await fleet.start();
          send({ t: 'added', buildMs: Date.now() - t0 });
        } else if (m.t === 'stats') {
          send(statsOf(fleets));
        } else if (m.t === 'stop') {
          if (stopping) return;
          stopping = true;
          const t0 = Date.now();
          await Promise.race([Promise.all(fleets.map((f) => f.stop())), new Promise((r) => setTimeout(r, 30_000))]);
          send({ t: 'stopped', stopMs: Date.now() - t0 });
          setTimeout(() => process.exit(0), 100);
        }
      } catch (err) {
        send({ t: 'error', message: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
  send({ t: 'ready' });
}

function statsOf(fleets: readonly Fleet[]): ChildStats {
  const sum: Record<string, number> = { ...newCounters() };
  const states: Record<string, number> = {};
  let terminals = 0;
  for (const f of fleets) {
    terminals += f.o.terminals;
    for (const [k, v] of Object.entries(f.counters)) if (typeof v === 'number') sum[k] = (sum[k] ?? 0) + v;
    for (const s of f.sessions) states[s.state] = (states[s.state] ?? 0) + 1;
  }
  const mem = process.memoryUsage();
  return { t: 'stats', terminals, counters: sum as unknown as SessionCounters, states, rssBytes: mem.rss, heapUsedBytes: mem.heapUsed };
}

async function runAedesChild(): Promise<void> {
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise<void>((r) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => r()));
  send({ t: 'ready', url: `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}` });
  process.on('message', (raw) => {
    if ((raw as ChildCommand).t === 'stop') {
      server.close();
      broker.close(() => process.exit(0));
      setTimeout(() => process.exit(0), 2000).unref();
    }
  });
}
