/**
 * `hes meter read|scan|time|control`: DL/T 645 meters over RS-485 (serial) or a TCP serial server;
 * `meter read --via <terminal>` reads through a concentrator of the running head-end (AFN10).
 */
import type { Command } from 'commander';
import { openMeterChannel, type MeterChannelSpec } from '../meter/channel.js';
import { InputError } from '../errors.js';
import { renderValue, toJson } from './format.js';
import { CliExit, describeError } from './errors.js';
import { parseDi } from '../../protocols/dlt645/di.js';
import { parseAddress } from '../../protocols/dlt645/address.js';
import { CONTROL_COMMANDS, type ControlCommand } from '../../protocols/dlt645/messages.js';
import type { Logger } from '../logger.js';
import type { MeterReading } from '../meter/meter-client.js';
import type { MeterReadResult } from '../service/api.js';
import { terminalKey } from '../admin/validate.js';
import { clientOf, withApi, type ApiOpts } from './admin-client.js';

interface ChannelOpts {
  serial?: string;
  baud?: string;
  tcp?: string;
  edition?: string;
  timeout?: string;
  retries?: string;
  json?: boolean;
}

function withChannelOptions(cmd: Command): Command {
  return cmd
    .option('--serial <path>', 'serial device of the RS-485 bus, e.g. /dev/ttyUSB0')
    .option('--baud <settings>', 'serial settings, e.g. 2400 or 9600,8E1', '2400,8E1')
    .option('--tcp <host:port>', 'serial server / DTU exposing the bus over TCP')
    .option('--edition <year>', 'DL/T 645 edition: 2007 or 1997', '2007')
    .option('--timeout <ms>', 'reply timeout per attempt', '1500')
    .option('--retries <n>', 'extra attempts after a timeout or corrupt reply', '2')
    .option('--json', 'print JSON');
}

function int(name: string, text: string | undefined, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new InputError(name, `'${text}' is not an integer in ${min}..${max}`);
  return n;
}

function spec(o: ChannelOpts, log: Logger): MeterChannelSpec {
  if (o.edition !== '2007' && o.edition !== '1997') throw new InputError('edition', `'${o.edition}' is not 2007 or 1997`);
  const s: MeterChannelSpec = {
    version: o.edition === '1997' ? 1997 : 2007,
    link: {
      replyTimeoutMs: int('timeout', o.timeout, 50, 60_000),
      retries: int('retries', o.retries, 0, 10),
      onDiscard: (span) => log.warn({ reason: span.reason, hex: span.hex }, 'discarded bytes on the line'),
    },
  };
  if (o.serial) s.serial = o.serial;
  if (o.baud) s.serialSettings = o.baud;
  if (o.tcp) s.tcp = o.tcp;
  return s;
}

interface ReadOutcome {
  di: string;
  reading?: MeterReading;
  error?: unknown;
}

/** An error reported by the head-end for one DI, shown like a local one (`Name: message`). */
class RemoteReadError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** `meter read --via`: AFN10 forwarding through a terminal of the running head-end (POST /v1/meter/read). */
async function readVia(o: ChannelOpts & ApiOpts & { address?: string; di: string[]; via?: string; pn?: string }): Promise<ReadOutcome[]> {
  const terminal = terminalKey(o.via, 'via');
  if ((o.pn === undefined) === (o.address === undefined)) throw new InputError('meter', 'with --via give exactly one of --pn <n> and --address <12 digits>');
  if (o.serial !== undefined || o.tcp !== undefined) throw new InputError('via', '--via reads through the head-end: leave out --serial/--tcp');
  if (o.edition !== '2007' && o.edition !== '1997') throw new InputError('edition', `'${o.edition}' is not 2007 or 1997`);
  for (const di of o.di) parseDi(di, o.edition === '1997' ? 1997 : 2007);
  const body: Record<string, unknown> = { terminal, di: o.di };
  if (o.pn !== undefined) body.pn = int('pn', o.pn, 1, 2040);
  else body.address = checkAddress(o.address);
  const r = await clientOf(o).post<MeterReadResult>('/v1/meter/read', body);
  return r.results.map((x) => ('error' in x ? { di: x.di, error: new RemoteReadError(x.error.code, x.error.message) } : { di: x.di, reading: x }));
}

function checkAddress(a: string | undefined): string {
  if (!a) throw new InputError('address', 'required (12 digits, e.g. 000000193600)');
  parseAddress(a);
  return a;
}

export function registerMeter(program: Command, out: (s: string) => void, log: Logger): void {
  const meter = program.command('meter').description('read and command DL/T 645 meters');

  withApi(withChannelOptions(meter.command('read')))
    .description('read data identifiers from a meter: on a local bus (--serial/--tcp) or through a terminal of the running head-end (--via, AFN10 forwarding)')
    .option('--address <12 digits>', 'meter address (AA pairs as wildcards on a local bus)')
    .requiredOption('--di <DI...>', 'data identifier(s), e.g. 0001FF00 02010100 (1997: 9010)')
    .option('--via <terminal>', 'read through this terminal (A1-A2) of the running head-end, see --url')
    .option('--pn <n>', 'with --via: the measuring point of the meter (instead of --address)')
    .action(async (o: ChannelOpts & ApiOpts & { address?: string; di: string[]; via?: string; pn?: string }) => {
      let results: ReadOutcome[];
      if (o.via !== undefined) {
        results = await readVia(o);
      } else {
        if (o.pn !== undefined) throw new InputError('pn', '--pn needs --via <terminal> (a local bus is read by --address)');
        const address = checkAddress(o.address);
        const s = spec(o, log);
        for (const di of o.di) parseDi(di, s.version);
        const ch = await openMeterChannel(s);
        try {
          results = await ch.client.readMany(address, o.di);
        } finally {
          await ch.close();
        }
      }
      if (o.json) {
        out(toJson(results.map((r) => (r.error ? { di: r.di, error: describeError(r.error) } : r.reading))));
      } else {
        for (const r of results) {
          if (r.error) out(`${r.di}  ERROR ${describeError(r.error)}`);
          else {
            const x = r.reading!;
            const name = x.name ? `${x.name}${x.nameZh ? ` (${x.nameZh})` : ''}` : 'unknown DI (raw)';
            const value = x.unknown ? x.raw : renderValue(x.value, x.unit);
            out(`${x.di}  ${name}: ${value}`);
          }
        }
      }
      const failed = results.filter((r) => r.error);
      if (failed.length) throw new CliExit(1, `${failed.length} of ${results.length} read(s) failed`);
    });

  withChannelOptions(meter.command('scan'))
    .description('find the address of the meter on a point-to-point line (read address with the AA wildcard)')
    .action(async (o: ChannelOpts) => {
      const ch = await openMeterChannel(spec(o, log));
      try {
        const address = await ch.client.readAddress();
        out(o.json ? toJson({ address }) : address);
      } finally {
        await ch.close();
      }
    });

  withChannelOptions(meter.command('time'))
    .description('set a meter clock: broadcast time (08H) or addressed date/time writes')
    .option('--set', 'set the clock (required; reading time is `meter read --di 04000101 04000102`)')
    .option('--broadcast', 'broadcast to all meters (999999999999), no reply')
    .option('--address <12 digits>', 'set one meter with password writes')
    .option('--at <ISO time>', 'time to set (default: now)')
    .action(async (o: ChannelOpts & { set?: boolean; broadcast?: boolean; address?: string; at?: string }) => {
      if (!o.set) throw new InputError('set', 'use --set to change a clock');
      if (!o.broadcast && !o.address) throw new InputError('target', 'give --broadcast or --address');
      const when = o.at ? new Date(o.at) : new Date();
      if (Number.isNaN(when.getTime())) throw new InputError('at', `'${o.at}' is not a date/time`);
      const ch = await openMeterChannel(spec(o, log));
      try {
        await ch.client.setTime(o.broadcast ? { broadcast: true } : { address: checkAddress(o.address) }, when);
        out(o.json ? toJson({ ok: true, time: when.toISOString() }) : `clock set to ${when.toISOString()}`);
      } finally {
        await ch.close();
      }
    });

  withChannelOptions(meter.command('control'))
    .description(`remote control 1CH: ${Object.keys(CONTROL_COMMANDS).join(', ')}`)
    .requiredOption('--address <12 digits>', 'meter address')
    .requiredOption('--command <name>', 'trip | closeAllowed | closeDirect | alarm | alarmRelease | keepPower | keepPowerRelease')
    .action(async (o: ChannelOpts & { address: string; command: string }) => {
      if (!(o.command in CONTROL_COMMANDS)) throw new InputError('command', `'${o.command}' is not one of ${Object.keys(CONTROL_COMMANDS).join(', ')}`);
      const address = checkAddress(o.address);
      const ch = await openMeterChannel(spec(o, log));
      try {
        await ch.client.control(address, o.command as ControlCommand);
        out(o.json ? toJson({ ok: true }) : `${o.command} accepted by ${address}`);
      } finally {
        await ch.close();
      }
    });
}
