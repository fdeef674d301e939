// The anonymisation of signatures of long-closed actions (e-petitions keep
// signers' details six months after a petition closes): ANONYMISE_AFTER_DAYS
// after an action stopped taking signatures, its confirmed signatures keep only
// what its count and breakdown by country need, and its pending ones are
// deleted. RSVPs go sooner: RSVPS_ANONYMISE_AFTER_DAYS after a protest ends,
// who went is forgotten and only the count stays (people who protest at an
// embassy may face reprisals at home). Expired privacy links are forgotten in
// the same round. Hourly, in one worker process at a time.
import { LOCKS } from '../db/locks.ts';
import type { Queryable } from '../db/pool.ts';
import type { PeriodicTask } from '../jobs/job.ts';
import { anonymisePastRsvps } from '../protests/rsvp.repo.ts';
import * as repo from './privacy.repo.ts';

// Each statement takes this many signatures: a fraction of a second, so no row
// stays locked long and an organiser's recount never waits behind a whole action.
export const ANONYMISE_BATCH = 5000;

export type AnonymiseRound = { actions: number; anonymised: number; deleted: number };

/** One round: every action due, walked to its end a batch at a time (each batch its own statement and transaction). */
export async function anonymiseClosedActions(db: Queryable, afterDays: number, batch = ANONYMISE_BATCH): Promise<AnonymiseRound> {
  const round: AnonymiseRound = { actions: 0, anonymised: 0, deleted: 0 };
  for (const action of await repo.listActionsToAnonymise(db, afterDays)) {
    let afterId = 0;
    for (;;) {
      const done = await repo.anonymiseSignatures(db, action.id, afterId, batch, action.closes);
      round.anonymised += done.anonymised;
      round.deleted += done.deleted;
      if (done.last_id === null) break;
      afterId = done.last_id;
    }
    await repo.markActionAnonymised(db, action.id, action.closes);
    round.actions += 1;
  }
  return round;
}

export const anonymiseSignaturesTask: PeriodicTask = {
  name: 'anonymise-signatures',
  intervalMs: () => 60 * 60_000,
  exclusiveLock: LOCKS.anonymiseSignatures,
  run: async ({ config, log }, db) => {
    const round = await anonymiseClosedActions(db, config.anonymiseAfterDays);
    const rsvps = await anonymisePastRsvps(db, config.rsvpsAnonymiseAfterDays);
    await repo.purgeExpiredPrivacyLinks(db);
    if (round.actions > 0) log.info(round, 'anonymised the signatures of long-closed actions');
    if (rsvps.anonymised + rsvps.deleted > 0) log.info(rsvps, 'anonymised the RSVPs of past protests');
  },
};
