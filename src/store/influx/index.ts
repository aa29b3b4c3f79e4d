/** The InfluxDB store: see influx-store.ts and README "Time-series store: InfluxDB". */
export { InfluxStore, openInfluxStore, parseMajorVersion, type InfluxStoreOptions } from './influx-store.js';
export { ArchiveTagResolver } from './archive-tags.js';
export { functionTagResolver, type MeterTags, type TagResolver, type TerminalTags } from './tags.js';
export { InfluxQueryError, InfluxUnavailableError, InfluxVersionError, InfluxWriteError, type WriteWhere } from './errors.js';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
