// SQL for the record of emails (sql/mail.sql): claim, then finish or release.
import { loadQueries } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';

const sql = loadQueries('mail.sql', ['claim-email', 'get-email-status', 'finish-email', 'release-email', 'purge-old-emails']);

// Longer than any send can take (the SMTP timeouts add up to under a minute).
const CLAIM_LEASE_SECONDS = 300;

/** 'claimed': send it now, under messageId; 'done': sent or failed for good already; 'busy': another worker is sending it. */
export type Claim = { state: 'claimed'; messageId: string } | { state: 'done' } | { state: 'busy' };

/** What a message is about: its record is deleted with it. */
export type EmailSubject = { signatureId?: number };

/** Claims the key; `messageId` is used unless an earlier claim of the key chose one. */
export async function claimEmail(db: Queryable, key: string, template: string, messageId: string, about: EmailSubject = {}): Promise<Claim> {
  const claimed = await db.query<{ message_id: string }>({ ...sql['claim-email'], values: [key, template, messageId, CLAIM_LEASE_SECONDS, about.signatureId ?? null] });
  if (claimed.rows[0]) return { state: 'claimed', messageId: claimed.rows[0].message_id };
  const status = (await db.query<{ status: string }>({ ...sql['get-email-status'], values: [key] })).rows[0]?.status;
  return status === 'sent' || status === 'failed' ? { state: 'done' } : { state: 'busy' };
}

export async function finishEmail(db: Queryable, key: string, status: 'sent' | 'failed', response: string): Promise<void> {
  await db.query({ ...sql['finish-email'], values: [key, status, response.slice(0, 1000)] });
}

export async function releaseEmail(db: Queryable, key: string): Promise<void> {
  await db.query({ ...sql['release-email'], values: [key] });
}

export async function purgeOldEmails(db: Queryable, retentionDays: number): Promise<void> {
  await db.query({ ...sql['purge-old-emails'], values: [retentionDays] });
}
