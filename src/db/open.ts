// Opens the database for a process (web or worker): DATABASE_URL when given,
// else the embedded server; checks the server version, then migrates.
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded.ts';
import { createHealthProbe, type HealthProbe } from './health.ts';
import { migrate } from './migrate.ts';
import { createPool, type Pool } from './pool.ts';

const MIN_POSTGRES_VERSION = 130000;

export type Database = { pool: Pool; url: string; health: HealthProbe; embedded?: EmbeddedDatabase };

/**
 * Connects to DATABASE_URL, or starts the embedded server; then migrates, unless
 * told not to (a web process forked by the cluster primary, which migrated).
 */
export async function openDatabase(config: Config, log: Logger, options: { migrate?: boolean } = {}): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log });
    url = embedded.url;
    log.info({ port: config.embeddedPgPort }, 'embedded PostgreSQL started');
  }
  const pool = createPool(url, { log, max: config.databasePoolSize, ...config.databaseTimeouts });
  try {
    const { rows } = await pool.query<{ version: string }>('SHOW server_version_num');
    if (Number(rows[0]?.version) < MIN_POSTGRES_VERSION) {
      throw new Error(`PostgreSQL 13 or newer is required; this server is ${rows[0]?.version}`);
    }
    if (options.migrate !== false) {
      const applied = await migrate(pool);
      if (applied.length) log.info({ applied }, 'migrations applied');
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
  return { pool, url, health: createHealthProbe(url, log), embedded };
}

/** Closes the pools, then the embedded server if this process started one. */
export async function closeDatabase(database: Database): Promise<void> {
  await database.health.close();
  await database.pool.end().catch(() => undefined);
  await database.embedded?.stop().catch(() => undefined);
}
