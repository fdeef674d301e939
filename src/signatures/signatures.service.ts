// Signing and confirming. A signature is stored pending and counts only once
// its email is confirmed; the confirmation email is a job enqueued in the same
// transaction. What the signer is told never reveals whether the email had
// signed before: only the mailbox owner learns that.
import type { Config } from '../config.ts';
import { withTransaction, type Pool } from '../db/pool.ts';
import { Conflict, Gone, NotFound } from '../http/errors.ts';
import type { Queue } from '../jobs/queue.ts';
import type { Action } from '../actions/actions.repo.ts';
import * as repo from './signatures.repo.ts';
import type { SignatureInput } from './signatures.schema.ts';
import { hashToken, isWellFormedToken } from './tokens.ts';

export type SigningDeps = { db: Pool; queue: Pick<Queue, 'enqueue'>; config: Pick<Config, 'confirmationMaxResends' | 'confirmationTtlDays'> };

export async function sign(deps: SigningDeps, action: Action, input: SignatureInput): Promise<void> {
  await withTransaction(deps.db, async (client) => {
    const id = await repo.insertSignature(client, action.id, input);
    if (id !== undefined) {
      await deps.queue.enqueue(client, 'send-confirmation', { signatureId: id, notice: 'confirm', sequence: 1 });
      return;
    }
    // Signed before: tell the mailbox (confirm again, or "already signed"), a bounded number of times.
    const { confirmationMaxResends, confirmationTtlDays } = deps.config;
    const allowance = await repo.countAnotherNotice(client, action.id, input.email, 1 + confirmationMaxResends, confirmationTtlDays);
    if (allowance) {
      await deps.queue.enqueue(client, 'send-confirmation', {
        signatureId: allowance.id,
        notice: allowance.confirmed ? 'already-signed' : 'confirm',
        sequence: allowance.notices_sent,
      });
    }
  });
}

export type TokenPage =
  | { state: 'ready'; actionSlug: string; actionTitle: string }
  | { state: 'confirmed'; actionSlug: string; actionTitle: string };

async function findToken(db: Pool, token: unknown): Promise<repo.TokenState> {
  if (!isWellFormedToken(token)) throw new NotFound('signature.linkUnknown');
  const found = await repo.findToken(db, hashToken(token));
  if (!found) throw new NotFound('signature.linkUnknown');
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
  const actionUrl = `/actions/${found.action_slug}`;
  if (found.used_at || found.expired) throw new Gone('signature.linkExpired').leadingTo(actionUrl, 'signature.signAgain');
  // A closed or won action takes no more signatures, confirmations included.
  if (!found.action_open) throw new Conflict('actions.closedNotice').leadingTo(actionUrl, 'actions.seeAction');
  return { state: 'ready', ...action };
}

/** Confirms the signature behind a token; the token is used up. Returns the action's slug. */
export async function confirm(db: Pool, token: unknown): Promise<{ actionSlug: string }> {
  const page = await inspectToken(db, token);
  if (page.state === 'confirmed') return { actionSlug: page.actionSlug };
  const hash = hashToken(token as string);
  const confirmed = await withTransaction(db, async (client) => {
    const signatureId = await repo.useToken(client, hash);
    if (signatureId === undefined) return undefined;
    await repo.confirmSignature(client, signatureId);
    return signatureId;
  });
  if (confirmed === undefined) {
    // Lost a race with another press of the button, or the link expired meanwhile.
    const again = await inspectToken(db, token);
    return { actionSlug: again.actionSlug };
  }
  return { actionSlug: page.actionSlug };
}

/** "It wasn't me": removes a pending signature. A confirmed one stays. */
export async function cancel(db: Pool, token: unknown): Promise<{ removed: boolean; actionSlug: string; actionTitle: string }> {
  const found = await findToken(db, token);
  const removed = found.confirmed_at ? false : await repo.deletePendingSignature(db, found.signature_id);
  return { removed, actionSlug: found.action_slug, actionTitle: found.action_title };
}
