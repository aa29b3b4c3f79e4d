/**
 * Retry with exponential back-off (equal jitter) on the injected clock. The caller says what is worth
 * retrying (5xx, connection errors); anything else is thrown at once. When attempts or time run out,
 * InfluxUnavailableError names the last failure.
 */
import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
import { InfluxUnavailableError } from './errors.js';

export interface RetryPolicy {
  /** First delay (ms). */
  initialMs: number;
  /** Longest delay between two attempts (ms). */
  maxMs: number;
  factor: number;
  /** Give up once this much time has passed since the first attempt (ms). */
  maxElapsedMs: number;
  /** Give up after this many attempts (default: unlimited within maxElapsedMs). */
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 200, maxMs: 10_000, factor: 2, maxElapsedMs: 120_000, maxAttempts: Number.POSITIVE_INFINITY };

export interface RetryContext {
  clock: Clock;
  logger: Logger;
  policy: RetryPolicy;
  url: string;
  retryable(err: unknown): boolean;
  /** Random source in [0, 1) for the jitter (Math.random unless a test pins it). */
  random?: () => number;
}

export const errorText = (err: unknown): string => {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return `${err.message || err.name}${typeof code === 'string' && !err.message.includes(code) ? ` (${code})` : ''}`;
  }
  return String(err);
};

const sleep = (clock: Clock, ms: number): Promise<void> => new Promise((resolve) => clock.setTimeout(resolve, ms));

export async function withRetry<T>(what: string, fn: () => Promise<T>, ctx: RetryContext): Promise<T> {
  const { clock, policy } = ctx;
  const random = ctx.random ?? Math.random;
  const start = clock.now();
  let delay = policy.initialMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!ctx.retryable(err)) throw err;
      const elapsed = clock.now() - start;
      if (attempt >= policy.maxAttempts || elapsed + delay / 2 > policy.maxElapsedMs) {
        throw new InfluxUnavailableError(ctx.url, what, attempt, errorText(err));
      }
      const wait = Math.round(delay / 2 + (random() * delay) / 2);
      ctx.logger.warn({ what, attempt, waitMs: wait, err: errorText(err) }, 'InfluxDB request failed; retrying');
      await sleep(clock, wait);
      delay = Math.min(policy.maxMs, delay * policy.factor);
    }
  }
}
