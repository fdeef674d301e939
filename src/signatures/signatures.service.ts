// Signing and confirming. A signature is stored pending and counts only once
// its email is confirmed; each submission of the form that earns an email is
// kept with the link sent for it, so the mailbox owner confirms what they sent,
// never what someone else typed first with their address. The confirmation
// email is a job enqueued in the same transaction. What the signer is told
// never reveals whether the email had signed before: only the mailbox learns that.
import type { Config } from '../config.ts';
import { withTransaction, type Pool } from '../db/pool.ts';
import { ActionClosed, LinkExpired, LinkUnknown, NotFound } from '../errors.ts';
import type { Queue } from '../jobs/queue.ts';
import { getActionBySlug, type Action } from '../actions/actions.repo.ts';
import { translate } from '../i18n/index.ts';
import { recordConfirmedPledge } from '../supporters/supporters.service.ts';
import { hashIp } from './ip-hash.ts';
import * as repo from './signatures.repo.ts';
import type { SignatureInput } from './signatures.schema.ts';
import { hashToken, isWellFormedToken } from './tokens.ts';

export type SigningDeps = {
  db: Pool;
  queue: Pick<Queue, 'enqueue'>;
  config: Pick<Config, 'confirmationMaxResends' | 'confirmationTtlDays'>;
  /** The key for IP hashes, derived once from the app secret (deriveIpKey), not per request. */
  ipKey: Buffer;
};

/** Signs `action` with `input`, sent from `ip` (the client's address as Express sees it; stored only as a keyed hash). */
export async function sign(deps: SigningDeps, action: Action, input: SignatureInput, ip: string | undefined): Promise<void> {
  // One HMAC, before the transaction opens: nothing is held while it runs.
  const ipHash = hashIp(deps.ipKey, ip) ?? null;
  await withTransaction(deps.db, async (client) => {
    const first = await repo.insertSignature(client, action.id, input, ipHash);
    if (first) {
      await deps.queue.enqueue(client, 'send-confirmation', { notice: 'confirm', submissionId: first.submissionId });
      return;
    }
    // Signed before: tell the mailbox, a bounded number of times. A pending
    // signature gets a link for this submission; a confirmed one, "already signed".
    const { confirmationMaxResends, confirmationTtlDays } = deps.config;
    const allowance = await repo.countAnotherNotice(client, action.id, input.email, 1 + confirmationMaxResends, confirmationTtlDays);
    if (!allowance) return;
    if (allowance.confirmed) {
      await deps.queue.enqueue(client, 'send-confirmation', { notice: 'already-signed', signatureId: allowance.id, sequence: allowance.notices_sent });
    } else {
      const submissionId = await repo.insertSubmission(client, allowance.id, input, ipHash);
      await deps.queue.enqueue(client, 'send-confirmation', { notice: 'confirm', submissionId });
    }
  });
}

/** What a link's page restates before its button is pressed. */
export type Pledge = { name: string; showName: boolean; wantsUpdates: boolean };

export type TokenPage =
  | { state: 'ready'; actionSlug: string; actionTitle: string; pledge: Pledge }
  | { state: 'confirmed'; actionSlug: string; actionTitle: string };

async function findToken(db: Pool, token: unknown): Promise<repo.TokenState> {
  if (!isWellFormedToken(token)) throw new LinkUnknown();
  const found = await repo.findToken(db, hashToken(token));
  if (!found) throw new LinkUnknown();
  return found;
}

/** The action a link is about, whatever the state of its token (for "it wasn't me"). */
export async function actionOfToken(db: Pool, token: unknown): Promise<{ actionSlug: string; actionTitle: string }> {
  const found = await findToken(db, token);
  return { actionSlug: found.action_slug, actionTitle: found.action_title };
}

/** What the link in an email shows before the button is pressed. */
export async function inspectToken(db: Pool, token: unknown): Promise<TokenPage> {
  const found = await findToken(db, token);
  const action = { actionSlug: found.action_slug, actionTitle: found.action_title };
  if (found.confirmed_at) return { state: 'confirmed', ...action };
  if (found.used_at || found.expired) throw new LinkExpired(found.action_slug);
  // A closed or won action takes no more signatures, confirmations included.
  // Past its deadline it still confirms what was sent before the deadline
  // (find-token decides, in sql/signatures.sql). One that is not public (its
  // post unpublished) is not found, as on its page.
  if (!found.action_open) throw (await getActionBySlug(db, found.action_slug)) ? new ActionClosed(found.action_slug) : new NotFound();
  return { state: 'ready', ...action, pledge: { name: found.name, showName: found.show_name, wantsUpdates: found.wants_updates } };
}

/** Confirms the signature behind a token with the submission it was sent for; the token is used up. */
export async function confirm(db: Pool, token: unknown): Promise<{ actionSlug: string }> {
  const page = await inspectToken(db, token);
  if (page.state === 'confirmed') return { actionSlug: page.actionSlug };
  const hash = hashToken(token as string);
  const confirmed = await withTransaction(db, async (client) => {
    const used = await repo.useToken(client, hash);
    if (!used) return false;
    // Undefined when another of its links confirmed it first: then this one changes nothing.
    const signature = await repo.confirmSignature(client, used.signatureId, used.submissionId);
    if (signature) {
      await repo.forgetSubmissions(client, used.signatureId);
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
    return true;
  });
  if (!confirmed) {
    // Lost a race with another press of the button, or the link expired meanwhile.
    const again = await inspectToken(db, token);
    return { actionSlug: again.actionSlug };
  }
  return { actionSlug: page.actionSlug };
}

/** "It wasn't me": removes a pending signature with everything submitted for it. A confirmed one stays. */
export async function cancel(db: Pool, token: unknown): Promise<{ removed: boolean; actionSlug: string; actionTitle: string }> {
  const found = await findToken(db, token);
  const removed = found.confirmed_at ? false : await repo.deletePendingSignature(db, found.signature_id);
  return { removed, actionSlug: found.action_slug, actionTitle: found.action_title };
}
