// Starts Placard: config → database (embedded or DATABASE_URL) → migrations →
// demo content → job queue → workers → app → listen. Each step that starts
// something registers how to stop it; shutdown, or a failed boot, stops them
// in reverse order, so the embedded PostgreSQL is never left behind. The stop
// keeps to a deadline (STOP_DEADLINE_MS) shared by its steps.
import http from 'node:http';
import net from 'node:net';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { closeDatabase, openDatabase } from './db/open.ts';
import { loadDemoContent } from './demo/demo-content.ts';
import { jobs, periodicTasks } from './features.ts';
import { startQueue } from './jobs/queue.ts';
import { settlesBy, startWorkers } from './jobs/workers.ts';
import { createLogger, type Logger } from './log.ts';
import { appSecret } from './settings/settings.repo.ts';

// From SIGTERM to exit, well inside the 10 s that Docker waits before SIGKILL.
const STOP_DEADLINE_MS = 8_000;
// Each step must be done this long after the signal; a quick step leaves its
// time to the next. Requests take milliseconds, a send about a second.
const DONE_BY_MS = { 'web server': 4_000, workers: 6_000, 'job queue': 7_000, database: STOP_DEADLINE_MS };
// A step that overruns its deadline is not waited for longer than this.
const STEP_GRACE_MS = 500;
// How long a connection idle at the stop may stay open. Under load, the next
// request of a kept-alive connection has often arrived but is still unread:
// closing at once would reset it (measured: about half of the busy connections),
// while within this grace it is read and answered with `Connection: close`.
const IDLE_GRACE_MS = 100;

type Stopper = { name: keyof typeof DONE_BY_MS; stop: (deadline: number) => Promise<void> };

async function stopAll(stoppers: Stopper[], log: Logger, startedAt = Date.now()): Promise<void> {
  for (const { name, stop } of [...stoppers].reverse()) {
    const deadline = startedAt + DONE_BY_MS[name];
    const stopped = stop(deadline).catch((error: unknown) => log.error({ err: error }, `${name} did not stop cleanly`));
    if (!(await settlesBy(stopped, deadline + STEP_GRACE_MS))) log.error(`${name} did not stop by its deadline; going on`);
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

/**
 * The HTTP server and its stop. It stops accepting at once. A request on a
 * connection already open is answered with `Connection: close`, and the
 * connection closed after it; requests in flight finish. A connection that
 * stays idle is closed after IDLE_GRACE_MS. At the deadline, whatever is still
 * open is closed.
 */
function createWebServer(app: http.RequestListener, log: Logger) {
  let stopping = false;
  const inFlight = new Set<http.ServerResponse>();
  // After the grace, and after the next read of the sockets: should the event
  // loop have been busy past the grace, what has arrived meanwhile is read first.
  const closeIdleSoon = () => setTimeout(() => setImmediate(() => server.closeIdleConnections()), IDLE_GRACE_MS);
  const server = http.createServer((req, res) => {
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      // Its headers may have said keep-alive, before the stop: the connection is now idle.
      if (stopping) closeIdleSoon();
    });
    if (stopping) res.setHeader('Connection', 'close');
    app(req, res);
  });
  // Longer than a proxy's idle timeout (60 s for nginx and most load balancers),
  // so that a proxy never sends a request on a connection Placard has just
  // closed. headersTimeout stays at Node's 60 s, counted from a request's first byte.
  server.keepAliveTimeout = 65_000;

  const stop = (deadline: number) =>
    new Promise<void>((resolve) => {
      stopping = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      const timer = setTimeout(() => {
        log.warn({ requests: inFlight.size }, 'connections still open at the deadline; closing them');
        server.closeAllConnections();
      }, Math.max(0, deadline - Date.now()));
      // Stop accepting. Not http.Server's close(), which would also close the idle
      // connections at once: see IDLE_GRACE_MS.
      net.Server.prototype.close.call(server, () => {
        clearTimeout(timer);
        resolve();
      });
      closeIdleSoon();
    });
  return { server, stop };
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
    stoppers.push({ name: 'job queue', stop: (deadline) => queue.stop(deadline) });
    if (config.runWorkers) {
      // Beside the web server, mail takes a smaller share of the event loop than
      // in a worker process of its own: signing is what a surge must not slow.
      const workers = await startWorkers({ config, db: pool, queue, log, jobs, periodicTasks, concurrency: 3 });
      stoppers.push({ name: 'workers', stop: (deadline) => workers.stop(deadline) });
    }

    const web = createWebServer(createApp({ config, db: pool, log, queue, secret }), log);
    await listen(web.server, config.port, config.host);
    stoppers.push({ name: 'web server', stop: web.stop });
  } catch (error) {
    await stopAll(stoppers, log);
    throw error;
  }
  log.info(`Placard is running at ${config.baseUrl}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const startedAt = Date.now();
    log.info({ signal, deadlineMs: STOP_DEADLINE_MS }, 'shutting down');
    // Should a step hang despite its deadline, exit anyway rather than wait for SIGKILL.
    setTimeout(() => {
      log.error('did not stop in time; exiting anyway');
      process.exit(1);
    }, STOP_DEADLINE_MS + 2 * STEP_GRACE_MS).unref();
    await stopAll(stoppers, log, startedAt);
    log.info({ ms: Date.now() - startedAt }, 'stopped');
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
