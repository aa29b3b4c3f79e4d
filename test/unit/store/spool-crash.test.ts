/**
 * kill -9 of a process writing through the spool: a real child (`npx tsx fixtures/spool-writer.ts`)
 * writes batches as fast as it can and prints `ack <n>` once batch n is acknowledged; the test kills
 * its process group with SIGKILL mid-stream, reopens the spool over the store and checks that every
 * acknowledged batch is there, exactly, and that nothing else is (no half batch, no garbage).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { EmbeddedStore } from '../../../src/store/embedded/embedded-store.js';
import { SpooledStore } from '../../../src/store/spool.js';
import type { Reading } from '../../../src/store/store.js';
import { collect } from '../../helpers/store-contract.js';
import { batchOf } from './data.js';
import { catchLogs, removeTmpDirs, tmpDir } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../../..');
const SCRIPT = path.join(here, 'fixtures/spool-writer.ts');
const ALL = { from: 0, to: Date.UTC(2030, 0, 1) };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs the writer until `killAfter` acks arrived, then SIGKILLs its process group. Returns the acks. */
async function runAndKill(spoolDir: string, dataDir: string, mode: 'down' | 'embedded', killAfter: number): Promise<Set<number>> {
  const child = spawn('npx', ['tsx', SCRIPT, spoolDir, dataDir, mode], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const acked = new Set<number>();
  let out = '';
  let err = '';
  let killed = false;
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    const lines = out.split('\n');
    out = lines.pop()!;
    for (const l of lines) {
      const m = /^ack (\d+)$/.exec(l);
      if (m) acked.add(Number(m[1]));
    }
    if (!killed && acked.size >= killAfter) {
      killed = true;
      process.kill(-child.pid!, 'SIGKILL');
    }
  });
  // Never leave the writer running: a stuck start (no acks) is killed too, and fails the test.
  let stuck = false;
  const guard = setTimeout(() => {
    if (killed) return;
    stuck = killed = true;
    process.kill(-child.pid!, 'SIGKILL');
  }, 90_000);
  const r = await exited;
  clearTimeout(guard);
  if (stuck) throw new Error(`writer made only ${acked.size} acks in 90 s:\n${err}`);
  if (!killed) throw new Error(`writer exited on its own (code ${r.code}, signal ${r.signal}) after ${acked.size} acks:\n${err}`);
  // The writer itself (the spool's LOCK names it) is in the killed group: wait until it is gone.
  const pid = Number(readFileSync(path.join(spoolDir, 'LOCK'), 'utf8'));
  await vi.waitFor(() => expect(alive(pid)).toBe(false), { timeout: 10_000, interval: 20 });
  return acked;
}

/** Opens the spool over the store in `dataDir`, lets it replay, and checks the acknowledged batches. */
async function verify(spoolDir: string, dataDir: string, acked: ReadonlySet<number>): Promise<void> {
  const { logger, lines } = catchLogs();
  const spool = await SpooledStore.open(EmbeddedStore.open(dataDir), { dir: spoolDir, logger });
  try {
    await spool.flush();
    expect(spool.status()).toMatchObject({ pendingBatches: 0, rejectedBatches: 0 });
    const got = new Map<number, Reading>();
    for await (const r of spool.readings({ kind: 'day', quantity: 'ea_imp', ...ALL })) got.set(r.meter, r);
    const problems: string[] = [];
    for (const n of acked) for (const r of batchOf(n)) if (JSON.stringify(got.get(r.meter)) !== JSON.stringify(r)) problems.push(`batch ${n} meter ${r.meter}: ${JSON.stringify(got.get(r.meter))}`);
    // Whatever else is there (written but not yet acknowledged at the kill) is whole and exact too.
    const present = new Set([...got.keys()].map((m) => Math.ceil(m / 200)));
    for (const n of present) for (const r of batchOf(n)) if (JSON.stringify(got.get(r.meter)) !== JSON.stringify(r)) problems.push(`unacked batch ${n} meter ${r.meter} partial or wrong`);
    expect(problems.slice(0, 5)).toEqual([]);
    const events = await collect(spool.events(ALL));
    for (const n of acked) if (n % 5 === 0) expect(events.some((e) => e.terminal === n && e.record.n === n), `event of batch ${n}`).toBe(true);
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  } finally {
    await spool.close();
  }
}

describe('spool survives kill -9', () => {
  afterAll(removeTmpDirs);

  it('with the store down: every acknowledged batch is replayed from the spool', async () => {
    const root = tmpDir('hes-crash-');
    const spoolDir = path.join(root, 'spool');
    const dataDir = path.join(root, 'data');
    const acked = await runAndKill(spoolDir, dataDir, 'down', 30);
    expect(acked.size).toBeGreaterThanOrEqual(30);
    await verify(spoolDir, dataDir, acked);
  }, 120_000);

  it("with the embedded store up, killed twice (the second run replays the first one's backlog): nothing acknowledged is lost", async () => {
    const root = tmpDir('hes-crash-');
    const spoolDir = path.join(root, 'spool');
    const dataDir = path.join(root, 'data');
    const first = await runAndKill(spoolDir, dataDir, 'embedded', 40);
    const second = await runAndKill(spoolDir, dataDir, 'embedded', 10);
    await verify(spoolDir, dataDir, new Set([...first, ...second]));
  }, 240_000);
});
