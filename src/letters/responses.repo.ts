// SQL for recipients' responses (sql/letter-responses.sql).
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';

const sql = loadQueries('letter-responses.sql', [
  'list-responses-of-action',
  'get-response',
  'lock-response',
  'insert-response',
  'update-response',
  'set-response-attachment',
  'delete-response',
  'response-recipient-choices',
  'public-responses-of-action',
  'sent-without-response',
  'public-attachment',
  'response-attachment',
]);

export type AttachmentType = 'application/pdf' | 'image/png' | 'image/jpeg';

export type ResponseFields = {
  recipient_id: number | null;
  /** 'YYYY-MM-DD' */
  received_on: string;
  from_whom: string;
  body: string;
  public: boolean;
};

export type Attachment = { bytes: Buffer; name: string; type: AttachmentType };

export type StoredResponse = ResponseFields & {
  id: number;
  action_id: number;
  recipient_name: string | null;
  attachment_name: string | null;
  attachment_type: AttachmentType | null;
  attachment_size: number | null;
  created_at: Date;
  created_by_name: string;
};

export type LockedResponse = ResponseFields & Pick<StoredResponse, 'id' | 'action_id' | 'attachment_name' | 'attachment_type' | 'attachment_size'>;

export async function listResponsesOfAction(db: Queryable, actionId: number): Promise<StoredResponse[]> {
  return (await db.query<StoredResponse>({ ...sql['list-responses-of-action'], values: [actionId] })).rows;
}

export async function getResponse(db: Queryable, id: number): Promise<StoredResponse | undefined> {
  return (await db.query<StoredResponse>({ ...sql['get-response'], values: [id] })).rows[0];
}

export async function lockResponse(db: Queryable, id: number): Promise<LockedResponse | undefined> {
  return (await db.query<LockedResponse>({ ...sql['lock-response'], values: [id] })).rows[0];
}

export async function insertResponse(db: Queryable, actionId: number, r: ResponseFields, attachment: Attachment | undefined, organiserId: number): Promise<number> {
  const { rows } = await db.query<{ id: number }>({
    ...sql['insert-response'],
    values: [actionId, r.recipient_id, r.received_on, r.from_whom, r.body, r.public, attachment?.bytes ?? null, attachment?.name ?? null, attachment?.type ?? null, organiserId],
  });
  return rows[0]!.id;
}

export async function updateResponse(db: Queryable, id: number, r: ResponseFields): Promise<void> {
  await db.query({ ...sql['update-response'], values: [id, r.recipient_id, r.received_on, r.from_whom, r.body, r.public] });
}

export async function setResponseAttachment(db: Queryable, id: number, attachment: Attachment | null): Promise<void> {
  await db.query({ ...sql['set-response-attachment'], values: [id, attachment?.bytes ?? null, attachment?.name ?? null, attachment?.type ?? null] });
}

export async function deleteResponse(db: Queryable, id: number): Promise<void> {
  await db.query({ ...sql['delete-response'], values: [id] });
}

export type RecipientChoice = { id: number; name: string; organisation: string; country: string | null };

export async function responseRecipientChoices(db: Queryable, actionId: number): Promise<RecipientChoice[]> {
  return (await db.query<RecipientChoice>({ ...sql['response-recipient-choices'], values: [actionId] })).rows;
}

export type PublicResponse = { id: number; recipient_name: string | null; received_on: string; from_whom: string; body: string; attachment_name: string | null; attachment_type: AttachmentType | null };

export async function publicResponsesOfAction(db: Queryable, actionId: number): Promise<PublicResponse[]> {
  return (await db.query<PublicResponse>({ ...sql['public-responses-of-action'], values: [actionId] })).rows;
}

export type Unanswered = { recipient_id: number; name: string; organisation: string; first_sent_at: Date };

export async function sentWithoutResponse(db: Queryable, actionId: number, now: Date): Promise<Unanswered[]> {
  return (await db.query<Unanswered>({ ...sql['sent-without-response'], values: [actionId, now] })).rows;
}

export async function publicAttachment(db: Queryable, id: number): Promise<{ attachment: Buffer; attachment_name: string; attachment_type: AttachmentType } | undefined> {
  return (await db.query<{ attachment: Buffer; attachment_name: string; attachment_type: AttachmentType }>({ ...sql['public-attachment'], values: [id] })).rows[0];
}

export async function responseAttachment(db: Queryable, id: number): Promise<{ attachment: Buffer; attachment_name: string; attachment_type: AttachmentType } | undefined> {
  return (await db.query<{ attachment: Buffer; attachment_name: string; attachment_type: AttachmentType }>({ ...sql['response-attachment'], values: [id] })).rows[0];
}
