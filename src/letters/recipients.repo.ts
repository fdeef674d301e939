// SQL for the directory of recipients (sql/recipients.sql).
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';

const sql = loadQueries('recipients.sql', [
  'insert-recipient',
  'insert-address',
  'list-recipients',
  'list-addresses',
  'find-recipients-in-country',
  'get-recipient',
  'lock-recipient',
  'update-recipient',
  'delete-recipient',
  'letters-using-recipient',
  'list-all-addresses',
  'add-address',
  'lock-address',
  'set-address-health',
  'delete-address',
  'waiting-deliveries-to-address',
  'get-address',
]);

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

/** The fields of a recipient an organiser edits (the directory's form, a CSV row). */
export type RecipientFields = {
  name: string;
  title: string;
  organisation: string;
  country: string | null;
  language: string;
  time_zone: string;
  postal_address: string;
};

export type StoredRecipient = RecipientFields & { id: number; demo: boolean };

export type AddressHealth = RecipientAddress['health'];

export async function getRecipient(db: Queryable, id: number): Promise<StoredRecipient | undefined> {
  return (await db.query<StoredRecipient>({ ...sql['get-recipient'], values: [id] })).rows[0];
}

/** The recipient, locked until the transaction ends (read before a change, for its audit entry). */
export async function lockRecipient(db: Queryable, id: number): Promise<StoredRecipient | undefined> {
  return (await db.query<StoredRecipient>({ ...sql['lock-recipient'], values: [id] })).rows[0];
}

export async function updateRecipient(db: Queryable, id: number, r: RecipientFields): Promise<void> {
  await db.query({ ...sql['update-recipient'], values: [id, r.name, r.title, r.organisation, r.country, r.language, r.time_zone, r.postal_address] });
}

export async function deleteRecipient(db: Queryable, id: number): Promise<void> {
  await db.query({ ...sql['delete-recipient'], values: [id] });
}

/** The letter actions that write to the recipient or fall back to it. */
export async function lettersUsingRecipient(db: Queryable, id: number): Promise<{ id: number; title: string }[]> {
  return (await db.query<{ id: number; title: string }>({ ...sql['letters-using-recipient'], values: [id] })).rows;
}

export type DirectoryAddress = RecipientAddress & { recipient_id: number };

export async function listAllAddresses(db: Queryable): Promise<DirectoryAddress[]> {
  return (await db.query<DirectoryAddress>(sql['list-all-addresses'])).rows;
}

/** Adds an address (already normalised); undefined when the recipient had it already. */
export async function addAddress(db: Queryable, recipientId: number, email: string): Promise<number | undefined> {
  return (await db.query<{ id: number }>({ ...sql['add-address'], values: [recipientId, email] })).rows[0]?.id;
}

export async function lockAddress(db: Queryable, id: number): Promise<DirectoryAddress | undefined> {
  return (await db.query<DirectoryAddress>({ ...sql['lock-address'], values: [id] })).rows[0];
}

export async function setAddressHealth(db: Queryable, id: number, health: AddressHealth, since: Date, reason: string): Promise<void> {
  await db.query({ ...sql['set-address-health'], values: [id, health, since, reason] });
}

export async function deleteAddress(db: Queryable, id: number): Promise<void> {
  await db.query({ ...sql['delete-address'], values: [id] });
}

export async function waitingDeliveriesToAddress(db: Queryable, id: number): Promise<number> {
  return (await db.query<{ n: number }>({ ...sql['waiting-deliveries-to-address'], values: [id] })).rows[0]!.n;
}

export async function getAddress(db: Queryable, id: number): Promise<DirectoryAddress | undefined> {
  return (await db.query<DirectoryAddress>({ ...sql['get-address'], values: [id] })).rows[0];
}
