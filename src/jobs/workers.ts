// Starts what works in the background: the job handlers, the update-counts
// loop and maintenance. Runs inside the web process by default (RUN_WORKERS)
// or alone as `npm run worker`.
import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { startCountLoop } from '../actions/counts.ts';
import { createMailer, type Mailer } from '../mail/mailer.ts';
import { createEmailRenderer } from '../mail/templates.ts';
import { sendConfirmation } from '../signatures/send-confirmation.job.ts';
import { startMaintenance } from './maintenance.ts';
import type { JobName, JobPayloads, Queue } from './queue.ts';

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
  mailer?: Mailer;
  /** How many emails are sent side by side in this process. */
  mailConcurrency?: number;
  pollingIntervalSeconds?: number;
}): Promise<Workers> {
  const { config, db, queue, log } = options;
  const mailer = options.mailer ?? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, log });
  const deps = { db, mailer, renderEmail: createEmailRenderer(), config, log };

  const confirmations = runJobs({
    queue,
    name: 'send-confirmation',
    concurrency: options.mailConcurrency ?? 10,
    idleMs: (options.pollingIntervalSeconds ?? 1) * 1000,
    handler: (data) => sendConfirmation(deps, data),
    log,
  });
  const counts = startCountLoop({ db, intervalMs: config.countIntervalMs, log });
  const maintenance = startMaintenance({ db, log });

  return {
    async stop() {
      await counts.stop();
      await maintenance.stop();
      await confirmations.stop();
      mailer.close();
    },
  };
}
