// Starts what works in the background: the handlers of the jobs and the
// periodic tasks that features register (src/features.ts). Runs inside the web
// process by default (RUN_WORKERS) or alone as `npm run worker`.
import { persistently } from '../db/persistently.ts';
import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
import { settlesBy } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { createMailer, type Mailer } from '../mail/mailer.ts';
import { createEmailRenderer } from '../mail/templates.ts';
import type { AnyJobDefinition, JobDefinition, JobName, JobPayloads, PeriodicTask, WorkerContext } from './job.ts';
import { startPeriodicTask } from './periodic.ts';
import type { Queue } from './queue.ts';

export type Workers = {
  /**
   * Stops taking jobs and lets the jobs in hand finish until `deadline` (a
   * Date.now() value); a job still running then is handed back to pg-boss,
   * which retries it (jobs are idempotent by key).
   */
  stop: (deadline?: number) => Promise<void>;
};

// Without a deadline from the caller: a send normally takes well under a second.
const DEFAULT_STOP_WAIT_MS = 5_000;

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
}): Workers {
  const { queue, name, log } = options;
  let stopped = false;
  const inHand = new Set<string>();
  // Jobs handed back to the queue at the stop deadline: whatever they do next is not reported.
  const handedBack = new Set<string>();
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
          inHand.add(job.id);
          try {
            await options.handler(job.data);
            // Through a database blip: else a job done stays active until pg-boss expires it (bench:faults).
            if (!handedBack.has(job.id)) await persistently(() => queue.boss.complete(name, job.id));
          } catch (error) {
            if (handedBack.has(job.id)) return;
            log.warn({ job: name, id: job.id, error: (error as Error).message }, 'job failed; it will be retried');
            await persistently(() => queue.boss.fail(name, job.id, { message: (error as Error).message })).catch(() => undefined);
          } finally {
            inHand.delete(job.id);
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
    async stop(deadline = Date.now() + DEFAULT_STOP_WAIT_MS) {
      stopped = true;
      wake?.();
      // Jobs in hand may finish until the deadline; one still running then is
      // failed now, so that pg-boss retries it after its delay rather than
      // when it expires as the job of a dead worker.
      if (await settlesBy(loop, deadline)) return;
      const ids = [...inHand];
      if (!ids.length) return;
      for (const id of ids) handedBack.add(id);
      log.warn({ job: name, ids }, 'jobs still running at the stop deadline; handed back to the queue to retry');
      await Promise.all(ids.map((id) => queue.boss.fail(name, id, { message: 'the worker stopped before the job finished' }))).catch((error: unknown) =>
        log.warn({ err: error, job: name }, 'could not hand jobs back; they will be retried when they expire'),
      );
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
  const mailer = options.mailer ?? createMailer({
    smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, env: config.env, log, envelopeFrom: config.mailEnvelopeFrom, dkim: config.dkim,
  });
  const context: WorkerContext = { db, mailer, renderEmail: createEmailRenderer(), config, log, queue };

  const jobRunners = options.jobs.map((definition) => {
    // Each definition's handler takes its own payload; pg-boss hands back what that job's name was enqueued with.
    const job = definition as JobDefinition<JobName> & { handler: (context: WorkerContext, data: unknown) => Promise<unknown> };
    return runJobs({
      queue,
      name: job.name,
      concurrency: options.concurrency ?? 10,
      idleMs: (options.pollingIntervalSeconds ?? 1) * 1000,
      handler: (data) => job.handler(context, data),
      log,
    });
  });
  const loops = options.periodicTasks.map((task) => startPeriodicTask(task, context));

  return {
    async stop(deadline = Date.now() + DEFAULT_STOP_WAIT_MS) {
      // Side by side, each within the deadline. A periodic round still running
      // then ends with the process: its transaction rolls back.
      await Promise.all([
        ...loops.map((loop) => settlesBy(loop.stop(), deadline)),
        ...jobRunners.map((runner) => runner.stop(deadline)),
      ]);
      mailer.close();
    },
  };
}
