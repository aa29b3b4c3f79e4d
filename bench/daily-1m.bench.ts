/**
 * bench/daily-1m of issue 7: 5 000 terminals × 200 meters (1 M meters), daily frozen F161 collected and
 * stored end to end, the simulated fleet in a separate process; with the embedded store, then with
 * InfluxDB (Debian's influxd 1.x, started here). Goal: ≤ 60 s wall per round. The round itself is
 * bench/daily-round.ts (shared with bench/daily-collect.bench.ts); options as there.
 * Run: npx tsx bench/daily-1m.bench.ts [--store embedded|influx|both] [--fns 161] [--max-s 1800]
 */
import { dailyOptions, runDailyRounds } from './daily-round.js';

await runDailyRounds(dailyOptions({ terminals: '5000', meters: '200', points: '64', concurrency: '1000', fns: '161', store: 'both', 'max-s': '1800' }));
// A store still retrying (e.g. a stopped influxd) must not keep the process alive; stdout first.
process.stdout.write('', () => process.exit(0));
