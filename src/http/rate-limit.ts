// Rate limits on public writes, per client IP, counted in PostgreSQL so that
// every instance shares them. express-rate-limit decides; src/db/rate-limit-store.ts counts.
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Pool } from '../db/pool.ts';
import { PostgresStore } from '../db/rate-limit-store.ts';
import { RateLimited } from './errors.ts';

export function perMinuteLimit(db: Pool, name: string, limit: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit,
    store: new PostgresStore(db, name),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // A store failure (database down) must not turn every request into a 429 or a 500 here;
    // the request itself will then fail on the database with a proper page.
    passOnStoreError: true,
    handler: (_req, _res, next) => next(new RateLimited()),
  });
}
