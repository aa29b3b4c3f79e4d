/** Opens a DL/T 645 channel (serial path or TCP host:port) and the client on top of it. */
import { SerialTransport, parseSerialSettings } from '../../drivers/serial.js';
import { TcpClientTransport } from '../../drivers/tcp-client.js';
import { Dlt645Link, type Dlt645LinkOptions } from '../../drivers/dlt645-link.js';
import type { Transport } from '../../drivers/transport.js';
import type { Dlt645Version } from '../../protocols/dlt645/control.js';
import { InputError } from '../errors.js';
import { MeterClient, type MeterClientOptions } from './meter-client.js';

export interface MeterChannelSpec {
  /** Serial device path, e.g. /dev/ttyUSB0. */
  serial?: string;
  /** Serial settings like `2400,8E1` (default 2400 8E1, DL/T 645-2007 §3). */
  serialSettings?: string;
  /** host:port of a serial server / DTU. */
  tcp?: string;
  version?: Dlt645Version;
  link?: Dlt645LinkOptions;
  client?: MeterClientOptions;
}

export interface MeterChannel {
  transport: Transport;
  link: Dlt645Link;
  client: MeterClient;
  close(): Promise<void>;
}

export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) throw new InputError('tcp', `'${text}' is not host:port (e.g. 127.0.0.1:9001)`);
  return { host: (m[1] ?? m[2])!, port };
}

export function createTransport(spec: MeterChannelSpec): Transport {
  if (spec.serial && spec.tcp) throw new InputError('channel', 'give either --serial or --tcp, not both');
  if (spec.serial) {
    let settings;
    try {
      settings = parseSerialSettings(spec.serialSettings ?? '2400,8E1');
    } catch (e) {
      throw new InputError('baud', (e as Error).message);
    }
    return new SerialTransport({ path: spec.serial, ...settings });
  }
  if (spec.tcp) return new TcpClientTransport(parseHostPort(spec.tcp));
  throw new InputError('channel', 'a channel is required: --serial <path> or --tcp <host:port>');
}

export async function openMeterChannel(spec: MeterChannelSpec): Promise<MeterChannel> {
  const transport = createTransport(spec);
  await transport.open();
  const link = new Dlt645Link(transport, spec.link);
  const client = new MeterClient(link, { version: spec.version ?? 2007, ...spec.client });
  return {
    transport,
    link,
    client,
    async close() {
      link.dispose();
      await transport.close();
    },
  };
}
