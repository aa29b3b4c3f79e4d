/**
 * Meters on a direct bus: DL/T 645 meters the head-end reaches itself over RS-485 or a serial server /
 * DTU over TCP (archive table `meter_links`, migration 0007), not through their concentrator. Their 1CH
 * commands and status-word reads go on that link (DL/T 645-2007 §3: one request at a time per bus, the
 * Dlt645Link queues them); everything else — terminals, and meters without a link — goes to the inner
 * channel (AFN10 F1 forwarding over the FEP). Links open on first use and stay open (a serial device
 * can be opened once) until `close`.
 */
import { ChannelClosedError } from '../../drivers/errors.js';
import type { Dlt645LinkOptions, LinkReply, LinkRequest, MeterLink } from '../../drivers/dlt645-link.js';
import { toHex } from '../../protocols/codec/hex.js';
import type { KnownUnit } from '../../protocols/gw376/index.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { openMeterChannel, type MeterChannel } from '../meter/channel.js';
import { MeterClient } from '../meter/meter-client.js';
import type { ControlChannel, FrameObserver, MeterTarget } from './channel.js';
import type { MeterCommand } from './commands.js';

/** How a directly connected meter is reached (a `meter_links` row). */
export interface DirectLink {
  kind: 'serial' | 'tcp';
  /** Device path or host:port. */
  endpoint: string;
  /** Serial settings such as `2400,8E1` (default 2400 8E1). */
  settings?: string;
}

export interface DirectChannelOptions {
  link?: Dlt645LinkOptions;
  /** Meter clocks keep local time: minutes east of UTC (default 480). */
  utcOffsetMinutes?: number;
  logger?: Logger;
}

/** Shows every frame of one exchange to the observer (the audit chain), as the FEP does for AFN10. */
class ObservedLink implements MeterLink {
  constructor(
    private readonly inner: MeterLink,
    private readonly observe: FrameObserver,
  ) {}

  async request(req: LinkRequest): Promise<LinkReply | null> {
    this.observe('out', toHex(req.frame));
    const r = await this.inner.request(req);
    if (r) this.observe('in', r.frame.hex);
    return r;
  }
}

export class DirectChannel implements ControlChannel {
  private readonly links = new Map<string, Promise<MeterChannel>>();
  private readonly log: Logger;
  private closed = false;

  constructor(
    private readonly inner: ControlChannel,
    private readonly o: DirectChannelOptions = {},
  ) {
    this.log = o.logger ?? silentLogger;
  }

  isOnline(terminal: string): boolean {
    return this.inner.isOnline(terminal);
  }

  command(terminal: string, afn: 0x04 | 0x05, units: KnownUnit[], observe: FrameObserver): Promise<void> {
    return this.inner.command(terminal, afn, units, observe);
  }

  realtime(terminal: string, fn: number, pn: number, observe: FrameObserver): Promise<unknown> {
    return this.inner.realtime(terminal, fn, pn, observe);
  }

  param(terminal: string, fn: number, pn: number, observe: FrameObserver): Promise<unknown> {
    return this.inner.param(terminal, fn, pn, observe);
  }

  async meterCommand(m: MeterTarget, command: MeterCommand, validUntil: string, observe: FrameObserver): Promise<void> {
    if (!m.link) return this.inner.meterCommand(m, command, validUntil, observe);
    await this.withClient(m, m.link, observe, (c) => c.control(m.address, command, validUntil));
  }

  async meterStatus3(m: MeterTarget, observe: FrameObserver): Promise<Record<string, boolean>> {
    if (!m.link) return this.inner.meterStatus3(m, observe);
    const r = await this.withClient(m, m.link, observe, (c) => c.read(m.address, '04000503'));
    return (r.value as { bits?: Record<string, boolean> } | null | undefined)?.bits ?? {};
  }

  /** Closes every open link (and the inner channel's, if it has any). */
  async close(): Promise<void> {
    this.closed = true;
    const open = [...this.links.values()];
    this.links.clear();
    await Promise.all(open.map((p) => p.then((c) => c.close()).catch(() => undefined)));
    await this.inner.close?.();
  }

  private async withClient<T>(m: MeterTarget, link: DirectLink, observe: FrameObserver, fn: (c: MeterClient) => Promise<T>): Promise<T> {
    const ch = await this.open(link);
    try {
      return await fn(new MeterClient(new ObservedLink(ch.link, observe), { version: m.edition, utcOffsetMinutes: this.o.utcOffsetMinutes ?? 480 }));
    } catch (e) {
      // A closed transport (TCP server gone, device unplugged) is reopened on the next use.
      if (e instanceof ChannelClosedError) this.forget(link);
      throw e;
    }
  }

  private forget(link: DirectLink): void {
    const key = `${link.kind}:${link.endpoint}`;
    const p = this.links.get(key);
    this.links.delete(key);
    void p?.then((c) => c.close()).catch(() => undefined);
  }

  /** One open link per endpoint, shared by every meter on that bus. */
  private open(link: DirectLink): Promise<MeterChannel> {
    if (this.closed) return Promise.reject(new Error('direct meter channel closed'));
    const key = `${link.kind}:${link.endpoint}`;
    let p = this.links.get(key);
    if (!p) {
      p = openMeterChannel({
        ...(link.kind === 'serial' ? { serial: link.endpoint, serialSettings: link.settings ?? '2400,8E1' } : { tcp: link.endpoint }),
        ...(this.o.link ? { link: this.o.link } : {}),
      });
      this.links.set(key, p);
      // A link that failed to open is tried again next time (the device may come back).
      p.catch((e: unknown) => {
        if (this.links.get(key) === p) this.links.delete(key);
        this.log.warn({ err: e, link: key }, 'direct meter link failed to open');
      });
    }
    return p;
  }
}
