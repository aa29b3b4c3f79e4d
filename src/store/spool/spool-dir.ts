/**
 * The spool directory on disk:
 *
 *   LOCK                       pid of the process using it (a dead pid's lock is taken over)
 *   seg-00000000000000000001.log …  segments of records (record.ts), appended in order, never rewritten
 *   checkpoint                 `{"segment":n,"offset":o}`: everything before was confirmed by the store
 *                              (a hint: lost or stale, the spool re-forwards more — writes are idempotent)
 *   rejected.log               records the store refused as bad data (permanent errors), for inspection
 */
import { constants } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { SpoolLockedError } from '../errors.js';

const SEGMENT = /^seg-(\d{20})\.log$/;

export interface Checkpoint {
  segment: number;
  offset: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class SpoolDir {
  private constructor(readonly dir: string) {}

  /** Creates the directory when needed and takes its lock. */
  static async lock(dir: string): Promise<SpoolDir> {
    await fs.mkdir(dir, { recursive: true });
    const d = new SpoolDir(dir);
    const lockPath = path.join(dir, 'LOCK');
    for (let attempt = 0; ; attempt++) {
      try {
        const fh = await fs.open(lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
        await fh.writeFile(String(process.pid));
        await fh.close();
        return d;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
        const pid = Number((await fs.readFile(lockPath, 'utf8').catch(() => '')).trim());
        if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new SpoolLockedError(dir, pid);
        await fs.rm(lockPath, { force: true });
      }
    }
  }

  async unlock(): Promise<void> {
    await fs.rm(path.join(this.dir, 'LOCK'), { force: true });
  }

  segmentPath(seq: number): string {
    return path.join(this.dir, `seg-${String(seq).padStart(20, '0')}.log`);
  }

  /** Segment numbers, ascending. */
  async segments(): Promise<number[]> {
    const names = await fs.readdir(this.dir);
    return names
      .map((n) => SEGMENT.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }

  /** A new, empty segment for appending (its directory entry made durable). */
  async createSegment(seq: number): Promise<FileHandle> {
    const fh = await fs.open(this.segmentPath(seq), constants.O_CREAT | constants.O_EXCL | constants.O_RDWR);
    await this.syncDir();
    return fh;
  }

  async removeSegment(seq: number): Promise<void> {
    await fs.rm(this.segmentPath(seq), { force: true });
  }

  async readCheckpoint(): Promise<Checkpoint | undefined> {
    try {
      const v = JSON.parse(await fs.readFile(path.join(this.dir, 'checkpoint'), 'utf8')) as Partial<Checkpoint>;
      if (Number.isSafeInteger(v.segment) && Number.isSafeInteger(v.offset) && v.segment! >= 0 && v.offset! >= 0) return { segment: v.segment!, offset: v.offset! };
    } catch {
      // missing or unreadable: a hint only
    }
    return undefined;
  }

  /** Atomic replace (write + rename); not fsync'd: a lost checkpoint only means re-forwarding. */
  async writeCheckpoint(cp: Checkpoint): Promise<void> {
    const tmp = path.join(this.dir, 'checkpoint.tmp');
    await fs.writeFile(tmp, JSON.stringify(cp));
    await fs.rename(tmp, path.join(this.dir, 'checkpoint'));
  }

  async appendRejected(record: Buffer): Promise<void> {
    await fs.appendFile(path.join(this.dir, 'rejected.log'), record);
  }

  async syncDir(): Promise<void> {
    const d = await fs.open(this.dir, constants.O_RDONLY);
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}
