// The update-counts loop: every few seconds, recount the actions that had
// confirmations, so no request ever writes a shared counter row. An advisory
// lock lets one instance count at a time; the others skip that round.
import { withTransaction, type Pool } from '../db/pool.ts';
import { every } from '../jobs/every.ts';
import type { Logger } from '../log.ts';
import { tryCountLock, updateStaleCounts } from './actions.repo.ts';

// Every count is recomputed at least this often, whatever happened.
export const RECONCILE_AFTER_MS = 60_000;

export async function updateCounts(db: Pool): Promise<number> {
  return withTransaction(db, async (client) => {
    if (!(await tryCountLock(client))) return 0;
    const updated = await updateStaleCounts(client, RECONCILE_AFTER_MS);
    return updated.length;
  });
}

/** Runs updateCounts every intervalMs until stopped. */
export function startCountLoop(options: { db: Pool; intervalMs: number; log: Logger }) {
  return every(options.intervalMs, () => updateCounts(options.db), (error) => options.log.warn({ err: error }, 'update-counts failed; will retry'));
}
