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

/** A line of the breakdown by country: its share of the count, in whole percent ("under 1" shown below 1). */
export type CountryShare = { code: string; name: string; count: number; percent: number; underOnePercent: boolean };

export type ActionView = Omit<repo.Action, 'status'> & {
  /** The effective status, which the card shows. */
  status: EffectiveStatus;
  open: boolean;
  /** Of the goal, at most 100. */
  percent: number;
  goalReached: boolean;
  /** Once the goal is reached, the next milestone above the count (see stretchGoal), which the bar then measures. */
  stretchGoal?: number;
  /** The bar's filled width in percent of what it measures, at least MIN_BAR_PERCENT when anyone has signed. */
  barWidth: number;
  /** A won action shows its result, not a bar towards a goal. */
  showBar: boolean;
  /** The top countries (TOP_COUNTRIES) by count, and the rest together. */
  countries: CountryShare[];
  otherCountries?: { count: number; percent: number; underOnePercent: boolean };
  signers?: (repo.PublicSigner & { countryName: string })[];
};

/** How many countries the breakdown names before "other countries". */
export const TOP_COUNTRIES = 5;
/** 3 signatures of 5,000 would be a bar of 0.06 %, invisible: a started bar shows at least this much. */
export const MIN_BAR_PERCENT = 2;

/**
 * The stretch goal: once the count has reached the goal, the next "round"
 * milestone above the count, in the series 1, 2, 5, 10, 20, 50, 100 … (goal
 * 5,000 reached at 5,000 or 7,300: 10,000; at 12,000: 20,000). Computed, never
 * stored: organisers set one goal; the page keeps a next step in sight.
 */
export function stretchGoal(count: number): number {
  for (let scale = 1; ; scale *= 10) {
    for (const step of [1, 2, 5]) if (step * scale > count) return step * scale;
  }
}

function share(count: number, total: number): { percent: number; underOnePercent: boolean } {
  const exact = total > 0 ? (count / total) * 100 : 0;
  return { percent: Math.round(exact), underOnePercent: exact > 0 && exact < 1 };
}

/** The breakdown by country, from action_counts.by_country (the count round's; no query of its own). */
function countryShares(byCountry: Record<string, number>, locale: Locale): Pick<ActionView, 'countries' | 'otherCountries'> {
  const all = Object.entries(byCountry)
    .filter(([, count]) => count > 0)
    .map(([code, count]) => ({ code, name: countryName(locale, code), count }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  const total = all.reduce((sum, c) => sum + c.count, 0);
  const countries = all.slice(0, TOP_COUNTRIES).map((c) => ({ ...c, ...share(c.count, total) }));
  const rest = all.slice(TOP_COUNTRIES).reduce((sum, c) => sum + c.count, 0);
  return { countries, otherCountries: rest > 0 ? { count: rest, ...share(rest, total) } : undefined };
}

/** What a page shows of an action: progress, breakdown by country, and (optionally) recent public signers. */
export async function viewAction(db: Queryable, action: repo.Action, locale: Locale, withSigners: boolean): Promise<ActionView> {
  const signers = withSigners
    ? (await repo.listRecentPublicSigners(db, action.id, RECENT_SIGNERS)).map((s) => ({ ...s, countryName: countryName(locale, s.country) }))
    : undefined;
  const status = effectiveStatus(action);
  const count = action.signature_count;
  const goalReached = count >= action.goal;
  const measuredAgainst = goalReached ? stretchGoal(count) : action.goal;
  const filled = Math.min(100, (count / measuredAgainst) * 100);
  return {
    ...action,
    status,
    open: status === 'open',
    percent: Math.min(100, Math.floor((count / action.goal) * 100)),
    goalReached,
    stretchGoal: goalReached ? measuredAgainst : undefined,
    barWidth: count > 0 ? Math.max(MIN_BAR_PERCENT, Math.round(filled * 10) / 10) : 0,
    showBar: status !== 'won',
    ...countryShares(action.by_country, locale),
    signers,
  };
}

export async function viewActionsOfPost(db: Queryable, postId: number, locale: Locale): Promise<ActionView[]> {
  const actions = await repo.listActionsOfPost(db, postId);
  return Promise.all(actions.map((action) => viewAction(db, action, locale, false)));
}

/** "N from your country" on the thank-you page: the supporter's own signature among them. */
export type FromCountry = { code: string; name: string; count: number };

/**
 * The action as the thank-you page shows it: its count with the confirmations
 * of the last few seconds that the count round has not taken in yet (the
 * supporter's own among them), the next open action to go on to, and, given
 * the supporter's country, how many have signed from there (also counting
 * those the round has not taken in).
 */
export async function viewActionAfterSigning(
  db: Queryable,
  action: repo.Action,
  locale: Locale,
  country?: string,
): Promise<{ action: ActionView; next?: repo.NextAction; fromCountry?: FromCountry }> {
  const [since, next] = await Promise.all([repo.countConfirmedSinceLastCount(db, action.id, country ?? null), repo.getNextOpenAction(db, action.id)]);
  const view = await viewAction(db, { ...action, signature_count: action.signature_count + since.n }, locale, false);
  // The real number, theirs included: a hand-typed ?country= with nobody from there shows nothing.
  const inCountry = country ? (action.by_country[country] ?? 0) + since.inCountry : 0;
  const fromCountry = country && inCountry > 0 ? { code: country, name: countryName(locale, country), count: inCountry } : undefined;
  return { action: view, next, fromCountry };
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
