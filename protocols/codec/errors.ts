/**
 * Typed protocol errors shared by every codec. Each carries the offending bytes as hex and a
 * statement of what was expected, so a log line or a CLI message is enough to diagnose a frame.
 */
import { toHex } from './hex.js';

export type FrameFault =
  | 'too-short'
  | 'no-start'
  | 'bad-second-start'
  | 'bad-length'
  | 'length-mismatch'
  | 'truncated'
  | 'bad-checksum'
  | 'bad-end'
  | 'bad-control'
  | 'bad-address'
  | 'bad-data'
  | 'too-long'
  | 'bad-hex';

/** Base of every error the protocol layer throws. */
export class ProtocolError extends Error {
  /** The bytes involved, as spaced upper-case hex (may be empty when no bytes were involved). */
  readonly hex: string;
  constructor(message: string, hex = '') {
    super(message);
    this.name = new.target.name;
    this.hex = hex;
  }
}

/** A frame that cannot be parsed at the link layer (start/length/checksum/end). */
export class FrameError extends ProtocolError {
  readonly fault: FrameFault;
  readonly expected: string;
  readonly offset: number;
  constructor(fault: FrameFault, expected: string, bytes: Uint8Array | string, offset = 0) {
    const hex = typeof bytes === 'string' ? bytes : toHex(bytes);
    super(`${fault}: expected ${expected}${offset ? ` at offset ${offset}` : ''} in frame [${hex}]`, hex);
    this.fault = fault;
    this.expected = expected;
    this.offset = offset;
  }
}

/** A well-framed message whose application data does not fit its definition (wrong length, bad field). */
export class DataError extends ProtocolError {
  readonly expected: string;
  readonly field: string;
  constructor(field: string, expected: string, bytes: Uint8Array | string) {
    const hex = typeof bytes === 'string' ? bytes : toHex(bytes);
    super(`${field}: expected ${expected} in [${hex}]`, hex);
    this.field = field;
    this.expected = expected;
  }
}

/** A value given to an encoder that cannot be represented in the target format. */
export class EncodeError extends ProtocolError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}
