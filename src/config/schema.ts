/**
 * Head-end configuration: the shape, the defaults and a validator that names every wrong field.
 * Later issues add sections (fep, store, api…); each section validates itself here.
 */
export interface HesConfig {
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent' };
  meter: {
    /** Reply wait per attempt, ms. */
    replyTimeoutMs: number;
    interByteTimeoutMs: number;
    retries: number;
    preamble: number;
    /** Default serial settings for RS-485 buses. */
    serial: string;
    /** Meter clocks keep local time: minutes east of UTC (480 = China Standard Time). */
    utcOffsetMinutes: number;
  };
  demo: {
    /** Number of simulated meters on the demo bus. */
    meters: number;
    seed: number;
    /** Seconds between demo reading rounds. */
    intervalS: number;
  };
}

export const DEFAULT_CONFIG: HesConfig = {
  log: { level: 'info' },
  meter: { replyTimeoutMs: 1500, interByteTimeoutMs: 200, retries: 2, preamble: 4, serial: '2400,8E1', utcOffsetMinutes: 480 },
  demo: { meters: 3, seed: 1, intervalS: 5 },
};

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super(`invalid configuration (${source}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Check = (v: unknown, path: string, problems: string[]) => void;

const int = (min: number, max: number): Check => (v, path, problems) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) problems.push(`${path}: expected an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
};
const oneOf = (values: readonly string[]): Check => (v, path, problems) => {
  if (typeof v !== 'string' || !values.includes(v)) problems.push(`${path}: expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
};
const pattern = (re: RegExp, hint: string): Check => (v, path, problems) => {
  if (typeof v !== 'string' || !re.test(v)) problems.push(`${path}: expected ${hint}, got ${JSON.stringify(v)}`);
};

const SCHEMA: Record<string, Record<string, Check>> = {
  log: { level: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'silent']) },
  meter: {
    replyTimeoutMs: int(50, 120_000),
    interByteTimeoutMs: int(5, 5_000),
    retries: int(0, 10),
    preamble: int(0, 8),
    serial: pattern(/^\d{3,6}(,?[78][NEO][12])?$/i, 'serial settings like 2400,8E1'),
    utcOffsetMinutes: int(-720, 840),
  },
  demo: { meters: int(1, 10_000), seed: int(0, 2 ** 31 - 1), intervalS: int(1, 86_400) },
};

/** Validates a merged configuration object; unknown keys are errors too (typos must not pass). */
export function validateConfig(raw: unknown, source: string): HesConfig {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(source, ['top level: expected an object']);
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) if (!(key in SCHEMA)) problems.push(`${key}: unknown section (known: ${Object.keys(SCHEMA).join(', ')})`);
  for (const [section, fields] of Object.entries(SCHEMA)) {
    const sec = obj[section];
    if (typeof sec !== 'object' || sec === null || Array.isArray(sec)) {
      problems.push(`${section}: expected an object`);
      continue;
    }
    const s = sec as Record<string, unknown>;
    for (const key of Object.keys(s)) if (!(key in fields)) problems.push(`${section}.${key}: unknown setting`);
    for (const [key, check] of Object.entries(fields)) check(s[key], `${section}.${key}`, problems);
  }
  if (problems.length) throw new ConfigError(source, problems);
  return obj as unknown as HesConfig;
}
