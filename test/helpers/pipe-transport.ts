/** An in-memory Transport for session unit tests: records writes, lets the test deliver bytes and close. */
import { Listeners, type Transport } from '../../drivers/transport.js';

export class PipeTransport implements Transport {
  readonly kind = 'pipe';
  readonly description = 'pipe';
  isOpen = false;
  readonly written: Buffer[] = [];
  private readonly data = new Listeners<[Buffer]>();
  private readonly closed = new Listeners<[Error | undefined]>();
  constructor(private readonly failOpen = false) {}
  open(): Promise<void> {
    if (this.failOpen) return Promise.reject(new Error('ECONNREFUSED'));
    this.isOpen = true;
    return Promise.resolve();
  }
  close(): Promise<void> {
    if (this.isOpen) {
      this.isOpen = false;
      this.closed.emit(undefined);
    }
    return Promise.resolve();
  }
  write(bytes: Buffer): Promise<void> {
    this.written.push(Buffer.from(bytes));
    return Promise.resolve();
  }
  deliver(bytes: Buffer): void {
    this.data.emit(bytes);
  }
  onData(listener: (chunk: Buffer) => void): () => void {
    return this.data.add(listener);
  }
  onClose(listener: (err?: Error) => void): () => void {
    return this.closed.add(listener);
  }
}
