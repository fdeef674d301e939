// Errors that services raise, in the domain's words. They know nothing of HTTP:
// src/http/error-handler.ts alone turns each into a status, a message and the
// way onward from the error page.
import type { MessageKey } from './i18n/index.ts';

export abstract class DomainError extends Error {
  /** Stable, for JSON answers and logs. */
  abstract readonly code: string;
}

/** What was asked for does not exist, or is not public (a draft). */
export class NotFound extends DomainError {
  readonly code = 'not_found';
}

export type FieldErrors = Record<string, MessageKey>;

/** Input that failed validation; `fields` maps each bad field to a message key. */
export class Invalid extends DomainError {
  readonly code = 'invalid';
  constructor(
    readonly fields: FieldErrors,
    readonly summary: MessageKey = 'errors.invalid',
  ) {
    super(summary);
  }
}

/** The action is closed, won, or past its deadline: it takes no signatures or confirmations. */
export class ActionClosed extends DomainError {
  readonly code = 'action_closed';
  constructor(readonly actionSlug: string) {
    super(`action ${actionSlug} is closed`);
  }
}

/** A confirmation link that was never issued (or was mistyped). */
export class LinkUnknown extends DomainError {
  readonly code = 'link_unknown';
}

/** A confirmation link that expired or was used; signing again sends a fresh one. */
export class LinkExpired extends DomainError {
  readonly code = 'link_expired';
  constructor(readonly actionSlug: string) {
    super('confirmation link expired or used');
  }
}

/** An organiser's one-time link (sign-in, password reset) that is unknown, used or expired. */
export class OrganiserLinkUnusable extends DomainError {
  readonly code = 'link_unusable';
  constructor() {
    super('organiser link unknown, used or expired');
  }
}

/** Signed in, but this page is for admins only. */
export class AdminOnly extends DomainError {
  readonly code = 'admin_only';
}
