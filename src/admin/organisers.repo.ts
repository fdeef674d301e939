// Organisers' accounts and one-time links (sql/organisers.sql).
import { loadQueries } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';
import type { Role } from './kit.ts';

const sql = loadQueries('organisers.sql', [
  'insert-organiser',
  'get-organiser-by-email',
  'get-organiser',
  'get-session-organiser',
  'list-organisers',
  'count-active-admins',
  'update-organiser',
  'set-password',
  'delete-sessions-of-organiser',
  'insert-organiser-token',
  'use-organiser-token',
  'inspect-organiser-token',
  'invalidate-organiser-tokens',
  'prune-organiser-tokens',
  'prune-admin-sessions',
]);

export type TokenPurpose = 'sign-in' | 'password-reset';

export type OrganiserRow = {
  id: number;
  email: string;
  name: string;
  role: Role;
  disabled_at: Date | null;
  sessions_valid_after: Date;
  has_password: boolean;
  created_at: Date;
  updated_at: Date;
};

export type OrganiserSummary = Pick<OrganiserRow, 'id' | 'email' | 'name' | 'role'>;

export async function insertOrganiser(db: Queryable, o: { email: string; name: string; role: Role; passwordHash: string | null }): Promise<OrganiserSummary | undefined> {
  return (await db.query<OrganiserSummary>({ ...sql['insert-organiser'], values: [o.email, o.name, o.role, o.passwordHash] })).rows[0];
}

export async function getOrganiserByEmail(db: Queryable, email: string) {
  return (await db.query<OrganiserSummary & { password_hash: string | null; disabled_at: Date | null }>({ ...sql['get-organiser-by-email'], values: [email] })).rows[0];
}

export async function getOrganiser(db: Queryable, id: number): Promise<OrganiserRow | undefined> {
  return (await db.query<OrganiserRow>({ ...sql['get-organiser'], values: [id] })).rows[0];
}

/** The organiser of a session that began at `signedInAt`, if they may still use it. */
export async function getSessionOrganiser(db: Queryable, id: number, signedInAt: Date): Promise<OrganiserSummary | undefined> {
  return (await db.query<OrganiserSummary>({ ...sql['get-session-organiser'], values: [id, signedInAt] })).rows[0];
}

export async function listOrganisers(db: Queryable) {
  return (await db.query<Omit<OrganiserRow, 'sessions_valid_after' | 'updated_at'>>(sql['list-organisers'])).rows;
}

export async function countActiveAdmins(db: Queryable): Promise<number> {
  return (await db.query<{ admins: number }>(sql['count-active-admins'])).rows[0]!.admins;
}

export async function updateOrganiser(db: Queryable, id: number, change: { name: string; role: Role; disabled: boolean }) {
  return (await db.query<OrganiserSummary & { disabled_at: Date | null }>({ ...sql['update-organiser'], values: [id, change.name, change.role, change.disabled] })).rows[0];
}

export async function setPassword(db: Queryable, id: number, passwordHash: string, sessionsValidAfter: Date): Promise<OrganiserSummary | undefined> {
  return (await db.query<OrganiserSummary>({ ...sql['set-password'], values: [id, passwordHash, sessionsValidAfter] })).rows[0];
}

/** Deletes the organiser's sessions from the store, but for `keepSid` (the one making the change). */
export async function deleteSessionsOf(db: Queryable, id: number, keepSid = ''): Promise<void> {
  await db.query({ ...sql['delete-sessions-of-organiser'], values: [id, keepSid] });
}

export async function insertToken(db: Queryable, hash: Buffer, organiserId: number, purpose: TokenPurpose, minutes: number): Promise<void> {
  await db.query({ ...sql['insert-organiser-token'], values: [hash, organiserId, purpose, minutes] });
}

/** Takes a live token (single use); the organiser's id, or undefined if it is unknown, used or expired. */
export async function useToken(db: Queryable, hash: Buffer, purpose: TokenPurpose): Promise<number | undefined> {
  return (await db.query<{ organiser_id: number }>({ ...sql['use-organiser-token'], values: [hash, purpose] })).rows[0]?.organiser_id;
}

export async function inspectToken(db: Queryable, hash: Buffer, purpose: TokenPurpose) {
  return (await db.query<{ organiser_id: number; used_at: Date | null; expired: boolean; name: string; email: string }>({ ...sql['inspect-organiser-token'], values: [hash, purpose] })).rows[0];
}

export async function invalidateTokens(db: Queryable, organiserId: number, purpose: TokenPurpose): Promise<void> {
  await db.query({ ...sql['invalidate-organiser-tokens'], values: [organiserId, purpose] });
}

export async function pruneTokensAndSessions(db: Queryable): Promise<void> {
  await db.query(sql['prune-organiser-tokens']);
  await db.query(sql['prune-admin-sessions']);
}
