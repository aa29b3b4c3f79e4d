/**
 * TCP client transport: serial servers and transparent DTUs that expose an RS-485 bus over TCP, and
 * head-end dial-out to terminals that listen.
 */
import net from 'node:net';
import { ChannelClosedError, ChannelError } from './errors.js';
import { Listeners, type Transport } from './transport.js';

export interface TcpClientOptions {
  host: string;
  port: number;
  /** Connect timeout in ms (default 5000). */
  connectTimeoutMs?: number;
}

export class TcpClientTransport implements Transport {
  readonly kind = 'tcp';
  readonly description: string;
  private socket: net.Socket | null = null;
  private readonly data = new Listeners<[Buffer]>();
  private readonly closed = new Listeners<[Error | undefined]>();
  private readonly opts: TcpClientOptions;

  constructor(opts: TcpClientOptions) {
    this.opts = opts;
    this.description = `${opts.host}:${opts.port}`;
  }

  get isOpen(): boolean {
    return this.socket !== null && !this.socket.destroyed;
  }

  open(): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ host: this.opts.host, port: this.opts.port });
      s.setNoDelay(true);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new ChannelError(`connect timed out after ${this.opts.connectTimeoutMs ?? 5000} ms`, this.description));
      }, this.opts.connectTimeoutMs ?? 5000);
      s.once('connect', () => {
        clearTimeout(timer);
        this.socket = s;
        s.on('data', (chunk: Buffer) => this.data.emit(chunk));
        s.on('close', () => {
          if (this.socket === s) this.socket = null;
          this.closed.emit(undefined);
        });
        s.on('error', () => {
          /* 'close' follows and reports it */
        });
        resolve();
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(new ChannelError(`cannot connect: ${err.message}`, this.description, { cause: err }));
      });
    });
  }

  close(): Promise<void> {
    const s = this.socket;
    if (!s) return Promise.resolve();
    this.socket = null;
    return new Promise((resolve) => {
      s.once('close', () => resolve());
      s.end();
      setTimeout(() => s.destroy(), 200).unref();
    });
  }

  write(bytes: Buffer): Promise<void> {
    const s = this.socket;
    if (!s) return Promise.reject(new ChannelClosedError('not connected', this.description));
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
