// Housekeeping every few minutes: forget expired rate-limit windows, and
// delete personal data that is no longer needed (unconfirmed signatures and
// old confirmation tokens). Every worker process runs the loop; an advisory
// lock lets one of them at a time do a round, and the others skip it.
import { checkOut, type Pool } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';
import { pruneRateLimits } from '../db/rate-limit-store.ts';
import type { Logger } from '../log.ts';
import { purgeStale } from '../signatures/signatures.repo.ts';
import { every, type Loop } from './every.ts';

const sql = loadQueries('maintenance.sql', ['try-maintenance-lock', 'maintenance-unlock']);

const MAINTENANCE_INTERVAL_MS = 5 * 60_000;
// An unconfirmed signature is kept this long after its last link expired.
export const PENDING_RETENTION_DAYS = 30;

/** One round, unless another process is doing one; returns whether this one ran. */
export async function runMaintenance(db: Pool): Promise<boolean> {
  const { client, done } = await checkOut(db);
  let discard = false;
  try {
    const { rows } = await client.query<{ locked: boolean }>(sql['try-maintenance-lock']);
    if (!rows[0]!.locked) return false;
    try {
      // On the lock's own connection, so the round needs one connection only.
      await pruneRateLimits(client);
      await purgeStale(client, PENDING_RETENTION_DAYS);
    } finally {
      // Should the unlock fail, closing the connection releases the lock.
      await client.query(sql['maintenance-unlock']).catch(() => {
        discard = true;
      });
    }
    return true;
  } finally {
    done(discard);
  }
}

export function startMaintenance(options: { db: Pool; log: Logger; intervalMs?: number }): Loop {
  const round = async () => {
    if (!(await runMaintenance(options.db))) options.log.debug('maintenance: another process has this round');
  };
  return every(options.intervalMs ?? MAINTENANCE_INTERVAL_MS, round, (error) => options.log.warn({ err: error }, 'maintenance failed; will retry'));
}
