// SQL for signatures and confirmation tokens (sql/signatures.sql).
import { loadQueries } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';
import type { SignatureInput } from './signatures.schema.ts';

const sql = loadQueries('signatures.sql', [
  'insert-signature',
  'count-another-notice',
  'get-signature-for-notice',
  'insert-confirmation-token',
  'find-token',
  'use-token',
  'confirm-signature',
  'delete-pending-signature',
  'purge-stale-pending-signatures',
  'purge-dead-tokens',
]);

/** The new signature's id, or undefined when this email already signed this action. */
export async function insertSignature(db: Queryable, actionId: number, s: SignatureInput): Promise<number | undefined> {
  const result = await db.query<{ id: number }>({ ...sql['insert-signature'], values: [
    actionId, s.email, s.name, s.country, s.locality, s.comment, s.showName, s.wantsUpdates,
  ] });
  return result.rows[0]?.id;
}

export type NoticeAllowance = { id: number; notices_sent: number; confirmed: boolean };

export async function countAnotherNotice(db: Queryable, actionId: number, email: string, maxNotices: number, linkTtlDays: number) {
  return (await db.query<NoticeAllowance>({ ...sql['count-another-notice'], values: [actionId, email, maxNotices, linkTtlDays] })).rows[0];
}

export type SignatureForNotice = {
  id: number;
  email: string;
  name: string;
  confirmed_at: Date | null;
  action_slug: string;
  action_title: string;
};

export async function getSignatureForNotice(db: Queryable, id: number): Promise<SignatureForNotice | undefined> {
  return (await db.query<SignatureForNotice>({ ...sql['get-signature-for-notice'], values: [id] })).rows[0];
}

export async function insertConfirmationToken(db: Queryable, hash: Buffer, signatureId: number, ttlDays: number): Promise<void> {
  await db.query({ ...sql['insert-confirmation-token'], values: [hash, signatureId, ttlDays] });
}

export type TokenState = {
  signature_id: number;
  used_at: Date | null;
  expired: boolean;
  confirmed_at: Date | null;
  action_slug: string;
  action_title: string;
  action_open: boolean;
};

export async function findToken(db: Queryable, hash: Buffer): Promise<TokenState | undefined> {
  return (await db.query<TokenState>({ ...sql['find-token'], values: [hash] })).rows[0];
}

export async function useToken(db: Queryable, hash: Buffer): Promise<number | undefined> {
  return (await db.query<{ signature_id: number }>({ ...sql['use-token'], values: [hash] })).rows[0]?.signature_id;
}

export async function confirmSignature(db: Queryable, id: number): Promise<boolean> {
  return ((await db.query({ ...sql['confirm-signature'], values: [id] })).rowCount ?? 0) > 0;
}

export async function deletePendingSignature(db: Queryable, id: number): Promise<boolean> {
  return ((await db.query({ ...sql['delete-pending-signature'], values: [id] })).rowCount ?? 0) > 0;
}

/** Deletes what is no longer needed: unconfirmed signatures and old tokens. */
export async function purgeStale(db: Queryable, afterDays: number): Promise<void> {
  await db.query({ ...sql['purge-stale-pending-signatures'], values: [afterDays] });
  await db.query({ ...sql['purge-dead-tokens'], values: [afterDays] });
}
