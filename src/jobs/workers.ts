// Starts what works in the background: the handlers of the jobs and the
// periodic tasks that features register (src/features.ts), and maintenance. Runs inside the web process by default (RUN_WORKERS)
// or alone as `npm run worker`.
import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { createMailer, type Mailer } from '../mail/mailer.ts';
import { createEmailRenderer } from '../mail/templates.ts';
import { every } from './every.ts';
import type { AnyJobDefinition, JobName, JobPayloads, PeriodicTask, WorkerContext } from './job.ts';
import { startMaintenance } from './maintenance.ts';
import type { Queue } from './queue.ts';

export type Workers = { stop: () => Promise<void> };

// Longer than the SMTP timeouts, so that a send in progress ends on its own.
const STOP_WAIT_MS = 60_000;

type Handler<N extends JobName> = (data: JobPayloads[N]) => Promise<unknown>;

/**
 * Takes jobs of one name in batches and runs each batch's jobs side by side,
 * completing or failing each on its own (pg-boss's work() would fail a whole
 * batch for one bad job, and waits a polling interval between batches even
 * with a backlog). A full batch is followed at once by the next.
 */
function runJobs<N extends JobName>(options: {
  queue: Queue;
  name: N;
  concurrency: number;
  idleMs: number;
  handler: Handler<N>;
  log: Logger;
}): { stop: () => Promise<void> } {
  const { queue, name, log } = options;
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      let jobs: { id: string; data: JobPayloads[N] }[] = [];
      try {
        jobs = await queue.boss.fetch<JobPayloads[N]>(name, { batchSize: options.concurrency });
      } catch (error) {
        log.warn({ err: error, job: name }, 'could not fetch jobs; will try again');
      }
      await Promise.all(
        jobs.map(async (job) => {
          try {
            await options.handler(job.data);
            await queue.boss.complete(name, job.id);
          } catch (error) {
            log.warn({ job: name, id: job.id, error: (error as Error).message }, 'job failed; it will be retried');
            await queue.boss.fail(name, job.id, { message: (error as Error).message }).catch(() => undefined);
          }
        }),
      );
      if (jobs.length < options.concurrency && !stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.idleMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      // Jobs in hand finish (pg-boss would retry them anyway if this process died).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([loop, new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
      clearTimeout(timer);
    },
  };
}

export async function startWorkers(options: {
  config: Config;
  db: Pool;
  queue: Queue;
  log: Logger;
  jobs: readonly AnyJobDefinition[];
  periodicTasks: readonly PeriodicTask[];
  mailer?: Mailer;
  /** How many jobs of each name run side by side in this process (beside a web server, fewer). */
  concurrency?: number;
  pollingIntervalSeconds?: number;
}): Promise<Workers> {
  const { config, db, queue, log } = options;
  const mailer = options.mailer ?? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, env: config.env, log });
  const context: WorkerContext = { db, mailer, renderEmail: createEmailRenderer(), config, log };

  const jobRunners = options.jobs.map((job) =>
    runJobs({
      queue,
      name: job.name,
      concurrency: options.concurrency ?? 10,
      idleMs: (options.pollingIntervalSeconds ?? 1) * 1000,
      handler: (data) => job.handler(context, data),
      log,
    }),
  );
  const loops = options.periodicTasks.map((task) =>
    every(task.intervalMs(config), () => task.run(context), (error) => log.warn({ err: error, task: task.name }, 'periodic task failed; will retry')),
  );
  const maintenance = startMaintenance({ db, log, linkTtlDays: config.confirmationTtlDays });

  return {
    async stop() {
      await Promise.all(loops.map((loop) => loop.stop()));
      await maintenance.stop();
      await Promise.all(jobRunners.map((runner) => runner.stop()));
      mailer.close();
    },
  };
}
