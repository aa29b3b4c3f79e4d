/** FEP counters and the request-latency histogram, as a plain snapshot for a later `/metrics` endpoint. */

/** Upper bounds (ms) of the latency buckets; the last bucket is +Inf. */
export const LATENCY_BUCKETS_MS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000] as const;

export class LatencyHistogram {
  private readonly counts = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  count = 0;
  sumMs = 0;

  observe(ms: number): void {
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]!) i++;
    this.counts[i]!++;
    this.count++;
    this.sumMs += ms;
  }

  /** Upper bound of the bucket holding quantile `q` (0..1); Infinity past the last bound, 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil(q * this.count);
    let acc = 0;
    for (let i = 0; i < this.counts.length; i++) {
      acc += this.counts[i]!;
      if (acc >= rank) return LATENCY_BUCKETS_MS[i] ?? Infinity;
    }
    return Infinity;
  }

  snapshot(): { buckets: { leMs: number; count: number }[]; count: number; sumMs: number; p50Ms: number; p99Ms: number } {
    return {
      buckets: this.counts.map((count, i) => ({ leMs: LATENCY_BUCKETS_MS[i] ?? Infinity, count })),
      count: this.count,
      sumMs: this.sumMs,
      p50Ms: this.quantile(0.5),
      p99Ms: this.quantile(0.99),
    };
  }
}

export interface FepCounters {
  framesIn: number;
  framesOut: number;
  /** Discarded byte spans and frames that could not be used (also published as `frameError`). */
  frameErrors: number;
  /** Replies that matched no request in flight (late, duplicated). */
  unmatched: number;
  logins: number;
  heartbeats: number;
  reports: number;
  events: number;
  /** Frames of unknown (quarantined) terminals. */
  unknownFrames: number;
  /** Connections refused because `maxSessions` was reached. */
  rejected: number;
  /** Sockets closed because they never logged in. */
  evicted: number;
  /** Online → offline transitions by heartbeat silence. */
  silenceOffline: number;
  replaced: number;
  requestsOk: number;
  requestsFailed: number;
}

export function newFepCounters(): FepCounters {
  return {
    framesIn: 0, framesOut: 0, frameErrors: 0, unmatched: 0, logins: 0, heartbeats: 0, reports: 0, events: 0, unknownFrames: 0,
    rejected: 0, evicted: 0, silenceOffline: 0, replaced: 0, requestsOk: 0, requestsFailed: 0,
  };
}
