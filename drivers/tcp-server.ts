/**
 * TCP server transports: a listening socket whose every accepted connection is a Transport. Used by
 * terminals that wait for the head-end to dial out (TCP server mode of GPRS/Ethernet terminals) and by
 * test-side masters and sinks.
 */
import net from 'node:net';
import { ChannelClosedError, ChannelError } from './errors.js';
import { SocketChannel } from './socket-channel.js';

/** A Transport over an already connected socket (accepted by a server). `open()` is a no-op. */
export class SocketTransport extends SocketChannel {
  readonly kind = 'tcp-accepted';

  constructor(socket: net.Socket) {
    super(`${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`);
    this.adopt(socket);
  }

  open(): Promise<void> {
    return this.isOpen ? Promise.resolve() : Promise.reject(new ChannelClosedError('connection already closed', this.description));
  }
}

export interface TcpListenOptions {
  /** Port (0 = any free port). */
  port: number;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Called with each accepted connection. */
  onConnection(transport: SocketTransport): void;
  /** Listen backlog (default 511; raise for thousands of terminals connecting at once). */
  backlog?: number;
}

export interface TcpListener {
  readonly host: string;
  readonly port: number;
  readonly description: string;
  /** Connections currently open. */
  readonly connections: number;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

/** Listens on `host:port`; every accepted socket is handed over as a SocketTransport. */
export function listenTcp(opts: TcpListenOptions): Promise<TcpListener> {
  const host = opts.host ?? '127.0.0.1';
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    opts.onConnection(new SocketTransport(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new ChannelError(`cannot listen: ${err.message}`, `${host}:${opts.port}`, { cause: err })));
    server.listen({ port: opts.port, host, backlog: opts.backlog ?? 511 }, () => {
      const addr = server.address() as net.AddressInfo;
      resolve({
        host,
        port: addr.port,
        description: `tcp ${host}:${addr.port}`,
        get connections() {
          return open.size;
        },
        close: () =>
          new Promise<void>((res) => {
            for (const s of open) s.destroy();
            server.close(() => res());
          }),
      });
    });
  });
}
