// Each test file gets its own database, cloned from a template that holds the
// migrated schema. The template's name carries a hash of the migrations, so a
// changed migration builds a new one.
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { LOCKS } from '../../src/db/locks.ts';
import { listMigrations, migrate } from '../../src/db/migrate.ts';
import { createPool, type Pool, type PoolOptions } from '../../src/db/pool.ts';
import { jobs } from '../../src/features.ts';
import { startQueue } from '../../src/jobs/queue.ts';
import { createLogger } from '../../src/log.ts';

const TEMPLATE_LOCK = LOCKS.testTemplate;

export function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests with `npm test`, which starts a database when none is given');
  return url;
}

export type TestPoolOptions = Partial<Omit<PoolOptions, 'log'>>;

/** A pool set up as in production (src/config.ts's default timeouts), with overrides. */
export function createTestPool(url: string, options: TestPoolOptions = {}): Pool {
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  return createPool(url, { log, max: 10, ...loadConfig({}).databaseTimeouts, ...options });
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function ensureTemplate(): Promise<string> {
  const migrations = await listMigrations();
  const hash = createHash('sha256').update(migrations.map((m) => m.name + m.sql).join('\n')).digest('hex').slice(0, 12);
  const name = `placard_template_${hash}`;
  await admin(async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount) return;
      await client.query(`CREATE DATABASE ${name}`);
      const pool = createTestPool(withDatabase(serverUrl(), name), { max: 1 });
      try {
        await migrate(pool);
        // pg-boss installs its schema on first start: do it once here, not in every test file.
        const queue = await startQueue({ connectionString: withDatabase(serverUrl(), name), log: createLogger('silent'), jobs, supervise: false });
        await queue.stop();
      } catch (error) {
        await pool.end();
        await client.query(`DROP DATABASE ${name}`);
        throw error;
      }
      await pool.end();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    }
  });
  return name;
}

export type TestDatabase = { url: string; pool: Pool; drop: () => Promise<void> };

/** A database of its own for a test file; `pool` overrides the pool's settings. */
export async function createTestDatabase(pool: TestPoolOptions = {}): Promise<TestDatabase> {
  const template = process.env.PLACARD_TEST_TEMPLATE ?? (await ensureTemplate());
  const name = `placard_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const url = withDatabase(serverUrl(), name);
  const testPool = createTestPool(url, pool);
  return {
    url,
    pool: testPool,
    drop: async () => {
      await testPool.end().catch(() => undefined);
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * Waits until at least `n` sessions of this database are waiting on a lock:
 * how a race test knows that the transactions it started have met.
 */
export async function waitForLockWaiters(pool: Pool, n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
    if (rows[0]!.n >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`fewer than ${n} sessions waiting on a lock`);
}
