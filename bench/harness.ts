/**
 * Tiny benchmark harness: warm up, then run `fn` in batches until `minMs` has passed and report the
 * rate measured in this run. No assertions: numbers go to bench/RESULTS.md with the command used.
 */
export interface Measure {
  name: string;
  ops: number;
  ms: number;
  perSec: number;
}

let sink = 0;
/** Keeps results alive so the JIT cannot drop the work. */
export function consume(v: unknown): void {
  if (v !== undefined && v !== null) sink++;
}

export function measure(name: string, fn: () => unknown, opts: { minMs?: number; batch?: number; unit?: string; unitsPerOp?: number } = {}): Measure {
  const minMs = opts.minMs ?? 1500;
  const batch = opts.batch ?? 10_000;
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) for (let i = 0; i < batch; i++) consume(fn());
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < minMs) {
    for (let i = 0; i < batch; i++) consume(fn());
    ops += batch;
    now = performance.now();
  }
  const ms = now - start;
  const perSec = (ops / ms) * 1000;
  const units = opts.unitsPerOp ? ` (${fmt((perSec * opts.unitsPerOp) / 1e6)} M${opts.unit ?? 'units'}/s)` : '';
  console.log(`${name}: ${fmt(perSec)} ops/s${units}`);
  return { name, ops, ms, perSec };
}

export function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(1);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function header(title: string): void {
  console.log(`# ${title} — node ${process.version}, ${new Date().toISOString()}`);
}

export function sinkValue(): number {
  return sink;
}
