// SQL for the record of sent emails (sql/mail.sql).
import { loadQueries } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';

const sql = loadQueries('mail.sql', ['find-sent-email', 'record-sent-email']);

export async function wasHandled(db: Queryable, key: string): Promise<boolean> {
  return ((await db.query(sql['find-sent-email'], [key])).rowCount ?? 0) > 0;
}

export async function recordEmail(
  db: Queryable,
  email: { key: string; template: string; status: 'sent' | 'failed'; messageId: string; response: string },
): Promise<void> {
  await db.query(sql['record-sent-email'], [email.key, email.template, email.status, email.messageId, email.response.slice(0, 1000)]);
}
