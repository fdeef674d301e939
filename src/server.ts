// Starts Placard: config → database (embedded or DATABASE_URL) → migrations →
// demo content → job queue → workers → app → listen. Each step that starts
// something registers how to stop it; shutdown, or a failed boot, stops them
// in reverse order, so the embedded PostgreSQL is never left behind.
import http from 'node:http';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { closeDatabase, openDatabase } from './db/open.ts';
import { loadDemoContent } from './demo/demo-content.ts';
import { jobs, periodicTasks } from './features.ts';
import { startQueue } from './jobs/queue.ts';
import { startWorkers } from './jobs/workers.ts';
import { createLogger, type Logger } from './log.ts';
import { appSecret } from './settings/settings.repo.ts';

type Stopper = { name: string; stop: () => Promise<void> };

async function stopAll(stoppers: Stopper[], log: Logger): Promise<void> {
  for (const { name, stop } of stoppers.reverse()) {
    await stop().catch((error: unknown) => log.error({ err: error }, `${name} did not stop cleanly`));
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const stoppers: Stopper[] = [];
  try {
    const database = await openDatabase(config, log);
    stoppers.push({ name: 'database', stop: () => closeDatabase(database) });
    const { pool } = database;
    if (config.demoContent) await loadDemoContent(pool, log);
    const secret = await appSecret(pool, config.appSecret);
    const queue = await startQueue({ connectionString: database.url, log, jobs, supervise: config.runWorkers });
    stoppers.push({ name: 'job queue', stop: () => queue.stop() });
    if (config.runWorkers) {
      // Beside the web server, mail takes a smaller share of the event loop than
      // in a worker process of its own: signing is what a surge must not slow.
      const workers = await startWorkers({ config, db: pool, queue, log, jobs, periodicTasks, concurrency: 3 });
      stoppers.push({ name: 'workers', stop: () => workers.stop() });
    }

    const server = http.createServer(createApp({ config, db: pool, log, queue, secret }));
    await listen(server, config.port, config.host);
    stoppers.push({
      name: 'web server',
      // Stop accepting, let requests in flight finish (10 s at most), then the rest stops.
      stop: () =>
        new Promise<void>((resolve) => {
          const timeout = setTimeout(() => server.closeAllConnections(), 10_000);
          server.close(() => {
            clearTimeout(timeout);
            resolve();
          });
          server.closeIdleConnections();
        }),
    });
  } catch (error) {
    await stopAll(stoppers, log);
    throw error;
  }
  log.info(`Placard is running at ${config.baseUrl}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await stopAll(stoppers, log);
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : `Placard could not start: ${error instanceof Error ? error.message : String(error)}`;
  console.error(message);
  process.exit(1);
});
