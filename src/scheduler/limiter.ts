/**
 * Bounded concurrency: a counting semaphore (FIFO waiters) and a keyed family of them (one window per
 * terminal). The scheduler holds one slot per terminal being worked on (global) and one per request it
 * has queued at a terminal (per-terminal window), so operator call-ups never wait behind a long queue of
 * background reads — the FEP's own priorities (control > call-up > scheduled) do the rest.
 */
export class Limiter {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next(); // the slot passes to the waiter
    else this.active--;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

/** One Limiter per key, created on demand and dropped when idle. */
export class KeyedLimiter {
  private readonly map = new Map<string, Limiter>();

  constructor(readonly limit: number) {}

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let l = this.map.get(key);
    if (!l) this.map.set(key, (l = new Limiter(this.limit)));
    try {
      return await l.run(fn);
    } finally {
      if (l.running === 0 && l.waiting === 0) this.map.delete(key);
    }
  }
}

/** Runs `fn` over `items` with at most `n` at once; resolves when all are done (results in order). */
export async function mapLimit<T, R>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}
