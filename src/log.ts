// One structured logger (pino) for the whole process; modules take children.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: undefined,
    redact: { paths: ['req.headers.cookie', 'email', '*.email', 'token'], censor: '[redacted]' },
  });
}

/** A request's URL for the logs: confirmation tokens are secrets and are cut out. */
export function loggableUrl(url: string): string {
  return url.slice(0, 300).replace(/^\/(confirm|cancel)\/[^/?#]*/i, '/$1/[token]');
}
