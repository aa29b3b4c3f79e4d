/**
 * A virtual serial line: two linked ptys made by `socat` (Debian package `socat`). Used by the demo,
 * tests and benchmarks to run a real `serialport` master against a simulated RS-485 bus. A pty has no
 * baud timing or parity errors; the meter simulator models line timing itself.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ChannelError } from './errors.js';

export interface PtyPair {
  /** Path the master (head-end / CLI) opens. */
  readonly a: string;
  /** Path the simulated bus opens. */
  readonly b: string;
  close(): Promise<void>;
}

export function socatAvailable(): boolean {
  return spawnSync('sh', ['-c', 'command -v socat'], { stdio: 'ignore' }).status === 0;
}

/** Starts socat and resolves once both pty links exist. Throws ChannelError naming what is missing. */
export async function openPtyPair(dir?: string, timeoutMs = 5000): Promise<PtyPair> {
  if (!socatAvailable()) {
    throw new ChannelError('socat is not installed (apt-get install socat, or run scripts/ensure-system-tools.mjs)', 'pty');
  }
  const base = dir ?? mkdtempSync(path.join(tmpdir(), 'openhes-pty-'));
  const a = path.join(base, 'ttyA');
  const b = path.join(base, 'ttyB');
  const child: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const started = Date.now();
  while (!(existsSync(a) && existsSync(b))) {
    if (child.exitCode !== null) throw new ChannelError(`socat exited (${child.exitCode}): ${stderr.trim()}`, 'pty');
    if (Date.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new ChannelError(`socat did not create ${a} and ${b} within ${timeoutMs} ms`, 'pty');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    a,
    b,
    close: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          if (!dir) rmSync(base, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}
