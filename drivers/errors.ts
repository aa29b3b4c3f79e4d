/** Typed channel errors. Protocol-level errors live in protocols/codec/errors.ts. */

/** Base of I/O errors raised by drivers. */
export class ChannelError extends Error {
  readonly endpoint: string;
  constructor(message: string, endpoint: string, options?: { cause?: unknown }) {
    super(`${endpoint}: ${message}`, options);
    this.name = new.target.name;
    this.endpoint = endpoint;
  }
}

/** No (complete) reply within the allowed time. Carries the request hex and what was awaited. */
export class TimeoutError extends ChannelError {
  readonly requestHex: string;
  readonly waitedMs: number;
  readonly attempts: number;
  constructor(endpoint: string, what: string, waitedMs: number, attempts: number, requestHex: string) {
    super(`timeout: no ${what} within ${waitedMs} ms after ${attempts} attempt(s); request [${requestHex}]`, endpoint);
    this.requestHex = requestHex;
    this.waitedMs = waitedMs;
    this.attempts = attempts;
  }
}

/** The channel is not open or closed while a request was outstanding. */
export class ChannelClosedError extends ChannelError {}

/** A bounded queue is full: back-pressure instead of unbounded memory. */
export class QueueFullError extends ChannelError {}
