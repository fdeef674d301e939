// A signature as a pledge (src/pledges/pledge.ts): what its confirmation link
// restates, what confirming applies (the submission the link was sent for, so
// the mailbox owner confirms what they sent, never what someone else typed
// first with their address), and the supporter record and consent that a
// confirmed signature gives.
import type { PoolClient } from 'pg';
import type { Config } from '../config.ts';
import { getActionBySlug } from '../actions/actions.repo.ts';
import { translate } from '../i18n/index.ts';
import type { Queue } from '../jobs/queue.ts';
import { queueLettersOfSignature } from '../letters/queue-letters.ts';
import type { PledgeKind, PledgeLink } from '../pledges/pledge.ts';
import { recordConfirmedPledge } from '../supporters/supporters.service.ts';
import { paths } from '../urls.ts';
import * as repo from './signatures.repo.ts';
import type { ConfirmedSignature } from './signatures.repo.ts';

export type SignaturePledgeDeps = {
  queue: Pick<Queue, 'enqueue'>;
  config: Pick<Config, 'confirmationMaxResends' | 'confirmationTtlDays'>;
};

/**
 * What a signature's confirmation does besides confirming it, in its
 * transaction: from its own link, and from an RSVP's when the call's letter
 * was signed alongside (src/protests/rsvp-pledge.ts).
 */
export async function afterSignatureConfirmed(client: PoolClient, signature: ConfirmedSignature): Promise<void> {
  // What anyone else typed with this address is no longer needed.
  await repo.forgetSubmissions(client, signature.id);
  // Its letters (an action whose letter goes one per signature), in this transaction.
  if (signature.letterEach) await queueLettersOfSignature(client, signature);
  if (signature.supporterId !== null) {
    await recordConfirmedPledge(client, {
      supporterId: signature.supporterId,
      name: signature.name,
      wantsUpdates: signature.wantsUpdates,
      // The words beside the box the supporter ticked (the form is in English for now).
      consentWording: translate('en', 'signature.wantsUpdates'),
      source: 'signature',
      actionId: signature.actionId,
    });
  }
}

export function signaturePledge(deps: SignaturePledgeDeps): PledgeKind {
  return {
    name: 'signature',

    async find(db, tokenHash) {
      const found = await repo.findToken(db, tokenHash);
      if (!found) return undefined;
      return {
        kind: 'signature',
        pledgeId: found.signature_id,
        submissionId: found.submission_id,
        confirmed: found.confirmed_at !== null,
        spent: found.used_at !== null || found.expired,
        // A closed or won action takes no more confirmations. Past its deadline
        // it still confirms what was sent before the deadline, and not while
        // its post is unpublished: find-token decides (sql/signatures.sql).
        open: found.action_open,
        subject: { slug: found.action_slug, title: found.action_title, path: paths.action(found.action_slug) },
        restated: { name: found.name, showName: found.show_name, wantsUpdates: found.wants_updates },
      };
    },

    async subjectExists(db, link) {
      return (await getActionBySlug(db, link.subject.slug)) !== undefined;
    },

    lockSupporter: (client, tokenHash) => repo.lockSupporterOfToken(client, tokenHash),

    lockSupporterAndUseToken: (client, tokenHash) => repo.useTokenOfLockedSupporter(client, tokenHash),

    async confirm(client, used) {
      if (used.signatureId === null) return undefined;
      const signature = await repo.confirmSignature(client, used.signatureId, used.submissionId);
      if (!signature) return undefined;
      await afterSignatureConfirmed(client, signature);
      // The thank-you page says how many signed from the signer's country.
      return `${paths.actionThanks(signature.actionSlug)}?country=${encodeURIComponent(signature.country)}`;
    },

    thanksPath: (link: PledgeLink) => paths.actionThanks(link.subject.slug),

    cancel: (db, link) => repo.deletePendingSignature(db, link.pledgeId),

    async sendNewLink(client, link) {
      const { confirmationMaxResends, confirmationTtlDays } = deps.config;
      const sequence = await repo.allowNewLink(client, link.pledgeId, 1 + confirmationMaxResends, confirmationTtlDays);
      if (sequence === undefined) return false;
      await deps.queue.enqueue(client, 'send-confirmation', link.submissionId !== null
        ? { notice: 'confirm', submissionId: link.submissionId, sequence }
        : { notice: 'confirm', signatureId: link.pledgeId, sequence });
      return true;
    },
  };
}
