/**
 * The transport contract: a byte pipe that can be opened, written and closed, and that reports data
 * and closure. Serial, TCP client, TCP server connections and MQTT topic pairs implement it, so the
 * logic above (645 meter links, 376.1 sessions) never knows which one it runs on.
 */
export interface Transport {
  /** Short kind, e.g. `serial`, `tcp`. */
  readonly kind: string;
  /** Human-readable endpoint, e.g. `/dev/ttyUSB0@2400 8E1` or `127.0.0.1:9001`. */
  readonly description: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Resolves when the bytes are handed to the OS (serial: drained). */
  write(bytes: Buffer): Promise<void>;
  /** Subscribes to received bytes; returns an unsubscribe function. */
  onData(listener: (chunk: Buffer) => void): () => void;
  /** Subscribes to closure (error when the channel failed); returns an unsubscribe function. */
  onClose(listener: (err?: Error) => void): () => void;
}

/** A small listener set used by the transport implementations. */
export class Listeners<A extends unknown[]> {
  private readonly set = new Set<(...args: A) => void>();
  add(fn: (...args: A) => void): () => void {
    this.set.add(fn);
    return () => this.set.delete(fn);
  }
  emit(...args: A): void {
    for (const fn of this.set) fn(...args);
  }
  get size(): number {
    return this.set.size;
  }
}
