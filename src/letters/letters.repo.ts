// SQL for a letter action's letter (sql/letters.sql).
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';

const sql = loadQueries('letters.sql', ['get-letter', 'letter-recipient-ids']);

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
