// Applies sql/migrations/NNNN_name.sql in order, each once and in its own
// transaction. An advisory lock makes two instances starting together take turns.
//
// A migration that cannot run inside a transaction (CREATE INDEX CONCURRENTLY)
// says so on its first line, and then holds exactly one statement:
//
//   -- placard:no-transaction
//   CREATE INDEX CONCURRENTLY IF NOT EXISTS signatures_email ON signatures (email);
//
// It runs outside a transaction, still under the advisory lock. It is sent
// with the extended query protocol, which takes one statement only (PostgreSQL
// refuses more: "cannot insert multiple commands into a prepared statement"):
// several statements sent at once would run in one implicit transaction, where
// CONCURRENTLY is refused too. So each such statement gets a file of its own.
// Nothing rolls it back: IF NOT EXISTS covers a start stopped between the index
// and its schema_migrations row, but a failed CREATE INDEX CONCURRENTLY leaves an
// invalid index that IF NOT EXISTS would keep: drop it before starting again.
//
// Migrations may build big indexes: their connection turns the pool's
// statement and idle-in-transaction timeouts off, and is closed afterwards
// rather than going back to the pool with those settings (or the lock).
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { LOCKS } from './locks.ts';
import { checkOut, type Pool } from './pool.ts';
import { SQL_DIR } from './queries.ts';

const MIGRATIONS_DIR = path.join(SQL_DIR, 'migrations');
const MIGRATION_LOCK = LOCKS.migrations;
// How often an instance tries again for the lock that another one holds.
const LOCK_RETRY_MS = 200;
const NO_TRANSACTION = /^--\s*placard:no-transaction\s*$/;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export type Migration = { name: string; sql: string; transaction: boolean };

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const all = (await fs.readdir(dir)).filter((f) => f.endsWith('.sql'));
  // A misnamed file would otherwise be skipped without a word.
  const misnamed = all.filter((f) => !/^\d{4}_[a-z0-9_-]+\.sql$/.test(f));
  if (misnamed.length) throw new MigrationError(`Migration files must be named NNNN_lower_case.sql: ${misnamed.join(', ')}`);
  const files = all.sort();
  return Promise.all(
    files.map(async (name) => {
      const sql = await fs.readFile(path.join(dir, name), 'utf8');
      const firstLine = sql.split('\n', 1)[0]!.trimEnd();
      return { name, sql, transaction: !NO_TRANSACTION.test(firstLine) };
    }),
  );
}

/**
 * Takes the migration lock by trying again until it is free, not by waiting in
 * pg_advisory_lock: a statement waiting there holds a snapshot, and CREATE INDEX
 * CONCURRENTLY in the instance that has the lock waits for every older
 * snapshot in the database to end. The two would deadlock.
 */
async function lockMigrations(client: pg.PoolClient): Promise<void> {
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK]);
    if (rows[0]!.locked) return;
    await sleep(LOCK_RETRY_MS);
  }
}

export async function migrate(pool: Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await listMigrations(dir);
  const { client, done: release } = await checkOut(pool);
  const applied: string[] = [];
  try {
    await client.query('SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0');
    await lockMigrations(client);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      try {
        if (migration.transaction) {
          await client.query('BEGIN');
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [migration.name]);
          await client.query('COMMIT');
        } else {
          // A named query goes by the extended protocol: one statement, no implicit transaction.
          await client.query({ name: `migration/${migration.name}`, text: migration.sql });
          await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [migration.name]);
        }
        applied.push(migration.name);
      } catch (error) {
        if (migration.transaction) await client.query('ROLLBACK').catch(() => undefined);
        const hint = !migration.transaction && /multiple commands/.test((error as Error).message) ? ' (a placard:no-transaction migration holds one statement)' : '';
        throw new MigrationError(`Migration ${migration.name} failed: ${(error as Error).message}${hint}`, { cause: error });
      }
    }
  } finally {
    // Closing the connection ends the advisory lock and the session settings with it.
    release(true);
  }
  return applied;
}
