/**
 * Loads configuration: defaults ← JSON file (HES_CONFIG or --config) ← environment overrides
 * `HES_<SECTION>_<KEY>` (e.g. HES_METER_RETRIES=3, HES_LOG_LEVEL=debug). The result is validated as a
 * whole; a bad file or variable fails with every problem listed, nothing half-applied.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, DEFAULT_CONFIG, validateConfig, type HesConfig } from './schema.js';

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof b === 'object' && b !== null ? merge(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

const BOOLEAN_TEXT = new Map<string, boolean>([
  ['true', true], ['1', true], ['yes', true], ['on', true],
  ['false', false], ['0', false], ['no', false], ['off', false],
]);

const camel = (s: string): string => s.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Environment overrides: HES_METER_REPLY_TIMEOUT_MS → meter.replyTimeoutMs. A value becomes a number only
 * where the setting is numeric by default (a PW of digits stays a string), a boolean only where it is
 * boolean by default (true/false, 1/0, yes/no, on/off); the schema validates the rest and names the key.
 */
export function envOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, Record<string, unknown>> = {};
  const defaults = DEFAULT_CONFIG as unknown as Record<string, Record<string, unknown>>;
  for (const [name, value] of Object.entries(env)) {
    const m = /^HES_([A-Z]+)_([A-Z0-9_]+)$/.exec(name);
    if (!m || value === undefined || m[1] === 'CONFIG') continue;
    const section = camel(m[1]!);
    if (!(section in defaults)) continue;
    const key = camel(m[2]!);
    const kind = typeof defaults[section]![key];
    const text = value.trim();
    let v: unknown = value;
    if (kind === 'number' && /^-?\d+(\.\d+)?$/.test(text)) v = Number(text);
    else if (kind === 'boolean' && BOOLEAN_TEXT.has(text.toLowerCase())) v = BOOLEAN_TEXT.get(text.toLowerCase());
    (out[section] ??= {})[key] = v;
  }
  return out;
}

export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): HesConfig {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env.HES_CONFIG;
  let fromFile: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(file, [`cannot read: ${(e as Error).message}`]);
    }
    try {
      fromFile = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(file, [`not valid JSON: ${(e as Error).message}`]);
    }
  }
  const merged = merge(merge(DEFAULT_CONFIG as unknown as Record<string, unknown>, fromFile), envOverrides(env));
  const sources = [file ? `file ${file}` : 'defaults', Object.keys(envOverrides(env)).length ? 'HES_* environment' : ''].filter(Boolean).join(' + ');
  return validateConfig(merged, sources);
}
