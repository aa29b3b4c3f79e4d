/**
 * TEST FIXTURE — not the FEP. `SimFepFixture` implements the scheduler's `FepPort` over in-process
 * SimulatedTerminal brains: each request is encoded by the real codec, answered by the simulator at the
 * test clock's time and decoded again, without sockets, so scheduling logic (task clock, campaigns, 补采
 * back-off, late logins) can run on a ManualClock in milliseconds. Faults: a terminal offline
 * (ChannelClosedError, `online`/`offline` published on the bus) and the next n requests timing out.
 * The integration tests run the real FEP over TCP instead.
 */
import type { MessageUnit } from '../../protocols/gw376/index.js';
import { builders, decodeMessage, encodeMessage } from '../../protocols/gw376/index.js';
import { ChannelClosedError, TimeoutError } from '../../drivers/errors.js';
import { SimulatedTerminal, type TerminalOptions } from '../../simulators/concentrator/index.js';
import type { EventBus, HesEvents } from '../../src/bus.js';
import type { Clock } from '../../src/clock.js';
import { DeniedError } from '../../src/errors.js';
import type { RequestResult } from '../../src/fep/request-queue.js';
import type { FepPort } from '../../src/scheduler/executor.js';

interface Term {
  device: SimulatedTerminal;
  a1: string;
  a2: number;
  online: boolean;
  failNext: number;
}

export class SimFepFixture implements FepPort {
  readonly terms = new Map<string, Term>();
  /** Requests seen: `key AFNxx` per request. */
  readonly log: string[] = [];
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly bus: EventBus<HesEvents>,
  ) {}

  add(a1: string, a2: number, o: TerminalOptions = {}, online = true): SimulatedTerminal {
    const key = `${a1}-${String(a2).padStart(5, '0')}`;
    const device = new SimulatedTerminal({ a1, a2 }, { maxUserLength: 1000, ...o });
    this.terms.set(key, { device, a1, a2, online: false, failNext: 0 });
    if (online) this.setOnline(key, true);
    return device;
  }

  device(key: string): SimulatedTerminal {
    return this.terms.get(key)!.device;
  }

  setOnline(key: string, online: boolean): void {
    const t = this.terms.get(key)!;
    if (t.online === online) return;
    t.online = online;
    const ref = { id: key, terminal: key, a1: t.a1, a2: t.a2 };
    const at = this.clock.now();
    if (online) this.bus.publish('online', { ...ref, at, via: 'login', channel: 'sim', remote: 'sim', replaced: false });
    else this.bus.publish('offline', { ...ref, at, reason: 'socket-closed', channel: 'sim', remote: 'sim' });
  }

  /** The next `n` requests to the terminal time out. */
  failNext(key: string, n: number): void {
    this.terms.get(key)!.failNext = n;
  }

  isOnline(key: string): boolean {
    return this.terms.get(key)?.online ?? false;
  }

  async request(key: string, r: { afn: number; units: MessageUnit[] }): Promise<RequestResult> {
    await Promise.resolve();
    const t = this.terms.get(key);
    if (!t || !t.online) throw new ChannelClosedError('terminal is not online', key);
    this.log.push(`${key} AFN${r.afn.toString(16).padStart(2, '0').toUpperCase()}`);
    const seq = this.seq++ & 15;
    const frame = encodeMessage({ ...builders.requestHeader(r.afn, { a1: t.a1, a2: t.a2, msa: 1 }, { seq, now: new Date(this.clock.now()) }), units: r.units });
    if (t.failNext > 0) {
      t.failNext--;
      throw new TimeoutError(key, 'reply', 10_000, 3, frame.toString('hex'));
    }
    const messages = t.device.receive(frame, this.clock.now()).map((f) => decodeMessage(f));
    const denied = messages.find((m) => m.afn === 0x00);
    const result: RequestResult = { terminal: key, afn: r.afn, units: messages.flatMap((m) => m.units), messages, frames: messages.length, attempts: 1, latencyMs: 0 };
    if (denied) {
      const u = denied.units[0];
      const fn = u && !u.raw ? u.fn : 0;
      if (fn === 2) throw new DeniedError(`terminal ${key}`, 'request', 2, ['denied (AFN00 F2)'], '');
      result.confirm = { ok: fn === 1, fn };
      result.units = [];
    }
    return result;
  }

  control(key: string, units: MessageUnit[]): Promise<RequestResult> {
    return this.request(key, { afn: 0x05, units });
  }
}
