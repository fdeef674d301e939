// Fixtures for the collective letters' tests, straight in SQL: a letter action,
// recipients with addresses, signatures confirmed (or pending) as told.
import type pg from 'pg';
import type { Pool } from '../../src/db/pool.ts';

export type LetterOptions = {
  slug: string;
  routing?: 'fixed' | 'by_country';
  delivery?: 'each' | 'digest' | 'scheduled' | 'none';
  digestEvery?: 'daily' | 'weekly';
  digestHour?: number;
  scheduledLocal?: string;
  attachPdf?: boolean;
  personalParagraph?: boolean;
  subject?: string;
  body?: string;
};

export async function createLetter(pool: Pool, o: LetterOptions): Promise<number> {
  const action = (await pool.query<{ id: string }>("INSERT INTO actions (kind, slug, title, status) VALUES ('letter', $1, $2, 'open') RETURNING id", [o.slug, `Free them (${o.slug})`])).rows[0]!;
  const id = Number(action.id);
  await pool.query(
    `INSERT INTO letters (action_id, subject_template, body_template, routing, delivery, digest_every, digest_hour, scheduled_local, attach_pdf, personal_paragraph)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamp, $9, $10)`,
    [
      id,
      o.subject ?? 'Release the Zhanaozen workers: {{action_title}}',
      o.body ?? 'Dear {{recipient_title}} {{recipient_name}},\n\nWe ask you to release the imprisoned oil workers of Zhanaozen.\n\nYours faithfully,\n{{signer_name}}',
      o.routing ?? 'fixed',
      o.delivery ?? 'digest',
      o.digestEvery ?? 'daily',
      o.digestHour ?? 9,
      o.scheduledLocal ?? null,
      o.attachPdf ?? false,
      o.personalParagraph ?? false,
    ],
  );
  return id;
}

export type RecipientOptions = { name: string; country?: string | null; timeZone?: string; postalAddress?: string; title?: string; organisation?: string; emails?: string[]; bounced?: string[] };

export async function createRecipient(pool: Pool, o: RecipientOptions): Promise<number> {
  const id = Number(
    (await pool.query<{ id: string }>(
      'INSERT INTO recipients (name, title, organisation, country, time_zone, postal_address) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
      [o.name, o.title ?? 'Ambassador', o.organisation ?? 'Embassy of Kazakhstan', o.country ?? null, o.timeZone ?? 'UTC', o.postalAddress ?? ''],
    )).rows[0]!.id,
  );
  for (const email of o.emails ?? []) await pool.query('INSERT INTO recipient_addresses (recipient_id, email) VALUES ($1, $2)', [id, email]);
  for (const email of o.bounced ?? []) await pool.query("INSERT INTO recipient_addresses (recipient_id, email, health, health_reason) VALUES ($1, $2, 'bounced', '550 no such user')", [id, email]);
  return id;
}

export async function addRecipient(pool: Pool, actionId: number, recipientId: number): Promise<void> {
  await pool.query('INSERT INTO letter_recipients (action_id, recipient_id) VALUES ($1, $2)', [actionId, recipientId]);
}

export type SignOptions = { name: string; country?: string; town?: string; comment?: string; confirmed?: boolean };

/** A signature, confirmed now unless told (the trigger stamps confirmed_xid with this statement's transaction). */
export async function sign(db: Pool | pg.PoolClient, actionId: number, o: SignOptions): Promise<number> {
  const email = `${o.name.toLowerCase().replace(/[^a-z0-9]+/g, '.') || 'x'}.${Math.random().toString(36).slice(2, 8)}@example.org`;
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO signatures (action_id, email, name, country, locality, comment, confirmed_at)
     VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7 THEN now() END) RETURNING id`,
    [actionId, email, o.name, o.country ?? 'KZ', o.town ?? '', o.comment ?? '', o.confirmed ?? true],
  );
  return Number(rows[0]!.id);
}

export async function confirm(db: Pool | pg.PoolClient, signatureId: number): Promise<void> {
  await db.query('UPDATE signatures SET confirmed_at = now() WHERE id = $1', [signatureId]);
}

/** What B's confirm hook does in 'each' mode: a letter of its own per active address of the recipient. */
export async function ownLetter(pool: Pool, actionId: number, recipientId: number, signatureId: number): Promise<void> {
  await pool.query(
    `INSERT INTO letter_deliveries (action_id, recipient_id, address_id, email, kind, signature_id)
     SELECT $1, $2, a.id, a.email, 'signature', $3 FROM recipient_addresses a WHERE a.recipient_id = $2 AND a.health = 'active'`,
    [actionId, recipientId, signatureId],
  );
}

export async function setDelivery(pool: Pool, actionId: number, delivery: 'each' | 'digest' | 'scheduled' | 'none'): Promise<void> {
  await pool.query('UPDATE letters SET delivery = $2, updated_at = now() WHERE action_id = $1', [actionId, delivery]);
}

export type DeliveryRow = {
  id: number; kind: string; email: string; recipient_id: number; after_xid: string | null; after_id: number | null; upto_xid: string; upto_id: number;
  signatory_count: number; total_count: number; attach_pdf: boolean; state: string; not_before: Date;
};

export async function collectiveDeliveries(pool: Pool, actionId: number): Promise<DeliveryRow[]> {
  const { rows } = await pool.query<DeliveryRow>(
    `SELECT id::int, kind, email, recipient_id::int, after_xid::text, after_id::int, upto_xid::text, upto_id::int, signatory_count, total_count, attach_pdf, state, not_before
     FROM letter_deliveries WHERE action_id = $1 AND kind <> 'signature' ORDER BY id`,
    [actionId],
  );
  return rows;
}

/**
 * Waits until every transaction that was running is over. A digest names only
 * what lies below the oldest transaction still running on the whole server
 * (xids are cluster-wide), so another test file's open transaction, in
 * another database, would hold back what this one just confirmed.
 */
export async function settle(pool: Pool): Promise<void> {
  const { rows } = await pool.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x');
  for (let i = 0; i < 600; i++) {
    const { rows: done } = await pool.query<{ past: boolean }>('SELECT pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8 AS past', [rows[0]!.x]);
    if (done[0]!.past) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('a transaction on the server stayed open for 30 s');
}
