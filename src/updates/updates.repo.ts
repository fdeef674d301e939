// SQL for campaign updates (sql/updates.sql): the updates, the snapshot of
// their audience, delivery's claims and the shared pace.
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';
import type { SuppressionReason } from '../mail/suppressions.ts';

const sql = loadQueries('updates.sql', [
  'insert-update',
  'edit-update',
  'lock-update',
  'get-update',
  'list-updates',
  'schedule-update',
  'start-update',
  'cancel-update',
  'start-due-updates',
  'fan-out-batch',
  'finish-fan-out',
  'count-audience',
  'claim-recipients',
  'release-recipient',
  'retry-recipient-later',
  'finish-recipient',
  'recipient-for-sending',
  'finish-sent-updates',
  'email-record',
  'lock-pace',
  'save-pace',
  'list-action-choices',
  'find-supporter-id-by-email',
  'suppression-counts',
  'is-subscribed',
]);

export type UpdateState = 'draft' | 'scheduled' | 'sending' | 'sent' | 'cancelled';
export type Audience = 'campaign' | 'actions';
export type RecipientState = 'queued' | 'sent' | 'failed' | 'suppressed' | 'unsubscribed';

export type Progress = { queued: number; sent: number; failed: number; suppressed: number; unsubscribed: number };

export type UpdateFields = { subject: string; bodyMarkdown: string; bodyHtml: string; bodyText: string; audience: Audience; actionIds: number[] };

export type StoredUpdate = Progress & {
  id: number;
  subject: string;
  body_markdown: string;
  body_html: string;
  body_text: string;
  audience: Audience;
  action_ids: number[];
  state: UpdateState;
  send_at: Date | null;
  fanned_out_at: Date | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  created_by_name: string | null;
};

export type UpdateSummary = Progress & Pick<StoredUpdate, 'id' | 'subject' | 'audience' | 'state' | 'send_at' | 'created_at' | 'started_at' | 'finished_at'>;

export type LockedUpdate = Pick<StoredUpdate, 'id' | 'subject' | 'audience' | 'action_ids' | 'state' | 'send_at' | 'fanned_out_at'> & { fan_out_cursor: number };

const fieldValues = (f: UpdateFields) => [f.subject, f.bodyMarkdown, f.bodyHtml, f.bodyText, f.audience, f.actionIds];

export async function insertUpdate(db: Queryable, fields: UpdateFields, organiserId: number | null): Promise<number> {
  return (await db.query<{ id: number }>({ ...sql['insert-update'], values: [...fieldValues(fields), organiserId] })).rows[0]!.id;
}

export async function editUpdate(db: Queryable, id: number, fields: UpdateFields): Promise<boolean> {
  return ((await db.query({ ...sql['edit-update'], values: [id, ...fieldValues(fields)] })).rowCount ?? 0) > 0;
}

export async function lockUpdate(db: Queryable, id: number): Promise<LockedUpdate | undefined> {
  return (await db.query<LockedUpdate>({ ...sql['lock-update'], values: [id] })).rows[0];
}

export async function getUpdate(db: Queryable, id: number): Promise<StoredUpdate | undefined> {
  return (await db.query<StoredUpdate>({ ...sql['get-update'], values: [id] })).rows[0];
}

export async function listUpdates(db: Queryable): Promise<UpdateSummary[]> {
  return (await db.query<UpdateSummary>({ ...sql['list-updates'] })).rows;
}

const changed = async (db: Queryable, query: { name: string; text: string }, values: unknown[]) => ((await db.query({ ...query, values })).rowCount ?? 0) > 0;

export const scheduleUpdate = (db: Queryable, id: number, sendAt: Date) => changed(db, sql['schedule-update'], [id, sendAt]);
export const startUpdate = (db: Queryable, id: number) => changed(db, sql['start-update'], [id]);
export const cancelUpdate = (db: Queryable, id: number) => changed(db, sql['cancel-update'], [id]);

export async function startDueUpdates(db: Queryable): Promise<{ id: number; subject: string }[]> {
  return (await db.query<{ id: number; subject: string }>({ ...sql['start-due-updates'] })).rows;
}

/** One keyset batch of the fan-out: how many supporters were looked at (fewer than `limit`: the end). */
export async function fanOutBatch(db: Queryable, updateId: number, after: number, actionIds: number[] | null, limit: number): Promise<{ looked_at: number; inserted: number }> {
  return (await db.query<{ looked_at: number; inserted: number }>({ ...sql['fan-out-batch'], values: [updateId, after, actionIds, limit] })).rows[0]!;
}

export async function finishFanOut(db: Queryable, updateId: number): Promise<void> {
  await db.query({ ...sql['finish-fan-out'], values: [updateId] });
}

export async function countAudience(db: Queryable, actionIds: number[] | null): Promise<number> {
  return (await db.query<{ count: number }>({ ...sql['count-audience'], values: [actionIds] })).rows[0]!.count;
}

export type Claimed = { update_id: number; supporter_id: number; attempts: number };

export async function claimRecipients(db: Queryable, limit: number, leaseSeconds: number): Promise<Claimed[]> {
  return (await db.query<Claimed>({ ...sql['claim-recipients'], values: [limit, leaseSeconds] })).rows;
}

export async function releaseRecipient(db: Queryable, updateId: number, supporterId: number): Promise<void> {
  await db.query({ ...sql['release-recipient'], values: [updateId, supporterId] });
}

export async function retryRecipientLater(db: Queryable, updateId: number, supporterId: number, afterSeconds: number): Promise<void> {
  await db.query({ ...sql['retry-recipient-later'], values: [updateId, supporterId, afterSeconds] });
}

export async function finishRecipient(db: Queryable, updateId: number, supporterId: number, state: Exclude<RecipientState, 'queued'>): Promise<void> {
  await db.query({ ...sql['finish-recipient'], values: [updateId, supporterId, state] });
}

export type RecipientForSending = {
  update_state: UpdateState;
  subject: string;
  body_html: string;
  body_text: string;
  email: string;
  consent_given_at: Date | null;
  consent_action_title: string | null;
};

export async function recipientForSending(db: Queryable, updateId: number, supporterId: number): Promise<RecipientForSending | undefined> {
  return (await db.query<RecipientForSending>({ ...sql['recipient-for-sending'], values: [updateId, supporterId] })).rows[0];
}

export async function finishSentUpdates(db: Queryable): Promise<number[]> {
  return (await db.query<{ id: number }>({ ...sql['finish-sent-updates'] })).rows.map((r) => r.id);
}

export async function emailRecord(db: Queryable, key: string): Promise<{ status: string; smtp_response: string } | undefined> {
  return (await db.query<{ status: string; smtp_response: string }>({ ...sql['email-record'], values: [key] })).rows[0];
}

export async function lockPace(db: Queryable): Promise<{ slot: number; taken: number; now_ms: number }> {
  return (await db.query<{ slot: number; taken: number; now_ms: number }>({ ...sql['lock-pace'] })).rows[0]!;
}

export async function savePace(db: Queryable, slot: number, taken: number): Promise<void> {
  await db.query({ ...sql['save-pace'], values: [slot, taken] });
}

export type ActionChoice = { id: number; title: string; status: string };

export async function listActionChoices(db: Queryable): Promise<ActionChoice[]> {
  return (await db.query<ActionChoice>({ ...sql['list-action-choices'] })).rows;
}

export async function findSupporterIdByEmail(db: Queryable, email: string): Promise<number | undefined> {
  return (await db.query<{ id: number }>({ ...sql['find-supporter-id-by-email'], values: [email.trim().toLowerCase()] })).rows[0]?.id;
}

export async function suppressionCounts(db: Queryable): Promise<{ reason: SuppressionReason; count: number }[]> {
  return (await db.query<{ reason: SuppressionReason; count: number }>({ ...sql['suppression-counts'] })).rows;
}

export async function isSubscribed(db: Queryable, supporterId: number): Promise<boolean> {
  return (await db.query<{ live: boolean }>({ ...sql['is-subscribed'], values: [supporterId] })).rows[0]!.live;
}
