/**
 * TEST HARNESS, run as a child process (`node --import tsx test/helpers/head-end-child.ts <config.json>`):
 * the head-end exactly as `hes serve` builds it (`serveConfig` → `HeadEnd.open` → `start`: configuration
 * file + HES_* environment, archive, the configured store behind the spool, FEP, scheduler, admin API) but
 * on a clock shifted by HES_TEST_CLOCK_SHIFT_MS — `hes serve` has no such setting, and the durability tests
 * need the daily round to fall due "now" on a chosen day, consistently across restarts.
 *
 * HES_TEST_ACK_LOG=<file>: every batch of readings the store acknowledged (its `writeReadings` resolved:
 * for the spool, appended and fdatasync'd) is appended to the file synchronously, one line per reading
 * `<meter> <kind> <quantity> <time> <quality>`, before the scheduler hears of it. The wrapper only
 * observes: the write itself is the real store's. After a SIGKILL the file lists (a subset of) what was
 * acknowledged, which the test then expects to find stored.
 *
 * stdout: `head-end: ready terminals tcp://H:P admin URL pid N` once started, `head-end: stopped` after a
 * SIGTERM/SIGINT stop. Logs (pino) on stderr. A failing start prints `head-end: <error>` and exits 1.
 */
import { appendFileSync } from 'node:fs';
import { serveConfig } from '../../src/cli/serve.js';
import { createLogger } from '../../src/logger.js';
import { HeadEnd } from '../../src/service/head-end.js';
import type { Reading } from '../../src/store/store.js';
import { shiftedClock } from './shifted-clock.js';

async function main(): Promise<void> {
  const file = process.argv[2];
  const config = serveConfig(file ? { config: file } : {});
  const log = createLogger('hes', process.env.HES_LOG_LEVEL ?? config.log.level);
  const shift = Number(process.env.HES_TEST_CLOCK_SHIFT_MS ?? '0');
  if (!Number.isFinite(shift)) throw new Error(`HES_TEST_CLOCK_SHIFT_MS: not a number: ${process.env.HES_TEST_CLOCK_SHIFT_MS}`);
  const he = await HeadEnd.open(config, { logger: log, clock: shiftedClock(shift), api: false });
  const ackLog = process.env.HES_TEST_ACK_LOG;
  const store = he.store;
  if (ackLog && store) {
    const write = store.writeReadings.bind(store);
    store.writeReadings = async (batch: readonly Reading[]): Promise<void> => {
      await write(batch);
      if (batch.length) appendFileSync(ackLog, batch.map((r) => `${r.meter} ${r.kind} ${r.quantity} ${r.time} ${r.quality}\n`).join(''));
    };
  }
  const a = await he.start();
  process.stdout.write(`head-end: ready terminals tcp://${a.terminal.host}:${a.terminal.port} admin ${a.admin ?? '-'} pid ${process.pid}\n`);
  const stop = (): void => {
    void he.stop().then(
      () => {
        process.stdout.write('head-end: stopped\n');
        process.exit(0);
      },
      (e: unknown) => {
        process.stderr.write(`head-end: stop failed: ${e instanceof Error ? e.stack : String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`head-end: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n`);
  process.exit(1);
});
