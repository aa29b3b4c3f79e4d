/**
 * TCP server transports: a listening socket whose every accepted connection is a Transport. Used by
 * terminals that wait for the head-end to dial out (TCP server mode of GPRS/Ethernet terminals) and by
 * test-side masters and sinks.
 */
import net from 'node:net';
import { ChannelClosedError, ChannelError } from './errors.js';
import { Listeners, type Transport } from './transport.js';

/** A Transport over an already connected socket (accepted by a server). `open()` is a no-op. */
export class SocketTransport implements Transport {
  readonly kind = 'tcp-accepted';
  readonly description: string;
  private socket: net.Socket | null;
  private readonly data = new Listeners<[Buffer]>();
  private readonly closed = new Listeners<[Error | undefined]>();
  private closeReported = false;

  constructor(socket: net.Socket) {
    this.socket = socket;
    this.description = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.data.emit(chunk));
    let lastError: Error | undefined;
    socket.on('error', (err) => {
      lastError = new ChannelError(`socket error: ${err.message}`, this.description, { cause: err });
    });
    socket.on('close', () => {
      this.socket = null;
      if (!this.closeReported) {
        this.closeReported = true;
        this.closed.emit(lastError);
      }
    });
  }

  get isOpen(): boolean {
    return this.socket !== null && !this.socket.destroyed;
  }

  open(): Promise<void> {
    return this.isOpen ? Promise.resolve() : Promise.reject(new ChannelClosedError('connection already closed', this.description));
  }

  close(): Promise<void> {
    const s = this.socket;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => {
      s.once('close', () => resolve());
      s.end();
      setTimeout(() => s.destroy(), 200).unref();
    });
  }

  /** Drops the connection at once (RST-like), without a FIN handshake. */
  destroy(): void {
    this.socket?.destroy();
  }

  write(bytes: Buffer): Promise<void> {
    const s = this.socket;
    if (!s || s.destroyed) return Promise.reject(new ChannelClosedError('not connected', this.description));
    return new Promise((resolve, reject) => {
      s.write(bytes, (err) => (err ? reject(new ChannelError(`write failed: ${err.message}`, this.description, { cause: err })) : resolve()));
    });
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    return this.data.add(listener);
  }

  onClose(listener: (err?: Error) => void): () => void {
    return this.closed.add(listener);
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
