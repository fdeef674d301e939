// The suppression list: addresses not to be mailed, kept as a hash of the
// normalised address and a reason. Every email goes through sendOnce, which
// asks here before sending and records a bounce when the server refuses the
// recipient for good, so no feature can forget either.
//
// The hash is SHA-256 with a fixed prefix, not keyed with the app secret: the
// list must survive a change of APP_SECRET (a keyed hash would then match
// nothing, and erased people would be mailed again). It reveals only whether an
// address someone already knows is on it.
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';

const sql = loadQueries('suppressions.sql', ['suppress', 'reasons-for', 'lift']);

export type SuppressionReason = 'bounce' | 'complaint' | 'unsubscribe' | 'erased';

/**
 * Why an email is sent: `asked-for`, because the person asked for it just now
 * or for this very pledge (a confirmation link, a privacy link, a reminder of
 * their RSVP); `updates`, because the campaign writes to those who consented.
 */
export type MailPurpose = 'asked-for' | 'updates';

/** The list's key for an address: normalised as signatures are, then hashed. */
export function suppressionHash(email: string): Buffer {
  return createHash('sha256').update(`placard-suppression\0${email.trim().toLowerCase()}`).digest();
}

/**
 * Whether these reasons stop an email of this purpose. Updates stop for any
 * reason. What the person asks for at that moment still goes to an address that
 * unsubscribed, was erased or once bounced (they typed it again), but not to
 * one that reported the campaign's mail as spam.
 */
export function isBlocked(purpose: MailPurpose, reasons: readonly SuppressionReason[]): boolean {
  if (purpose === 'updates') return reasons.length > 0;
  return reasons.includes('complaint');
}

export async function suppress(db: Queryable, email: string, reason: SuppressionReason, detail = ''): Promise<void> {
  await db.query({ ...sql.suppress, values: [suppressionHash(email), reason, detail.slice(0, 1000)] });
}

export async function suppressHash(db: Queryable, hash: Buffer, reason: SuppressionReason, detail = ''): Promise<void> {
  await db.query({ ...sql.suppress, values: [hash, reason, detail.slice(0, 1000)] });
}

export type Suppression = { reason: SuppressionReason; detail: string; created_at: Date };

export async function suppressionsOf(db: Queryable, email: string): Promise<Suppression[]> {
  return (await db.query<Suppression>({ ...sql['reasons-for'], values: [suppressionHash(email)] })).rows;
}

/** Removes these reasons for an address (its owner just confirmed a pledge from the mailbox). */
export async function liftSuppressions(db: Queryable, email: string, reasons: readonly SuppressionReason[]): Promise<void> {
  if (reasons.length) await db.query({ ...sql.lift, values: [suppressionHash(email), reasons] });
}
