// Starts what works in the background: the queue's job handlers and the
// update-counts loop. Runs inside the web process by default (RUN_WORKERS) or
// alone as `npm run worker`.
import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { startCountLoop } from '../actions/counts.ts';
import { startMaintenance } from './maintenance.ts';
import { createMailer, type Mailer } from '../mail/mailer.ts';
import { createEmailRenderer } from '../mail/templates.ts';
import { sendConfirmation } from '../signatures/send-confirmation.job.ts';
import type { JobPayloads, Queue } from './queue.ts';

export type Workers = { stop: () => Promise<void> };

const STOP_WAIT_MS = 60_000;

export async function startWorkers(options: {
  config: Config;
  db: Pool;
  queue: Queue;
  log: Logger;
  mailer?: Mailer;
  /** How many send-confirmation jobs run at once in this process. */
  mailConcurrency?: number;
  pollingIntervalSeconds?: number;
}): Promise<Workers> {
  const { config, db, queue, log } = options;
  const mailer = options.mailer ?? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, log });
  const renderEmail = createEmailRenderer();
  const deps = { db, mailer, renderEmail, config, log };
  const polling = { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1 };
  // Jobs running now: stop() waits for them, since pg-boss's offWork does not.
  let running = 0;

  // pg-boss 10 runs one batch at a time per work() call: several calls give concurrency.
  for (let i = 0; i < (options.mailConcurrency ?? 4); i++) {
    await queue.boss.work<JobPayloads['send-confirmation']>('send-confirmation', polling, async ([job]) => {
      if (!job) return;
      running++;
      try {
        const outcome = await sendConfirmation(deps, job.data);
        log.debug({ job: job.id, outcome }, 'send-confirmation');
      } finally {
        running--;
      }
    });
  }
  const counts = startCountLoop({ db, intervalMs: config.countIntervalMs, log });
  const maintenance = startMaintenance({ db, log });

  return {
    async stop() {
      await counts.stop();
      await maintenance.stop();
      await queue.boss.offWork('send-confirmation');
      // Longer than the SMTP timeouts, so a send in progress ends on its own.
      const deadline = Date.now() + STOP_WAIT_MS;
      while (running > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      if (running > 0) log.warn({ running }, 'jobs still running at shutdown; they will be retried');
      mailer.close();
    },
  };
}
