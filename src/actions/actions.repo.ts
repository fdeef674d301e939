// SQL for actions and their counts (sql/actions.sql).
import { LOCKS } from '../db/locks.ts';
import { loadQueries } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';

const sql = loadQueries('actions.sql', [
  'get-action-by-slug',
  'list-actions-of-post',
  'get-action-count',
  'list-recent-public-signers',
  'insert-action',
  'update-stale-counts',
  'try-count-lock',
  'wait-count-lock',
  'count-confirmed-since-last-count',
  'get-next-open-action',
  'list-open-actions',
]);

export type ActionKind = 'petition' | 'letter' | 'protest_call';
export type ActionStatus = 'draft' | 'open' | 'closed' | 'won';

export type Action = {
  id: number;
  post_id: number | null;
  kind: ActionKind;
  slug: string;
  title: string;
  demand: string;
  target: string;
  goal: number;
  deadline: Date | null;
  status: ActionStatus;
  outcome: string;
  signature_count: number;
  by_country: Record<string, number>;
  post_slug?: string | null;
  post_title?: string | null;
};

export async function getActionBySlug(db: Queryable, slug: string): Promise<Action | undefined> {
  return (await db.query<Action>({ ...sql['get-action-by-slug'], values: [slug] })).rows[0];
}

export async function listActionsOfPost(db: Queryable, postId: number): Promise<Action[]> {
  return (await db.query<Action>({ ...sql['list-actions-of-post'], values: [postId] })).rows;
}

export type ActionCount = { goal: number; status: ActionStatus; deadline: Date | null; signature_count: number; counted_at: Date | null };

export async function getActionCount(db: Queryable, slug: string): Promise<ActionCount | undefined> {
  return (await db.query<ActionCount>({ ...sql['get-action-count'], values: [slug] })).rows[0];
}

export type PublicSigner = { name: string; country: string; confirmed_at: Date };

export async function listRecentPublicSigners(db: Queryable, actionId: number, limit: number): Promise<PublicSigner[]> {
  return (await db.query<PublicSigner>({ ...sql['list-recent-public-signers'], values: [actionId, limit] })).rows;
}

export type NewAction = {
  postId: number | null;
  kind: ActionKind;
  slug: string;
  title: string;
  demand: string;
  target: string;
  goal: number;
  deadline: Date | null;
  status: ActionStatus;
  outcome?: string;
};

export async function insertAction(db: Queryable, a: NewAction): Promise<number | undefined> {
  const result = await db.query<{ id: number }>({ ...sql['insert-action'], values: [
    a.postId, a.kind, a.slug, a.title, a.demand, a.target, a.goal, a.deadline, a.status, a.outcome ?? '',
  ] });
  return result.rows[0]?.id;
}

/** Recounts the stale actions, or only `actionId` when given. */
export async function updateStaleCounts(db: Queryable, reconcileAfterMs: number, actionId: number | string | null = null) {
  return (await db.query<{ action_id: number; signature_count: number }>({ ...sql['update-stale-counts'], values: [reconcileAfterMs, actionId] })).rows;
}

export async function waitCountLock(db: Queryable): Promise<void> {
  await db.query({ ...sql['wait-count-lock'], values: [LOCKS.countRound] });
}

export async function tryCountLock(db: Queryable): Promise<boolean> {
  return (await db.query<{ locked: boolean }>({ ...sql['try-count-lock'], values: [LOCKS.countRound] })).rows[0]?.locked ?? false;
}

/** Confirmations of the action that the last count round did not include, and how many of them are from `country`. */
export async function countConfirmedSinceLastCount(db: Queryable, actionId: number, country: string | null = null): Promise<{ n: number; inCountry: number }> {
  const row = (await db.query<{ n: number; in_country: number }>({ ...sql['count-confirmed-since-last-count'], values: [actionId, country] })).rows[0]!;
  return { n: row.n, inCountry: row.in_country };
}

export type NextAction = { slug: string; title: string; kind: ActionKind };

/** The newest other open, public action, for "what next?" after signing. */
export async function getNextOpenAction(db: Queryable, exceptActionId: number): Promise<NextAction | undefined> {
  return (await db.query<NextAction>({ ...sql['get-next-open-action'], values: [exceptActionId] })).rows[0];
}

/** Every open, public action before its deadline (at most 100), for the /actions page. */
export async function listOpenActions(db: Queryable): Promise<Action[]> {
  return (await db.query<Action>(sql['list-open-actions'])).rows;
}
