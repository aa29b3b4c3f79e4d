/**
 * Errors of the control service beyond the head-end's own (InputError, NotFoundError, ConflictError):
 * the admin API answers ForbiddenError with 403.
 */

/** The actor may not do this: missing role, or the two-person rule (same operator approving). */
export class ForbiddenError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = 'ForbiddenError';
    this.reason = reason;
  }
}
