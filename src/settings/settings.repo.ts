// Facts every instance must agree on, kept in the settings table (sql/settings.sql).
import { randomBytes } from 'node:crypto';
import { loadQueries } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';

const sql = loadQueries('settings.sql', ['get-setting', 'insert-setting-if-absent', 'claim-setting', 'upsert-setting']);

export async function getSetting(db: Queryable, key: string): Promise<string | undefined> {
  return (await db.query<{ value: string }>({ ...sql['get-setting'], values: [key] })).rows[0]?.value;
}

export async function setSetting(db: Queryable, key: string, value: string): Promise<void> {
  await db.query({ ...sql['upsert-setting'], values: [key, value] });
}

/** The stored value for key, storing `value` first if there is none. */
export async function getOrInsertSetting(db: Queryable, key: string, value: string): Promise<string> {
  const row = (await db.query<{ value: string }>({ ...sql['insert-setting-if-absent'], values: [key, value] })).rows[0];
  // A concurrent insert that committed after this statement's snapshot: read it now.
  return row?.value ?? (await getSetting(db, key))!;
}

/** True for the one caller that sets the flag first; the row lock makes concurrent callers wait. */
export async function claimOnce(db: Queryable, key: string): Promise<boolean> {
  return ((await db.query({ ...sql['claim-setting'], values: [key] })).rowCount ?? 0) > 0;
}

/** The secret for CSRF tokens: APP_SECRET, or one generated once and shared through the database. */
export async function appSecret(db: Queryable, configured: string | undefined): Promise<string> {
  return configured ?? getOrInsertSetting(db, 'app_secret', randomBytes(32).toString('hex'));
}
