/**
 * `--state <dir>`: each terminal's parameters (the brain's toJSON: AFN04 overrides, controls, clock
 * offset) kept in `<dir>/<A1>-<A2 5 digits>.json`, read at start and written (atomically: temp file +
 * rename) after every parameter/control frame and at shutdown.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function stateFile(dir: string, key: string): string {
  return path.join(dir, `${key}.json`);
}

/** The saved state of `key`, or undefined when there is none. Throws on a corrupt file (naming it). */
export function loadState(dir: string, key: string): unknown {
  const f = stateFile(dir, key);
  let text: string;
  try {
    text = readFileSync(f, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${f}: not valid JSON (${e instanceof Error ? e.message : String(e)}); delete it to start from defaults`);
  }
}

export function saveState(dir: string, key: string, state: unknown): void {
  mkdirSync(dir, { recursive: true });
  const f = stateFile(dir, key);
  const tmp = `${f}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 1));
  renameSync(tmp, f);
}
