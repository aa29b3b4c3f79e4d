/**
 * Configuration of the northbound events (`northbound` section; validated with the rest in
 * src/config/schema.ts, documented in README.md "Northbound events"): where alarms, events, control
 * results and new readings go — an MQTT broker (the embedded aedes one or an external one) and/or HTTP
 * webhooks — and how hard the head-end tries before it drops (and counts, and logs) a message.
 */
import { SERIES_KINDS } from '../store/quantities.js';

export type EventFamily = 'terminal' | 'alarm' | 'event' | 'control' | 'prepay' | 'reading';
export const EVENT_FAMILIES: readonly EventFamily[] = ['terminal', 'alarm', 'event', 'control', 'prepay', 'reading'];

/** Reading kinds that may be published (curves and snapshots are too many to push; pull them). */
export const PUBLISHABLE_READINGS = ['day', 'billingDay', 'month'] as const;
export type PublishableReading = (typeof PUBLISHABLE_READINGS)[number];

export interface WebhookConfig {
  /** http(s) URL the events are POSTed to. */
  url: string;
  /** HMAC-SHA256 key: each POST carries `X-OpenHES-Signature: sha256=<hex of the body's HMAC>`. */
  secret?: string;
  /** Message types (or their families: `alarm`, `terminal.offline`) this hook receives; all when absent. */
  types?: string[];
}

export interface NorthboundConfig {
  /** '' = no MQTT; `embedded` / `embedded:<port>` = the head-end's aedes broker (started if `mqtt.url` did not); `mqtt://host:port` = external. */
  mqtt: string;
  /** First level of every topic (`openhes/alarm/power-off/1101-00001`). */
  topicPrefix: string;
  /** MQTT QoS of every message (1: at least once). */
  qos: number;
  /** MQTT client id ('' = openhes-northbound-<pid>). */
  clientId: string;
  /** Messages handed to MQTT and not yet acknowledged (PUBACK); beyond that new ones are dropped, counted and logged. */
  maxPending: number;
  /** Families published (comma-separated): terminal, alarm, event, control, prepay, reading. */
  types: string;
  /** Reading kinds published as `reading.*` (comma-separated): day, billingDay, month. */
  readings: string;
  webhooks: WebhookConfig[];
  /** Messages waiting per webhook; beyond that the oldest are dropped, counted and logged. */
  webhookQueue: number;
  /** Messages per POST (`{ "events": [...] }`). */
  webhookBatch: number;
  webhookTimeoutMs: number;
  /** First retry delay; doubles per attempt up to webhookRetryMaxMs (a Retry-After header is honoured up to that). */
  webhookRetryMs: number;
  webhookRetryMaxMs: number;
  /** Attempts per batch before it is dropped (counted, logged with the message ids). */
  webhookMaxAttempts: number;
}

export const DEFAULT_NORTHBOUND: NorthboundConfig = {
  mqtt: '',
  topicPrefix: 'openhes',
  qos: 1,
  clientId: '',
  maxPending: 10_000,
  types: EVENT_FAMILIES.join(','),
  readings: 'day',
  webhooks: [],
  webhookQueue: 10_000,
  webhookBatch: 100,
  webhookTimeoutMs: 10_000,
  webhookRetryMs: 1000,
  webhookRetryMaxMs: 60_000,
  webhookMaxAttempts: 10,
};

/** Whether anything is to be published. */
export function northboundEnabled(c: NorthboundConfig): boolean {
  return c.mqtt !== '' || c.webhooks.length > 0;
}

export function listOf(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

type Check = (v: unknown, path: string, problems: string[]) => void;

const int = (min: number, max: number): Check => (v, path, problems) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) problems.push(`${path}: expected an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
};
const pattern = (re: RegExp, hint: string): Check => (v, path, problems) => {
  if (typeof v !== 'string' || !re.test(v)) problems.push(`${path}: expected ${hint}, got ${JSON.stringify(v)}`);
};
const subset = (allowed: readonly string[]): Check => (v, path, problems) => {
  if (typeof v !== 'string') return void problems.push(`${path}: expected a comma-separated list of ${allowed.join(', ')}`);
  for (const x of listOf(v)) if (!allowed.includes(x)) problems.push(`${path}: '${x}' is not one of ${allowed.join(', ')}`);
};

function checkWebhook(v: unknown, path: string, problems: string[]): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return void problems.push(`${path}: expected { url, secret?, types? }`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['url', 'secret', 'types'].includes(k)) problems.push(`${path}.${k}: unknown setting (url, secret, types)`);
  let ok = false;
  try {
    ok = typeof o.url === 'string' && ['http:', 'https:'].includes(new URL(o.url).protocol);
  } catch {
    ok = false;
  }
  if (!ok) problems.push(`${path}.url: expected an http(s) URL, got ${JSON.stringify(o.url)}`);
  if (o.secret !== undefined && (typeof o.secret !== 'string' || o.secret.length < 8)) problems.push(`${path}.secret: expected a text of at least 8 characters`);
  if (o.types !== undefined) {
    if (!Array.isArray(o.types) || o.types.some((t) => typeof t !== 'string' || !/^[a-z][a-z0-9.-]{0,63}$/.test(t))) problems.push(`${path}.types: expected a list of message types such as "alarm" or "terminal.offline"`);
  }
}

export const NORTHBOUND_CHECKS: Record<keyof NorthboundConfig, Check> = {
  mqtt: pattern(/^$|^embedded(:\d{1,5})?$|^mqtts?:\/\/[^\s/]+(:\d{1,5})?\/?$/, "'' (off), embedded, embedded:<port> or mqtt://host:port"),
  topicPrefix: pattern(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'a topic prefix without wildcards, e.g. openhes'),
  qos: int(0, 2),
  clientId: pattern(/^[A-Za-z0-9_.-]{0,64}$/, 'an MQTT client id (letters, digits, _ . -)'),
  maxPending: int(1, 10_000_000),
  types: subset(EVENT_FAMILIES),
  readings: subset(PUBLISHABLE_READINGS.filter((k) => (SERIES_KINDS as readonly string[]).includes(k))),
  webhooks: (v, path, problems) => {
    if (!Array.isArray(v)) return void problems.push(`${path}: expected a list of { url, secret?, types? }`);
    v.forEach((w, i) => checkWebhook(w, `${path}[${i}]`, problems));
  },
  webhookQueue: int(1, 10_000_000),
  webhookBatch: int(1, 10_000),
  webhookTimeoutMs: int(100, 600_000),
  webhookRetryMs: int(1, 3_600_000),
  webhookRetryMaxMs: int(1, 86_400_000),
  webhookMaxAttempts: int(1, 1000),
};
