// The one place errors become responses. Domain errors (src/errors.ts) are
// mapped here to a status, a message and the way onward; HTTP errors keep
// their status; client errors raised by Express or its parsers keep their 4xx;
// the rest is a 500 whose cause is logged and never shown.
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { ActionClosed, AdminOnly, DomainError, Invalid, LinkExpired, LinkUnknown, NotFound, OrganiserLinkUnusable } from '../errors.ts';
import { loggableUrl, type Logger } from '../log.ts';
import { translate, type Locale, type MessageKey } from '../i18n/index.ts';
import { paths } from '../urls.ts';
import { HttpError } from './errors.ts';

type WayOn = { href: string; label: MessageKey };
type Described = { status: number; code: string; message: MessageKey; fields?: Record<string, MessageKey>; next?: WayOn };

// A page's heading says what happened in words; the rest keep "Error 4xx". By
// code, not status: a confirmation link's 404 or 410 keeps its own page.
const TITLES: Partial<Record<string, MessageKey>> = {
  not_found: 'errors.notFound.title',
  forbidden: 'errors.forbidden.title',
  rate_limited: 'errors.rateLimited.title',
  server_error: 'errors.server.title',
  unavailable: 'errors.unavailable.title',
};

/**
 * The database could not be reached or had no connection to spare in time: the
 * request never touched anything, so the person is told to try again (503 with
 * Retry-After, which a load balancer also understands), not that it broke.
 * pg-pool's own timeout has no code, only its message; the rest are
 * PostgreSQL's "cannot connect now" and connection classes and the socket's.
 */
const UNAVAILABLE_MESSAGES = new Set(['timeout exceeded when trying to connect', 'Connection terminated unexpectedly', 'Connection terminated']);
// 57P01-57P03: PostgreSQL shut down (fast or immediate: a restart) or starting.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', '57P01', '57P02', '57P03']);

function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.has(message)) return true;
  if (typeof code !== 'string') return false;
  return UNAVAILABLE_CODES.has(code) || code.startsWith('08');
}

// An expired form, a limit reached or a form too large on an action's page
// leads back to that action. Only a slug's shape is taken from the address, so
// nothing else a stranger put in it is shown; whether the action exists, its
// page says.
const ACTION_PATH = /^\/actions\/([a-z0-9]+(?:-[a-z0-9]+)*)(?:\/|$)/;
const BACK_TO_ACTION = new Set([403, 413, 429]);

function backToActionOf(path: string): WayOn | undefined {
  const slug = ACTION_PATH.exec(path)?.[1];
  if (slug === undefined || slug.length > 200) return undefined;
  return { href: paths.action(slug), label: 'errors.backToAction' };
}

function describeDomainError(error: DomainError): Described {
  const { code } = error;
  if (error instanceof Invalid) return { status: 422, code, message: error.summary, fields: error.fields };
  if (error instanceof ActionClosed) {
    return { status: 409, code, message: 'actions.closedNotice', next: { href: paths.action(error.actionSlug), label: 'actions.seeAction' } };
  }
  if (error instanceof LinkExpired) {
    return { status: 410, code, message: 'signature.linkExpired', next: { href: paths.action(error.actionSlug), label: 'signature.signAgain' } };
  }
  if (error instanceof LinkUnknown) return { status: 404, code, message: 'signature.linkUnknown' };
  if (error instanceof NotFound) return { status: 404, code, message: 'errors.notFound' };
  if (error instanceof OrganiserLinkUnusable) {
    return { status: 410, code, message: 'admin.link.unusable', next: { href: paths.adminPasswordReset(), label: 'admin.link.askAgain' } };
  }
  if (error instanceof AdminOnly) return { status: 403, code, message: 'admin.adminOnly', next: { href: paths.adminHome(), label: 'admin.backHome' } };
  return { status: 500, code: 'server_error', message: 'errors.server' };
}

function describe(error: unknown): Described {
  if (error instanceof DomainError) return describeDomainError(error);
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.messageKey };
  if (isDatabaseUnavailable(error)) return { status: 503, code: 'unavailable', message: 'errors.unavailable' };
  const status = (error as { status?: unknown; statusCode?: unknown })?.status ?? (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return { status, code: 'payload_too_large', message: 'errors.payloadTooLarge' };
    if (status === 404) return { status, code: 'not_found', message: 'errors.notFound' };
    if (status === 403) return { status, code: 'forbidden', message: 'errors.forbidden' };
    return { status: 400, code: 'bad_request', message: 'errors.badRequest' };
  }
  return { status: 500, code: 'server_error', message: 'errors.server' };
}

export function wantsJson(req: Request): boolean {
  return req.path.endsWith('.json') || req.path.startsWith('/api/') || req.accepts(['html', 'json']) === 'json';
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const problem = describe(error);
    if (problem.status >= 500) log.error({ err: error, method: req.method, url: loggableUrl(req.originalUrl) }, 'request failed');
    const locale: Locale = res.locals.locale ?? 'en';
    const message = translate(locale, problem.message);
    res.status(problem.status);
    if (problem.status === 429 || problem.status === 503) res.set('Retry-After', '60');
    if (wantsJson(req)) {
      const fields = problem.fields && Object.fromEntries(Object.entries(problem.fields).map(([field, key]) => [field, translate(locale, key)]));
      res.json({ error: { code: problem.code, message, fields } });
      return;
    }
    const onward = problem.next ?? (BACK_TO_ACTION.has(problem.status) ? backToActionOf(req.path) : undefined);
    const wayOn = onward && { href: onward.href, label: translate(locale, onward.label) };
    const titleKey = TITLES[problem.code];
    const notFound = problem.code === 'not_found';
    const page = {
      title: titleKey ? translate(locale, titleKey) : translate(locale, 'errors.status', { status: problem.status }),
      status: problem.status,
      message,
      // "Page not found" offers the open actions as well as the news.
      notFound,
      next: wayOn,
    };
    res.render('errors/error', page, (renderError: Error | null, html?: string) => {
      if (renderError) {
        log.error({ err: renderError }, 'error page failed to render');
        res.type('text/plain').send(message);
      } else {
        res.send(html);
      }
    });
  };
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(new NotFound());
