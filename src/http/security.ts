// Security headers. The CSP allows no inline script or style: every script and
// stylesheet is a file under /assets, so an injected tag cannot run.
import helmet from 'helmet';

export type SecurityHeadersOptions = {
  /** The site is served over HTTPS (BASE_URL is https://): only then is HSTS sent. */
  https: boolean;
};

export function securityHeaders(options: SecurityHeadersOptions) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // Images of this site only: a picture from elsewhere would tell its host
        // who reads which post (posts' Markdown drops them too: markdown.ts).
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // No page may be framed: the same as frame-ancestors 'none', for browsers without CSP 2.
    xFrameOptions: { action: 'deny' },
    // HSTS means "this host only over HTTPS": sent over plain HTTP it is meaningless
    // (browsers ignore it) and says something untrue about the site.
    strictTransportSecurity: options.https,
    // Share links and outbound links should not leak the page the reader was on.
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  });
}
