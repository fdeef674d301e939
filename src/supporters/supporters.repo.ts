// SQL for supporters and their consent ledger (sql/supporters.sql).
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';

const sql = loadQueries('supporters.sql', [
  'confirm-supporter',
  'give-consent',
  'withdraw-consent',
  'list-consents',
  'get-supporter',
  'find-supporter-by-email',
  'purge-supporters-with-nothing-left',
]);

export type Supporter = { id: number; email: string; name: string; locale: string; created_at: Date; confirmed_at: Date | null };

/** What a consent is for. Only campaign updates so far. */
export type ConsentPurpose = 'campaign-updates';
export type ConsentSource = 'signature' | 'rsvp';
export type WithdrawnVia = 'unsubscribe-link' | 'one-click' | 'privacy-page' | 'bounce' | 'complaint' | 'organiser';

export type Consent = {
  id: number;
  purpose: ConsentPurpose;
  wording: string;
  source: ConsentSource | 'before-ledger';
  given_at: Date;
  withdrawn_at: Date | null;
  withdrawn_via: WithdrawnVia | null;
  source_action_slug: string | null;
  source_action_title: string | null;
};

/** Marks the supporter confirmed, called `name`; returns their address (undefined if erased meanwhile). */
export async function confirmSupporter(db: Queryable, supporterId: number, name: string): Promise<string | undefined> {
  return (await db.query<{ email: string }>({ ...sql['confirm-supporter'], values: [supporterId, name] })).rows[0]?.email;
}

export type NewConsent = { supporterId: number; purpose: ConsentPurpose; wording: string; source: ConsentSource; sourceActionId: number | null };

/** Records a consent; false when one was already live (the ledger keeps the first). */
export async function giveConsent(db: Queryable, c: NewConsent): Promise<boolean> {
  const result = await db.query({ ...sql['give-consent'], values: [c.supporterId, c.purpose, c.wording, c.source, c.sourceActionId] });
  return (result.rowCount ?? 0) > 0;
}

/** Withdraws the live consent for `purpose`; false when there was none. */
export async function withdrawConsent(db: Queryable, supporterId: number, purpose: ConsentPurpose, via: WithdrawnVia): Promise<boolean> {
  const result = await db.query({ ...sql['withdraw-consent'], values: [supporterId, purpose, via] });
  return (result.rowCount ?? 0) > 0;
}

export async function listConsents(db: Queryable, supporterId: number): Promise<Consent[]> {
  return (await db.query<Consent>({ ...sql['list-consents'], values: [supporterId] })).rows;
}

export async function getSupporter(db: Queryable, id: number): Promise<Supporter | undefined> {
  return (await db.query<Supporter>({ ...sql['get-supporter'], values: [id] })).rows[0];
}

/** `email` normalised by the caller (trimmed, lower-cased). */
export async function findSupporterByEmail(db: Queryable, email: string): Promise<Supporter | undefined> {
  return (await db.query<Supporter>({ ...sql['find-supporter-by-email'], values: [email] })).rows[0];
}

export async function purgeSupportersWithNothingLeft(db: Queryable): Promise<number> {
  return (await db.query({ ...sql['purge-supporters-with-nothing-left'] })).rowCount ?? 0;
}
