// Starts the scheduled updates whose time has come: each becomes 'sending'
// and its fan-out job is queued, in one transaction (the job exists exactly
// when the update started). One worker at a time (LOCKS.startDueUpdates);
// every few seconds, so an update goes out within seconds of its time.
import type { PoolClient } from 'pg';
import { recordAudit } from '../admin/audit.ts';
import { LOCKS } from '../db/locks.ts';
import type { PeriodicTask, WorkerContext } from '../jobs/job.ts';
import * as repo from './updates.repo.ts';

export async function startDueUpdates(context: Pick<WorkerContext, 'queue'>, client: PoolClient): Promise<number[]> {
  const { queue } = context;
  if (!queue) throw new Error('start-due-updates needs the job queue in its context (startWorkers sets it)');
  await client.query('BEGIN');
  try {
    const due = await repo.startDueUpdates(client);
    for (const update of due) {
      await queue.enqueue(client, 'email-supporters', { updateId: update.id });
      await recordAudit(client, {
        organiserId: null,
        event: 'update.start',
        subject: { type: 'update', id: update.id },
        summary: `Started sending the scheduled update “${update.subject}”`,
        after: { state: 'sending' },
      });
    }
    await client.query('COMMIT');
    return due.map((u) => u.id);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export const startDueUpdatesTask: PeriodicTask = {
  name: 'start-due-updates',
  intervalMs: () => 2000,
  exclusiveLock: LOCKS.startDueUpdates,
  // An exclusive task's `db` is the lock's own connection (src/jobs/periodic.ts): the transaction runs on it.
  run: (context, db) => startDueUpdates(context, db as PoolClient),
};
