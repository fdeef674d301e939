// A response that sets a cookie is for one visitor: a shared cache (a CDN, a
// proxy) that stored it would hand that visitor's cookie, such as their CSRF
// token, to everyone. So any response carrying Set-Cookie is marked private,
// unless it already says no-store, whichever handler set the cookie.
//
// Express has no "before the headers go out" hook, and a cookie may be set at
// any point until then (res.cookie in a handler, in the error page...), so this
// wraps res.writeHead, through which every response's headers pass (res.end
// calls it when no handler did), as the on-headers package does.
import type { RequestHandler } from 'express';

export function privateCacheForCookies(cacheControl: string | undefined): string {
  if (!cacheControl) return 'private';
  const directives = cacheControl.split(',').map((d) => d.trim()).filter((d) => d !== '');
  const names = directives.map((d) => d.toLowerCase().split('=')[0]);
  if (names.includes('no-store') || names.includes('private')) return cacheControl;
  // public and s-maxage speak to shared caches only; private overrules them anyway.
  const kept = directives.filter((_d, i) => names[i] !== 'public' && names[i] !== 's-maxage');
  return ['private', ...kept].join(', ');
}

export const privateWhenSettingCookies: RequestHandler = (_req, res, next) => {
  const writeHead = res.writeHead;
  res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
    if (!this.headersSent && this.getHeader('set-cookie') !== undefined) {
      const current = this.getHeader('cache-control');
      this.setHeader('Cache-Control', privateCacheForCookies(current === undefined ? undefined : String(current)));
    }
    return writeHead.apply(this, args);
  } as typeof writeHead;
  next();
};
