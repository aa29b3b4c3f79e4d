/**
 * Runs a meter bus on a serial path (one end of a pty pair or a real RS-485 adapter, opened with
 * drivers' SerialTransport, 8E1 per DL/T 645-2007 §3) or on a TCP port (127.0.0.1 by default, like a
 * serial server / transparent DTU; every connection is a view of the same meters).
 * `runMeterSimulator` builds the meters and the bus from plain options; the CLI and the demo use it.
 */
import net from 'node:net';
import { SerialTransport } from '../../drivers/serial.js';
import type { ModelId } from '../model.js';
import { MeterBus, type BusLink, type BusLogger, type Timers } from './bus.js';
import { parseFault, type FaultSpec } from './faults.js';
import { normaliseAddress, SimulatedMeter, type MeterOptions } from './meter.js';

export interface MeterSimulatorOptions {
  /** Meter addresses on the bus (up to 12 digits each). */
  addresses: readonly string[];
  /** Serve on a serial device (e.g. a pty from openPtyPair). */
  serial?: { path: string; baud?: number };
  /** Serve on TCP (port 0 = any free port). */
  tcp?: { port: number; host?: string };
  seed?: ModelId;
  edition?: 2007 | 1997;
  /** Line speed of the meters (default 2400; 1200 for 1997). */
  baud?: number;
  tdMs?: number;
  /** FE bytes before replies, 0..4. */
  preamble?: number;
  lineTiming?: boolean;
  echo?: boolean;
  /** Faults per address: specs or CLI strings (`slow:800`, …). */
  faults?: Readonly<Record<string, readonly (FaultSpec | string)[]>>;
  /** Per-meter overrides (passwords, phases, …) by address. */
  meterOptions?: Readonly<Record<string, Partial<MeterOptions>>>;
  /** Real time source (default Date.now). */
  now?: () => number;
  logger?: BusLogger;
  timers?: Timers;
}

export interface MeterSimulatorHandle {
  readonly bus: MeterBus;
  readonly meters: SimulatedMeter[];
  /** `tcp 127.0.0.1:9001` or `serial /dev/pts/3`. */
  readonly description: string;
  /** Bound TCP port (when serving TCP). */
  readonly port?: number;
  readonly host?: string;
  readonly path?: string;
  close(): Promise<void>;
}

/** Builds the meters of the options (no I/O). */
export function buildMeters(opts: MeterSimulatorOptions): { bus: MeterBus; meters: SimulatedMeter[] } {
  if (opts.addresses.length === 0) throw new Error('at least one meter address is needed');
  const addresses = opts.addresses.map(normaliseAddress);
  const dup = addresses.find((a, i) => addresses.indexOf(a) !== i);
  if (dup) throw new Error(`meter address ${dup} given twice`);
  const faults = new Map<string, FaultSpec[]>();
  for (const [a, list] of Object.entries(opts.faults ?? {})) {
    const addr = normaliseAddress(a);
    if (!addresses.includes(addr)) throw new Error(`fault for ${addr}, which is not one of the meters`);
    faults.set(addr, list.map((f) => (typeof f === 'string' ? parseFault(f) : f)));
  }
  const overrides = new Map(Object.entries(opts.meterOptions ?? {}).map(([a, o]) => [normaliseAddress(a), o]));
  const meters = addresses.map((address) => {
    const o: MeterOptions = { address, ...overrides.get(address) };
    if (opts.seed !== undefined) o.seed = opts.seed;
    if (opts.edition !== undefined) o.edition = opts.edition;
    if (opts.baud !== undefined) o.baud = opts.baud;
    if (opts.now !== undefined) o.now = opts.now;
    return new SimulatedMeter(o);
  });
  const busOpts: ConstructorParameters<typeof MeterBus>[1] = {};
  if (opts.tdMs !== undefined) busOpts.tdMs = opts.tdMs;
  if (opts.preamble !== undefined) busOpts.preamble = opts.preamble;
  if (opts.lineTiming !== undefined) busOpts.lineTiming = opts.lineTiming;
  if (opts.echo !== undefined) busOpts.echo = opts.echo;
  if (opts.seed !== undefined) busOpts.seed = opts.seed;
  if (opts.logger) busOpts.logger = opts.logger;
  if (opts.timers) busOpts.timers = opts.timers;
  const bus = new MeterBus(meters.map((meter) => ({ meter, faults: faults.get(meter.address) ?? [] })), busOpts);
  return { bus, meters };
}

/** A net.Socket as a bus link. */
function socketLink(s: net.Socket): BusLink {
  return {
    description: `${s.remoteAddress}:${s.remotePort}`,
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        if (s.destroyed) return resolve();
        s.write(bytes, (err) => (err ? reject(err) : resolve()));
      }),
    onData: (listener) => {
      s.on('data', listener);
      return () => s.off('data', listener);
    },
  };
}

/** Starts the simulator on serial or TCP (exactly one). */
export async function runMeterSimulator(opts: MeterSimulatorOptions): Promise<MeterSimulatorHandle> {
  if (!!opts.serial === !!opts.tcp) throw new Error('give exactly one of serial or tcp');
  const { bus, meters } = buildMeters(opts);
  const logger = opts.logger;
  if (opts.serial) {
    const baudRate = opts.serial.baud ?? opts.baud ?? meters[0]!.baud;
    const transport = new SerialTransport({ path: opts.serial.path, baudRate, dataBits: 8, parity: 'even', stopBits: 1 });
    await transport.open();
    bus.attach(transport);
    return {
      bus,
      meters,
      description: `serial ${opts.serial.path}`,
      path: opts.serial.path,
      close: async () => {
        bus.close();
        await transport.close();
      },
    };
  }
  const host = opts.tcp!.host ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    sockets.add(s);
    const detach = bus.attach(socketLink(s));
    logger?.info({ peer: `${s.remoteAddress}:${s.remotePort}` }, 'connection');
    s.on('error', () => {});
    s.on('close', () => {
      detach();
      sockets.delete(s);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.tcp!.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    bus,
    meters,
    description: `tcp ${host}:${port}`,
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        bus.close();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
