// `npm run worker`: the background work alone, for running it apart from the
// web processes (start those with RUN_WORKERS=false).
import { loadConfig } from './config.ts';
import { jobs, periodicTasks } from './features.ts';
import { closeDatabase, openDatabase } from './db/open.ts';
import { startQueue } from './jobs/queue.ts';
import { settlesBy, startWorkers } from './jobs/workers.ts';
import { createLogger } from './log.ts';

// From SIGTERM to exit, as for the web process (see server.ts): the jobs in
// hand until 6 s after the signal, then the queue, then the pool.
const STOP_DEADLINE_MS = 8_000;
const WORKERS_DONE_BY_MS = 6_000;
const QUEUE_DONE_BY_MS = 7_000;
const STEP_GRACE_MS = 500;

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
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const startedAt = Date.now();
    log.info({ signal, deadlineMs: STOP_DEADLINE_MS }, 'shutting down');
    setTimeout(() => {
      log.error('did not stop in time; exiting anyway');
      process.exit(1);
    }, STOP_DEADLINE_MS + 2 * STEP_GRACE_MS).unref();
    const steps: [string, number, (deadline: number) => Promise<void>][] = [
      ['workers', WORKERS_DONE_BY_MS, (deadline) => workers.stop(deadline)],
      ['job queue', QUEUE_DONE_BY_MS, (deadline) => queue.stop(deadline)],
      ['database', STOP_DEADLINE_MS, () => closeDatabase(database)],
    ];
    for (const [name, doneBy, stop] of steps) {
      const deadline = startedAt + doneBy;
      const stopped = stop(deadline).catch((error: unknown) => log.error({ err: error }, `${name} did not stop cleanly`));
      if (!(await settlesBy(stopped, deadline + STEP_GRACE_MS))) log.error(`${name} did not stop by its deadline; going on`);
    }
    log.info({ ms: Date.now() - startedAt }, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`Placard worker could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
