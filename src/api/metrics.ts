/**
 * `/metrics` in the Prometheus text format (prom-client): the API's own request latency histogram, the
 * FEP's sessions, frames, queue depth and request latency, process metrics, and — through named hooks —
 * figures of services that may or may not run in a head-end:
 *   storeLagSeconds   age of the oldest reading acknowledged but not yet in the store (spool in front of it)
 *   spool             records / bytes waiting in the write-ahead spool
 *   successRate       collection success rate per task (completeness of the current day)
 *   northbound        per northbound sink (MQTT, webhooks): delivered, dropped by reason, pending
 * A hook left out means the metric is absent, never a made-up 0.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FepMetrics } from '../fep/fep.js';
import { LATENCY_BUCKETS_MS } from '../fep/metrics.js';
import type { SinkStats } from '../northbound/sink.js';

export interface MetricsHooks {
  storeLagSeconds?: () => number | undefined;
  spool?: () => { records: number; bytes: number } | undefined;
  successRate?: () => Promise<readonly { task: string; rate: number | null }[]>;
  northbound?: () => readonly SinkStats[] | undefined;
}

export interface MetricsSources {
  fep?: () => FepMetrics;
  archiveTerminals?: () => number;
  hooks?: MetricsHooks;
}

const COUNTERS: [keyof FepMetrics['counters'], string, string][] = [
  ['framesIn', 'hes_fep_frames_in_total', 'Q/GDW 376.1 frames received from terminals'],
  ['framesOut', 'hes_fep_frames_out_total', 'frames sent to terminals'],
  ['frameErrors', 'hes_fep_frame_errors_total', 'discarded byte spans and undecodable frames'],
  ['logins', 'hes_fep_logins_total', 'terminal logins'],
  ['heartbeats', 'hes_fep_heartbeats_total', 'terminal heartbeats'],
  ['events', 'hes_fep_events_total', 'active event reports'],
  ['requestsOk', 'hes_fep_requests_ok_total', 'requests answered'],
  ['requestsFailed', 'hes_fep_requests_failed_total', 'requests failed (timeout, denied, offline)'],
  ['silenceOffline', 'hes_fep_silence_offline_total', 'terminals marked offline for heartbeat silence'],
];

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly http: Histogram<'method' | 'route' | 'status'>;

  constructor(private readonly src: MetricsSources = {}) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'hes_' });
    this.http = new Histogram({
      name: 'hes_api_request_duration_seconds',
      help: 'northbound API request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [r],
    });
    const fep = src.fep;
    if (fep) {
      const gauge = (name: string, help: string, get: (m: FepMetrics) => number): void => {
        new Gauge({ name, help, registers: [r], collect() { this.set(get(fep())); } });
      };
      gauge('hes_sessions_online', 'terminals online (logged in)', (m) => m.online);
      gauge('hes_sessions', 'terminal connections (any state)', (m) => m.sessions);
      gauge('hes_terminals_quarantined', 'unknown terminals in quarantine', (m) => m.quarantined);
      gauge('hes_fep_queue_depth', 'requests waiting in the per-terminal queues', (m) => m.queueDepth);
      gauge('hes_fep_in_flight', 'requests sent and awaiting an answer', (m) => m.inFlight);
      for (const [key, name, help] of COUNTERS) {
        new Counter({
          name,
          help,
          registers: [r],
          collect() {
            // The FEP keeps the totals; the counter mirrors them.
            this.reset();
            this.inc(fep().counters[key]);
          },
        });
      }
    }
    const archive = src.archiveTerminals;
    if (archive) new Gauge({ name: 'hes_terminals_archive', help: 'terminals in the archive', registers: [r], collect() { this.set(archive()); } });
    const h = src.hooks ?? {};
    const lag = h.storeLagSeconds;
    if (lag) new Gauge({ name: 'hes_store_lag_seconds', help: 'age of the oldest acknowledged reading not yet in the store', registers: [r], collect() { const v = lag(); if (v !== undefined) this.set(v); } });
    const spool = h.spool;
    if (spool) {
      new Gauge({ name: 'hes_spool_records', help: 'records waiting in the write-ahead spool', registers: [r], collect() { const v = spool(); if (v) this.set(v.records); } });
      new Gauge({ name: 'hes_spool_bytes', help: 'bytes waiting in the write-ahead spool', registers: [r], collect() { const v = spool(); if (v) this.set(v.bytes); } });
    }
    const success = h.successRate;
    if (success) {
      new Gauge({
        name: 'hes_collection_success_ratio',
        help: 'meters with every expected point stored / meters the task covers, today',
        labelNames: ['task'],
        registers: [r],
        async collect() {
          this.reset();
          for (const x of await success()) if (x.rate !== null) this.set({ task: x.task }, x.rate);
        },
      });
    }

    const nb = h.northbound;
    if (nb) northboundMetrics(r, nb);
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status: String(status) }, seconds);
  }

  /** The exposition text. */
  async render(): Promise<string> {
    let text = await this.registry.metrics();
    const fep = this.src.fep?.();
    if (fep) text += fepLatencyText(fep.latency);
    return text;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Northbound events per sink: delivered and dropped (by reason) totals, messages pending. */
function northboundMetrics(r: Registry, stats: () => readonly SinkStats[] | undefined): void {
  new Counter({
    name: 'hes_northbound_delivered_total',
    help: 'northbound messages acknowledged by the MQTT broker or the webhook receiver',
    labelNames: ['sink'],
    registers: [r],
    collect() {
      this.reset();
      for (const s of stats() ?? []) this.inc({ sink: s.sink }, s.delivered);
    },
  });
  new Counter({
    name: 'hes_northbound_dropped_total',
    help: 'northbound messages given up (queue-full, failed, rejected, shutdown); each drop is logged',
    labelNames: ['sink', 'reason'],
    registers: [r],
    collect() {
      this.reset();
      for (const s of stats() ?? []) for (const [reason, n] of Object.entries(s.dropped)) this.inc({ sink: s.sink, reason }, n);
    },
  });
  new Gauge({
    name: 'hes_northbound_pending',
    help: 'northbound messages accepted and not yet delivered',
    labelNames: ['sink'],
    registers: [r],
    collect() {
      this.reset();
      for (const s of stats() ?? []) this.set({ sink: s.sink }, s.pending);
    },
  });
}

/** The FEP's request latency histogram (kept by the FEP in ms buckets) as a Prometheus histogram. */
export function fepLatencyText(l: FepMetrics['latency']): string {
  const name = 'hes_fep_request_latency_seconds';
  const lines = [`# HELP ${name} terminal request latency (sent to answered), FEP`, `# TYPE ${name} histogram`];
  let acc = 0;
  for (let i = 0; i < l.buckets.length; i++) {
    acc += l.buckets[i]!.count;
    const le = i < LATENCY_BUCKETS_MS.length ? String(LATENCY_BUCKETS_MS[i]! / 1000) : '+Inf';
    lines.push(`${name}_bucket{le="${le}"} ${acc}`);
  }
  lines.push(`${name}_sum ${l.sumMs / 1000}`, `${name}_count ${l.count}`);
  return `${lines.join('\n')}\n`;
}
