// SQL of the organisers' dashboard (sql/dashboard.sql).
import { loadQueries } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';
import type { ActionKind, ActionStatus } from '../actions/actions.repo.ts';

const sql = loadQueries('dashboard.sql', [
  'list-open-actions',
  'list-draft-actions',
  'list-closed-actions',
  'trend-per-day',
  'trend-windows',
  'get-action',
  'first-confirmation',
  'confirmed-per-period',
  'confirmation-rate',
  'latest-comments',
]);

// Ids arrive as numbers (src/db/pool.ts parses bigint so).
type ActionRow = {
  id: number;
  kind: ActionKind;
  slug: string;
  title: string;
  goal: number;
  deadline: Date | null;
  status: ActionStatus;
  post_id: number | null;
  post_title: string | null;
};

export type OpenActionRow = ActionRow & { signature_count: number; counted_at: Date | null };
export type DraftActionRow = ActionRow & { updated_at: Date };
export type ClosedActionRow = ActionRow & { signature_count: number; closed_at: Date };

export async function listOpenActions(db: Queryable, limit: number): Promise<OpenActionRow[]> {
  return (await db.query<OpenActionRow>({ ...sql['list-open-actions'], values: [limit] })).rows;
}

export async function listDraftActions(db: Queryable, limit: number): Promise<DraftActionRow[]> {
  return (await db.query<DraftActionRow>({ ...sql['list-draft-actions'], values: [limit] })).rows;
}

export async function listClosedActions(db: Queryable, limit: number): Promise<ClosedActionRow[]> {
  return (await db.query<ClosedActionRow>({ ...sql['list-closed-actions'], values: [limit] })).rows;
}

/** A stretch of time [starts, ends): a local day, week or month as instants. */
export type Span = { starts: Date; ends: Date };

/** Confirmed signatures of each action in each span: counts[actionId][i] for spans[i]. */
export async function trendPerDay(db: Queryable, actionIds: readonly number[], spans: readonly Span[]): Promise<Map<number, number[]>> {
  const counts = new Map<number, number[]>(actionIds.map((id) => [Number(id), spans.map(() => 0)]));
  if (actionIds.length === 0 || spans.length === 0) return counts;
  const { rows } = await db.query<{ action_id: number; period: number; confirmed: number }>({
    ...sql['trend-per-day'],
    values: [actionIds, spans.map((s) => s.starts), spans.map((s) => s.ends)],
  });
  for (const row of rows) counts.get(Number(row.action_id))![row.period - 1] = row.confirmed;
  return counts;
}

export type TrendWindows = { action_id: number; last_day: number; last_week: number; week_before: number };

/** Confirmed signatures of each action in the last 24 hours, the last 7 days and the 7 days before. */
export async function trendWindows(db: Queryable, actionIds: readonly number[], now: Date): Promise<TrendWindows[]> {
  if (actionIds.length === 0) return [];
  return (await db.query<TrendWindows>({ ...sql['trend-windows'], values: [actionIds, now] })).rows;
}

export type AdminAction = ActionRow & {
  demand: string;
  target: string;
  outcome: string;
  created_at: Date;
  updated_at: Date;
  post_slug: string | null;
  post_status: 'draft' | 'published' | null;
  signature_count: number;
  by_country: Record<string, number>;
  counted_at: Date | null;
};

export async function getAction(db: Queryable, id: string): Promise<AdminAction | undefined> {
  return (await db.query<AdminAction>({ ...sql['get-action'], values: [id] })).rows[0];
}

export async function firstConfirmation(db: Queryable, actionId: number): Promise<Date | null> {
  return (await db.query<{ first_confirmed_at: Date | null }>({ ...sql['first-confirmation'], values: [actionId] })).rows[0]?.first_confirmed_at ?? null;
}

export type PeriodUnit = 'day' | 'week' | 'month';

/** Confirmed signatures of the action in each span, in order. */
export async function confirmedPerPeriod(db: Queryable, actionId: number, spans: readonly Span[]): Promise<number[]> {
  if (spans.length === 0) return [];
  const { rows } = await db.query<{ period: number; confirmed: number }>({
    ...sql['confirmed-per-period'],
    values: [actionId, spans.map((s) => s.starts), spans.map((s) => s.ends)],
  });
  const counts = spans.map(() => 0);
  for (const row of rows) counts[row.period - 1] = row.confirmed;
  return counts;
}

/** Of the action's signatures made since `since` (invalidated ones aside), how many, and how many are confirmed. */
export async function confirmationRate(db: Queryable, actionId: number, since: Date): Promise<{ made: number; confirmed: number }> {
  const { confirmed, pending } = (await db.query<{ confirmed: number; pending: number }>({ ...sql['confirmation-rate'], values: [actionId, since] })).rows[0]!;
  return { made: confirmed + pending, confirmed };
}

export type CommentRow = { id: number; name: string; country: string; locality: string; comment: string; confirmed_at: Date; show_name: boolean; hidden_at: Date | null };

export async function latestComments(db: Queryable, actionId: number, limit: number, lookBack: number): Promise<CommentRow[]> {
  return (await db.query<CommentRow>({ ...sql['latest-comments'], values: [actionId, limit, lookBack] })).rows;
}
