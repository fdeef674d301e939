// SQL for a letter action's letter (sql/letters.sql).
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';

const sql = loadQueries('letters.sql', [
  'get-letter',
  'letter-recipient-ids',
  'lock-letter',
  'insert-letter',
  'update-letter',
  'delete-letter-recipients-not-in',
  'add-letter-recipients',
  'existing-recipient-ids',
  'recipients-of-letter',
  'list-held-deliveries',
  'release-held-delivery',
  'get-delivery-state',
  'letter-action-id-by-slug',
  'demo-recipient-ids',
]);

export type LetterRouting = 'fixed' | 'by_country';
export type LetterDelivery = 'each' | 'digest' | 'scheduled' | 'none';

export type Letter = {
  action_id: number;
  subject_template: string;
  body_template: string;
  routing: LetterRouting;
  fallback_recipient_id: number | null;
  delivery: LetterDelivery;
  digest_every: 'daily' | 'weekly';
  digest_hour: number;
  /** Wall time in each recipient's zone, as 'YYYY-MM-DDTHH:mm' (to_char in the query: no Date in the server's zone). */
  scheduled_local: string | null;
  attach_pdf: boolean;
  per_hour: number;
  personal_paragraph: boolean;
  copy_to_supporter: boolean;
  updated_at: Date;
  action_slug: string;
  action_title: string;
  action_status: 'draft' | 'open' | 'closed' | 'won';
};

export async function getLetter(db: Queryable, actionId: number | string): Promise<Letter | undefined> {
  const { rows } = await db.query<Letter>({ ...sql['get-letter'], values: [actionId] });
  const row = rows[0];
  return row && { ...row, action_id: Number(row.action_id), fallback_recipient_id: row.fallback_recipient_id === null ? null : Number(row.fallback_recipient_id) };
}

/** The recipients chosen for the letter: all of them get it (fixed), or the one in the signer's country (by_country). */
export async function letterRecipientIds(db: Queryable, actionId: number | string): Promise<number[]> {
  const { rows } = await db.query<{ recipient_id: string }>({ ...sql['letter-recipient-ids'], values: [actionId] });
  return rows.map((r) => Number(r.recipient_id));
}

/** What an organiser sets for a letter (src/letters/letters.schema.ts makes it from the form). */
export type LetterSettings = {
  subjectTemplate: string;
  bodyTemplate: string;
  routing: LetterRouting;
  fallbackRecipientId: number | null;
  delivery: LetterDelivery;
  digestEvery: 'daily' | 'weekly';
  digestHour: number;
  /** 'YYYY-MM-DDTHH:mm', wall time in each recipient's zone; null unless delivery is scheduled. */
  scheduledLocal: string | null;
  attachPdf: boolean;
  perHour: number;
  personalParagraph: boolean;
  copyToSupporter: boolean;
};

function settingsValues(actionId: number, s: LetterSettings): unknown[] {
  return [
    actionId, s.subjectTemplate, s.bodyTemplate, s.routing, s.fallbackRecipientId, s.delivery,
    s.digestEvery, s.digestHour, s.scheduledLocal, s.attachPdf, s.perHour, s.personalParagraph, s.copyToSupporter,
  ];
}

/** The letter's row locked to the end of the transaction; undefined while the action has none. */
export async function lockLetter(db: Queryable, actionId: number): Promise<{ updated_at: Date } | undefined> {
  return (await db.query<{ updated_at: Date }>({ ...sql['lock-letter'], values: [actionId] })).rows[0];
}

/** Writes a new letter; false when one was made meanwhile (the caller refuses the save). */
export async function insertLetter(db: Queryable, actionId: number, s: LetterSettings): Promise<boolean> {
  return (await db.query({ ...sql['insert-letter'], values: settingsValues(actionId, s) })).rowCount === 1;
}

export async function updateLetter(db: Queryable, actionId: number, s: LetterSettings): Promise<void> {
  await db.query({ ...sql['update-letter'], values: settingsValues(actionId, s) });
}

/** Makes the letter's recipients exactly `ids` (which must be in the directory). */
export async function setLetterRecipients(db: Queryable, actionId: number, ids: readonly number[]): Promise<void> {
  await db.query({ ...sql['delete-letter-recipients-not-in'], values: [actionId, ids] });
  if (ids.length > 0) await db.query({ ...sql['add-letter-recipients'], values: [actionId, ids] });
}

/** Of `ids`, those of recipients in the directory. */
export async function existingRecipientIds(db: Queryable, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  return (await db.query<{ id: string }>({ ...sql['existing-recipient-ids'], values: [ids] })).rows.map((r) => Number(r.id));
}

export type LetterRecipient = {
  id: number;
  name: string;
  title: string;
  organisation: string;
  country: string | null;
  time_zone: string;
  postal_address: string;
  /** One of letter_recipients (else only the fallback). */
  chosen: boolean;
  fallback: boolean;
  active_addresses: number;
};

/** The letter's recipients and its fallback, by country then name. */
export async function recipientsOfLetter(db: Queryable, actionId: number): Promise<LetterRecipient[]> {
  const { rows } = await db.query<LetterRecipient>({ ...sql['recipients-of-letter'], values: [actionId] });
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export type HeldDelivery = {
  id: number;
  email: string;
  created_at: Date;
  recipient_name: string | null;
  /** Null once the signature has gone (erased supporter): the letter will not be sent. */
  signer_name: string | null;
  signer_country: string | null;
  signer_town: string | null;
  paragraph: string | null;
};

export async function listHeldDeliveries(db: Queryable, actionId: number): Promise<HeldDelivery[]> {
  const { rows } = await db.query<HeldDelivery>({ ...sql['list-held-deliveries'], values: [actionId] });
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** held → queued, with or without the paragraph; undefined when it was not a held letter of this action. */
export async function releaseHeldDelivery(db: Queryable, deliveryId: number, actionId: number, withoutParagraph: boolean): Promise<{ id: number; email: string } | undefined> {
  const row = (await db.query<{ id: string; email: string }>({ ...sql['release-held-delivery'], values: [deliveryId, actionId, withoutParagraph] })).rows[0];
  return row && { id: Number(row.id), email: row.email };
}

export async function getDeliveryState(db: Queryable, deliveryId: number): Promise<{ action_id: number; state: string } | undefined> {
  const row = (await db.query<{ action_id: string; state: string }>({ ...sql['get-delivery-state'], values: [deliveryId] })).rows[0];
  return row && { action_id: Number(row.action_id), state: row.state };
}

export async function letterActionIdBySlug(db: Queryable, slug: string): Promise<number | undefined> {
  const row = (await db.query<{ id: string }>({ ...sql['letter-action-id-by-slug'], values: [slug] })).rows[0];
  return row && Number(row.id);
}

/** The demo's recipients (demo = true), for the demo's letters. */
export async function demoRecipientIds(db: Queryable): Promise<{ id: number; name: string; country: string | null }[]> {
  return (await db.query<{ id: string; name: string; country: string | null }>(sql['demo-recipient-ids'])).rows.map((r) => ({ ...r, id: Number(r.id) }));
}
