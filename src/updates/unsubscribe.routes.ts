// Leaving campaign updates: the page behind the link in every update (one
// button, a GET that changes nothing), and the POST that the button and mail
// providers' one-click unsubscribe (RFC 8058) both send.
//
// The POST takes no CSRF token and no cookie: a provider posts
// `List-Unsubscribe=One-Click` from its own servers, with nothing of ours. The
// token in the path is the capability; a forged POST can only unsubscribe the
// owner of a token the forger already has. (Its same-origin exemption is in
// src/app.ts.) A bad token is a 404, and bad tokens from one address are
// rate-limited; good ones never are, since a provider sends many.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../app.ts';
import { windowLimit } from '../http/rate-limit.ts';
import { translate } from '../i18n/index.ts';
import { routes } from '../urls.ts';
import { deriveUnsubscribeKey } from './unsubscribe-token.ts';
import { isSubscribed, supporterOfToken, unsubscribe } from './unsubscribe.service.ts';

// The token is in the URL: no cache, shared or private, may keep these pages.
const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

/** A POST to an unsubscribe link: the one request other sites may send (src/app.ts's same-origin exemption). */
export function isUnsubscribePost(req: Request): boolean {
  return req.method === 'POST' && /^\/unsubscribe\/[^/]+$/.test(req.path);
}

export function unsubscribeRoutes(deps: Pick<AppDeps, 'db' | 'secret'>): Router {
  const router = Router();
  const { db } = deps;
  const key = deriveUnsubscribeKey(deps.secret);
  // Only failures count (a token that is not one): guessing is slow, unsubscribing never is.
  const badTokens = windowLimit(db, 'unsubscribe', { windowMs: 60_000, limit: 20, failuresOnly: true });

  async function showPage(req: Request, res: Response) {
    const supporterId = supporterOfToken(key, req.params.token);
    res.render('updates/unsubscribe', {
      title: translate(res.locals.locale, 'updates.unsubscribe.title'),
      token: req.params.token,
      subscribed: await isSubscribed(db, supporterId),
    });
  }

  async function leave(req: Request, res: Response) {
    const body = req.body as Record<string, unknown> | undefined;
    // The page's button posts an empty urlencoded form; a mail client posts
    // List-Unsubscribe=One-Click, urlencoded or as multipart/form-data (RFC 8058's
    // own example), whose body is not parsed here: either is the one-click.
    const oneClick = body?.['List-Unsubscribe'] === 'One-Click' || Boolean(req.is('multipart/form-data'));
    const via = oneClick ? 'one-click' : 'unsubscribe-link';
    await unsubscribe(db, key, req.params.token, via);
    res.render('updates/unsubscribed', { title: translate(res.locals.locale, 'updates.unsubscribed.title') });
  }

  router.get(routes.unsubscribe, noStore, badTokens, showPage);
  // No csrf.protect: see above.
  router.post(routes.unsubscribe, noStore, badTokens, leave);
  return router;
}
