// SQL of the actions admin (the admin-* statements of sql/actions.sql).
import { loadQueries } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';
import type { Action, ActionStatus } from './actions.repo.ts';

const sql = loadQueries('actions.sql', [
  'admin-list-actions',
  'admin-get-action',
  'admin-lock-action',
  'admin-update-action',
  'admin-set-action-status',
  'admin-slug-taken',
  'admin-similar-slugs',
  'admin-list-posts-for-actions',
  'admin-get-post-for-action',
]);

/** What the admin keeps of an action: the fields an organiser edits (an Action without its count and post). */
export type StoredAction = Omit<Action, 'signature_count' | 'by_country' | 'post_slug' | 'post_title'>;

export type AdminAction = StoredAction & {
  created_at: Date;
  updated_at: Date;
  signature_count: number;
  post_title: string | null;
  post_status: 'draft' | 'published' | null;
  /** Whether its post lets the public see it (no post, or a published one). */
  post_public: boolean;
};

export type PostChoice = { id: number; title: string; status: 'draft' | 'published'; public: boolean };

export const MAX_LISTED = 500;

export async function listActions(db: Queryable): Promise<Omit<AdminAction, 'demand' | 'target'>[]> {
  return (await db.query({ ...sql['admin-list-actions'], values: [MAX_LISTED] })).rows;
}

export async function getAction(db: Queryable, id: number): Promise<AdminAction | undefined> {
  return (await db.query<AdminAction>({ ...sql['admin-get-action'], values: [id] })).rows[0];
}

export async function lockAction(db: Queryable, id: number): Promise<(StoredAction & { updated_at: Date }) | undefined> {
  return (await db.query<StoredAction & { updated_at: Date }>({ ...sql['admin-lock-action'], values: [id] })).rows[0];
}

export type ActionFields = Pick<StoredAction, 'post_id' | 'kind' | 'slug' | 'title' | 'demand' | 'target' | 'goal' | 'deadline'>;

export async function updateAction(db: Queryable, id: number, a: ActionFields): Promise<void> {
  await db.query({ ...sql['admin-update-action'], values: [id, a.post_id, a.kind, a.slug, a.title, a.demand, a.target, a.goal, a.deadline] });
}

export async function setStatus(db: Queryable, id: number, status: ActionStatus, outcome: string): Promise<void> {
  await db.query({ ...sql['admin-set-action-status'], values: [id, status, outcome] });
}

export async function slugTaken(db: Queryable, slug: string, exceptId: number | null): Promise<boolean> {
  return (await db.query<{ taken: boolean }>({ ...sql['admin-slug-taken'], values: [slug, exceptId] })).rows[0]!.taken;
}

export async function similarSlugs(db: Queryable, slug: string): Promise<Set<string>> {
  return new Set((await db.query<{ slug: string }>({ ...sql['admin-similar-slugs'], values: [slug] })).rows.map((r) => r.slug));
}

export async function listPostChoices(db: Queryable): Promise<PostChoice[]> {
  return (await db.query<PostChoice>({ ...sql['admin-list-posts-for-actions'], values: [MAX_LISTED] })).rows;
}

export async function getPostChoice(db: Queryable, id: number): Promise<PostChoice | undefined> {
  return (await db.query<PostChoice>({ ...sql['admin-get-post-for-action'], values: [id] })).rows[0];
}
