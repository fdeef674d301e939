// Starts Placard: config → database (embedded or DATABASE_URL) → migrations →
// demo content → app → listen. Stops in the reverse order on SIGTERM/SIGINT.
import type { Server } from 'node:http';
import { createApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { closeDatabase, openDatabase } from './db/open.ts';
import { loadDemoContent } from './demo/demo-content.ts';
import { startQueue } from './jobs/queue.ts';
import { startWorkers, type Workers } from './jobs/workers.ts';
import { createLogger } from './log.ts';
import { appSecret } from './settings/settings.repo.ts';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  const database = await openDatabase(config, log);
  const { pool } = database;
  if (config.demoContent) await loadDemoContent(pool, log);
  const secret = await appSecret(pool, config.appSecret);
  const queue = await startQueue({ connectionString: database.url, log, supervise: config.runWorkers });
  let workers: Workers | undefined;
  if (config.runWorkers) workers = await startWorkers({ config, db: pool, queue, log });

  const app = createApp({ config, db: pool, log, queue, secret });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.on('error', reject);
  });
  log.info(`Placard is running at ${config.baseUrl}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Stop accepting, let in-flight requests finish, then close what they used.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timeout = setTimeout(() => server.closeAllConnections(), 10_000);
    await closed;
    clearTimeout(timeout);
    await workers?.stop().catch((error: unknown) => log.error({ err: error }, 'workers did not stop cleanly'));
    await queue.stop().catch((error: unknown) => log.error({ err: error }, 'queue did not stop cleanly'));
    await closeDatabase(database);
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`Placard could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
