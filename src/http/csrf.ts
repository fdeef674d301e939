// CSRF protection for every form: csrf-csrf's signed double-submit cookie.
// Supporters have no session, so the token is bound to the app secret alone;
// a cross-site page can neither read our cookie nor forge its HMAC.
import type { Request, RequestHandler, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';

export type Csrf = {
  /** Rejects a POST without a matching token (403). */
  protect: RequestHandler;
  /** Puts a token in res.locals.csrfToken for a page that shows a form. */
  provideToken: RequestHandler;
  /** The same, from inside a handler that only sometimes shows a form. */
  issueToken: (req: Request, res: Response) => void;
};

export function createCsrf(options: { secret: string; secureCookies: boolean }): Csrf {
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => options.secret,
    getSessionIdentifier: () => '',
    // The __Host- prefix pins the cookie to this host over HTTPS; plain HTTP (development) cannot use it.
    cookieName: options.secureCookies ? '__Host-placard.csrf' : 'placard.csrf',
    cookieOptions: { sameSite: 'lax', path: '/', secure: options.secureCookies, httpOnly: true },
    getCsrfTokenFromRequest: (req) => {
      const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
      return typeof fromBody === 'string' ? fromBody : req.headers['x-csrf-token'];
    },
    errorConfig: { statusCode: 403, code: 'csrf', message: 'errors.forbidden' },
  });
  const issueToken = (req: Request, res: Response) => {
    res.locals.csrfToken = generateCsrfToken(req, res);
  };
  return {
    protect: doubleCsrfProtection,
    issueToken,
    provideToken: (req, res, next) => {
      issueToken(req, res);
      next();
    },
  };
}
