// Actions as the public sees them: an open action takes signatures; a closed
// or won one shows its outcome and takes none. What is shown is the effective
// status: an action of status open whose deadline has passed is closed.
import type { Queryable } from '../db/pool.ts';
import { ActionClosed, NotFound } from '../errors.ts';
import type { Locale } from '../i18n/index.ts';
import { countryName } from '../signatures/countries.ts';
import * as repo from './actions.repo.ts';

export const RECENT_SIGNERS = 10;

/** The status as shown (pages, count.json): never draft, and closed once the deadline has passed. */
export type EffectiveStatus = 'open' | 'closed' | 'won';

export function effectiveStatus(action: Pick<repo.Action, 'status' | 'deadline'>, now = new Date()): EffectiveStatus {
  if (action.status === 'won') return 'won';
  if (action.status === 'open' && (!action.deadline || new Date(action.deadline) > now)) return 'open';
  return 'closed';
}

/** Whether it takes signatures now. (A confirmation is judged by when its signature was made: sql/signatures.sql, find-token.) */
export function isOpen(action: Pick<repo.Action, 'status' | 'deadline'>, now = new Date()): boolean {
  return effectiveStatus(action, now) === 'open';
}

export async function getAction(db: Queryable, slug: string): Promise<repo.Action> {
  const action = await repo.getActionBySlug(db, slug);
  if (!action) throw new NotFound();
  return action;
}

/** Guard for signing: the action exists and is open. */
export async function requireOpenAction(db: Queryable, slug: string): Promise<repo.Action> {
  const action = await getAction(db, slug);
  if (!isOpen(action)) throw new ActionClosed(action.slug);
  return action;
}

// Signing looks its action up on every request: during a surge that is one
// database round trip in six, always with the same answer. Open actions are
// remembered for a second, per database, so closing an action takes effect
// within a second (confirming always checks afresh).
const OPEN_ACTION_CACHE_MS = 1000;
const openActions = new WeakMap<object, Map<string, { action: repo.Action; until: number }>>();

export async function requireOpenActionForSigning(db: Queryable, slug: string): Promise<repo.Action> {
  let cache = openActions.get(db);
  if (!cache) openActions.set(db, (cache = new Map()));
  const now = Date.now();
  const cached = cache.get(slug);
  if (cached && cached.until > now && isOpen(cached.action)) return cached.action;
  const action = await requireOpenAction(db, slug);
  if (cache.size > 1000) cache.clear();
  cache.set(slug, { action, until: now + OPEN_ACTION_CACHE_MS });
  return action;
}

export type ActionView = Omit<repo.Action, 'status'> & {
  /** The effective status, which the card shows. */
  status: EffectiveStatus;
  open: boolean;
  percent: number;
  countries: { code: string; name: string; count: number }[];
  signers?: (repo.PublicSigner & { countryName: string })[];
};

/** What a page shows of an action: progress, breakdown by country, and (optionally) recent public signers. */
export async function viewAction(db: Queryable, action: repo.Action, locale: Locale, withSigners: boolean): Promise<ActionView> {
  const countries = Object.entries(action.by_country)
    .map(([code, count]) => ({ code, name: countryName(locale, code), count }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  const signers = withSigners
    ? (await repo.listRecentPublicSigners(db, action.id, RECENT_SIGNERS)).map((s) => ({ ...s, countryName: countryName(locale, s.country) }))
    : undefined;
  const status = effectiveStatus(action);
  return {
    ...action,
    status,
    open: status === 'open',
    percent: Math.min(100, Math.floor((action.signature_count / action.goal) * 100)),
    countries,
    signers,
  };
}

export async function viewActionsOfPost(db: Queryable, postId: number, locale: Locale): Promise<ActionView[]> {
  const actions = await repo.listActionsOfPost(db, postId);
  return Promise.all(actions.map((action) => viewAction(db, action, locale, false)));
}

/**
 * The action as the thank-you page shows it: its count with the confirmations
 * of the last few seconds that the count round has not taken in yet (the
 * supporter's own among them), and the next open action to go on to.
 */
export async function viewActionAfterSigning(db: Queryable, action: repo.Action, locale: Locale): Promise<{ action: ActionView; next?: repo.NextAction }> {
  const [since, next] = await Promise.all([repo.countConfirmedSinceLastCount(db, action.id), repo.getNextOpenAction(db, action.id)]);
  return { action: await viewAction(db, { ...action, signature_count: action.signature_count + since }, locale, false), next };
}

/** The open actions, as the /actions page lists them. */
export async function viewOpenActions(db: Queryable, locale: Locale): Promise<ActionView[]> {
  return Promise.all((await repo.listOpenActions(db)).map((action) => viewAction(db, action, locale, false)));
}

/** What count.json says: the count, and the effective status. */
export async function getCount(db: Queryable, slug: string): Promise<Omit<repo.ActionCount, 'status'> & { status: EffectiveStatus }> {
  const count = await repo.getActionCount(db, slug);
  if (!count) throw new NotFound();
  return { ...count, status: effectiveStatus(count) };
}
