/**
 * Store configuration (section `store` of the head-end configuration): which time-series backend the
 * head-end writes to and whether the write-ahead spool sits in front of it. Flat keys, so every one can
 * be set from the environment (HES_STORE_BACKEND=influxdb, HES_STORE_INFLUX_URL=http://127.0.0.1:8086).
 */
type Check = (v: unknown, path: string, problems: string[]) => void;

export interface StoreConfig {
  /** `embedded`: SQLite file `<data>/store.db` (default); `influxdb`: an InfluxDB server (1.x, 2.x, 3.x). */
  backend: 'embedded' | 'influxdb';
  /**
   * Write-ahead spool `<data>/spool` in front of the backend (default on): a reading counted as collected
   * is on disk first, survives a crash or a store outage, and is forwarded in order when the store is back.
   */
  spool: boolean;
  /**
   * With InfluxDB: answer gap and completeness questions from the head-end's coverage index
   * `<data>/coverage.db` instead of querying the server (default on; at 1 M meters InfluxQL cannot answer
   * them in time). The embedded store answers them from its own tables and ignores this.
   */
  coverageIndex: boolean;
  /**
   * Days of daily, reading-day and monthly points the coverage index keeps (default 800); older data times
   * are asked of InfluxDB again (slow but exact).
   */
  coverageDays: number;
  /** Days of curve points the coverage index keeps (default 100: the 补采 window and recent statistics). */
  coverageCurveDays: number;
  /** InfluxDB base URL, e.g. http://127.0.0.1:8086 (required with backend influxdb). */
  influxUrl: string;
  /** 1.x database; 2.x/3.x bucket. */
  influxDatabase: string;
  /** 2.x/3.x API token; 1.x username/password when auth is on. */
  influxToken: string;
  influxOrg: string;
  influxUsername: string;
  influxPassword: string;
}

export const DEFAULT_STORE: StoreConfig = {
  backend: 'embedded',
  spool: true,
  coverageIndex: true,
  coverageDays: 800,
  coverageCurveDays: 100,
  influxUrl: '',
  influxDatabase: 'openhes',
  influxToken: '',
  influxOrg: '',
  influxUsername: '',
  influxPassword: '',
};

const text = (re: RegExp, hint: string): Check => (v, path, problems) => {
  if (typeof v !== 'string' || !re.test(v)) problems.push(`${path}: expected ${hint}, got ${JSON.stringify(v)}`);
};

const flag: Check = (v, path, problems) => {
  if (typeof v !== 'boolean') problems.push(`${path}: expected true or false, got ${JSON.stringify(v)}`);
};

const days: Check = (v, path, problems) => {
  if (!Number.isInteger(v) || (v as number) < 2 || (v as number) > 36_600) problems.push(`${path}: expected a whole number of days 2 … 36600, got ${JSON.stringify(v)}`);
};

export const STORE_CHECKS: Record<keyof StoreConfig, Check> = {
  backend: (v, path, problems) => {
    if (v !== 'embedded' && v !== 'influxdb') problems.push(`${path}: expected one of embedded, influxdb, got ${JSON.stringify(v)}`);
  },
  spool: flag,
  coverageIndex: flag,
  coverageDays: days,
  coverageCurveDays: days,
  influxUrl: text(/^$|^https?:\/\/[^\s/]+(:\d{1,5})?(\/[^\s]*)?$/, "'' or an http(s):// URL"),
  influxDatabase: text(/^[A-Za-z0-9_\-.]{1,128}$/, 'a database/bucket name'),
  influxToken: text(/^[^\s]{0,512}$/, 'a token without spaces'),
  influxOrg: text(/^[^\0]{0,256}$/, 'an organisation name'),
  influxUsername: text(/^[^\0]{0,256}$/, 'a user name'),
  influxPassword: text(/^[^\0]{0,256}$/, 'a password'),
};
