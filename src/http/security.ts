// Security headers. The CSP allows no inline script or style: every script and
// stylesheet is a file under /assets, so an injected tag cannot run.
import helmet from 'helmet';

export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // Share links and outbound links should not leak the page the reader was on.
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  });
}
