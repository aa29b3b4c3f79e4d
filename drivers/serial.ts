/**
 * RS-485 serial transport on `serialport`. DL/T 645 meters default to 2400 baud 8E1 (DL/T 645-2007 §3:
 * 1 start, 8 data, even parity, 1 stop). Half-duplex direction control is left to the adapter (auto-RTS).
 */
import { SerialPort } from 'serialport';
import { ChannelClosedError, ChannelError } from './errors.js';
import { Listeners, type Transport } from './transport.js';

export type Parity = 'none' | 'even' | 'odd';

export interface SerialOptions {
  path: string;
  baudRate?: number;
  dataBits?: 7 | 8;
  parity?: Parity;
  stopBits?: 1 | 2;
}

/** Parses `2400`, `2400,8E1`, `9600 8N1` style settings. */
export function parseSerialSettings(text: string): Omit<SerialOptions, 'path'> {
  const m = /^\s*(\d{3,6})(?:[\s,:/-]*([78])([NEO])([12]))?\s*$/i.exec(text);
  if (!m) throw new Error(`serial settings '${text}' are not like 2400 or 2400,8E1`);
  const parity: Parity = !m[3] ? 'even' : m[3].toUpperCase() === 'N' ? 'none' : m[3].toUpperCase() === 'E' ? 'even' : 'odd';
  return {
    baudRate: Number(m[1]),
    dataBits: (m[2] ? Number(m[2]) : 8) as 7 | 8,
    parity,
    stopBits: (m[4] ? Number(m[4]) : 1) as 1 | 2,
  };
}

export class SerialTransport implements Transport {
  readonly kind = 'serial';
  readonly description: string;
  private port: SerialPort | null = null;
  private readonly data = new Listeners<[Buffer]>();
  private readonly closed = new Listeners<[Error | undefined]>();
  private readonly opts: Required<SerialOptions>;

  constructor(opts: SerialOptions) {
    this.opts = { baudRate: 2400, dataBits: 8, parity: 'even', stopBits: 1, ...opts };
    const p = this.opts.parity[0]!.toUpperCase();
    this.description = `${opts.path}@${this.opts.baudRate} ${this.opts.dataBits}${p}${this.opts.stopBits}`;
  }

  get baudRate(): number {
    return this.opts.baudRate;
  }

  /** Bits on the wire per character (start + data + parity + stop), for wire-time estimates. */
  get bitsPerChar(): number {
    return 1 + this.opts.dataBits + (this.opts.parity === 'none' ? 0 : 1) + this.opts.stopBits;
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  open(): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const port = new SerialPort({
        path: this.opts.path,
        baudRate: this.opts.baudRate,
        dataBits: this.opts.dataBits,
        parity: this.opts.parity,
        stopBits: this.opts.stopBits,
        autoOpen: false,
      });
      port.open((err) => {
        if (err) {
          reject(new ChannelError(`cannot open serial port: ${err.message}`, this.description, { cause: err }));
          return;
        }
        this.port = port;
        port.on('data', (chunk: Buffer) => this.data.emit(chunk));
        port.on('close', (e?: Error) => {
          if (this.port === port) this.port = null;
          this.closed.emit(e ?? undefined);
        });
        port.on('error', () => {
          /* reported through close */
        });
        resolve();
      });
    });
  }

  close(): Promise<void> {
    const port = this.port;
    if (!port) return Promise.resolve();
    this.port = null;
    return new Promise((resolve) => port.close(() => resolve()));
  }

  write(bytes: Buffer): Promise<void> {
    const port = this.port;
    if (!port) return Promise.reject(new ChannelClosedError('serial port not open', this.description));
    return new Promise((resolve, reject) => {
      port.write(bytes, (err) => {
        if (err) reject(new ChannelError(`write failed: ${err.message}`, this.description, { cause: err }));
        else port.drain(() => resolve());
      });
    });
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    return this.data.add(listener);
  }

  onClose(listener: (err?: Error) => void): () => void {
    return this.closed.add(listener);
  }
}
