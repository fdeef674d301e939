// Digests: one letter per recipient every day or week with the signatories
// since the last one (issue 10). Each recipient's cursor (letter_digest_cursors)
// is a point in confirmation order, (confirmed_xid, id); a digest names what
// lies after it, below the oldest transaction still running, that no letter of
// its own named, then moves it, in one transaction with the deliveries it
// queues. So no signatory is named twice or passed over, across runs, restarts,
// a confirmation committed late and a change of mode (each → digest → each:
// the letter's last cursor is flushed in one last digest). One worker at a time
// (LOCKS.startLetterDigests); B's sender sends the deliveries.
//
// The horizon is the server's, not the database's (transaction ids are
// cluster-wide): a write transaction left open anywhere on the server (idle in
// transaction, another database's) holds back the signatures confirmed after
// it began until it ends. A digest then names them late, never skips them.
import type { PoolClient } from 'pg';
import { LOCKS } from '../db/locks.ts';
import type { PeriodicTask, WorkerContext } from '../jobs/job.ts';
import { isDigestTime, nextDigestAt, type DigestSchedule } from './collective-time.ts';
import * as repo from './letter-digests.repo.ts';

export type QueuedDigest = { actionId: number; recipientId: number; deliveryIds: number[]; signatories: number };

async function inTransaction<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** One recipient's turn: a digest when it is due (or, out of digest mode, when its cursor has leftovers). */
async function digestFor(client: PoolClient, letter: repo.DigestLetter, recipient: repo.CollectiveRecipient, now: Date): Promise<QueuedDigest | undefined> {
  const schedule: DigestSchedule = { every: letter.digest_every, hour: letter.digest_hour, timeZone: recipient.time_zone };
  const inDigestMode = letter.delivery === 'digest';
  return inTransaction(client, async () => {
    if (inDigestMode) await repo.ensureCursor(client, letter.action_id, recipient.id, nextDigestAt(now, schedule));
    const cursor = await repo.lockCursor(client, letter.action_id, recipient.id);
    if (!cursor) return undefined;
    const nextDue = inDigestMode ? nextDigestAt(now, schedule) : null;
    if (inDigestMode) {
      if (!cursor.next_due_at || !isDigestTime(cursor.next_due_at, schedule)) {
        // Set under other settings (or out of digest mode until now): the next time of these.
        await repo.moveCursor(client, letter.action_id, recipient.id, null, nextDue);
        return undefined;
      }
      if (cursor.next_due_at.getTime() > now.getTime()) return undefined;
    }
    const range = await repo.digestRange(client, letter.action_id, recipient.id, cursor.last);
    if (range.newCount === 0 || !range.upto) {
      // Everyone walked had a letter of their own, or nobody was routed here:
      // the cursor passes them and every other signature walked past, so the
      // next walk starts at the action's last confirmation, not this recipient's.
      await repo.moveCursor(client, letter.action_id, recipient.id, range.passed ?? range.upto, nextDue);
      return undefined;
    }
    if ((await repo.countActiveAddresses(client, recipient.id)) === 0) {
      // No address to write to: the cursor stays, and the next digest to a working address names them.
      await repo.moveCursor(client, letter.action_id, recipient.id, null, nextDue);
      return undefined;
    }
    const totalCount = await repo.countRoutedUpto(client, letter.action_id, recipient.id, range.upto);
    const deliveryIds = await repo.insertCollectiveDeliveries(client, {
      actionId: letter.action_id,
      recipientId: recipient.id,
      kind: 'digest',
      after: cursor.last,
      upto: range.upto,
      signatoryCount: range.newCount,
      totalCount,
      attachPdf: letter.attach_pdf,
      notBefore: now,
    });
    await repo.moveCursor(client, letter.action_id, recipient.id, range.upto, nextDue);
    return { actionId: letter.action_id, recipientId: recipient.id, deliveryIds, signatories: range.newCount };
  });
}

/**
 * Queues the digests due at `now` (the caller's clock: the periodic task
 * passes the time, tests their own), one transaction per recipient on `client`.
 */
export async function startLetterDigests(client: PoolClient, now: Date): Promise<QueuedDigest[]> {
  const queued: QueuedDigest[] = [];
  for (const letter of await repo.lettersToDigest(client)) {
    const routed = await repo.routedRecipients(client, letter.action_id);
    // In digest mode, everyone the letter goes to; switched back to 'each', the cursors it left.
    const recipients = letter.delivery === 'digest' ? routed : await cursorsOf(client, letter.action_id);
    for (const recipient of recipients) {
      const digest = await digestFor(client, letter, recipient, now);
      if (digest) queued.push(digest);
    }
  }
  return queued;
}

async function cursorsOf(client: PoolClient, actionId: number): Promise<repo.CollectiveRecipient[]> {
  const recipients = await Promise.all((await repo.cursorRecipients(client, actionId)).map((id) => repo.getRecipient(client, id)));
  return recipients.filter((r): r is repo.CollectiveRecipient => r !== undefined);
}

export const startLetterDigestsTask: PeriodicTask = {
  name: 'start-letter-digests',
  // A digest's time is an hour: a minute late is on time.
  intervalMs: () => 60_000,
  exclusiveLock: LOCKS.startLetterDigests,
  run: async (context: WorkerContext, db) => {
    const queued = await startLetterDigests(db as PoolClient, new Date());
    for (const d of queued) context.log.info({ action: d.actionId, recipient: d.recipientId, signatories: d.signatories, deliveries: d.deliveryIds.length }, 'letter digest queued');
  },
};
