// SQL for a supporter's data in their hands and for the anonymisation of
// long-closed actions' signatures (sql/privacy.sql).
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';

const sql = loadQueries('privacy.sql', [
  'insert-privacy-link',
  'find-privacy-link',
  'lock-supporter-of-link',
  'list-supporter-signatures',
  'list-supporter-emails',
  'delete-supporter-signature',
  'delete-supporter-signatures',
  'delete-supporter',
  'forget-privacy-link-requests',
  'forget-protest-proposals',
  'purge-expired-privacy-links',
  'list-actions-to-anonymise',
  'anonymise-signatures',
  'mark-action-anonymised',
]);

export async function insertPrivacyLink(db: Queryable, hash: Buffer, supporterId: number, minutes: number): Promise<void> {
  await db.query({ ...sql['insert-privacy-link'], values: [hash, supporterId, minutes] });
}

/** The supporter of a live link, or undefined. */
export async function findPrivacyLink(db: Queryable, hash: Buffer): Promise<number | undefined> {
  return (await db.query<{ supporter_id: number }>({ ...sql['find-privacy-link'], values: [hash] })).rows[0]?.supporter_id;
}

/** The supporter of a live link, locked to the end of the transaction; undefined when the link does not work. */
export async function lockSupporterOfLink(db: Queryable, hash: Buffer): Promise<{ id: number; email: string } | undefined> {
  return (await db.query<{ id: number; email: string }>({ ...sql['lock-supporter-of-link'], values: [hash] })).rows[0];
}

export type SupporterSignature = {
  id: number;
  action_title: string;
  action_slug: string;
  /** NULL only once anonymised, and an anonymised signature has no supporter: never NULL here in practice. */
  name: string | null;
  country: string;
  locality: string;
  comment: string;
  show_name: boolean;
  wants_updates: boolean;
  created_at: Date;
  confirmed_at: Date | null;
  invalidated_at: Date | null;
  hidden_at: Date | null;
};

export async function listSupporterSignatures(db: Queryable, supporterId: number): Promise<SupporterSignature[]> {
  return (await db.query<SupporterSignature>({ ...sql['list-supporter-signatures'], values: [supporterId] })).rows;
}

export type EmailSent = { template: string; created_at: Date };

export async function listSupporterEmails(db: Queryable, supporterId: number): Promise<EmailSent[]> {
  return (await db.query<EmailSent>({ ...sql['list-supporter-emails'], values: [supporterId] })).rows;
}

export type Removed = { action_id: number; counted: boolean };

/** Deletes the supporter's signature `id`; undefined when they have none of that id. */
export async function deleteSupporterSignature(db: Queryable, id: string, supporterId: number): Promise<Removed | undefined> {
  return (await db.query<Removed>({ ...sql['delete-supporter-signature'], values: [id, supporterId] })).rows[0];
}

export async function deleteSupporterSignatures(db: Queryable, supporterId: number): Promise<Removed[]> {
  return (await db.query<Removed>({ ...sql['delete-supporter-signatures'], values: [supporterId] })).rows;
}

export async function deleteSupporter(db: Queryable, supporterId: number): Promise<void> {
  await db.query({ ...sql['delete-supporter'], values: [supporterId] });
}

/** Deletes the queued and archived send-privacy-link jobs that hold this address. */
export async function forgetPrivacyLinkRequests(db: Queryable, email: string): Promise<void> {
  await db.query({ ...sql['forget-privacy-link-requests'], values: [email] });
}

/** Clears who proposed a protest with this address (the proposal stays, with no proposer). */
export async function forgetProtestProposals(db: Queryable, email: string): Promise<void> {
  await db.query({ ...sql['forget-protest-proposals'], values: [email] });
}

export async function purgeExpiredPrivacyLinks(db: Queryable): Promise<number> {
  return (await db.query({ ...sql['purge-expired-privacy-links'] })).rowCount ?? 0;
}

/** An action to anonymise, with its closing moment as PostgreSQL wrote it (exact, for mark-action-anonymised). */
export type ClosedAction = { id: number; closes: string };

export async function listActionsToAnonymise(db: Queryable, afterDays: number): Promise<ClosedAction[]> {
  return (await db.query<ClosedAction>({ ...sql['list-actions-to-anonymise'], values: [afterDays] })).rows;
}

export type AnonymisedBatch = { last_id: number | null; anonymised: number; deleted: number; submissions: number };

/** One batch, if the action still closes at `closes` (else nothing, and last_id NULL: the walk ends). */
export async function anonymiseSignatures(db: Queryable, actionId: number, afterId: number, limit: number, closes: string): Promise<AnonymisedBatch> {
  return (await db.query<AnonymisedBatch>({ ...sql['anonymise-signatures'], values: [actionId, afterId, limit, closes] })).rows[0]!;
}

export async function markActionAnonymised(db: Queryable, actionId: number, closes: string): Promise<void> {
  await db.query({ ...sql['mark-action-anonymised'], values: [actionId, closes] });
}
