// One structured logger (pino) for the whole process; modules take children.
import fs from 'node:fs';
import v8 from 'node:v8';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

// Standard output can go away under a running process: a terminal that hung up
// (EIO), a closed pipe (EPIPE). Writing then stops quietly. pino alone drops
// only EPIPE: an EIO was thrown into whatever was logging (so the shutdown that
// SIGHUP began died halfway), and its flush at exit retried the write for ever.
const OUTPUT_GONE = new Set(['EIO', 'EPIPE', 'ENXIO', 'EBADF']);
let outputGone = false;

function isOutputGone(error: unknown): boolean {
  return OUTPUT_GONE.has((error as NodeJS.ErrnoException)?.code ?? '');
}

function standardOutput(): DestinationStream {
  // Synchronous, as pino's default: a line logged is written before the next statement.
  const out = pino.destination({ dest: 1, sync: true });
  out.on('error', (error: unknown) => {
    if (isOutputGone(error)) outputGone = true;
  });
  return {
    write(line: string) {
      if (outputGone) return;
      try {
        out.write(line);
      } catch (error) {
        if (!isOutputGone(error)) throw error;
        outputGone = true;
      }
    },
  };
}

/** Writes to standard output unless given a `destination` (tests read what would be logged). */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: undefined,
    redact: { paths: ['req.headers.cookie', 'email', '*.email', 'token'], censor: '[redacted]' },
  };
  return pino(options, destination ?? standardOutput());
}

/** A plain line for the person at the terminal (development mail), dropped quietly if the terminal is gone. */
export function printLine(line: string): void {
  if (outputGone) return;
  try {
    fs.writeSync(1, `${line}\n`);
  } catch (error) {
    if (isOutputGone(error)) outputGone = true;
    // A full pipe (EAGAIN) drops this one line: it is a convenience, not a record.
    else if ((error as NodeJS.ErrnoException)?.code !== 'EAGAIN') throw error;
  }
}

/**
 * A request's URL for the logs: the tokens of emailed links are secrets and are
 * cut out (confirmations; a supporter's privacy link, which opens their data;
 * the unsubscribe token, which names a supporter and never expires; organisers'
 * one-time links).
 */
export function loggableUrl(url: string): string {
  return url
    .slice(0, 300)
    .replace(/^\/(confirm|cancel|unsubscribe|privacy\/data|admin\/sign-in|admin\/password-reset)\/[^/?#]+/i, '/$1/[token]');
}

/**
 * What a start line says of the process: Node's version, and the most heap V8
 * will give it (npm start and npm run worker cap it with HEAP_MB; 0 leaves it to V8).
 */
export function processFacts(): { node: string; heapLimitMb: number } {
  return { node: process.version, heapLimitMb: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20) };
}
