// `npm run worker`: the background work alone, for running it apart from the
// web processes (start those with RUN_WORKERS=false, or WEB_PROCESSES above 1).
// It stops as the web process does (src/lifecycle.ts): the jobs in hand until
// 6 s after the signal, then the queue, then the pool.
import { loadConfig } from './config.ts';
import { runningEmbeddedUrl } from './db/embedded.ts';
import { closeDatabase, openDatabase } from './db/open.ts';
import { jobs, periodicTasks } from './features.ts';
import { startQueue } from './jobs/queue.ts';
import { startWorkers } from './jobs/workers.ts';
import { Lifecycle, STOP_DEADLINE_MS, StoppedWhileStarting } from './lifecycle.ts';
import { createLogger, processFacts } from './log.ts';

async function main(): Promise<void> {
  const loaded = loadConfig();
  const log = createLogger(loaded.logLevel);
  // The embedded server belongs to `npm start` (with WEB_PROCESSES above 1, its
  // web processes run no workers): beside it, a worker uses the one it runs.
  const databaseUrl = loaded.databaseUrl ?? (await runningEmbeddedUrl({ dataDir: loaded.dataDir, log }));
  if (!databaseUrl) {
    throw new Error('npm run worker needs DATABASE_URL (the PostgreSQL that the web instances use), or npm start running on the embedded PostgreSQL of the same DATA_DIR');
  }
  const config = { ...loaded, databaseUrl };
  const lifecycle = new Lifecycle(log);
  lifecycle.exitOnSignals();
  const booting = lifecycle.start(async () => {
    const database = await openDatabase(config, log);
    lifecycle.onStop('database', STOP_DEADLINE_MS, () => closeDatabase(database));
    lifecycle.checkpoint();
    const queue = await startQueue({ connectionString: database.url, log, jobs, supervise: true });
    lifecycle.onStop('job queue', 7_000, (deadline) => queue.stop(deadline));
    lifecycle.checkpoint();
    const workers = await startWorkers({ config, db: database.pool, queue, log, jobs, periodicTasks });
    lifecycle.onStop('workers', 6_000, (deadline) => workers.stop(deadline));
  });
  try {
    await booting;
  } catch (error) {
    if (error instanceof StoppedWhileStarting) return;
    await lifecycle.stopAll();
    throw error;
  }
  log.info(processFacts(), 'Placard worker running');
}

main().catch((error: unknown) => {
  console.error(`Placard worker could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
