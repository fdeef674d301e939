// The rate limiter's counters in PostgreSQL (sql/rate-limits.sql), so that every
// instance shares them: an express-rate-limit Store, and the pruning of ended windows.
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Pool, Queryable } from './pool.ts';
import { loadQueries } from './queries.ts';

const sql = loadQueries('rate-limits.sql', ['increment-hits', 'increment-hits-many', 'decrement-hits', 'reset-key', 'prune-expired']);

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

/** One hit in each window (distinct keys), in one statement; the hits each key has now. */
export async function incrementHitsMany(db: Queryable, windows: { key: string; windowMs: number }[]): Promise<Map<string, number>> {
  if (windows.length === 0) return new Map();
  const { rows } = await db.query<{ key: string; hits: number }>({
    ...sql['increment-hits-many'],
    values: [windows.map((w) => w.key), windows.map((w) => w.windowMs)],
  });
  return new Map(rows.map((r) => [r.key, r.hits]));
}

/** Forgets the windows that have ended. */
export async function pruneRateLimits(db: Queryable): Promise<void> {
  await db.query(sql['prune-expired']);
}

