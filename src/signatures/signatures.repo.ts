// SQL for signatures, their submissions and confirmation tokens (sql/signatures.sql).
import { compose, embed, loadQueries, nameOf, type NamedQuery } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';
import type { JobInsert } from '../jobs/queue.ts';
import type { UsedToken } from '../pledges/pledge.ts';
import type { SignatureInput } from './signatures.schema.ts';

const sql = loadQueries('signatures.sql', [
  'insert-signature',
  'count-another-notice',
  'insert-submission',
  'get-submission-for-notice',
  'get-signature-for-notice',
  'insert-confirmation-token',
  'find-token',
  'lock-supporter-of-token',
  'use-token-of-locked-supporter',
  'allow-new-link',
  'confirm-submission',
  'confirm-signature-as-is',
  'forget-submissions',
  'delete-pending-signature',
  'purge-stale-pending-signatures',
  'purge-dead-tokens',
]);

export type NewSubmission = { submissionId: number; signatureId: number };

/** insert-signature's parameters, $1…$10. */
function signatureValues(actionId: number, s: SignatureInput, ipHash: Buffer | null): unknown[] {
  return [actionId, s.email, s.name, s.country, s.locality, s.comment, s.showName, s.wantsUpdates, ipHash, s.letterReplyTo];
}

/** A first signature of this email on this action, with its first submission; undefined when the email already signed. */
export async function insertSignature(db: Queryable, actionId: number, s: SignatureInput, ipHash: Buffer | null): Promise<NewSubmission | undefined> {
  const result = await db.query<{ id: number; signature_id: number }>({ ...sql['insert-signature'], values: signatureValues(actionId, s, ipHash) });
  const row = result.rows[0];
  return row && { submissionId: row.id, signatureId: row.signature_id };
}

// The sign statement, put together once per pg-boss INSERT (one per queue, the same text for all).
const signStatements = new WeakMap<JobInsert, NamedQuery>();
function signStatement(job: JobInsert): NamedQuery {
  let statement = signStatements.get(job);
  if (!statement) {
    // pg-boss's $1 becomes $12, $4… $13…; the name ($2) and data ($3) come from the submission.
    const args = job.values.map((_value, i) => `$${i === 0 ? 12 : 10 + i}`);
    args[1] = '(SELECT $11::text FROM submission)';
    args[2] = `(SELECT json_build_object('notice', 'confirm', 'submissionId', id) FROM submission)`;
    const text = compose(sql['insert-signature'].text, { 'its-job': `, queued AS (${embed(job.text, args)})` });
    statement = { name: nameOf('signatures/sign', text), text };
    signStatements.set(job, statement);
  }
  return statement;
}

/**
 * insertSignature and, for a first signature, its send-confirmation job (as
 * `job`, what enqueue runs, writes it), in one autocommitted statement
 * (sql/signatures.sql, insert-signature and its job); undefined, and no job, when the email already signed.
 */
export async function signFirst(db: Queryable, job: JobInsert, actionId: number, s: SignatureInput, ipHash: Buffer | null): Promise<NewSubmission | undefined> {
  const values = [...signatureValues(actionId, s, ipHash), 'send-confirmation', job.values[0], ...job.values.slice(3)];
  const row = (await db.query<{ id: number; signature_id: number }>({ ...signStatement(job), values })).rows[0];
  return row && { submissionId: row.id, signatureId: row.signature_id };
}

export type NoticeAllowance = { id: number; notices_sent: number; confirmed: boolean };

export async function countAnotherNotice(db: Queryable, actionId: number, email: string, maxNotices: number, linkTtlDays: number) {
  return (await db.query<NoticeAllowance>({ ...sql['count-another-notice'], values: [actionId, email, maxNotices, linkTtlDays] })).rows[0];
}

/** One more notice for a pending signature, for "send me a new link"; the notice's sequence number, or undefined past the bound. */
export async function allowNewLink(db: Queryable, signatureId: number, maxNotices: number, linkTtlDays: number): Promise<number | undefined> {
  return (await db.query<{ notices_sent: number }>({ ...sql['allow-new-link'], values: [signatureId, maxNotices, linkTtlDays] })).rows[0]?.notices_sent;
}

export async function insertSubmission(db: Queryable, signatureId: number, s: SignatureInput, ipHash: Buffer | null): Promise<number> {
  const result = await db.query<{ id: number }>({ ...sql['insert-submission'], values: [
    signatureId, s.name, s.country, s.locality, s.comment, s.showName, s.wantsUpdates, ipHash, s.letterReplyTo,
  ] });
  return result.rows[0]!.id;
}

/** What an email about a signature says, and to whom. */
export type Notice = {
  /** The submission a confirmation link would apply; null for "already signed". */
  submission_id: number | null;
  signature_id: number;
  email: string;
  confirmed_at: Date | null;
  name: string;
  country: string;
  show_name: boolean;
  wants_updates: boolean;
  action_slug: string;
  action_title: string;
};

export async function getSubmissionForNotice(db: Queryable, submissionId: number): Promise<Notice | undefined> {
  return (await db.query<Notice>({ ...sql['get-submission-for-notice'], values: [submissionId] })).rows[0];
}

export async function getSignatureForNotice(db: Queryable, signatureId: number): Promise<Notice | undefined> {
  return (await db.query<Notice>({ ...sql['get-signature-for-notice'], values: [signatureId] })).rows[0];
}

export async function insertConfirmationToken(db: Queryable, hash: Buffer, signatureId: number, submissionId: number | null, ttlDays: number): Promise<void> {
  await db.query({ ...sql['insert-confirmation-token'], values: [hash, signatureId, submissionId, ttlDays] });
}

export type TokenState = {
  signature_id: number;
  submission_id: number | null;
  used_at: Date | null;
  expired: boolean;
  confirmed_at: Date | null;
  action_slug: string;
  action_title: string;
  action_open: boolean;
  name: string;
  show_name: boolean;
  wants_updates: boolean;
};

export async function findToken(db: Queryable, hash: Buffer): Promise<TokenState | undefined> {
  return (await db.query<TokenState>({ ...sql['find-token'], values: [hash] })).rows[0];
}

/** Locks the supporter of a token's signature to the end of the transaction (nothing when there is none). */
export async function lockSupporterOfToken(db: Queryable, hash: Buffer): Promise<void> {
  await db.query({ ...sql['lock-supporter-of-token'], values: [hash] });
}

/** Locks the supporter of a token's signature, then uses the token up, in one statement; undefined when it was used, expired or never existed. */
export async function useTokenOfLockedSupporter(db: Queryable, hash: Buffer): Promise<UsedToken | undefined> {
  const row = (await db.query<{ signature_id: number | null; submission_id: number | null; rsvp_id: number | null }>({ ...sql['use-token-of-locked-supporter'], values: [hash] })).rows[0];
  return row && { signatureId: row.signature_id, submissionId: row.submission_id, rsvpId: row.rsvp_id };
}

/** A signature that was just confirmed, and what its supporter's record takes from it. */
export type ConfirmedSignature = {
  id: number; supporterId: number | null; actionId: number; actionSlug: string; name: string; wantsUpdates: boolean; country: string;
  /** The action's letter goes one per signature (src/letters/queue-letters.ts queues it). */
  letterEach: boolean;
};

/** Confirms a pending signature with the submission behind the link (or as it stands, for a link from before submissions were kept); undefined when it was confirmed already. */
export async function confirmSignature(db: Queryable, signatureId: number, submissionId: number | null): Promise<ConfirmedSignature | undefined> {
  const query = submissionId === null
    ? { ...sql['confirm-signature-as-is'], values: [signatureId] }
    : { ...sql['confirm-submission'], values: [signatureId, submissionId] };
  const row = (await db.query<{ id: number; supporter_id: number | null; action_id: number; action_slug: string; name: string; wants_updates: boolean; country: string; letter_each: boolean }>(query)).rows[0];
  return row && { id: row.id, supporterId: row.supporter_id, actionId: row.action_id, actionSlug: row.action_slug, name: row.name, wantsUpdates: row.wants_updates, country: row.country, letterEach: row.letter_each };
}

/** Deletes what was submitted for a signature (once it is confirmed). */
export async function forgetSubmissions(db: Queryable, signatureId: number): Promise<void> {
  await db.query({ ...sql['forget-submissions'], values: [signatureId] });
}

export async function deletePendingSignature(db: Queryable, id: number): Promise<boolean> {
  return ((await db.query({ ...sql['delete-pending-signature'], values: [id] })).rowCount ?? 0) > 0;
}

/**
 * Deletes what is no longer needed: pending signatures `retentionDays` after
 * their last link expired (links live `linkTtlDays`), and tokens
 * `retentionDays` after they expired.
 */
export async function purgeStale(db: Queryable, retentionDays: number, linkTtlDays: number): Promise<void> {
  await db.query({ ...sql['purge-stale-pending-signatures'], values: [retentionDays, linkTtlDays] });
  await db.query({ ...sql['purge-dead-tokens'], values: [retentionDays] });
}
