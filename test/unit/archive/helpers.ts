/** Shared fixtures of the archive tests: a fleet archive written by the simulator's reference writer. */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeArchive, type ArchiveSpec } from '../../../simulators/fleet/archive-writer.js';

export const FLEET: ArchiveSpec = { a1: '1101', terminals: 20, metersPerTerminal: 50, seed: 1, endpoint: 'tcp://127.0.0.1:9300' };

export function tmpDir(prefix = 'hes-archive-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function fleetArchive(spec: ArchiveSpec = FLEET): string {
  const dir = tmpDir('hes-fleet-');
  writeArchive(dir, spec);
  return dir;
}

/** A copy of an archive directory whose file `file` has `edit` applied to its lines (line 1 = header). */
export function edited(src: string, file: string, edit: (lines: string[]) => void): string {
  const dir = tmpDir('hes-bad-');
  cpSync(src, dir, { recursive: true });
  const p = path.join(dir, file);
  const lines = readFileSync(p, 'utf8').split('\n');
  lines.pop(); // the final '\n'
  const arr = ['', ...lines]; // 1-based
  edit(arr);
  writeFileSync(p, arr.slice(1).join('\n') + '\n');
  return dir;
}

/** Replaces field `col` (0-based) of line `n`. */
export function setField(lines: string[], n: number, col: number, value: string): void {
  const f = lines[n]!.split(',');
  f[col] = value;
  lines[n] = f.join(',');
}

export function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
}

export function rm(...dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
