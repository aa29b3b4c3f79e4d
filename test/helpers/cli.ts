/** Runs the real `hes` / `hes-sim` launchers as child processes, as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(bin: 'hes' | 'hes-sim', args: string[], timeoutMs = 20_000, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', `${bin}.mjs`), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface StartedProcess {
  child: ChildProcess;
  match: RegExpMatchArray;
  /** Everything the process printed so far (also after it exited). */
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then the exit code once it closed. */
  stop(): Promise<number | null>;
}

/** Starts a long-running launcher and resolves once its stdout matches `ready`. */
export function startCli(bin: 'hes' | 'hes-sim', args: string[], ready: RegExp, timeoutMs = 20_000, env: NodeJS.ProcessEnv = {}): Promise<StartedProcess> {
  return startProcess(bin, [path.join(ROOT, 'bin', `${bin}.mjs`), ...args], ready, timeoutMs, env);
}

/** Starts `node <argv>` (cwd the repository) and resolves once its stdout matches `ready`. */
export function startProcess(label: string, argv: readonly string[], ready: RegExp, timeoutMs = 20_000, env: NodeJS.ProcessEnv = {}): Promise<StartedProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label} did not print ${ready} within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = started ? null : stdout.match(ready);
      if (m) {
        started = true;
        clearTimeout(timer);
        resolve({
          child,
          match: m,
          output: () => ({ stdout, stderr }),
          stop: () =>
            new Promise((res) => {
              if (child.exitCode !== null || child.signalCode !== null) return res(child.exitCode);
              child.once('close', (code) => res(code));
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code}) before it was ready\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
}

/**
 * Environment of a `hes serve` under test that is not about collection: the scheduler stays off, so its
 * background reads and its 02:00 clock patrol (which may set a simulator's clock) cannot interfere.
 */
export const NO_SCHEDULER: NodeJS.ProcessEnv = { HES_SCHEDULER_ENABLED: 'false' };
