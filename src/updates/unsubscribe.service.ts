// Leaving campaign updates from an email: the link's token names the
// supporter (unsubscribe-token.ts). Unsubscribing withdraws their consent in
// the ledger and puts the address on the suppression list, in one
// transaction, at once: the next message of a send in progress is not sent
// (delivery reads the consent just before each one). Doing it twice changes
// nothing more.
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { NotFound } from '../errors.ts';
import { suppress } from '../mail/suppressions.ts';
import { getSupporter, withdrawConsent } from '../supporters/supporters.repo.ts';
import { verifyUnsubscribeToken } from './unsubscribe-token.ts';
import * as repo from './updates.repo.ts';

/** 'one-click': a mail provider's POST (RFC 8058); 'unsubscribe-link': the button on our page. */
export type UnsubscribeVia = 'one-click' | 'unsubscribe-link';

/** The supporter of a token, or NotFound (a garbled or forged token). Changes nothing. */
export function supporterOfToken(key: Buffer, token: unknown): number {
  const id = verifyUnsubscribeToken(key, token);
  if (id === undefined) throw new NotFound();
  return id;
}

/** Whether the supporter's updates are still on: what the page with the button says. */
export const isSubscribed = (db: Queryable, supporterId: number) => repo.isSubscribed(db, supporterId);

export async function unsubscribe(db: Pool, key: Buffer, token: unknown, via: UnsubscribeVia): Promise<void> {
  const supporterId = supporterOfToken(key, token);
  await withTransaction(db, async (client) => {
    // Erased since: only their hash is left, already suppressed for good.
    const supporter = await getSupporter(client, supporterId);
    if (!supporter) return;
    await withdrawConsent(client, supporterId, 'campaign-updates', via);
    await suppress(client, supporter.email, 'unsubscribe', via);
  });
}
