/**
 * Head-end configuration: the shape, the defaults and a validator that names every wrong field.
 * Later issues add sections (fep, store, api…); each section validates itself here.
 */
import { DEFAULT_SCHEDULER, SCHEDULER_CHECKS, type SchedulerConfig } from '../scheduler/config.js';
import { CONTROL_CHECKS, DEFAULT_CONTROL, DEFAULT_PREPAY, PREPAY_CHECKS, type ControlConfig, type PrepayConfig } from '../control/config.js';
import { API_CHECKS, DEFAULT_API, type ApiConfig } from '../api/config.js';
import { DEFAULT_STORE, STORE_CHECKS, type StoreConfig } from '../store/config.js';
import { DEFAULT_NORTHBOUND, NORTHBOUND_CHECKS, type NorthboundConfig } from '../northbound/config.js';
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
  /** Front-end processor: terminal sessions (src/fep). */
  fep: {
    /** TCP listen address and port for terminal dial-in. */
    host: string;
    port: number;
    /** Heartbeat period assumed when the terminal's AFN04 F1 is not known, s. */
    heartbeatS: number;
    /** A terminal silent for this many heartbeat periods is marked offline. */
    silencePeriods: number;
    /** Wait per attempt for a reply when the terminal's AFN04 F1 is not known, ms. */
    timeoutMs: number;
    /** Retries after the first attempt when AFN04 F1 is not known (0..3 per the standard). */
    retries: number;
    /** Requests in flight per terminal. */
    window: number;
    /** Requests waiting per terminal before QueueFullError. */
    queueLimit: number;
    maxSessions: number;
    /** A socket that has not logged in after this long is closed, ms. */
    loginTimeoutMs: number;
    /** PW (16 bytes as 32 hex digits) for AFN01/04/05/06/0F/10 when the archive has none. */
    pw: string;
    /** Master station address MSA 1..127. */
    msa: number;
    /** Minutes of allowed transmission delay written in Tp (0 = not checked). */
    tpDelayMinutes: number;
    /** Dial-out (terminals that listen, archive channel `tcp-out`): first back-off after a failed call or a dropped link, ms. */
    dialOutBackoffMs: number;
    /** Dial-out back-off ceiling, ms; a link up this long resets the back-off. */
    dialOutBackoffMaxMs: number;
    /** Dial-out TCP connect timeout, ms. */
    dialOutConnectTimeoutMs: number;
  };
  /** The local admin HTTP API of `hes serve` (always bound to 127.0.0.1; the CLI reaches the head-end through it). */
  admin: {
    /** TCP port (0 = any free port, printed in the ready line). */
    port: number;
  };
  /** MQTT channel of `hes serve`: '' = off, `embedded` / `embedded:<port>` = in-process aedes broker, `mqtt://host:port` = external broker. */
  mqtt: {
    url: string;
    /** Topic prefix of the terminal topic pairs `<prefix>/<A1>/<A2>/up|down`. */
    topicPrefix: string;
  };
  /** Where the head-end keeps its state: the embedded database `<dir>/openhes.db` (archive, later more). */
  data: {
    /** Data directory (created when missing). */
    dir: string;
  };
  /** Time-series store: backend (embedded / InfluxDB) and the write-ahead spool (src/store/config.ts). */
  store: StoreConfig;
  /** Collection tasks, 补采 and completeness (src/scheduler/config.ts). */
  scheduler: SchedulerConfig;
  /** Load control: two-person rule, expiry, concurrency, verification (src/control/config.ts). */
  control: ControlConfig;
  /** Head-end-side prepayment: price, alarm threshold, settlement period, trip (src/control/config.ts). */
  prepay: PrepayConfig;
  /** Northbound HTTP API: billing, customer service, operations (src/api/config.ts). */
  api: ApiConfig;
  /** Northbound events: alarms, events, control results, new readings to MQTT and webhooks (src/northbound/config.ts). */
  northbound: NorthboundConfig;
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
  fep: {
    host: '127.0.0.1',
    port: 9300,
    heartbeatS: 900,
    silencePeriods: 3,
    timeoutMs: 10_000,
    retries: 2,
    window: 1,
    queueLimit: 1000,
    maxSessions: 100_000,
    loginTimeoutMs: 60_000,
    pw: '00000000000000000000000000000000',
    msa: 1,
    tpDelayMinutes: 5,
    dialOutBackoffMs: 5000,
    dialOutBackoffMaxMs: 300_000,
    dialOutConnectTimeoutMs: 10_000,
  },
  admin: { port: 9301 },
  mqtt: { url: '', topicPrefix: 'hes' },
  data: { dir: './.state/data' },
  store: DEFAULT_STORE,
  scheduler: DEFAULT_SCHEDULER,
  control: DEFAULT_CONTROL,
  prepay: DEFAULT_PREPAY,
  api: DEFAULT_API,
  northbound: DEFAULT_NORTHBOUND,
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
  fep: {
    host: pattern(/^[0-9A-Za-z.:\-[\]]+$/, 'a host name or IP address'),
    port: int(0, 65_535),
    heartbeatS: int(1, 86_400),
    silencePeriods: int(1, 100),
    timeoutMs: int(50, 600_000),
    retries: int(0, 10),
    window: int(1, 16),
    queueLimit: int(1, 1_000_000),
    maxSessions: int(1, 10_000_000),
    loginTimeoutMs: int(100, 3_600_000),
    pw: pattern(/^[0-9A-Fa-f]{32}$/, '32 hex digits (16 bytes)'),
    msa: int(1, 127),
    tpDelayMinutes: int(0, 255),
    dialOutBackoffMs: int(10, 3_600_000),
    dialOutBackoffMaxMs: int(10, 86_400_000),
    dialOutConnectTimeoutMs: int(100, 600_000),
  },
  admin: { port: int(0, 65_535) },
  mqtt: {
    url: pattern(/^$|^embedded(:\d{1,5})?$|^mqtts?:\/\/[^\s/]+(:\d{1,5})?\/?$/, "'' (off), embedded, embedded:<port> or mqtt://host:port"),
    topicPrefix: pattern(/^[A-Za-z0-9_\-/]{1,64}$/, 'a topic prefix without wildcards'),
  },
  data: { dir: pattern(/^[^\0]{1,4096}$/, 'a directory path') },
  store: STORE_CHECKS,
  scheduler: SCHEDULER_CHECKS,
  control: CONTROL_CHECKS,
  prepay: PREPAY_CHECKS,
  api: API_CHECKS,
  northbound: NORTHBOUND_CHECKS,
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
