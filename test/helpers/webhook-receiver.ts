/**
 * A real HTTP webhook receiver on 127.0.0.1 for tests: records every POST (headers, parsed body) and
 * answers from a plan — a status per request in order (then 200), or holds requests until released.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  status: number;
  headers: http.IncomingHttpHeaders;
  raw: string;
  events: { id: string; type: string; subject: string; time: string; data: Record<string, unknown> }[];
}

export interface WebhookReceiver {
  url: string;
  /** Every request, answered or not, in arrival order. */
  requests: Received[];
  /** Messages of the requests answered 2xx, in order. */
  accepted(): Received['events'];
  /** Statuses of the next requests (then 200). */
  plan(statuses: number[]): void;
  /** Hold requests unanswered until `release()`. */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: Received[] = [];
  let plan: number[] = [];
  let holding = false;
  const held: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (raw += d));
    req.on('end', () => {
      const status = plan.shift() ?? 200;
      const rec: Received = { status, headers: req.headers, raw, events: (JSON.parse(raw) as { events: Received['events'] }).events };
      requests.push(rec);
      const answer = (): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end('{}');
      };
      if (holding) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    accepted: () => requests.filter((r) => r.status >= 200 && r.status < 300).flatMap((r) => r.events),
    plan: (s) => (plan = [...s]),
    hold: () => (holding = true),
    release: () => {
      holding = false;
      for (const f of held.splice(0)) f();
    },
    close: async () => {
      holding = false;
      for (const f of held.splice(0)) f();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
