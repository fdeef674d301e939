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
