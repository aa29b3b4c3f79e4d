/**
 * Configuration of the northbound HTTP API (`api` section of the head-end configuration; validated with
 * the rest in src/config/schema.ts). Documented in README.md ("Northbound API").
 */

export type DocsMode = 'public' | 'authenticated' | 'off';

export interface ApiConfig {
  /** Serve the API with `hes serve` (false: only the local admin API). */
  enabled: boolean;
  /** Bind address; 127.0.0.1 by default (put a TLS-terminating proxy in front to publish it). */
  host: string;
  /** TCP port (0 = any free port, printed in the ready line). */
  port: number;
  /** Largest page of a paginated JSON listing (`limit`). */
  maxPageSize: number;
  /** Largest request body, bytes. */
  bodyLimitBytes: number;
  /**
   * `/openapi.json` and the browsable docs `/docs`: `public` (no key: a browser can open them; they
   * describe the API and carry no data), `authenticated` (any valid key), `off`.
   */
  docs: DocsMode;
  /** Register capacity of the meters, kWh: a reading below the previous one is a rollover when the wrapped difference is plausible. */
  rolloverKwh: number;
  /** How far back the outage view and open alarms look into stored events, days. */
  eventLookbackDays: number;
  /** Curve queries built at once (a year of 15-min points is ≈ 4 MB of JSON); more wait their turn, so memory stays bounded. */
  curveConcurrency: number;
}

export const DEFAULT_API: ApiConfig = {
  enabled: true,
  host: '127.0.0.1',
  port: 9380,
  maxPageSize: 1000,
  bodyLimitBytes: 256 * 1024,
  docs: 'public',
  rolloverKwh: 1_000_000,
  eventLookbackDays: 7,
  curveConcurrency: 4,
};

type Check = (v: unknown, path: string, problems: string[]) => void;

const int = (min: number, max: number): Check => (v, path, problems) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) problems.push(`${path}: expected an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
};

export const API_CHECKS: Record<keyof ApiConfig, Check> = {
  enabled: (v, path, problems) => {
    if (typeof v !== 'boolean') problems.push(`${path}: expected true or false, got ${JSON.stringify(v)}`);
  },
  host: (v, path, problems) => {
    if (typeof v !== 'string' || !/^[0-9A-Za-z.:\-[\]]+$/.test(v)) problems.push(`${path}: expected a host name or IP address, got ${JSON.stringify(v)}`);
  },
  port: int(0, 65_535),
  maxPageSize: int(1, 100_000),
  bodyLimitBytes: int(1024, 64 * 1024 * 1024),
  docs: (v, path, problems) => {
    if (v !== 'public' && v !== 'authenticated' && v !== 'off') problems.push(`${path}: expected one of public, authenticated, off, got ${JSON.stringify(v)}`);
  },
  rolloverKwh: int(1000, 1_000_000_000),
  eventLookbackDays: int(1, 366),
  curveConcurrency: int(1, 1000),
};
