#!/usr/bin/env node
// `npm run bench [-- name…]`: runs every bench/*.bench.ts (or those whose name contains an argument)
// one after the other, so they do not compete for the two cores, and prints their output.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);
const benches = readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (benches.length === 0) {
  console.error(`no bench matches ${filters.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const b of benches) {
  console.log(`\n$ npx tsx bench/${b}`);
  const r = spawnSync(path.join(root, 'node_modules/.bin/tsx'), [path.join('bench', b)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
