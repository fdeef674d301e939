// Errors of the HTTP layer itself (a bad query string, too many requests), with
// their status. Services raise domain errors (src/errors.ts) instead; the error
// middleware maps both.
import type { MessageKey } from '../i18n/index.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** A translation key: what the person is told. */
    readonly messageKey: MessageKey,
  ) {
    super(messageKey);
  }
}

export class BadRequest extends HttpError {
  constructor(message: MessageKey = 'errors.badRequest') {
    super(400, 'bad_request', message);
  }
}

export class RateLimited extends HttpError {
  constructor(message: MessageKey = 'errors.rateLimited') {
    super(429, 'rate_limited', message);
  }
}
