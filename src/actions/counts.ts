// The update-counts loop, a periodic task (not a queue job): every
// COUNT_INTERVAL_MS, recount the actions that had confirmations, so no request
// ever writes a shared counter row. An advisory lock lets one process count at
// a time; the others skip that round.
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import type { PeriodicTask } from '../jobs/job.ts';
import { tryCountLock, updateStaleCounts, waitCountLock } from './actions.repo.ts';

// Each open action is recounted in full at least this often, whatever happened,
// so a count that drifted is put right. "Open" is the stored status: an action
// past its deadline is still reconciled, since it still takes the confirmations
// of signatures made before the deadline. Closed and won actions take no more
// confirmations, so their last count stands (they are counted once more if one
// arrives anyway, e.g. confirmed just before the action closed). Any action
// with a confirmation since its last count is recounted in the next round.
export const RECONCILE_AFTER_MS = 60_000;

/** One round; the number of actions recounted (0 when another process holds the lock). */
export async function updateCounts(db: Pool): Promise<number> {
  return withTransaction(db, async (client) => {
    if (!(await tryCountLock(client))) return 0;
    const updated = await updateStaleCounts(client, RECONCILE_AFTER_MS);
    return updated.length;
  });
}

/**
 * Recounts one action now, on the transaction that changed what counts (an
 * organiser invalidating or restoring signatures), so the count is right the
 * moment it commits. Waits for a round in progress rather than racing it: a
 * round that read the signatures before this change must not write its count
 * after. The same statement as the rounds, for this action only.
 */
export async function recountAction(client: Queryable, actionId: number | string): Promise<number> {
  await waitCountLock(client);
  const [row] = await updateStaleCounts(client, RECONCILE_AFTER_MS, actionId);
  return row?.signature_count ?? 0;
}

export const updateCountsTask: PeriodicTask = {
  name: 'update-counts',
  intervalMs: (config) => config.countIntervalMs,
  run: ({ db }) => updateCounts(db),
};
