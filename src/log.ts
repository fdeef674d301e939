// One structured logger (pino) for the whole process; modules take children.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Writes to standard output unless given a `destination` (tests read what would be logged). */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: undefined,
    redact: { paths: ['req.headers.cookie', 'email', '*.email', 'token'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A request's URL for the logs: confirmation tokens are secrets and are cut out. */
export function loggableUrl(url: string): string {
  return url.slice(0, 300).replace(/^\/(confirm|cancel)\/[^/?#]*/i, '/$1/[token]');
}
