// Rate limits on public writes, per client IP, counted in PostgreSQL so that
// every instance shares them. express-rate-limit decides for one window, and
// windowsLimit for several counted in one statement; src/db/rate-limit-store.ts
// counts; a periodic task forgets the windows that have ended.
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Pool } from '../db/pool.ts';
import { LOCKS } from '../db/locks.ts';
import { incrementHitsMany, PostgresStore, pruneRateLimits } from '../db/rate-limit-store.ts';
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
    // A limit keyed by something other than the client (an address typed, an
    // account) counts everyone's requests: its headers would tell a stranger how
    // many times others asked for that address in the window. Only the client's own.
    standardHeaders: keyOf ? false : 'draft-7',
    legacyHeaders: false,
    // A store failure (database down) must not turn every request into a 429 or a 500 here;
    // the request itself will then fail on the database with a proper page.
    passOnStoreError: true,
    handler: (_req, _res, next) => next(new RateLimited()),
  });
}

export type SigningLimitOptions = { burstPer10Minutes: number; perHour: number; perDomainPerHour: number };

/**
 * The signing route's limits, three windows. A union meeting behind one
 * address (a few dozen signatures within minutes) fits the burst window; a
 * script that keeps going meets the hourly one; one that makes up addresses at a
 * domain it reads (it must read the confirmation emails to be counted) meets the
 * per-domain one first. Signing is the hot path: the three are counted in one
 * statement (one round trip, one commit), not one express-rate-limit each.
 */
export function signingLimits(db: Pool, options: SigningLimitOptions): RequestHandler {
  return windowsLimit(db, [
    { name: 'sign-burst', windowMs: 10 * 60_000, limit: options.burstPer10Minutes },
    { name: 'sign-hour', windowMs: 60 * 60_000, limit: options.perHour },
    { name: 'sign-domain', windowMs: 60 * 60_000, limit: options.perDomainPerHour, keyOf: ipAndEmailDomain },
  ]);
}

export type Window = { name: string; windowMs: number; limit: number; keyOf?: (req: Request) => string | undefined };

/**
 * Several windows, each at most `limit` requests per key, counted together in
 * one statement in PostgreSQL for every instance: a request over any of them is
 * refused (429), and counts in all of them, refused or not.
 */
export function windowsLimit(db: Pool, windows: Window[]): RequestHandler {
  return async (req, _res, next) => {
    const counted = windows.flatMap((w) => {
      const key = (w.keyOf ?? clientKey)(req);
      return key === undefined ? [] : [{ key: `${w.name}:${key}`, windowMs: w.windowMs, limit: w.limit }];
    });
    let hits: Map<string, number>;
    try {
      hits = await incrementHitsMany(db, counted);
    } catch {
      // As windowLimit's passOnStoreError: with the database down the request itself
      // fails on it, with a proper page, rather than every request becoming a 429 here.
      return next();
    }
    if (counted.some((w) => (hits.get(w.key) ?? 0) > w.limit)) return next(new RateLimited());
    next();
  };
}

/** The client as express-rate-limit counts it: its IP, or its IPv6 /56. */
function clientKey(req: Request): string {
  return ipKeyGenerator(req.ip ?? '');
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
  return `${clientKey(req)}@${domain}`;
}

/** Every few minutes, in one process at a time: ended windows are forgotten. */
export const pruneRateLimitsTask: PeriodicTask = {
  name: 'prune-rate-limits',
  intervalMs: () => 5 * 60_000,
  exclusiveLock: LOCKS.pruneRateLimits,
  run: (_context, db) => pruneRateLimits(db),
};
