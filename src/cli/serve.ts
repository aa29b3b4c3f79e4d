/**
 * `hes serve`: runs the head-end (FEP + archive + admin API) until SIGINT/SIGTERM. Configuration:
 * defaults ← file (--config / HES_CONFIG) ← HES_* environment ← these flags, validated as a whole; a
 * bad value exits 2 naming the key and why. Prints one ready line with the bound ports on stdout:
 *   hes serve: ready terminals tcp://127.0.0.1:9300 admin http://127.0.0.1:9301 data .state/data/openhes.db api http://127.0.0.1:9380
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { validateConfig, type HesConfig } from '../config/schema.js';
import { InputError } from '../errors.js';
import { createLogger } from '../logger.js';
import { HeadEnd } from '../service/head-end.js';

interface ServeOpts {
  config?: string;
  data?: string;
  terminalPort?: string;
  adminPort?: string;
  apiPort?: string;
  mqtt?: string;
}

function port(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new InputError(flag, `'${text}' is not a port 0..65535 (0 = any free port)`);
  return Number(text);
}

/** The configuration with the command-line flags applied (validated again, so flags are checked like the file). */
export function serveConfig(o: ServeOpts): HesConfig {
  const base = loadConfig(o.config ? { file: o.config } : {});
  const terminalPort = port('--terminal-port', o.terminalPort);
  const adminPort = port('--admin-port', o.adminPort);
  const apiPort = port('--api-port', o.apiPort);
  const c: HesConfig = {
    ...base,
    fep: { ...base.fep, ...(terminalPort !== undefined ? { port: terminalPort } : {}) },
    admin: { ...base.admin, ...(adminPort !== undefined ? { port: adminPort } : {}) },
    mqtt: { ...base.mqtt, ...(o.mqtt !== undefined ? { url: o.mqtt } : {}) },
    api: { ...base.api, ...(apiPort !== undefined ? { port: apiPort } : {}) },
    data: { ...base.data, ...(o.data !== undefined ? { dir: o.data } : {}) },
  };
  return validateConfig(c, 'configuration with command-line flags');
}

export function registerServe(program: Command, out: (s: string) => void): void {
  program
    .command('serve')
    .description('run the head-end: terminal sessions (TCP, MQTT), the archive and the local admin API, until Ctrl-C')
    .option('--config <file>', 'configuration file (JSON; default HES_CONFIG or built-in defaults)')
    .option('--data <dir>', 'data directory holding openhes.db (default: config data.dir)')
    .option('--terminal-port <n>', 'TCP port for terminal dial-in (default: config fep.port; 0 = any free port)')
    .option('--admin-port <n>', 'admin API port on 127.0.0.1 (default: config admin.port; 0 = any free port)')
    .option('--api-port <n>', 'northbound API port (default: config api.port, host api.host = 127.0.0.1; 0 = any free port)')
    .option('--mqtt <url>', "MQTT channel: mqtt://host:port (external broker), embedded[:port] (in-process broker), '' = off")
    .action(async (o: ServeOpts) => {
      const config = serveConfig(o);
      const log = createLogger('hes', process.env.HES_LOG_LEVEL ?? config.log.level);
      const he = await HeadEnd.open(config, { logger: log, api: config.api.enabled });
      const a = await he.start();
      out(`hes serve: ready terminals tcp://${a.terminal.host}:${a.terminal.port}${a.admin ? ` admin ${a.admin}` : ''}${a.mqtt ? ` mqtt ${a.mqtt}` : ''}${a.data ? ` data ${a.data}` : ''}${a.api ? ` api ${a.api}` : ''}${a.events ? ` events ${a.events}` : ''}`);
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: NodeJS.Signals): void => {
          if (stopping) {
            log.warn({ signal }, 'second signal: exiting without a clean stop');
            process.exit(1);
          }
          stopping = true;
          log.info({ signal }, 'stopping');
          void he.stop().then(resolve, (e: unknown) => {
            log.error({ err: e }, 'stop failed');
            resolve();
          });
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      process.removeAllListeners('SIGINT');
      process.removeAllListeners('SIGTERM');
      out('hes serve: stopped');
    });
}
