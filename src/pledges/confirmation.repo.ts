// SQL of confirmation tokens themselves (sql/confirmations.sql).
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';
import type { UsedToken } from './pledge.ts';

const sql = loadQueries('confirmations.sql', ['use-token']);

/** Uses a live token up; undefined when it was used, expired or never existed. */
export async function useToken(db: Queryable, hash: Buffer): Promise<UsedToken | undefined> {
  const row = (await db.query<{ signature_id: number | null; submission_id: number | null; rsvp_id: number | null }>({ ...sql['use-token'], values: [hash] })).rows[0];
  return row && { signatureId: row.signature_id, submissionId: row.submission_id, rsvpId: row.rsvp_id };
}
