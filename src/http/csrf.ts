// CSRF protection for forms behind a session or a private link: csrf-csrf's
// signed double-submit cookie. The organiser admin binds its tokens to the
// session (`sessionIdentifier`); the private pages of a supporter's link
// (confirming, cancelling, the RSVP's page, "your data") bind them to the app
// secret and the time alone. A cross-site page can neither read our cookie nor
// forge its HMAC; a page on another port of the same host could plant a pair of
// its own (cookies ignore ports), which requireSameOrigin (same-origin.ts)
// refuses before this check runs.
//
// The public forms (signing, RSVPs, proposing a protest) carry no token: they
// are on the pages a viral campaign is read on, which a shared cache keeps for
// everyone and so must set no cookie. What guards them is requireSameOrigin,
// app-wide: a browser says where a POST comes from, and a page cannot forge it.
// Their visitors have no session a forged POST could ride on either.
//
// The one other POST without a token is RFC 8058's one-click unsubscribe
// (src/updates/unsubscribe.routes.ts): a mail provider posts it with no cookie
// and no token, and the capability is the token in its path.
import { createHmac } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { doubleCsrf, type DoubleCsrfConfigOptions } from 'csrf-csrf';

export type Csrf = {
  /** Rejects a POST without a matching token (403). */
  protect: RequestHandler;
  /** Puts a token in res.locals.csrfToken for a page that shows a form. */
  provideToken: RequestHandler;
  /** The same, from inside a handler that only sometimes shows a form. */
  issueToken: (req: Request, res: Response) => void;
};

/**
 * Tokens are signed with a secret derived from the app secret per period, and
 * the current and the previous period's secrets are accepted: a token works for
 * between one and two periods after it was handed out. 12 hours, because a
 * supporter may open the form on a phone in the morning and send it in the
 * evening; a stolen pair stops working within a day.
 */
export const CSRF_PERIOD_MS = 12 * 60 * 60 * 1000;

export type CsrfOptions = {
  secret: string;
  secureCookies: boolean;
  /** The cookie's name (prefixed __Host- over HTTPS): one per kind of token, so they do not overwrite each other. Default: csrf. */
  cookie?: string;
  /** What a token is bound to besides the secret, e.g. a session id. Default: nothing. */
  sessionIdentifier?: (req: Request) => string;
  periodMs?: number;
  /** The clock, for tests. */
  now?: () => number;
};

export function createCsrf(options: CsrfOptions): Csrf {
  const periodMs = options.periodMs ?? CSRF_PERIOD_MS;
  const now = options.now ?? Date.now;
  // Derived once per period, not on every request (signing is the hot path):
  // the secrets of the current and the previous period are kept.
  const derived = new Map<number, string>();
  const secretOf = (period: number) => {
    let secret = derived.get(period);
    if (secret === undefined) {
      secret = createHmac('sha256', options.secret).update(`${options.cookie ?? 'csrf'}:${period}`).digest('hex');
      for (const old of derived.keys()) if (old < period - 1) derived.delete(old);
      derived.set(period, secret);
    }
    return secret;
  };
  const currentPeriod = () => Math.floor(now() / periodMs);
  const name = `placard.${options.cookie ?? 'csrf'}`;
  const cookieName = options.secureCookies ? `__Host-${name}` : name;

  const shared: Omit<DoubleCsrfConfigOptions, 'getSecret'> = {
    getSessionIdentifier: options.sessionIdentifier ?? (() => ''),
    // The __Host- prefix pins the cookie to this host over HTTPS; plain HTTP (development) cannot use it.
    cookieName,
    cookieOptions: { sameSite: 'lax', path: '/', secure: options.secureCookies, httpOnly: true },
    getCsrfTokenFromRequest: (req) => {
      const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
      return typeof fromBody === 'string' ? fromBody : req.headers['x-csrf-token'];
    },
    errorConfig: { statusCode: 403, code: 'csrf', message: 'errors.forbidden' },
  };
  // Checking accepts this period's and the previous period's tokens.
  const { doubleCsrfProtection } = doubleCsrf({
    ...shared,
    getSecret: () => {
      const period = currentPeriod();
      return [secretOf(period), secretOf(period - 1)];
    },
  });
  // Handing out reuses the visitor's cookie only if it is of this period (so
  // several open tabs share one token); one of the previous period would
  // expire soon, so the visitor gets a fresh one that lasts at least a period.
  const { generateCsrfToken } = doubleCsrf({ ...shared, getSecret: () => secretOf(currentPeriod()) });

  // cookie-parser turns a value starting with `j:` into whatever JSON it holds
  // (an object, a number, true), and csrf-csrf calls .split on it: a 500 from a
  // cookie anyone can send. Such a cookie is no token of ours: forget it, so a
  // page replaces it and a POST is refused.
  const dropMalformedCookie = (req: Request) => {
    const cookies = req.cookies as Record<string, unknown> | undefined;
    if (cookies && cookieName in cookies && typeof cookies[cookieName] !== 'string') delete cookies[cookieName];
  };

  const issueToken = (req: Request, res: Response) => {
    dropMalformedCookie(req);
    res.locals.csrfToken = generateCsrfToken(req, res);
  };
  return {
    protect: (req, res, next) => {
      dropMalformedCookie(req);
      doubleCsrfProtection(req, res, next);
    },
    issueToken,
    provideToken: (req, res, next) => {
      issueToken(req, res);
      next();
    },
  };
}
