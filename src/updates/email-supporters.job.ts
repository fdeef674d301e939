// The email-supporters job: the fan-out of one update. It snapshots who gets
// it into update_recipients, in keyset batches of supporters, each batch one
// transaction that inserts its rows (once each: the primary key) and moves the
// update's cursor. Killed halfway, the job's retry carries on after the
// cursor; a batch run twice inserts nothing twice. Delivery (deliver.task.ts)
// sends the rows as they appear, so a large audience starts at once.
import { withTransaction, type Pool } from '../db/pool.ts';
import { defineJob } from '../jobs/job.ts';
import * as repo from './updates.repo.ts';

export type EmailSupportersData = { updateId: number };

declare module '../jobs/job.ts' {
  interface JobPayloads {
    'email-supporters': EmailSupportersData;
  }
}

// A batch is a few milliseconds of work and holds the update's row only that long.
export const FAN_OUT_BATCH = 1000;

/** Runs the fan-out to its end (or until the update is cancelled); returns the rows it inserted. */
export async function fanOut(db: Pool, updateId: number, batchSize = FAN_OUT_BATCH): Promise<number> {
  let inserted = 0;
  for (;;) {
    const finished = await withTransaction(db, async (client) => {
      const update = await repo.lockUpdate(client, updateId);
      // Cancelled, deleted or already complete: nothing more to snapshot.
      if (!update || update.state !== 'sending' || update.fanned_out_at) return true;
      const actionIds = update.audience === 'actions' ? update.action_ids.map(Number) : null;
      const batch = await repo.fanOutBatch(client, updateId, Number(update.fan_out_cursor), actionIds, batchSize);
      inserted += batch.inserted;
      if (batch.looked_at < batchSize) {
        await repo.finishFanOut(client, updateId);
        return true;
      }
      return false;
    });
    if (finished) return inserted;
  }
}

export const emailSupportersJob = defineJob({
  name: 'email-supporters',
  // Database work only: retried soon after a failure, for about a day.
  retry: { retryLimit: 20, retryDelay: 10, retryBackoff: true, expireInSeconds: 600 },
  handler: async ({ db }, data) => fanOut(db, data.updateId),
});
