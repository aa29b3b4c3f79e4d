/**
 * `hes-sim`: simulators from the command line.
 *   hes-sim meter --tcp 9001 --address 1,2,3 [--fault 2=slow:800 …] [--seed N] [--td 30] [--baud 2400]
 *                 [--edition 2007|1997] [--preamble 0..4] [--json-log] [--log-level debug]
 *   hes-sim meter --serial /dev/pts/3 --address 123456789012
 * Logs go to stderr (pino; one line per request and reply with hex at debug level); stdout carries only
 * the ready line, e.g. `hes-sim: 3 meters on tcp 127.0.0.1:9001`. SIGINT/SIGTERM close cleanly.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino, type Logger } from 'pino';
import { parseAddressedFault, type FaultSpec } from './meter/faults.js';
import { runMeterSimulator, type MeterSimulatorHandle, type MeterSimulatorOptions } from './meter/server.js';

export { runMeterSimulator } from './meter/server.js';
export type { MeterSimulatorOptions, MeterSimulatorHandle } from './meter/server.js';

interface MeterCliOptions {
  serial?: string;
  tcp?: number;
  host: string;
  address: string[];
  fault: string[];
  seed?: string;
  td?: number;
  baud?: number;
  edition?: '2007' | '1997';
  preamble?: number;
  echo?: boolean;
  jsonLog?: boolean;
  logLevel: string;
}

const int = (name: string, min: number, max: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer ${min}..${max}`);
  return n;
};

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** One readable line per log record: `12:00:00.123 DEBUG reply meter=… hex="68 …"`. */
function prettyStream(out: NodeJS.WritableStream): { write(line: string): void } {
  return {
    write(line: string) {
      try {
        const { level, time, msg, ...rest } = JSON.parse(line) as Record<string, unknown>;
        const t = new Date(Number(time)).toISOString().slice(11, 23);
        const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
        out.write(`${t} ${LEVEL_NAMES[Number(level)] ?? level} ${String(msg ?? '')}${fields.length ? ' ' + fields.join(' ') : ''}\n`);
      } catch {
        out.write(line);
      }
    },
  };
}

export function createSimLogger(json: boolean, level: string): Logger {
  const opts = { level, base: null as null, timestamp: pino.stdTimeFunctions.epochTime };
  return json ? pino(opts, pino.destination(2)) : pino(opts, prettyStream(process.stderr));
}

/** Options for runMeterSimulator from the CLI flags (throws on inconsistent flags). */
export function meterOptionsFromCli(o: MeterCliOptions): MeterSimulatorOptions {
  if ((o.serial === undefined) === (o.tcp === undefined)) throw new InvalidArgumentError('give exactly one of --serial <path> or --tcp <port>');
  const addresses = o.address.flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean);
  const faults: Record<string, FaultSpec[]> = {};
  for (const f of o.fault) {
    const { address, fault } = parseAddressedFault(f);
    (faults[address] ??= []).push(fault);
  }
  const opts: MeterSimulatorOptions = { addresses, faults };
  if (o.serial !== undefined) opts.serial = { path: o.serial };
  if (o.tcp !== undefined) opts.tcp = { port: o.tcp, host: o.host };
  if (o.seed !== undefined) opts.seed = /^\d+$/.test(o.seed) ? Number(o.seed) : o.seed;
  if (o.td !== undefined) opts.tdMs = o.td;
  if (o.baud !== undefined) opts.baud = o.baud;
  if (o.edition !== undefined) opts.edition = Number(o.edition) as 2007 | 1997;
  if (o.preamble !== undefined) opts.preamble = o.preamble;
  if (o.echo) opts.echo = true;
  return opts;
}

export function buildProgram(onReady: (h: MeterSimulatorHandle) => void = () => {}): Command {
  const program = new Command('hes-sim').description('OpenHES simulators (DL/T 645 meters)').showHelpAfterError();
  program
    .command('meter')
    .description('an RS-485 bus of DL/T 645 meters on a serial path or a TCP port')
    .option('--serial <path>', 'serial device or pty to serve on')
    .option('--tcp <port>', 'TCP port to listen on (0 = any)', int('--tcp', 0, 65535))
    .option('--host <host>', 'TCP listen address', '127.0.0.1')
    .requiredOption('--address <a,b,c...>', 'meter addresses (comma-separated or repeated)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--fault <addr=fault>', 'fault for a meter, e.g. 000000000002=slow:800 (repeatable; see faults.ts)', (v: string, prev: string[] = []) => [...prev, v], [])
    .option('--seed <n>', 'model seed (same seed, same values)')
    .option('--td <ms>', 'reply delay Td in ms (default 30)', int('--td', 0, 60_000))
    .option('--baud <rate>', 'line speed (default 2400, 1997: 1200)', int('--baud', 300, 115200))
    .addOption(new Option('--edition <edition>', 'DL/T 645 edition').choices(['2007', '1997']))
    .option('--preamble <n>', 'FE bytes before replies (0..4)', int('--preamble', 0, 4))
    .option('--echo', 'echo requests back like a 2-wire RS-485 adapter')
    .option('--json-log', 'JSON log lines on stderr')
    .option('--log-level <level>', 'trace, debug, info, warn, error', 'info')
    .action(async (o: MeterCliOptions) => {
      const logger = createSimLogger(!!o.jsonLog, o.logLevel);
      const opts = meterOptionsFromCli(o);
      opts.logger = logger;
      const handle = await runMeterSimulator(opts);
      const n = handle.meters.length;
      process.stdout.write(`hes-sim: ${n} meter${n === 1 ? '' : 's'} on ${handle.description}\n`);
      logger.info({ meters: handle.meters.map((m) => m.address), edition: handle.meters[0]!.edition }, 'ready');
      onReady(handle);
      const stop = (signal: string): void => {
        logger.info({ signal, counters: handle.bus.counters }, 'shutting down');
        void handle.close().then(() => process.exit(0));
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (e) {
    process.stderr.write(`hes-sim: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
