// Supporters: one per address, across actions. A pledge (a signature now, an
// RSVP later) confirmed from the mailbox is what makes a supporter real: only
// then do they get a name, a consent in the ledger, and off the suppression list
// what their own confirmation disproves.
import type { Queryable } from '../db/pool.ts';
import { liftSuppressions } from '../mail/suppressions.ts';
import * as repo from './supporters.repo.ts';

export type ConfirmedPledge = {
  supporterId: number;
  /** What they typed for this pledge. */
  name: string;
  /** Whether they ticked "email me updates", and the words beside that box. */
  wantsUpdates: boolean;
  consentWording: string;
  source: repo.ConsentSource;
  actionId: number | null;
};

/**
 * In the transaction that confirms a pledge. The address works (it received
 * the link), so an old bounce no longer holds; and when they asked for updates,
 * neither does an earlier unsubscribe, erasure or complaint: the mailbox owner
 * has just asked again. Not ticking the box on one pledge withdraws nothing.
 */
export async function recordConfirmedPledge(db: Queryable, pledge: ConfirmedPledge): Promise<void> {
  const email = await repo.confirmSupporter(db, pledge.supporterId, pledge.name);
  if (email === undefined) return;
  if (pledge.wantsUpdates) {
    await repo.giveConsent(db, {
      supporterId: pledge.supporterId,
      purpose: 'campaign-updates',
      wording: pledge.consentWording,
      source: pledge.source,
      sourceActionId: pledge.actionId,
    });
    await liftSuppressions(db, email, ['bounce', 'unsubscribe', 'erased', 'complaint']);
  } else {
    await liftSuppressions(db, email, ['bounce']);
  }
}
