/**
 * The DL/T 645 master link over a real loopback TCP socket, with a hand-driven "meter" on the other
 * end so each timing case is exact: one request at a time, echo ignored, queue bound, closure.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Dlt645Link } from '../../../drivers/dlt645-link.js';
import { ChannelClosedError, QueueFullError, TimeoutError } from '../../../drivers/errors.js';
import { TcpClientTransport } from '../../../drivers/tcp-client.js';
import { decodeFrameMessage, encodeMessage, parseAddress, Dlt645Deframer, type Dlt645Frame } from '../../../protocols/dlt645/index.js';

interface Peer {
  link: Dlt645Link;
  transport: TcpClientTransport;
  server: net.Server;
  socket: () => net.Socket;
  received: Dlt645Frame[];
  onRequest: (f: Dlt645Frame, s: net.Socket) => void;
}

const ADDRESS = '000000193600';
let current: Peer | null = null;

async function peer(opts: ConstructorParameters<typeof Dlt645Link>[1] = {}): Promise<Peer> {
  let sock: net.Socket | null = null;
  const p = { received: [] as Dlt645Frame[], onRequest: (_f: Dlt645Frame, _s: net.Socket) => {} } as Peer;
  const server = net.createServer((s) => {
    sock = s;
    const d = new Dlt645Deframer({
      onFrame: (f) => {
        p.received.push(f);
        p.onRequest(f, s);
      },
    });
    s.on('data', (c) => d.push(c));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const transport = new TcpClientTransport({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
  await transport.open();
  await new Promise((r) => setTimeout(r, 20));
  p.link = new Dlt645Link(transport, { replyTimeoutMs: 200, retries: 0, interByteTimeoutMs: 30, ...opts });
  p.transport = transport;
  p.server = server;
  p.socket = () => sock!;
  current = p;
  return p;
}

afterEach(async () => {
  if (!current) return;
  current.link.dispose();
  await current.transport.close();
  current.socket()?.destroy();
  await new Promise((r) => current!.server.close(r));
  current = null;
});

const readReq = (di = '00010000'): { frame: Buffer; address: Uint8Array; func: number } => ({
  frame: encodeMessage({ address: ADDRESS, message: { kind: 'read', di } }),
  address: parseAddress(ADDRESS),
  func: 0x11,
});
const reply = (di: string, value: number): Buffer =>
  encodeMessage({ address: ADDRESS, message: { kind: 'readReply', more: false, di, value, unknown: false, raw: '' } });

describe('Dlt645Link', () => {
  it('keeps one request in flight: the second is written only after the first reply', async () => {
    const p = await peer();
    const order: string[] = [];
    p.onRequest = (f, s) => {
      const di = (decodeFrameMessage(f).message as { di: string }).di;
      order.push(`req ${di}`);
      setTimeout(() => {
        order.push(`reply ${di}`);
        s.write(reply(di, 1));
      }, 40);
    };
    const [a, b] = await Promise.all([p.link.request(readReq('00010000')), p.link.request(readReq('00020000'))]);
    expect(order).toEqual(['req 00010000', 'reply 00010000', 'req 00020000', 'reply 00020000']);
    expect(a!.frame.hex).not.toBe(b!.frame.hex);
  });

  it('ignores its own echo and replies to other addresses, then matches the real reply', async () => {
    const p = await peer();
    p.onRequest = (f, s) => {
      s.write(f.bytes()); // 2-wire RS-485 echo
      s.write(encodeMessage({ address: '000000000001', message: { kind: 'readReply', more: false, di: '00010000', value: 9, unknown: false, raw: '' } }));
      setTimeout(() => s.write(reply('00010000', 12.34)), 50);
    };
    const r = await p.link.request(readReq());
    expect(r!.frame.address).toBe(ADDRESS);
    expect(r!.attempts).toBe(1);
  });

  it('sends 4 FE wake-up bytes before each request', async () => {
    const p = await peer();
    const raw: Buffer[] = [];
    p.server.on('connection', () => {});
    p.socket().prependListener('data', (c: Buffer) => raw.push(c));
    p.onRequest = (_f, s) => s.write(reply('00010000', 1));
    await p.link.request({ ...readReq(), frame: encodeMessage({ address: ADDRESS, message: { kind: 'read', di: '00010000' }, preamble: 0 }) });
    expect(Buffer.concat(raw).subarray(0, 5)).toEqual(Buffer.from([0xfe, 0xfe, 0xfe, 0xfe, 0x68]));
  });

  it('a timeout carries the attempts and the request hex', async () => {
    const p = await peer({ retries: 1 });
    const err = await p.link.request(readReq()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).attempts).toBe(2);
    expect(p.received).toHaveLength(2);
  });

  it('a corrupt reply is retried at once instead of waiting out the timeout', async () => {
    const p = await peer({ retries: 1, replyTimeoutMs: 5000 });
    p.onRequest = (_f, s) => {
      const r = reply('00010000', 1);
      if (p.received.length === 1) r[r.length - 2] = r[r.length - 2]! ^ 0xff;
      s.write(r);
    };
    const t0 = Date.now();
    const r = await p.link.request(readReq());
    expect(r!.attempts).toBe(2);
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it('bounds the queue', async () => {
    const p = await peer({ maxQueue: 2, replyTimeoutMs: 100 });
    const all = [1, 2, 3, 4].map(() => p.link.request(readReq()).catch((e: unknown) => e));
    const results = await Promise.all(all);
    expect(results.filter((e) => e instanceof QueueFullError)).toHaveLength(1);
  });

  it('fails the request in flight when the channel closes', async () => {
    const p = await peer({ replyTimeoutMs: 5000 });
    p.onRequest = (_f, s) => s.destroy();
    const err = await p.link.request(readReq()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelClosedError);
  });

  it('broadcasts resolve after the write, with no reply', async () => {
    const p = await peer();
    const frame = encodeMessage({ address: '999999999999', message: { kind: 'broadcastTime', time: '2026-11-21T10:00:00' } });
    await expect(p.link.request({ frame, address: parseAddress('999999999999'), func: 0x08 })).resolves.toBeNull();
  });
});
