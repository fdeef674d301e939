// Starts what works in the background: the queue's job handlers and the
// update-counts loop. Runs inside the web process by default (RUN_WORKERS) or
// alone as `npm run worker`.
import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { startCountLoop } from '../actions/counts.ts';
import { createMailer, type Mailer } from '../mail/mailer.ts';
import { createEmailRenderer } from '../mail/templates.ts';
import { sendConfirmation } from '../signatures/send-confirmation.job.ts';
import type { JobPayloads, Queue } from './queue.ts';

export type Workers = { stop: () => Promise<void> };

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

  // pg-boss 10 runs one batch at a time per work() call: several calls give concurrency.
  for (let i = 0; i < (options.mailConcurrency ?? 4); i++) {
    await queue.boss.work<JobPayloads['send-confirmation']>('send-confirmation', polling, async ([job]) => {
      if (!job) return;
      const outcome = await sendConfirmation(deps, job.data);
      log.debug({ job: job.id, outcome }, 'send-confirmation');
    });
  }
  const counts = startCountLoop({ db, intervalMs: config.countIntervalMs, log });

  return {
    async stop() {
      await counts.stop();
      await queue.boss.offWork('send-confirmation');
      mailer.close();
    },
  };
}
