// Scheduled letters: at the letter's wall time in each recipient's own zone
// (the morning of an anniversary in Berlin, and in Washington hours later),
// one letter per recipient naming everyone routed to it by then. The run is
// recorded (letter_scheduled_runs) in the transaction that queues its
// deliveries, so it happens once per recipient and time, across restarts and
// two workers; one worker at a time runs it anyway (LOCKS.startScheduledLetters).
import type { PoolClient } from 'pg';
import { LOCKS } from '../db/locks.ts';
import type { PeriodicTask, WorkerContext } from '../jobs/job.ts';
import { scheduledInstant } from './collective-time.ts';
import * as repo from './letter-digests.repo.ts';

export type QueuedScheduled = { actionId: number; recipientId: number; deliveryIds: number[]; signatories: number };

async function scheduledFor(client: PoolClient, letter: repo.ScheduledLetter, recipient: repo.CollectiveRecipient, now: Date): Promise<QueuedScheduled | undefined> {
  if (scheduledInstant(letter.scheduled_local, recipient.time_zone).getTime() > now.getTime()) return undefined;
  // Without a working address the run is not spent: it goes once an address works again.
  if ((await repo.countActiveAddresses(client, recipient.id)) === 0) return undefined;
  await client.query('BEGIN');
  try {
    if (!(await repo.claimScheduledRun(client, letter.action_id, recipient.id, letter.scheduled_local, now))) {
      await client.query('COMMIT');
      return undefined;
    }
    const range = await repo.scheduledRange(client, letter.action_id, recipient.id);
    let deliveryIds: number[] = [];
    // Nobody had signed by the time: no letter (the run is spent all the same).
    if (range.upto && range.total > 0) {
      deliveryIds = await repo.insertCollectiveDeliveries(client, {
        actionId: letter.action_id,
        recipientId: recipient.id,
        kind: 'scheduled',
        after: null,
        upto: range.upto,
        signatoryCount: range.total,
        totalCount: range.total,
        attachPdf: letter.attach_pdf,
        notBefore: now,
      });
    }
    await repo.finishScheduledRun(client, letter.action_id, recipient.id, letter.scheduled_local, deliveryIds.length);
    await client.query('COMMIT');
    return { actionId: letter.action_id, recipientId: recipient.id, deliveryIds, signatories: range.total };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Queues the scheduled letters whose local time has come by `now` (the caller's clock). */
export async function startScheduledLetters(client: PoolClient, now: Date): Promise<QueuedScheduled[]> {
  const queued: QueuedScheduled[] = [];
  for (const letter of await repo.scheduledLetters(client)) {
    for (const recipient of await repo.routedRecipients(client, letter.action_id)) {
      const done = await scheduledFor(client, letter, recipient, now);
      if (done) queued.push(done);
    }
  }
  return queued;
}

export const startScheduledLettersTask: PeriodicTask = {
  name: 'start-scheduled-letters',
  intervalMs: () => 30_000,
  exclusiveLock: LOCKS.startScheduledLetters,
  run: async (context: WorkerContext, db) => {
    const queued = await startScheduledLetters(db as PoolClient, new Date());
    for (const s of queued) context.log.info({ action: s.actionId, recipient: s.recipientId, signatories: s.signatories, deliveries: s.deliveryIds.length }, 'scheduled letter queued');
  },
};
