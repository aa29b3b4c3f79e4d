/**
 * Channel endpoints of a simulated terminal from the command line's URLs:
 *   tcp://127.0.0.1:9100   dial in to the head-end over TCP
 *   mqtt://127.0.0.1:1883  dial in over MQTT (topic pair per terminal, see drivers/mqtt.ts)
 * and the listening side (head-end dial-out) on a local TCP port.
 */
import { MqttTransport, terminalTopics, type SharedMqttConnection } from '../../drivers/mqtt.js';
import { TcpClientTransport } from '../../drivers/tcp-client.js';
import { listenTcp, type TcpListener } from '../../drivers/tcp-server.js';
import type { Transport } from '../../drivers/transport.js';
import type { TerminalId } from './device.js';
import type { TerminalSession } from './session.js';

export type ChannelKind = 'tcp' | 'mqtt';

export interface ChannelEndpoint {
  kind: ChannelKind;
  host: string;
  port: number;
  /** The URL as given (normalised). */
  url: string;
}

/** Parses `tcp://host:port` or `mqtt://host:port`; throws a message naming what is wrong. */
export function parseEndpoint(url: string, allowed: readonly ChannelKind[] = ['tcp', 'mqtt']): ChannelEndpoint {
  const m = /^(tcp|mqtt):\/\/([^:/]+):(\d{1,5})\/?$/.exec(url.trim());
  if (!m) throw new Error(`bad endpoint "${url}": expected ${allowed.map((k) => `${k}://host:port`).join(' or ')}`);
  const kind = m[1] as ChannelKind;
  if (!allowed.includes(kind)) throw new Error(`bad endpoint "${url}": ${kind} is not allowed here (expected ${allowed.join(' or ')})`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new Error(`bad endpoint "${url}": port must be 1..65535`);
  return { kind, host: m[2]!, port, url: `${kind}://${m[2]}:${port}` };
}

export interface DialInOptions {
  /** MQTT topic prefix (default `hes`). */
  topicPrefix?: string;
  /** MQTT: share this connection instead of one per terminal. */
  shared?: SharedMqttConnection;
  connectTimeoutMs?: number;
}

/** A `connect()` factory for a dial-in session of terminal `id`. */
export function dialInFactory(ep: ChannelEndpoint, id: TerminalId, o: DialInOptions = {}): () => Transport {
  if (ep.kind === 'tcp') return () => new TcpClientTransport({ host: ep.host, port: ep.port, connectTimeoutMs: o.connectTimeoutMs ?? 5000 });
  const topics = terminalTopics(id.a1, id.a2, o.topicPrefix);
  const clientId = `hes-sim-${id.a1}-${id.a2}`;
  return () =>
    o.shared
      ? new MqttTransport({ shared: o.shared, topics, role: 'terminal' })
      : new MqttTransport({ url: ep.url, topics, role: 'terminal', clientId, connectTimeoutMs: o.connectTimeoutMs ?? 5000 });
}

/** Listen mode: every connection the head-end opens on `port` goes to the session. */
export async function listenForMaster(session: TerminalSession, port: number, host = '127.0.0.1'): Promise<TcpListener> {
  session.start();
  return listenTcp({ port, host, onConnection: (t) => session.accept(t) });
}
