// `npm run worker`: the background work alone, for running it apart from the
// web processes (start those with RUN_WORKERS=false).
import { loadConfig } from './config.ts';
import { jobs, periodicTasks } from './features.ts';
import { closeDatabase, openDatabase } from './db/open.ts';
import { startQueue } from './jobs/queue.ts';
import { startWorkers } from './jobs/workers.ts';
import { createLogger } from './log.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    // The embedded server belongs to `npm start`; a separate worker needs a shared server.
    throw new Error('npm run worker needs DATABASE_URL (the PostgreSQL that the web instances use)');
  }
  const log = createLogger(config.logLevel);
  const database = await openDatabase(config, log);
  const queue = await startQueue({ connectionString: database.url, log, jobs, supervise: true });
  const workers = await startWorkers({ config, db: database.pool, queue, log, jobs, periodicTasks });
  log.info('Placard worker running');
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await workers.stop();
    await queue.stop();
    await closeDatabase(database);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

main().catch((error: unknown) => {
  console.error(`Placard worker could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
