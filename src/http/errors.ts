// Typed errors with stable codes. Services throw these; the error middleware
// turns them into a status and a page (or JSON). Anything else is a 500 whose
// cause is logged and never shown.

export type FieldErrors = Record<string, string>;

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class NotFound extends AppError {
  constructor(message = 'errors.notFound') {
    super(404, 'not_found', message);
  }
}

export class BadRequest extends AppError {
  constructor(message = 'errors.badRequest') {
    super(400, 'bad_request', message);
  }
}

/** Input that failed validation; `fields` maps each bad field to a message key. */
export class Invalid extends AppError {
  constructor(
    readonly fields: FieldErrors,
    message = 'errors.invalid',
  ) {
    super(422, 'invalid', message);
  }
}

export class Conflict extends AppError {
  constructor(message = 'errors.conflict') {
    super(409, 'conflict', message);
  }
}

export class Gone extends AppError {
  constructor(message = 'errors.gone') {
    super(410, 'gone', message);
  }
}

export class RateLimited extends AppError {
  constructor(message = 'errors.rateLimited') {
    super(429, 'rate_limited', message);
  }
}

export class Forbidden extends AppError {
  constructor(message = 'errors.forbidden') {
    super(403, 'forbidden', message);
  }
}
