// Rate limits on public writes, per client IP, counted in PostgreSQL so that
// every instance shares them. express-rate-limit decides; src/db/rate-limit-store.ts counts;
// a periodic task forgets the windows that have ended.
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Pool } from '../db/pool.ts';
import { LOCKS } from '../db/locks.ts';
import { PostgresStore, pruneRateLimits } from '../db/rate-limit-store.ts';
import type { PeriodicTask } from '../jobs/job.ts';
import { RateLimited } from './errors.ts';

export function perMinuteLimit(db: Pool, name: string, limit: number): RequestHandler {
  return windowLimit(db, name, { windowMs: 60_000, limit });
}

export type WindowLimitOptions = {
  windowMs: number;
  limit: number;
  /** What is counted; by default the client's IP. Return undefined to count nothing for this request. */
  keyOf?: (req: Request) => string | undefined;
  /** Count only requests that fail (status ≥ 400): a wrong password, not a right one. */
  failuresOnly?: boolean;
};

/** At most `limit` requests per key per window, counted in PostgreSQL for every instance. */
export function windowLimit(db: Pool, name: string, options: WindowLimitOptions): RequestHandler {
  const { keyOf } = options;
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    ...(keyOf && {
      keyGenerator: (req) => keyOf(req) ?? '',
      skip: (req) => keyOf(req) === undefined,
    }),
    skipSuccessfulRequests: options.failuresOnly ?? false,
    store: new PostgresStore(db, name),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // A store failure (database down) must not turn every request into a 429 or a 500 here;
    // the request itself will then fail on the database with a proper page.
    passOnStoreError: true,
    handler: (_req, _res, next) => next(new RateLimited()),
  });
}

export type SigningLimitOptions = { burstPer10Minutes: number; perHour: number; perDomainPerHour: number };

/**
 * The signing route's limits, a chain of three windows. A union meeting behind
 * one address (a few dozen signatures within minutes) fits the burst window; a
 * script that keeps going meets the hourly one; one that makes up addresses at a
 * domain it reads (it must read the confirmation emails to be counted) meets the
 * per-domain one first. Each is one upsert in PostgreSQL, shared by every instance.
 */
export function signingLimits(db: Pool, options: SigningLimitOptions): RequestHandler[] {
  return [
    windowLimit(db, 'sign-burst', { windowMs: 10 * 60_000, limit: options.burstPer10Minutes }),
    windowLimit(db, 'sign-hour', { windowMs: 60 * 60_000, limit: options.perHour }),
    windowLimit(db, 'sign-domain', { windowMs: 60 * 60_000, limit: options.perDomainPerHour, keyOf: ipAndEmailDomain }),
  ];
}

/**
 * The client (its IPv6 /56, as the other windows count it) and the domain of
 * the email address typed; nothing to count when there is no domain to read
 * (the form comes back with a message beside the field anyway).
 */
function ipAndEmailDomain(req: Request): string | undefined {
  const email = (req.body as Record<string, unknown> | undefined)?.email;
  if (typeof email !== 'string') return undefined;
  const at = email.lastIndexOf('@');
  const domain = email.slice(at + 1).trim().toLowerCase();
  if (at < 0 || domain === '' || domain.length > 253) return undefined;
  return `${ipKeyGenerator(req.ip ?? '')}@${domain}`;
}

/** Every few minutes, in one process at a time: ended windows are forgotten. */
export const pruneRateLimitsTask: PeriodicTask = {
  name: 'prune-rate-limits',
  intervalMs: () => 5 * 60_000,
  exclusiveLock: LOCKS.pruneRateLimits,
  run: (_context, db) => pruneRateLimits(db),
};
