// Applies sql/migrations/NNNN_name.sql in order, each once and in its own
// transaction. An advisory lock makes two instances starting together take turns.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from './pool.ts';
import { SQL_DIR } from './queries.ts';

const MIGRATIONS_DIR = path.join(SQL_DIR, 'migrations');
// An arbitrary constant: "placard migrations" for pg_advisory_lock.
const MIGRATION_LOCK = 7_265_301;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<{ name: string; sql: string }[]> {
  const all = (await fs.readdir(dir)).filter((f) => f.endsWith('.sql'));
  // A misnamed file would otherwise be skipped without a word.
  const misnamed = all.filter((f) => !/^\d{4}_[a-z0-9_-]+\.sql$/.test(f));
  if (misnamed.length) throw new MigrationError(`Migration files must be named NNNN_lower_case.sql: ${misnamed.join(', ')}`);
  const files = all.sort();
  return Promise.all(files.map(async (name) => ({ name, sql: await fs.readFile(path.join(dir, name), 'utf8') })));
}

export async function migrate(pool: Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await listMigrations(dir);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      try {
        await client.query('BEGIN');
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [migration.name]);
        await client.query('COMMIT');
        applied.push(migration.name);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new MigrationError(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
  return applied;
}
