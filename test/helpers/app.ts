// A Placard app wired as in production, over a fresh database, without a port:
// the real job queue (pg-boss) and, when asked, the real workers.
import type { Express } from 'express';
import { createApp } from '../../src/app.ts';
import { createHealthProbe } from '../../src/db/health.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { jobs, periodicTasks } from '../../src/features.ts';
import { startQueue, type Queue } from '../../src/jobs/queue.ts';
import { startWorkers, type Workers } from '../../src/jobs/workers.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export type TestApp = {
  app: Express;
  config: Config;
  db: TestDatabase;
  queue: Queue;
  log: Logger;
  workers?: Workers;
  close: () => Promise<void>;
};

export type TestAppOptions = {
  env?: Record<string, string>;
  /** Start the job workers and the count loop in-process (needs SMTP_URL in env for real mail). */
  workers?: boolean;
  /** Quick retries, so a test of an SMTP outage does not wait minutes. */
  retryDelaySeconds?: number;
  /** The logger of the app, the queue and the workers (by default a silent one, or TEST_LOG_LEVEL's). */
  log?: Logger;
};

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    BASE_URL: 'http://placard.test',
    APP_SECRET: 'test-secret-test-secret-test-secret-0123',
    DATA_DIR: 'data/test-mail',
    COUNT_INTERVAL_MS: '200',
    // Tests change rows and look at the page at once: pages are kept only where a
    // test asks (test/http/page-cache.test.ts, the browser tests, the journeys).
    PAGE_CACHE_MS: '0',
    ...options.env,
  });
  const log = options.log ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const queue = await startQueue({
    connectionString: db.url,
    log,
    jobs,
    supervise: false,
    retry: { retryDelay: options.retryDelaySeconds ?? 1, retryBackoff: false },
  });
  const workers = options.workers ? await startTestWorkers({ config, db, queue, log }) : undefined;
  const health = createHealthProbe(db.url, log);
  const app = createApp({ config, db: db.pool, log, queue, secret: config.appSecret!, health });
  return {
    app,
    config,
    db,
    queue,
    log,
    workers,
    close: async () => {
      await workers?.stop();
      await queue.stop();
      await health.close();
      await db.drop();
    },
  };
}

/** The real workers of every feature, polling quickly, on a test app's database and queue (or another queue on it). */
export function startTestWorkers(t: Pick<TestApp, 'config' | 'db' | 'queue' | 'log'>, queue: Queue = t.queue): Promise<Workers> {
  return startWorkers({ config: t.config, db: t.db.pool, queue, log: t.log, jobs, periodicTasks, pollingIntervalSeconds: 0.5 });
}
