/**
 * `hes-sim`: simulators from the command line.
 *   hes-sim meter --tcp 9001 --address 1,2,3 [--fault 2=slow:800 …] [--seed N] [--td 30] [--baud 2400]
 *                 [--edition 2007|1997] [--preamble 0..4] [--json-log] [--log-level debug]
 *   hes-sim meter --serial /dev/pts/3 --address 123456789012
 *   hes-sim concentrator --connect tcp://127.0.0.1:9100 | --listen 9200 | --mqtt mqtt://127.0.0.1:1883
 *                 --area 1101 --terminal 1 [--meters 8] [--seed N] [--state <dir>] [--quiet]
 *   hes-sim fleet --terminals 10000 --meters-per-terminal 200 --connect tcp://127.0.0.1:9100 | --mqtt url
 *                 [--scenario file] [--seed N] [--ramp 500] [--stats-json f] [--write-archive dir] [--duration s]
 * Logs go to stderr (pino; one line per request and reply with hex at debug level); stdout carries only
 * the ready line, e.g. `hes-sim: 3 meters on tcp 127.0.0.1:9001`. SIGINT/SIGTERM close cleanly.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { writeArchive } from './fleet/archive-writer.js';
import { pino, type Logger } from 'pino';
import { parseAddressedFault, type FaultSpec } from './meter/faults.js';
import { runMeterSimulator, type MeterSimulatorHandle, type MeterSimulatorOptions } from './meter/server.js';
import { frameLine } from './concentrator/frame-log.js';
import { runConcentrator } from './concentrator/run.js';
import { runFleet, type FleetRunOptions } from './fleet/run.js';

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
  const program = new Command('hes-sim').description('OpenHES simulators (DL/T 645 meters, Q/GDW 376.1 concentrators and fleets)').showHelpAfterError();
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
  addConcentratorCommands(program);
  return program;
}

interface ConcentratorCliOptions {
  connect?: string;
  listen?: number;
  mqtt?: string;
  host: string;
  area: string;
  terminal: number;
  meters: number;
  seed?: string;
  state?: string;
  quiet?: boolean;
  checkTp?: boolean;
}

interface FleetCliOptions {
  terminals: number;
  metersPerTerminal: number;
  connect?: string;
  mqtt?: string;
  area: string;
  scenario?: string;
  seed?: string;
  ramp: number;
  statsJson?: string;
  writeArchive?: string;
  state?: string;
  checkTp?: boolean;
  duration?: number;
  progress: number;
  mqttConnections?: number;
}

const area = (v: string): string => {
  if (!/^\d{4}$/.test(v)) throw new InvalidArgumentError('--area must be the 4-digit region code A1, e.g. 1101');
  return v;
};
const seedOf = (v: string | undefined): number | string | undefined => (v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v);

/** Stops on SIGINT/SIGTERM (once), then exits 0. */
function onSignals(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const h = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    void stop(signal).then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`hes-sim: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => h('SIGINT'));
  process.once('SIGTERM', () => h('SIGTERM'));
}

function addConcentratorCommands(program: Command): void {
  program
    .command('concentrator')
    .description('one Q/GDW 376.1 concentrator (terminal) with meters: dials in over TCP or MQTT, or listens; logs every frame (hex + decoded) on stderr')
    .option('--connect <url>', 'dial in to the head-end: tcp://host:port')
    .option('--listen <port>', 'wait for the head-end to dial out on this TCP port (0 = any)', int('--listen', 0, 65535))
    .option('--mqtt <url>', 'dial in over MQTT: mqtt://host:port (topics hes/<A1>/<A2>/up|down)')
    .option('--host <host>', 'listen address for --listen', '127.0.0.1')
    .requiredOption('--area <a1>', 'region code A1 (4 digits)', area)
    .requiredOption('--terminal <a2>', 'terminal address A2 (1..65535)', int('--terminal', 1, 65535))
    .option('--meters <n>', 'meters behind the terminal, Pn 1..n', int('--meters', 0, 2040), 8)
    .option('--seed <n>', 'model seed (same seed, same values)')
    .option('--state <dir>', 'keep the terminal parameters in this directory across restarts')
    .option('--check-tp', 'discard requests whose Tp has expired, refuse replayed PW frames, meters check 1CH deadlines (as a real terminal)')
    .option('--quiet', 'no frame log')
    .action(async (o: ConcentratorCliOptions) => {
      const given = [o.connect, o.listen, o.mqtt].filter((x) => x !== undefined).length;
      if (given !== 1) throw new InvalidArgumentError('give exactly one of --connect tcp://host:port, --listen <port>, --mqtt mqtt://host:port');
      if (o.connect !== undefined && !o.connect.startsWith('tcp://')) throw new InvalidArgumentError('--connect takes tcp://host:port (use --mqtt for MQTT)');
      if (o.mqtt !== undefined && !o.mqtt.startsWith('mqtt://')) throw new InvalidArgumentError('--mqtt takes mqtt://host:port');
      const err = (line: string): void => void process.stderr.write(line + '\n');
      const seed = seedOf(o.seed);
      const h = await runConcentrator({
        ...(o.listen !== undefined ? { listen: { port: o.listen, host: o.host } } : { connect: (o.connect ?? o.mqtt)! }),
        id: { a1: o.area, a2: o.terminal },
        meters: o.meters,
        ...(seed !== undefined ? { seed } : {}),
        ...(o.state ? { stateDir: o.state } : {}),
        ...(o.checkTp ? { terminal: { checkTp: true } } : {}),
        observer: {
          ...(o.quiet ? {} : { frame: (dir, bytes, note) => err(frameLine(dir, bytes, note)) }),
          state: (s, d) => err(`${new Date().toTimeString().slice(0, 8)} STATE ${s}${d ? ` (${d})` : ''}`),
          error: (e) => err(`error: ${e instanceof Error ? e.message : String(e)}`),
        },
      });
      process.stdout.write(`hes-sim: concentrator ${o.area}-${String(o.terminal).padStart(5, '0')} (${o.meters} meters) ${h.description}\n`);
      onSignals(async () => {
        await h.close();
      });
    });

  program
    .command('fleet')
    .description('thousands of 376.1 terminals with meters in one process, dialling in over TCP or MQTT, with faults from a scenario file')
    .requiredOption('--terminals <n>', 'number of terminals (A2 = 1..n)', int('--terminals', 1, 65535))
    .option('--meters-per-terminal <m>', 'meters behind each terminal', int('--meters-per-terminal', 0, 2040), 8)
    .option('--connect <url>', 'head-end: tcp://host:port')
    .option('--mqtt <url>', 'broker: mqtt://host:port')
    .option('--mqtt-connections <k>', 'share k MQTT connections among the terminals (default: one per terminal)', int('--mqtt-connections', 1, 65535))
    .option('--area <a1>', 'region code A1 of every terminal', area, '1101')
    .option('--scenario <file>', 'JSON fault scenario (see simulators/fleet/scenario.ts)')
    .option('--seed <n>', 'model seed')
    .option('--ramp <n>', 'connections started per second', int('--ramp', 0, 1_000_000), 500)
    .option('--stats-json <file>', 'write counters and timings as JSON at exit')
    .option('--write-archive <dir>', 'write the fleet archive as CSV (docs/archive-format.md) before starting')
    .option('--state <dir>', 'keep each terminal\'s parameters in this directory across restarts')
    .option('--check-tp', 'terminals discard stale Tp, refuse replayed PW frames; meters check 1CH deadlines')
    .option('--duration <s>', 'stop after this many seconds (default: until SIGINT/SIGTERM)', int('--duration', 1, 10_000_000))
    .option('--progress <s>', 'seconds between progress lines on stderr (0 = none)', int('--progress', 0, 3600), 5)
    .action(async (o: FleetCliOptions) => {
      if (o.connect === undefined && o.mqtt === undefined && o.writeArchive) {
        // Archive only: `hes archive import` needs it before the fleet has anywhere to dial.
        writeArchive(o.writeArchive, { a1: o.area, terminals: o.terminals, metersPerTerminal: o.metersPerTerminal, seed: seedOf(o.seed) ?? 1, endpoint: '' });
        process.stdout.write(`hes-sim: archive of ${o.terminals} terminals (${o.terminals * o.metersPerTerminal} meters) written to ${o.writeArchive}\n`);
        return;
      }
      if ((o.connect === undefined) === (o.mqtt === undefined)) throw new InvalidArgumentError('give exactly one of --connect tcp://host:port or --mqtt mqtt://host:port (or only --write-archive)');
      const seed = seedOf(o.seed);
      const ro: FleetRunOptions = {
        terminals: o.terminals,
        metersPerTerminal: o.metersPerTerminal,
        url: (o.connect ?? o.mqtt)!,
        a1: o.area,
        rampPerSec: o.ramp,
        progressMs: o.progress * 1000,
        ...(seed !== undefined ? { seed } : {}),
        ...(o.scenario ? { scenarioFile: o.scenario } : {}),
        ...(o.statsJson ? { statsJson: o.statsJson } : {}),
        ...(o.writeArchive ? { archiveDir: o.writeArchive } : {}),
        ...(o.state ? { stateDir: o.state } : {}),
        ...(o.mqttConnections ? { mqttConnections: o.mqttConnections } : {}),
        ...(o.checkTp ? { checkTp: true } : {}),
      };
      const h = await runFleet(ro);
      process.stdout.write(`hes-sim: fleet of ${o.terminals} terminals (${o.terminals * o.metersPerTerminal} meters) → ${ro.url}\n`);
      const stop = async (): Promise<void> => {
        const s = await h.stop();
        process.stderr.write(`${h.fleet.progressLine()}\nfleet stopped: all logged in after ${s.allLoggedInMs ?? '-'} ms, rss ${(s.rssBytes / 1048576).toFixed(0)} MiB\n`);
      };
      if (o.duration) setTimeout(() => void stop().then(() => process.exit(0)), o.duration * 1000);
      onSignals(stop);
    });
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (e) {
    process.stderr.write(`hes-sim: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
