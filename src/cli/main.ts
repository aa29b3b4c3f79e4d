/**
 * The `hes` command line. Thin: parses arguments, calls services, prints. Exit codes: 0 ok,
 * 1 the operation failed (timeout, denial, channel), 2 bad input (arguments, hex, malformed frame).
 */
import { Command, CommanderError } from 'commander';
import { createLogger } from '../logger.js';
import { registerDecode } from './decode.js';
import { registerMeter } from './meter.js';
import { registerArchive } from './archive.js';
import { registerEncode } from './encode.js';
import { registerServe } from './serve.js';
import { registerTerminal } from './terminal.js';
import { registerCall } from './call.js';
import { registerCollect } from './collect.js';
import { registerStore } from './store.js';
import { registerControl } from './control.js';
import { registerScheme } from './scheme.js';
import { registerPrepay } from './prepay.js';
import { registerAudit } from './audit.js';
import { registerApikey } from './apikey.js';
import { registerCommission } from './commission.js';
import { describeError, exitCodeFor } from './errors.js';

export async function main(argv: string[]): Promise<number> {
  const log = createLogger('hes', process.env.HES_LOG_LEVEL ?? 'warn');
  // `hes … | head` closes the pipe early: stop writing quietly instead of crashing on EPIPE.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const out = (s: string): void => {
    process.stdout.write(`${s}\n`);
  };
  const program = new Command('hes')
    .description('OpenHES head-end system: DL/T 645 meters and Q/GDW 376.1 terminals')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerDecode(program, out);
  registerEncode(program, out);
  registerMeter(program, out, log);
  registerArchive(program, out);
  registerServe(program, out);
  registerTerminal(program, out);
  registerCall(program, out);
  registerCollect(program, out);
  registerStore(program, out);
  registerControl(program, out);
  registerScheme(program, out);
  registerPrepay(program, out);
  registerAudit(program, out);
  registerApikey(program, out);
  registerCommission(program, out);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help/version exit 0; usage errors exit 2 (commander already printed the message).
      return e.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`hes: ${describeError(e)}\n`);
    return exitCodeFor(e);
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
