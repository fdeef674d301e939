// An RSVP as a pledge (src/pledges/pledge.ts): its confirmation link restates
// the protest (place, and the time in the protest's own zone), and confirming
// it counts a place, never more than the protest's capacity: the protest row
// is locked, the places counted after the lock, and a full protest refuses
// (the transaction rolls back and the link still works if a place frees). The
// call's letter signed alongside is confirmed in the same transaction, so its
// letter is queued (queueLettersOfSignature) as a signature's own link would.
import type { Config } from '../config.ts';
import { getActionBySlug } from '../actions/actions.repo.ts';
import { translate } from '../i18n/index.ts';
import type { Queue } from '../jobs/queue.ts';
import { PledgeRefused, type PledgeKind } from '../pledges/pledge.ts';
import { afterSignatureConfirmed } from '../signatures/signature-pledge.ts';
import { confirmSignature } from '../signatures/signatures.repo.ts';
import { recordConfirmedPledge } from '../supporters/supporters.service.ts';
import { paths } from '../urls.ts';
import { startInWords } from './local-time.ts';
import * as repo from './rsvp.repo.ts';

export type RsvpPledgeDeps = {
  queue: Pick<Queue, 'enqueue'>;
  config: Pick<Config, 'confirmationMaxResends' | 'confirmationTtlDays'>;
};

/** A protest's start in its own zone, with the zone named, as its page and notices say it (src/protests/local-time.ts). */
export const localTimeOf = (startsAt: Date, timeZone: string): string => startInWords(startsAt, timeZone);

/** A protest on its call's page (part F's protest-call partial gives each protest the id protest-<id>). */
export function protestOnPage(actionSlug: string, protestId: number): string {
  return `${paths.action(actionSlug)}#protest-${protestId}`;
}

export function rsvpPledge(deps: RsvpPledgeDeps): PledgeKind {
  return {
    name: 'rsvp',

    async find(db, tokenHash) {
      const found = await repo.findToken(db, tokenHash);
      if (!found) return undefined;
      return {
        kind: 'rsvp',
        pledgeId: found.rsvp_id,
        submissionId: null,
        confirmed: found.confirmed,
        spent: found.used_at !== null || found.expired,
        open: found.open,
        subject: { slug: found.action_slug, title: found.action_title, path: protestOnPage(found.action_slug, found.protest_id) },
        restated: {
          name: found.name,
          // Never public, whatever else: an RSVP has no public list.
          showName: false,
          wantsUpdates: found.wants_updates,
          protest: {
            id: found.protest_id,
            place: found.place,
            city: found.city,
            address: found.address,
            when: localTimeOf(found.starts_at, found.time_zone),
            shareWithOrganiser: found.share_with_organiser,
            letterTo: found.signature_id !== null ? found.recipient_name : '',
          },
        },
      };
    },

    async subjectExists(db, link) {
      return (await getActionBySlug(db, link.subject.slug)) !== undefined;
    },

    // Cancelled, over, or its call closed: said in a protest's words, with the way to the others.
    closed: (link) => new PledgeRefused('rsvp.closed.title', { path: link.subject.path, label: 'rsvp.full.back' }),

    lockSupporter: (client, tokenHash) => repo.lockSupporterOfToken(client, tokenHash),

    async confirm(client, used) {
      if (used.rsvpId === null || used.rsvpId === undefined) return undefined;
      // Supporter (locked by the machinery), then the protest, then the RSVP:
      // every confirmation of this protest waits here for the one before it.
      const protest = await repo.lockProtestOfRsvp(client, used.rsvpId);
      if (!protest) return undefined;
      // Cancelled (or over, or its call closed) since the link was opened: its
      // "cancelled" notice may have gone already, so this RSVP would never hear.
      if (!protest.open) throw new PledgeRefused('rsvp.closed.title', { path: protestOnPage(protest.actionSlug, protest.protestId), label: 'rsvp.full.back' });
      const rsvp = await repo.confirmRsvp(client, used.rsvpId);
      if (!rsvp) return undefined;
      // Counted after the lock and the update: every confirmation committed before, and this one.
      if (protest.capacity !== null && (await repo.countPlacesTaken(client, protest.protestId)) > protest.capacity) {
        throw new PledgeRefused('rsvp.full.title', { path: protestOnPage(rsvp.action_slug, rsvp.protest_id), label: 'rsvp.full.back' });
      }
      if (rsvp.signature_id !== null) {
        // The letter signed alongside: confirmed as it was made with the RSVP (nothing to do when it was confirmed already).
        const signature = await confirmSignature(client, rsvp.signature_id, null);
        if (signature) await afterSignatureConfirmed(client, signature);
      }
      await recordConfirmedPledge(client, {
        supporterId: rsvp.supporter_id,
        name: rsvp.name,
        wantsUpdates: rsvp.wants_updates,
        consentWording: translate('en', 'rsvp.wantsUpdates'),
        source: 'rsvp',
        actionId: rsvp.action_id,
      });
      return paths.protestThanks(rsvp.protest_id);
    },

    thanksPath: (link) => paths.protestThanks(link.restated.protest?.id ?? 0),

    cancel: (db, link) => repo.deletePendingRsvp(db, link.pledgeId),

    async sendNewLink(client, link) {
      const { confirmationMaxResends, confirmationTtlDays } = deps.config;
      const sequence = await repo.allowNewLink(client, link.pledgeId, 1 + confirmationMaxResends, confirmationTtlDays);
      if (sequence === undefined) return false;
      await deps.queue.enqueue(client, 'send-confirmation', { notice: 'confirm-rsvp', rsvpId: link.pledgeId, sequence });
      return true;
    },
  };
}
