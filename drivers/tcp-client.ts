/**
 * TCP client transport: serial servers and transparent DTUs that expose an RS-485 bus over TCP, and
 * head-end dial-out to terminals that listen.
 */
import net from 'node:net';
import { ChannelError } from './errors.js';
import { SocketChannel } from './socket-channel.js';

export interface TcpClientOptions {
  host: string;
  port: number;
  /** Connect timeout in ms (default 5000). */
  connectTimeoutMs?: number;
}

export class TcpClientTransport extends SocketChannel {
  readonly kind = 'tcp';
  private readonly opts: TcpClientOptions;

  constructor(opts: TcpClientOptions) {
    super(`${opts.host}:${opts.port}`);
    this.opts = opts;
  }

  open(): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ host: this.opts.host, port: this.opts.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new ChannelError(`connect timed out after ${this.opts.connectTimeoutMs ?? 5000} ms`, this.description));
      }, this.opts.connectTimeoutMs ?? 5000);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        this.adopt(s);
        resolve();
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(new ChannelError(`cannot connect: ${err.message}`, this.description, { cause: err }));
      });
    });
  }
}
