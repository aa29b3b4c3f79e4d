/**
 * A daily-frozen round end to end (bench/daily-round.ts): the opt-in "big run" of issue 7's fleet test,
 * default 100 terminals × 200 meters, AFN0D F161–F164 (the daily task's default Fns), embedded store.
 * bench/daily-1m.bench.ts is the same round at 5 000 × 200 (1 M meters), F161.
 * Run: npx tsx bench/daily-collect.bench.ts [--terminals 100] [--meters 200] [--points 64] [--concurrency 1000]
 *        [--fns 161,162,163,164] [--store embedded|influx|both] [--max-s 900]
 */
import { dailyOptions, runDailyRounds } from './daily-round.js';

await runDailyRounds(dailyOptions({ terminals: '100', meters: '200', points: '64', concurrency: '1000', fns: '161,162,163,164', store: 'embedded', 'max-s': '900' }));
// A store still retrying (e.g. a stopped influxd) must not keep the process alive; stdout first.
process.stdout.write('', () => process.exit(0));
