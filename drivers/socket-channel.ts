/**
 * What every TCP-socket Transport shares: wiring a connected socket's data/error/close to the
 * Transport listeners, writing with a typed error, closing with FIN (then RST after 200 ms), and
 * dropping at once. Subclasses only say how the socket is obtained (dialled, or accepted).
 */
import type net from 'node:net';
import { ChannelClosedError, ChannelError } from './errors.js';
import { Listeners, type Transport } from './transport.js';

export abstract class SocketChannel implements Transport {
  abstract readonly kind: string;
  readonly description: string;
  protected socket: net.Socket | null = null;
  private readonly data = new Listeners<[Buffer]>();
  private readonly closed = new Listeners<[Error | undefined]>();

  protected constructor(description: string) {
    this.description = description;
  }

  abstract open(): Promise<void>;

  /** Takes over a connected socket: its bytes, errors and closure now drive this transport. */
  protected adopt(s: net.Socket): void {
    this.socket = s;
    s.setNoDelay(true);
    // Kernel keepalive probes after 60 s idle: a GPRS/4G modem that dies without FIN/RST is found even on
    // links with no heartbeat (dial-out terminals), instead of looking online forever.
    s.setKeepAlive(true, 60_000);
    let lastError: Error | undefined;
    s.on('data', (chunk: Buffer) => this.data.emit(chunk));
    s.on('error', (err) => {
      // 'close' follows and reports it.
      lastError = new ChannelError(`socket error: ${err.message}`, this.description, { cause: err });
    });
    s.on('close', () => {
      if (this.socket === s) this.socket = null;
      this.closed.emit(lastError);
    });
  }

  get isOpen(): boolean {
    return this.socket !== null && !this.socket.destroyed;
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
