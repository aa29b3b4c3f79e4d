/**
 * What control needs from the wire, behind one interface: terminal commands (AFN04/AFN05 with PW and
 * Tp, at control priority ahead of queued reads), read-backs (AFN0C, AFN0A), and DL/T 645 1CH commands
 * and status-word reads of meters behind a concentrator (AFN10 F1 forwarding, Q/GDW 376.1-2009 §5.16).
 * `FepChannel` implements it over the FEP; `DirectChannel` (direct.ts) sends to meters with a direct
 * serial/TCP link (`MeterTarget.link`) on that link. Every frame goes to the `observe` callback (the audit chain).
 */
import type { KnownUnit, MessageUnit } from '../../protocols/gw376/index.js';
import { builders } from '../../protocols/gw376/index.js';
import { DeniedError } from '../errors.js';
import type { Fep, FrameObserver } from '../fep/fep.js';
import { ForwardingLink } from '../fep/forward.js';
import { MeterClient } from '../meter/meter-client.js';
import type { MeterCommand } from './commands.js';
import type { DirectLink } from './direct.js';

export type { FrameObserver };

/** A customer's meter as control addresses it. */
export interface MeterTarget {
  terminal: string;
  pn: number;
  address: string;
  port: number;
  edition: 2007 | 1997;
  /** The meter is on a bus the head-end reaches itself (archive `meter_links`), not through `terminal`. */
  link?: DirectLink;
}

export interface ControlChannel {
  isOnline(terminal: string): boolean;
  /** AFN04/AFN05 units; resolves on AFN00 F1 (or F3 with every unit confirmed), else DeniedError. */
  command(terminal: string, afn: 0x04 | 0x05, units: KnownUnit[], observe: FrameObserver): Promise<void>;
  /** AFN0C data of (fn, pn); undefined when the answer has no such unit. */
  realtime(terminal: string, fn: number, pn: number, observe: FrameObserver): Promise<unknown>;
  /** AFN0A (query parameters) data of (fn, pn). */
  param(terminal: string, fn: number, pn: number, observe: FrameObserver): Promise<unknown>;
  /** DL/T 645 1CH with a validity deadline (local time `YYYY-MM-DDTHH:mm:ss`). */
  meterCommand(m: MeterTarget, command: MeterCommand, validUntil: string, observe: FrameObserver): Promise<void>;
  /** DL/T 645 status word 3 (04000503) as named bits. */
  meterStatus3(m: MeterTarget, observe: FrameObserver): Promise<Record<string, boolean>>;
  /** Releases links the channel opened itself. */
  close?(): Promise<void>;
}

export interface FepChannelOptions {
  /** Meter answer timeout the terminal applies when forwarding, s (AFN10 F1). */
  forwardTimeoutS?: number;
}

function dataOf(units: readonly MessageUnit[], fn: number, pn: number): unknown {
  for (const u of units) if (!u.raw && u.fn === fn && u.pn === pn) return u.data ?? null;
  return undefined;
}

export class FepChannel implements ControlChannel {
  private readonly forwardTimeoutS: number;

  constructor(
    private readonly fep: Fep,
    o: FepChannelOptions = {},
  ) {
    this.forwardTimeoutS = o.forwardTimeoutS ?? 10;
  }

  isOnline(terminal: string): boolean {
    return this.fep.isOnline(terminal);
  }

  async command(terminal: string, afn: 0x04 | 0x05, units: KnownUnit[], observe: FrameObserver): Promise<void> {
    const r = await this.fep.request(terminal, { afn, units, priority: 'control', tp: true, con: true, observe });
    if (r.confirm && !r.confirm.ok) {
      const refused = (r.confirm.items ?? []).filter((i) => i.err !== 0).map((i) => `p${i.pns.join(',')} F${i.fns.join(',')} refused`);
      throw new DeniedError(`terminal ${r.terminal}`, `AFN${afn === 4 ? '04' : '05'} F${units.map((u) => u.fn).join(',')}`, 3, refused, '');
    }
  }

  async realtime(terminal: string, fn: number, pn: number, observe: FrameObserver): Promise<unknown> {
    const r = await this.fep.request(terminal, { afn: 0x0c, units: builders.requestUnits([{ pn, fn }]), priority: 'control', observe });
    return dataOf(r.units, fn, pn);
  }

  async param(terminal: string, fn: number, pn: number, observe: FrameObserver): Promise<unknown> {
    const r = await this.fep.request(terminal, { afn: 0x0a, units: builders.requestUnits([{ pn, fn }]), priority: 'control', observe });
    return dataOf(r.units, fn, pn);
  }

  async meterCommand(m: MeterTarget, command: MeterCommand, validUntil: string, observe: FrameObserver): Promise<void> {
    await this.client(m, observe).control(m.address, command, validUntil);
  }

  async meterStatus3(m: MeterTarget, observe: FrameObserver): Promise<Record<string, boolean>> {
    const r = await this.client(m, observe).read(m.address, '04000503');
    const bits = (r.value as { bits?: Record<string, boolean> } | null | undefined)?.bits;
    return bits ?? {};
  }

  /** A MeterClient whose link is AFN10 F1 through the meter's terminal, with PW and Tp. */
  private client(m: MeterTarget, observe: FrameObserver): MeterClient {
    const timeoutS = this.forwardTimeoutS;
    const link = new ForwardingLink(
      async (frame645) => {
        const r = await this.fep.request(m.terminal, {
          afn: 0x10,
          priority: 'control',
          tp: true,
          observe,
          units: [{ pn: 0, fn: 1, data: { port: m.port, control: builders.SERIAL_2400_8E1, frameTimeout: { value: timeoutS, unit: 's' }, byteTimeout10ms: 10, content: frame645 } }],
          // The terminal waits up to the frame timeout for the meter before it answers.
          timeoutMs: timeoutS * 1000 + 5000,
        });
        const u = r.units.find((x) => !x.raw && x.fn === 1);
        const content = u && !u.raw ? ((u.data as { content?: Buffer } | undefined)?.content ?? Buffer.alloc(0)) : Buffer.alloc(0);
        return { content, attempts: r.attempts, latencyMs: r.latencyMs };
      },
      `terminal ${m.terminal} port ${m.port}`,
      timeoutS,
    );
    return new MeterClient(link, { version: m.edition });
  }
}
