// Rate limits on public writes, per client IP, counted in PostgreSQL so that
// every instance shares them. express-rate-limit decides; this store counts.
import type { RequestHandler } from 'express';
import { rateLimit, type ClientRateLimitInfo, type Options, type Store } from 'express-rate-limit';
import { loadQueries } from '../db/queries.ts';
import type { Pool, Queryable } from '../db/pool.ts';
import { RateLimited } from './errors.ts';

const sql = loadQueries('rate-limits.sql', ['increment-hits', 'decrement-hits', 'reset-key', 'prune-expired']);

export class PostgresStore implements Store {
  private windowMs = 60_000;
  readonly localKeys = false;

  constructor(
    private readonly db: Pool,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { rows } = await this.db.query<{ hits: number; reset_at: Date }>({ ...sql['increment-hits'], values: [`${this.prefix}:${key}`, this.windowMs] });
    return { totalHits: rows[0]!.hits, resetTime: rows[0]!.reset_at };
  }

  async decrement(key: string): Promise<void> {
    await this.db.query({ ...sql['decrement-hits'], values: [`${this.prefix}:${key}`] });
  }

  async resetKey(key: string): Promise<void> {
    await this.db.query({ ...sql['reset-key'], values: [`${this.prefix}:${key}`] });
  }
}

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

export async function pruneRateLimits(db: Queryable): Promise<void> {
  await db.query(sql['prune-expired']);
}
