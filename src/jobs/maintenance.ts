// Housekeeping every few minutes: forget expired rate-limit windows, and
// delete personal data that is no longer needed (unconfirmed signatures and
// old confirmation tokens).
import type { Pool } from '../db/pool.ts';
import { pruneRateLimits } from '../db/rate-limit-store.ts';
import type { Logger } from '../log.ts';
import { purgeStale } from '../signatures/signatures.repo.ts';
import { every, type Loop } from './every.ts';

const MAINTENANCE_INTERVAL_MS = 5 * 60_000;
// An unconfirmed signature is kept this long after its last link expired.
export const PENDING_RETENTION_DAYS = 30;

export async function runMaintenance(db: Pool): Promise<void> {
  await pruneRateLimits(db);
  await purgeStale(db, PENDING_RETENTION_DAYS);
}

export function startMaintenance(options: { db: Pool; log: Logger; intervalMs?: number }): Loop {
  return every(options.intervalMs ?? MAINTENANCE_INTERVAL_MS, () => runMaintenance(options.db), (error) =>
    options.log.warn({ err: error }, 'maintenance failed; will retry'),
  );
}
