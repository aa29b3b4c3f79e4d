/**
 * `npm start`: the composition root that runs the head-end against simulated devices. It is the one
 * place that wires `simulators` to `src` (the head-end itself never imports simulators).
 *
 * By default it runs the whole head-end (FEP, scheduler, store, load control, APIs, northbound events)
 * with a simulated concentrator fleet (scripts/start-head-end.ts):
 *   npm start -- [--terminals n] [--meters-per-terminal n] [--data dir] [--config file]
 * `--meter-demo` keeps the first demo: simulated DL/T 645 meters on a virtual RS-485 line (socat pty
 * pair; TCP when socat cannot be had), read each round through the client `hes meter read` uses:
 *   npm start -- --meter-demo [--meters n] [--rounds n] [--interval s] [--tcp]
 */
import { Command, CommanderError } from 'commander';
import { openPtyPair, socatAvailable, type PtyPair } from '../drivers/pty-pair.js';
import { runMeterSimulator, type MeterSimulatorHandle } from '../simulators/meter/index.js';
import { loadConfig } from '../src/config/load.js';
import { openMeterChannel, type MeterChannel } from '../src/meter/channel.js';
import { createLogger, type Logger } from '../src/logger.js';
import { InputError } from '../src/errors.js';
import { renderValue } from '../src/cli/format.js';
import { describeError, exitCodeFor } from '../src/cli/errors.js';
import { startHeadEndDemo } from './start-head-end.js';

const DEMO_DIS = ['0001FF00', '0201FF00', '02030000', '04000503'];

function registerStart(program: Command, out: (s: string) => void, log: Logger): void {
  program
    .option('--meter-demo', 'instead of the head-end: simulated DL/T 645 meters on a virtual RS-485 line, read every few seconds')
    .option('--meters <n>', 'with --meter-demo: number of simulated meters (default from config demo.meters)')
    .option('--rounds <n>', 'stop after n reading rounds (default: run until Ctrl-C)')
    .option('--interval <s>', 'seconds between rounds (default from config demo.intervalS)')
    .option('--tcp', 'use a TCP serial-server simulation instead of a pty pair')
    .option('--config <file>', 'configuration file (default: HES_CONFIG or built-in defaults)')
    .option('--head-end', 'the whole head-end with a simulated concentrator fleet (the default)')
    .option('--terminals <n>', 'simulated concentrators (default 50)')
    .option('--meters-per-terminal <n>', 'meters per concentrator (default 100)')
    .option('--data <dir>', 'data directory (default ./.state/demo)')
    .action(async (o: { meterDemo?: boolean; meters?: string; rounds?: string; interval?: string; tcp?: boolean; config?: string; headEnd?: boolean; terminals?: string; metersPerTerminal?: string; data?: string }) => {
      // Like the other `hes` commands, the demo defaults to quiet logs unless HES_LOG_LEVEL says otherwise.
      const config = loadConfig(o.config ? { file: o.config } : {});
      if (!o.meterDemo || o.headEnd) {
        await startHeadEndDemo(config, { terminals: Number(o.terminals ?? 50), metersPerTerminal: Number(o.metersPerTerminal ?? 100), data: o.data ?? './.state/demo' }, out, log);
        return;
      }
      const count = o.meters ? Number(o.meters) : config.demo.meters;
      const rounds = o.rounds ? Number(o.rounds) : Infinity;
      const interval = o.interval ? Number(o.interval) : config.demo.intervalS;
      if (!Number.isInteger(count) || count < 1 || count > 64) throw new InputError('meters', `'${o.meters}' is not 1..64`);
      if (rounds !== Infinity && (!Number.isInteger(rounds) || rounds < 1)) throw new InputError('rounds', `'${o.rounds}' is not a positive integer`);
      if (!(interval > 0)) throw new InputError('interval', `'${o.interval}' is not a positive number of seconds`);

      const addresses = Array.from({ length: count }, (_, i) => String(100000000001 + i));
      let pty: PtyPair | null = null;
      let sim: MeterSimulatorHandle;
      let channel: MeterChannel;
      const linkOpts = {
        replyTimeoutMs: config.meter.replyTimeoutMs,
        interByteTimeoutMs: config.meter.interByteTimeoutMs,
        retries: config.meter.retries,
        preamble: config.meter.preamble,
      };
      if (!o.tcp && socatAvailable()) {
        pty = await openPtyPair();
        sim = await runMeterSimulator({ addresses, serial: { path: pty.b }, seed: config.demo.seed });
        channel = await openMeterChannel({ serial: pty.a, serialSettings: config.meter.serial, link: linkOpts });
      } else {
        if (!o.tcp) log.warn('socat not found: simulating a TCP serial server instead of a pty pair');
        sim = await runMeterSimulator({ addresses, tcp: { port: 0 }, seed: config.demo.seed });
        channel = await openMeterChannel({ tcp: `127.0.0.1:${sim.port}`, link: linkOpts });
      }
      out(`OpenHES demo: ${count} simulated DL/T 645 meter(s) on ${sim.description}; reading ${DEMO_DIS.join(', ')}`);
      let stop = false;
      const onSignal = (): void => {
        stop = true;
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        for (let round = 1; round <= rounds && !stop; round++) {
          out(`\n— round ${round} at ${new Date().toISOString()}`);
          for (const address of addresses) {
            const results = await channel.client.readMany(address, DEMO_DIS);
            const parts = results.map((r) =>
              r.error ? `${r.di} ERROR ${describeError(r.error)}` : `${r.reading!.name ?? r.di}: ${renderValue(r.reading!.value, r.reading!.unit)}`,
            );
            out(`${address}\n  ${parts.join('\n  ')}`);
          }
          if (round < rounds && !stop) await sleepUnless(interval * 1000, () => stop);
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await channel.close();
        await sim.close();
        await pty?.close();
      }
    });
}

async function sleepUnless(ms: number, stopped: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end && !stopped()) await new Promise((r) => setTimeout(r, Math.min(200, end - Date.now())));
}

const program = new Command('start').description('OpenHES with simulated devices (npm start)').exitOverride();
registerStart(program, (s) => process.stdout.write(`${s}\n`), createLogger('start', process.env.HES_LOG_LEVEL ?? 'warn'));
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2;
  else {
    process.stderr.write(`start: ${describeError(e)}\n`);
    process.exitCode = exitCodeFor(e);
  }
}
