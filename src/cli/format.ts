/** Human-readable rendering of decoded values for the CLI (JSON output bypasses this). */
import type { DiValue } from '../../protocols/dlt645/registry/types.js';
import { toHex } from '../../protocols/codec/hex.js';

export function renderValue(v: DiValue | undefined, unit?: string): string {
  const u = unit ? ` ${unit}` : '';
  if (v === undefined) return '(not decoded)';
  if (v === null) return '— (no data)';
  if (typeof v === 'number' || typeof v === 'boolean') return `${v}${u}`;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((x) => renderValue(x, unit)).join(', ');
  const rec = v as Record<string, DiValue>;
  if ('total' in rec && 'rates' in rec && Array.isArray(rec.rates)) {
    const rates = (rec.rates as DiValue[]).map((x, i) => `T${i + 1} ${renderValue(x, unit)}`);
    return [`total ${renderValue(rec.total, unit)}`, ...rates].join(', ');
  }
  if ('raw' in rec && 'bits' in rec) {
    const set = Object.entries(rec.bits as Record<string, boolean>).filter(([, b]) => b).map(([k]) => k);
    return `0x${(rec.raw as number).toString(16).toUpperCase().padStart(4, '0')}${set.length ? ` [${set.join(', ')}]` : ''}`;
  }
  return Object.entries(rec).map(([k, x]) => `${k} ${renderValue(x, unit)}`).join(', ');
}

/**
 * JSON.stringify that prints bytes as spaced hex and drops undefined. Buffers reach the replacer already
 * turned into `{ type: 'Buffer', data: [...] }` by their toJSON, so that shape is what is converted.
 */
export function toJson(v: unknown): string {
  return JSON.stringify(
    v,
    (_k, x: unknown) => {
      if (x instanceof Uint8Array) return toHex(x);
      const b = x as { type?: unknown; data?: unknown } | null;
      if (b && typeof b === 'object' && b.type === 'Buffer' && Array.isArray(b.data)) return toHex(Uint8Array.from(b.data as number[]));
      return x;
    },
    2,
  );
}
