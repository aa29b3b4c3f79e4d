/**
 * Errors of the head-end service that the admin API maps to HTTP statuses (src/admin/errors.ts):
 * bad input is `InputError` (src/errors.ts), the rest are here.
 */

/** The thing asked for does not exist (terminal not in the archive nor quarantined, route unknown). */
export class NotFoundError extends Error {
  readonly what: string;
  constructor(what: string, message: string) {
    super(message);
    this.name = 'NotFoundError';
    this.what = what;
  }
}

/** The request is valid but the head-end's state does not allow it now (terminal offline, not quarantined). */
export class ConflictError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = 'ConflictError';
    this.reason = reason;
  }
}
