// Unsafe requests (POST, PUT, PATCH, DELETE) must come from our own pages.
// The CSRF token alone is bound to no visitor, and a page on another port of
// the same host can plant a cookie and token pair of its own (cookies ignore
// ports); what the browser says about where a request comes from cannot be
// forged by a page. It runs app-wide before any route, so a forged cross-site
// post never reaches a rate limiter and cannot spend a shared IP's allowance.
// For the public forms (signing, RSVPs, proposals), which carry no token so
// that their pages can be cached for everyone, it is the CSRF protection.
import type { Request, RequestHandler } from 'express';
import { HttpError } from './errors.ts';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function originOf(url: string): string | undefined {
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/**
 * Browsers send Sec-Fetch-Site (all current ones) or at least Origin on a
 * cross-origin POST. Sec-Fetch-Site present: only `same-origin` passes (not
 * `same-site`: another port or subdomain). Else Origin present: it must be
 * BASE_URL's origin or the request's own; `null` (sandboxed frames, some
 * redirects) is refused. Neither header: a client that is not a browser, or a
 * very old one; the token check still applies.
 */
export function isSameOrigin(req: Request, baseUrl: string): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = req.get('origin');
  if (origin === undefined) return true;
  const claimed = originOf(origin);
  if (!claimed) return false;
  return claimed === originOf(baseUrl) || claimed === originOf(`${req.protocol}://${req.get('host') ?? ''}`);
}

export function requireSameOrigin(options: {
  baseUrl: string;
  /**
   * Requests that other sites may send on purpose, each named and argued where
   * it is passed (src/app.ts): only RFC 8058's one-click unsubscribe so far.
   */
  exempt?: (req: Request) => boolean;
}): RequestHandler {
  return (req, _res, next) => {
    if (!UNSAFE.has(req.method) || isSameOrigin(req, options.baseUrl) || options.exempt?.(req)) return next();
    // The same answer as a missing or stale token: the person can reload the page and try again.
    next(new HttpError(403, 'forbidden', 'errors.forbidden'));
  };
}
