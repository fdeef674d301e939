// The purge of personal data that is no longer needed: pending signatures
// (with what was submitted for them) and pending RSVPs PENDING_RETENTION_DAYS
// after their last link expired, old confirmation tokens, and the supporters left with no
// pledge and no consent to updates. Every few minutes, in one worker
// process at a time.
import { LOCKS } from '../db/locks.ts';
import type { PeriodicTask } from '../jobs/job.ts';
import { purgeSupportersWithNothingLeft } from '../supporters/supporters.repo.ts';
import { purgeStalePendingRsvps } from '../protests/rsvp.repo.ts';
import { purgeStale } from './signatures.repo.ts';

// An unconfirmed signature is kept this long after its last link expired.
export const PENDING_RETENTION_DAYS = 30;

export const purgeStaleSignaturesTask: PeriodicTask = {
  name: 'purge-stale-signatures',
  intervalMs: () => 5 * 60_000,
  exclusiveLock: LOCKS.purgeSignatures,
  run: async ({ config }, db) => {
    await purgeStalePendingRsvps(db, PENDING_RETENTION_DAYS, config.confirmationTtlDays);
    await purgeStale(db, PENDING_RETENTION_DAYS, config.confirmationTtlDays);
    // Then the supporters left with no pledge and no consent (those signatures were all that was left of them).
    await purgeSupportersWithNothingLeft(db);
  },
};
