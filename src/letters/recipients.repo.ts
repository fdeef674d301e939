// SQL for the directory of recipients (sql/recipients.sql).
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';

const sql = loadQueries('recipients.sql', ['insert-recipient', 'insert-address', 'list-recipients', 'list-addresses', 'find-recipients-in-country']);

export type NewRecipient = {
  name: string;
  title: string;
  organisation: string;
  country: string | null;
  language: string;
  timeZone: string;
  postalAddress: string;
  demo: boolean;
  emails: string[];
};

export type Recipient = {
  id: number;
  name: string;
  title: string;
  organisation: string;
  country: string | null;
  language: string;
  time_zone: string;
  postal_address: string;
  demo: boolean;
  active_addresses: number;
  unhealthy_addresses: number;
};

export type RecipientAddress = { id: number; email: string; health: 'active' | 'bounced' | 'suppressed'; health_since: Date; health_reason: string };

/** Adds a recipient with its addresses (normalised here: trimmed, lower-cased); returns its id. */
export async function insertRecipient(db: Queryable, r: NewRecipient): Promise<number> {
  const { rows } = await db.query<{ id: number }>({ ...sql['insert-recipient'], values: [r.name, r.title, r.organisation, r.country, r.language, r.timeZone, r.postalAddress, r.demo] });
  const id = Number(rows[0]!.id);
  for (const email of r.emails) await db.query({ ...sql['insert-address'], values: [id, email.trim().toLowerCase()] });
  return id;
}

export async function listRecipients(db: Queryable): Promise<Recipient[]> {
  return (await db.query<Recipient>(sql['list-recipients'])).rows;
}

export async function listAddresses(db: Queryable, recipientId: number): Promise<RecipientAddress[]> {
  return (await db.query<RecipientAddress>({ ...sql['list-addresses'], values: [recipientId] })).rows;
}

/** Of `candidates`, those in `country` (routing a letter by the signer's country). */
export async function findRecipientsInCountry(db: Queryable, country: string, candidates: readonly number[]): Promise<number[]> {
  return (await db.query<{ id: string }>({ ...sql['find-recipients-in-country'], values: [country, candidates] })).rows.map((r) => Number(r.id));
}
