/** Maps errors to CLI exit codes and one-line messages: 2 = bad input (args, hex, frame, configuration), 1 = failure. */
import { ProtocolError } from '../../protocols/codec/errors.js';
import { ChannelError } from '../../drivers/errors.js';
import { DeniedError, InputError } from '../errors.js';
import { ConfigError } from '../config/schema.js';

export class CliExit extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

export function exitCodeFor(e: unknown): number {
  if (e instanceof CliExit) return e.code;
  if (e instanceof InputError || e instanceof ProtocolError || e instanceof ConfigError) return 2;
  if (e instanceof ChannelError || e instanceof DeniedError) return 1;
  return 1;
}

export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name === 'Error' ? 'error' : e.name}: ${e.message}`;
  return String(e);
}
