// A supporter's data in their hands: from the privacy page they ask for a link
// by email address (the same answer whether the address is known or not; the
// lookup happens in the send-privacy-link job), and that link shows what
// Placard holds about them, exports it, withdraws a signature (the count drops
// in the same transaction), stops updates, or erases everything but the hash on
// the suppression list.
import { randomUUID } from 'node:crypto';
import { recountAction } from '../actions/counts.ts';
import type { AppDeps } from '../app.ts';
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { DomainError, NotFound } from '../errors.ts';
import { suppress, suppressHash, suppressionHash, suppressionsOf, type Suppression } from '../mail/suppressions.ts';
import { stateOf, type Standing } from '../signatures/signatures.exports.ts';
import { listSupporterRsvps, type SupporterRsvp } from '../protests/rsvp.repo.ts';
import { hashToken, isWellFormedToken, newToken } from '../http/link-tokens.ts';
import * as repo from './privacy.repo.ts';
import { getSupporter, listConsents, withdrawConsent, type Consent, type Supporter } from './supporters.repo.ts';

/** A privacy link that is unknown, expired, or whose supporter was erased: the way on is to ask for a new one. */
export class PrivacyLinkUnusable extends DomainError {
  readonly code = 'privacy_link_unusable';
  constructor() {
    super('privacy link unknown, expired or erased');
  }
}

/** Queues the email with a link; the job decides whether the address is anyone's. */
export async function requestPrivacyLink(deps: Pick<AppDeps, 'db' | 'queue'>, email: string): Promise<void> {
  await withTransaction(deps.db, (client) => deps.queue.enqueue(client, 'send-privacy-link', { email, requestId: randomUUID() }));
}

/** A new link for the supporter, valid `minutes`: the token, for the email (only its hash is stored). */
export async function createPrivacyLink(db: Queryable, supporterId: number, minutes: number): Promise<string> {
  const { token, hash } = newToken();
  await repo.insertPrivacyLink(db, hash, supporterId, minutes);
  return token;
}

function linkHash(token: unknown): Buffer {
  // A value of another shape was never issued: refused before any query.
  if (!isWellFormedToken(token)) throw new PrivacyLinkUnusable();
  return hashToken(token);
}

export type SignatureHeld = repo.SupporterSignature & { state: Standing };

/** Everything Placard holds about the supporter of a link: the page shows it, the download is it. */
export type DataHeld = {
  supporter: Pick<Supporter, 'email' | 'name' | 'created_at' | 'confirmed_at'>;
  signatures: SignatureHeld[];
  /** Their RSVPs to protests (erasing removes them with the supporter: ON DELETE CASCADE). */
  rsvps: SupporterRsvp[];
  consents: Consent[];
  suppressions: Suppression[];
  emails: repo.EmailSent[];
};

export async function dataHeld(db: Pool, token: unknown): Promise<DataHeld> {
  const supporterId = await repo.findPrivacyLink(db, linkHash(token));
  const supporter = supporterId === undefined ? undefined : await getSupporter(db, supporterId);
  if (!supporter) throw new PrivacyLinkUnusable();
  const [signatures, rsvps, consents, suppressions, emails] = await Promise.all([
    repo.listSupporterSignatures(db, supporter.id),
    listSupporterRsvps(db, supporter.id),
    listConsents(db, supporter.id),
    suppressionsOf(db, supporter.email),
    repo.listSupporterEmails(db, supporter.id),
  ]);
  return {
    supporter: { email: supporter.email, name: supporter.name, created_at: supporter.created_at, confirmed_at: supporter.confirmed_at },
    signatures: signatures.map((s) => ({ ...s, state: stateOf(s) })),
    rsvps,
    consents,
    suppressions,
    emails,
  };
}

/** Runs `change` in a transaction holding the link's supporter locked. */
async function withSupporterOf<T>(db: Pool, token: unknown, change: (client: Queryable, supporter: { id: number; email: string }) => Promise<T>): Promise<T> {
  const hash = linkHash(token);
  return withTransaction(db, async (client) => {
    const supporter = await repo.lockSupporterOfLink(client, hash);
    if (!supporter) throw new PrivacyLinkUnusable();
    return change(client, supporter);
  });
}

/** Recounts, in this transaction, each action where a removed signature counted (the count is right when it commits). */
async function recountWhereCounted(client: Queryable, removed: repo.Removed[]): Promise<void> {
  const actions = [...new Set(removed.filter((r) => r.counted).map((r) => r.action_id))].sort((a, b) => a - b);
  for (const actionId of actions) await recountAction(client, actionId);
}

/**
 * Withdraws one of the supporter's signatures, confirmed or pending: it is
 * deleted with what was submitted and sent for it, and its action recounted
 * at once. An id that is not theirs is not found, and nothing changes.
 */
export async function withdrawSignature(db: Pool, token: unknown, signatureId: unknown): Promise<void> {
  const id = typeof signatureId === 'string' && /^[1-9][0-9]{0,17}$/.test(signatureId) ? signatureId : undefined;
  await withSupporterOf(db, token, async (client, supporter) => {
    const removed = id === undefined ? undefined : await repo.deleteSupporterSignature(client, id, supporter.id);
    if (!removed) throw new NotFound();
    await recountWhereCounted(client, [removed]);
  });
}

/** No more campaign updates: the consent is withdrawn (the ledger says how) and the address suppressed for updates. */
export async function stopUpdates(db: Pool, token: unknown): Promise<void> {
  await withSupporterOf(db, token, async (client, supporter) => {
    await withdrawConsent(client, supporter.id, 'campaign-updates', 'privacy-page');
    await suppress(client, supporter.email, 'unsubscribe');
  });
}

/**
 * Erases the supporter, in one transaction: every signature (the counts of
 * their actions recomputed before it commits), the supporter with their
 * consents and privacy links, the queued requests that hold the address. What
 * is kept is the address's hash on the suppression list, reason 'erased', so
 * that no campaign update reaches it again.
 */
export async function eraseEverything(db: Pool, token: unknown): Promise<void> {
  await withSupporterOf(db, token, async (client, supporter) => {
    await recountWhereCounted(client, await repo.deleteSupporterSignatures(client, supporter.id));
    await repo.deleteSupporter(client, supporter.id);
    await repo.forgetPrivacyLinkRequests(client, supporter.email);
    await repo.forgetProtestProposals(client, supporter.email);
    await suppressHash(client, suppressionHash(supporter.email), 'erased');
  });
}
