/** Head-end level typed errors (channel and protocol errors come from drivers/ and protocols/). */

/** The device answered, but refused: DL/T 645 abnormal reply, Q/GDW 376.1 AFN00 deny. */
export class DeniedError extends Error {
  readonly device: string;
  /** Device error code (DL/T 645 ERR word). */
  readonly code: number;
  /** Named reasons decoded from the code. */
  readonly reasons: readonly string[];
  readonly frameHex: string;
  constructor(device: string, what: string, code: number, reasons: readonly string[], frameHex: string) {
    super(`${device} denied ${what}: ${reasons.join(', ') || `code ${code}`} [${frameHex}]`);
    this.name = 'DeniedError';
    this.device = device;
    this.code = code;
    this.reasons = reasons;
    this.frameHex = frameHex;
  }
}

/** Bad input from a user or a client (CLI arguments, API bodies, files). */
export class InputError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'InputError';
    this.field = field;
  }
}
