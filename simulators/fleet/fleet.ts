/**
 * A fleet of simulated 376.1 terminals in one process.
 *
 * Terminal i (0-based) is A1 = `a1`, A2 = `firstA2 + i`, with Pn 1..`metersPerTerminal` behind it. Each
 * terminal is a TerminalDevice (the brain, made by `makeDevice`) driven by a TerminalSession that dials
 * in over TCP or MQTT. Connections start ramped: terminal i starts at i / `rampPerSec` s. All sessions
 * share ONE TimerWheel (heartbeats, login timeouts, back-offs, report polls, ramp, scenario events) and
 * ONE counters object, so the fleet's cost per terminal is its session + device objects, not timers.
 *
 * Scenario events (scenario.ts) are scheduled on the wheel: channel faults go to the session
 * (`setFaults`), device faults to the brain's `faults.set` (devices.ts).
 *
 * Progress: every `progressMs` a line on `progress` (stderr by default):
 *   `fleet +12.0s connected 9876/10000 online 9870 logins 10012 reconnects 136 in 30211 out 30350 faults 48`
 * `stats()` gives the counters and timings as JSON (the CLI's `--stats-json`).
 */
import { SharedMqttConnection } from '../../drivers/mqtt.js';
import { hash32, mulberry32 } from '../model.js';
import { dialInFactory, type ChannelEndpoint } from '../concentrator/channels.js';
import type { TerminalDevice } from '../concentrator/device.js';
import { TimerWheel, type TimerHandle } from '../concentrator/scheduler.js';
import { TerminalSession, newCounters, type ChannelFaults, type SessionCounters, type BackoffOptions } from '../concentrator/session.js';
import { deviceFaultsOf, type DeviceFactory, type DeviceFaultPatch } from './devices.js';
import { membersOf, type Scenario, type ScenarioEvent, type ScenarioFault } from './scenario.js';

export interface FleetOptions {
  terminals: number;
  metersPerTerminal: number;
  endpoint: ChannelEndpoint;
  makeDevice: DeviceFactory;
  /** Region code of every terminal (default "1101"). */
  a1?: string;
  firstA2?: number;
  seed?: number | string;
  /** Connection starts per second (default 500; 0 = all at once). */
  rampPerSec?: number;
  scenario?: Scenario;
  /** Wheel resolution (default 50 ms). */
  tickMs?: number;
  /** Progress line period (default 5000; 0 = none). */
  progressMs?: number;
  progress?: (line: string) => void;
  /** Poll pendingReports this often per terminal (default 5000). */
  reportPollMs?: number;
  loginTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** MQTT: share this many connections among the terminals (default 0 = one connection per terminal). */
  mqttConnections?: number;
  /** Parameter state per terminal key, passed to makeDevice (from `--state`). */
  stateOf?: (key: string) => unknown;
}

export interface FleetCounters extends SessionCounters {
  terminals: number;
  meters: number;
  /** Scenario faults started (device and channel). */
  scenarioEvents: number;
  /** Device faults a device could not take (no faults API). */
  unsupportedFaults: number;
}

export interface FleetStats {
  terminals: number;
  metersPerTerminal: number;
  endpoint: string;
  startedAt: string;
  /** ms to build every device and session. */
  buildMs: number;
  /** ms from start until every terminal was connected at once (null if never). */
  allConnectedMs: number | null;
  /** ms from start until every terminal had logged in at least once. */
  allLoggedInMs: number | null;
  uptimeMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  counters: FleetCounters;
  states: Record<string, number>;
}

export class Fleet {
  readonly o: FleetOptions;
  readonly counters: FleetCounters;
  readonly wheel: TimerWheel;
  readonly sessions: TerminalSession[] = [];
  readonly devices: TerminalDevice[] = [];
  private shared: SharedMqttConnection[] = [];
  private t0 = 0;
  private buildMs = 0;
  private allConnectedAt: number | null = null;
  private allLoggedInAt: number | null = null;
  private loggedIn = new Set<number>();
  private progressTimer: ReturnType<typeof setInterval> | null = null;
  private watch: ReturnType<typeof setInterval> | null = null;
  private scenarioTimers: TimerHandle[] = [];
  private stopped = false;

  constructor(o: FleetOptions) {
    if (!Number.isInteger(o.terminals) || o.terminals < 1 || o.terminals > 65535) throw new RangeError('terminals must be 1..65535');
    if (!Number.isInteger(o.metersPerTerminal) || o.metersPerTerminal < 0 || o.metersPerTerminal > 2040) throw new RangeError('meters per terminal must be 0..2040');
    const first = o.firstA2 ?? 1;
    if (first < 1 || first + o.terminals - 1 > 65535) throw new RangeError('A2 range exceeds 1..65535');
    this.o = o;
    this.counters = { ...newCounters(), terminals: o.terminals, meters: o.terminals * o.metersPerTerminal, scenarioEvents: 0, unsupportedFaults: 0 };
    this.wheel = new TimerWheel({ tickMs: o.tickMs ?? 50 });
  }

  get a1(): string {
    return this.o.a1 ?? '1101';
  }

  a2Of(i: number): number {
    return (this.o.firstA2 ?? 1) + i;
  }

  /** Builds the devices and sessions and starts the ramp. */
  async start(): Promise<void> {
    const o = this.o;
    this.t0 = Date.now();
    const seed = o.seed ?? 1;
    if (o.endpoint.kind === 'mqtt' && (o.mqttConnections ?? 0) > 0) {
      // Client ids unique per fleet (A1 + first A2), not only per process: a broker drops the older of two
      // connections with the same id, so two fleets in one process must not share ids.
      for (let k = 0; k < o.mqttConnections!; k++) this.shared.push(await SharedMqttConnection.connect({ url: o.endpoint.url, clientId: `hes-sim-fleet-${process.pid}-${this.a1}-${this.a2Of(0)}-${k}` }));
    }
    const ramp = o.rampPerSec ?? 500;
    for (let i = 0; i < o.terminals; i++) {
      const id = { a1: this.a1, a2: this.a2Of(i) };
      const key = `${id.a1}-${String(id.a2).padStart(5, '0')}`;
      const state = o.stateOf?.(key);
      const device = o.makeDevice({ id, meters: o.metersPerTerminal, seed, ...(state !== undefined ? { state } : {}) });
      const rng = mulberry32(hash32(`${seed}:${key}:session`));
      const shared = this.shared.length ? this.shared[i % this.shared.length] : undefined;
      const session = new TerminalSession({
        device,
        connect: dialInFactory(o.endpoint, id, shared ? { shared } : {}),
        scheduler: this.wheel,
        counters: this.counters,
        random: rng,
        reportPollMs: o.reportPollMs ?? 5000,
        loginTimeoutMs: o.loginTimeoutMs ?? 30_000,
        ...(o.backoff ? { backoff: o.backoff } : {}),
        startDelayMs: ramp > 0 ? Math.floor((i * 1000) / ramp) : 0,
        observer: { state: (s) => this.onState(i, s) },
      });
      this.devices.push(device);
      this.sessions.push(session);
    }
    this.buildMs = Date.now() - this.t0;
    if (o.scenario) this.scheduleScenario(o.scenario);
    for (const s of this.sessions) s.start();
    this.watch = setInterval(() => this.checkAll(), 100);
    const every = o.progressMs ?? 5000;
    if (every > 0) {
      const out = o.progress ?? ((line: string) => void process.stderr.write(line + '\n'));
      this.progressTimer = setInterval(() => out(this.progressLine()), every);
    }
  }

  private onState(i: number, s: string): void {
    if (s === 'online') this.loggedIn.add(i);
  }

  private checkAll(): void {
    const now = Date.now();
    if (this.allConnectedAt === null && this.counters.connected === this.o.terminals) this.allConnectedAt = now;
    if (this.allLoggedInAt === null && this.loggedIn.size === this.o.terminals) this.allLoggedInAt = now;
  }

  progressLine(): string {
    const c = this.counters;
    const t = ((Date.now() - this.t0) / 1000).toFixed(1);
    return `fleet +${t}s connected ${c.connected}/${c.terminals} online ${c.online} logins ${c.logins} reconnects ${c.reconnects} in ${c.framesIn} out ${c.framesOut} faults ${c.faultsInjected}`;
  }

  /** Resolves when `n` terminals are online at once (default all). */
  async waitOnline(n = this.o.terminals, timeoutMs = 60_000): Promise<number> {
    const start = Date.now();
    while (this.counters.online < n) {
      if (Date.now() - start > timeoutMs) throw new Error(`only ${this.counters.online}/${n} terminals online after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return Date.now() - start;
  }

  // ------------------------------------------------------------------ scenario

  private scheduleScenario(sc: Scenario): void {
    const lo = this.a2Of(0);
    const hi = this.a2Of(this.o.terminals - 1);
    for (const ev of sc.events) {
      const targets = membersOf(ev.terminals, lo, hi).map((a2) => a2 - lo);
      if (targets.length === 0) continue;
      this.scenarioTimers.push(this.wheel.setTimer(ev.at, () => this.applyEvent(ev, targets, true)));
      if (ev.for !== undefined && ev.fault.kind !== 'offline') {
        this.scenarioTimers.push(this.wheel.setTimer(ev.at + ev.for, () => this.applyEvent(ev, targets, false)));
      }
    }
  }

  private applyEvent(ev: ScenarioEvent, targets: number[], on: boolean): void {
    if (this.stopped) return;
    if (on) this.counters.scenarioEvents += targets.length;
    for (const i of targets) this.applyFault(i, ev.fault, on, ev.for);
  }

  /** Starts (`on`) or clears a fault on terminal i (0-based). Exposed for run-time use. */
  applyFault(i: number, f: ScenarioFault, on: boolean, forMs?: number): void {
    const session = this.sessions[i];
    const device = this.devices[i];
    if (!session || !device) return;
    const now = this.wheel.now();
    const channel = (patch: ChannelFaults): void => session.setFaults(patch);
    const dev = (patch: DeviceFaultPatch): boolean => {
      const api = deviceFaultsOf(device);
      if (!api) {
        if (on) this.counters.unsupportedFaults++;
        return false;
      }
      api.set(patch, session.terminalNow());
      if (on) this.counters.faultsInjected++;
      return true;
    };
    switch (f.kind) {
      case 'offline':
        if (on) channel({ offlineUntil: now + (forMs ?? 0) });
        break;
      case 'half-open':
        channel({ halfOpen: on });
        break;
      case 'slow':
        channel({ slowMs: on ? f.ms : 0 });
        break;
      case 'loss':
        channel({ lossPct: on ? f.percent : 0 });
        break;
      case 'corrupt':
        channel({ corruptPct: on ? f.percent : 0 });
        break;
      case 'duplicate':
        channel({ duplicatePct: on ? f.percent : 0 });
        break;
      case 'clock-drift':
        // Offset lives in the channel's clock; drift in ppm goes to the brain when it has a clock fault.
        channel({ clockOffsetMs: on ? (f.offsetS ?? 0) * 1000 : 0 });
        if (f.ppm !== undefined && !(deviceFaultsOf(device) && dev({ clockDriftPpm: on ? f.ppm : 0 }))) channel({ clockDriftPpm: on ? f.ppm : 0 });
        break;
      case 'power-off':
        dev({ powerOff: on });
        if (on) channel({ offlineUntil: forMs !== undefined ? now + forMs : Number.MAX_SAFE_INTEGER });
        else channel({ offlineUntil: 0 });
        break;
      case 'meter-missing':
        dev({ meterMissing: on ? new Set(membersOf(f.meters ?? 'all', 1, this.o.metersPerTerminal)) : new Set<number>() });
        break;
      case 'deny':
        dev({ denyAll: on });
        break;
    }
  }

  // ------------------------------------------------------------------ end

  stats(): FleetStats {
    const mem = process.memoryUsage();
    const states: Record<string, number> = {};
    for (const s of this.sessions) states[s.state] = (states[s.state] ?? 0) + 1;
    this.checkAll();
    return {
      terminals: this.o.terminals,
      metersPerTerminal: this.o.metersPerTerminal,
      endpoint: this.o.endpoint.url,
      startedAt: new Date(this.t0).toISOString(),
      buildMs: this.buildMs,
      allConnectedMs: this.allConnectedAt === null ? null : this.allConnectedAt - this.t0,
      allLoggedInMs: this.allLoggedInAt === null ? null : this.allLoggedInAt - this.t0,
      uptimeMs: Date.now() - this.t0,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      counters: { ...this.counters },
      states,
    };
  }

  /** Logs every terminal out (bounded wait), closes the channels, stops the wheel. */
  async stop(): Promise<FleetStats> {
    this.stopped = true;
    if (this.progressTimer) clearInterval(this.progressTimer);
    if (this.watch) clearInterval(this.watch);
    for (const t of this.scenarioTimers) this.wheel.clearTimer(t);
    const stats = this.stats();
    const batch = 1000;
    for (let i = 0; i < this.sessions.length; i += batch) await Promise.all(this.sessions.slice(i, i + batch).map((s) => s.stop()));
    this.wheel.stop();
    for (const c of this.shared) await c.end().catch(() => undefined);
    return stats;
  }
}
