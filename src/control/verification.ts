/**
 * Verification: after the device confirmed a command, read its state back and/or wait for its event,
 * so a command's outcome is never just "sent" (issue 9, Safety):
 * - terminal remote control: AFN0C F6 (终端当前控制状态) remote-trip rounds; ERC5 (遥控跳闸记录, §C) from
 *   the terminal's active report on the bus — awaited from before the command is sent;
 * - keep-power, payment alarm, power/energy controls: AFN0C F5 (终端控制设置状态) flags per group;
 * - AFN04 control parameters: AFN0A of the same Fn and Pn equal to what was written;
 * - DL/T 645 meters: status word 3 (04000503) relay, relay-command, keep-power and alarm bits.
 * A read-back that does not show the state yet is repeated (`attempts`, `intervalMs`); a trip with an
 * alarm delay is read back after the delay.
 */
import type { ErcRecord } from '../../protocols/gw376/erc/registry.js';
import type { EventBus, HesEvents } from '../bus.js';
import type { Clock } from '../clock.js';
import { canonicalJson } from './canonical.js';
import type { ControlChannel, FrameObserver, MeterTarget } from './channel.js';
import type { MeterPlan, PowerControlType, Sw3Check, TerminalCheck, TerminalPlan } from './commands.js';

export interface VerifyOptions {
  /** Read-backs before giving up (default 3). */
  attempts?: number;
  /** Pause between read-backs, ms (default 1000). */
  intervalMs?: number;
}

export interface VerifyResult {
  verified: boolean;
  /** What showed it: 'AFN0C F6', 'AFN0C F5', 'AFN0A F41', 'SW3', 'ERC5'. */
  evidence: string[];
  /** Why not, when not. */
  detail?: string;
}

/** A pending wait for an ERC record from one terminal. */
export interface ErcWait {
  readonly promise: Promise<ErcRecord | undefined>;
  cancel(): void;
}

interface Waiter {
  erc: number;
  match(rec: ErcRecord): boolean;
  resolve(rec: ErcRecord | undefined): void;
}

const CONTROL_FLAG: Record<PowerControlType, [group: 'powerControl' | 'energyControl', flag: string]> = {
  period: ['powerControl', 'period'],
  holiday: ['powerControl', 'holiday'],
  shutdown: ['powerControl', 'shutdown'],
  'down-float': ['powerControl', 'downFloat'],
  'monthly-energy': ['energyControl', 'monthly'],
  purchase: ['energyControl', 'purchase'],
};

/** Whether AFN0C F5/F6 or AFN0A data shows what `c` expects. */
export function showsState(c: TerminalCheck, data: unknown): boolean {
  if (data === undefined || data === null) return false;
  if ('param' in c) return canonicalJson(data) === canonicalJson(c.value);
  if (c.fn === 6) {
    const open = new Set((data as { remoteTrip?: number[] }).remoteTrip ?? []);
    return c.rounds.every((r) => open.has(r) === c.open);
  }
  const f5 = data as { flags?: { keepPower?: boolean; paymentAlarm?: boolean }; groups?: number[]; states?: Record<string, Record<string, boolean>>[] };
  if ('keepPower' in c) return f5.flags?.keepPower === c.keepPower;
  if ('paymentAlarm' in c) return f5.flags?.paymentAlarm === c.paymentAlarm;
  const i = (f5.groups ?? []).indexOf(c.group);
  const [part, flag] = CONTROL_FLAG[c.control];
  const on = i >= 0 && f5.states?.[i]?.[part]?.[flag] === true;
  return on === c.on;
}

export function showsSw3(c: Sw3Check, bits: Record<string, boolean>): boolean {
  return Object.entries(c).every(([k, v]) => (bits[k] ?? false) === v);
}

function describeCheck(c: TerminalCheck): string {
  if ('param' in c) return `AFN0A F${c.param}`;
  return `AFN0C F${c.fn}`;
}

export class Verifier {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly unsubscribe: () => void;
  private readonly attempts: number;
  private readonly intervalMs: number;

  constructor(
    private readonly channel: ControlChannel,
    bus: EventBus<HesEvents>,
    private readonly clock: Clock,
    o: VerifyOptions = {},
  ) {
    this.attempts = Math.max(1, o.attempts ?? 3);
    this.intervalMs = o.intervalMs ?? 1000;
    // One subscription for every wait (a scheme waits on thousands of terminals at once).
    this.unsubscribe = bus.subscribe('event', (e) => {
      const set = this.waiters.get(e.terminal);
      if (!set) return;
      for (const rec of e.records) {
        for (const w of [...set]) {
          if (w.erc === rec.erc && w.match(rec)) {
            set.delete(w);
            w.resolve(rec);
          }
        }
      }
      if (set.size === 0) this.waiters.delete(e.terminal);
    });
  }

  /**
   * Starts waiting for an ERC5 (remote trip) of `rounds` from `terminal` (call before sending the
   * command); resolves undefined after `timeoutMs`.
   */
  awaitErc5(terminal: string, rounds: readonly number[], timeoutMs: number): ErcWait {
    let waiter!: Waiter;
    const state: { timer?: ReturnType<Clock['setTimeout']> } = {};
    const promise = new Promise<ErcRecord | undefined>((resolve) => {
      waiter = {
        erc: 5,
        match: (rec) => {
          const got = (rec.data as { rounds?: number[] } | undefined)?.rounds ?? [];
          return rounds.some((r) => got.includes(r));
        },
        resolve: (rec) => {
          this.clock.clearTimeout(state.timer);
          resolve(rec);
        },
      };
    });
    let set = this.waiters.get(terminal);
    if (!set) this.waiters.set(terminal, (set = new Set()));
    set.add(waiter);
    const drop = (): void => {
      const s = this.waiters.get(terminal);
      s?.delete(waiter);
      if (s?.size === 0) this.waiters.delete(terminal);
    };
    state.timer = this.clock.setTimeout(() => {
      drop();
      waiter.resolve(undefined);
    }, timeoutMs);
    return {
      promise,
      cancel: () => {
        drop();
        waiter.resolve(undefined);
      },
    };
  }

  /** Reads the terminal state back until it shows the plan's effect (or the attempts run out). */
  async verifyTerminal(terminal: string, plan: TerminalPlan, observe: FrameObserver): Promise<VerifyResult> {
    const c = plan.check;
    const what = describeCheck(c);
    if (plan.erc5 && plan.erc5.afterMs > 0) await this.sleep(plan.erc5.afterMs);
    let last = '';
    for (let i = 0; i < this.attempts; i++) {
      if (i > 0) await this.sleep(this.intervalMs);
      try {
        const data = 'param' in c ? await this.channel.param(terminal, c.param, c.pn, observe) : await this.channel.realtime(terminal, c.fn, 0, observe);
        if (showsState(c, data)) return { verified: true, evidence: [what] };
        last = `${what} does not show it yet`;
      } catch (e) {
        last = `${what} read-back failed: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    return { verified: false, evidence: [], detail: last };
  }

  /** Reads status word 3 of the meter back until it shows the plan's effect. */
  async verifyMeter(m: MeterTarget, plan: MeterPlan, observe: FrameObserver): Promise<VerifyResult> {
    let last = '';
    for (let i = 0; i < this.attempts; i++) {
      if (i > 0) await this.sleep(this.intervalMs);
      try {
        const bits = await this.channel.meterStatus3(m, observe);
        if (showsSw3(plan.check, bits)) return { verified: true, evidence: ['SW3'] };
        last = `status word 3 shows ${Object.entries(plan.check).map(([k]) => `${k}=${String(bits[k] ?? false)}`).join(', ')}`;
      } catch (e) {
        last = `status word 3 read-back failed: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    return { verified: false, evidence: [], detail: last };
  }

  close(): void {
    this.unsubscribe();
    for (const set of this.waiters.values()) for (const w of set) w.resolve(undefined);
    this.waiters.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => this.clock.setTimeout(r, ms));
  }
}
