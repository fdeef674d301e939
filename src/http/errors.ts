// Typed errors with stable codes. Services throw these; the error middleware
// turns them into a status and a page (or JSON). Anything else is a 500 whose
// cause is logged and never shown.

import type { MessageKey } from '../i18n/index.ts';

export type FieldErrors = Record<string, MessageKey>;

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** A translation key: what the person is told. */
    readonly messageKey: MessageKey,
  ) {
    super(messageKey);
  }

  /** Where the person can go from the error page, besides the news page. */
  next?: { href: string; label: MessageKey };

  leadingTo(href: string, label: MessageKey): this {
    this.next = { href, label };
    return this;
  }
}

export class NotFound extends AppError {
  constructor(message: MessageKey = 'errors.notFound') {
    super(404, 'not_found', message);
  }
}

export class BadRequest extends AppError {
  constructor(message: MessageKey = 'errors.badRequest') {
    super(400, 'bad_request', message);
  }
}

/** Input that failed validation; `fields` maps each bad field to a message key. */
export class Invalid extends AppError {
  constructor(
    readonly fields: FieldErrors,
    message: MessageKey = 'errors.invalid',
  ) {
    super(422, 'invalid', message);
  }
}

export class Conflict extends AppError {
  constructor(message: MessageKey = 'errors.conflict') {
    super(409, 'conflict', message);
  }
}

export class Gone extends AppError {
  constructor(message: MessageKey = 'errors.gone') {
    super(410, 'gone', message);
  }
}

export class RateLimited extends AppError {
  constructor(message: MessageKey = 'errors.rateLimited') {
    super(429, 'rate_limited', message);
  }
}
