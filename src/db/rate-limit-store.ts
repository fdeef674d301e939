// The rate limiter's counters in PostgreSQL (sql/rate-limits.sql), so that every
// instance shares them: an express-rate-limit Store, and the pruning of ended windows.
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Pool, Queryable } from './pool.ts';
import { loadQueries } from './queries.ts';

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

/** Forgets the windows that have ended. */
export async function pruneRateLimits(db: Queryable): Promise<void> {
  await db.query(sql['prune-expired']);
}

