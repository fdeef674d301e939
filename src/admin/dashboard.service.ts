// The organisers' dashboard: what the admin's home shows of the actions (open
// ones with their trend, drafts, recently closed) and each action's overview
// (signatures per day, confirmation rate, top countries, latest comments).
// Days are the campaign's (CAMPAIGN_TIME_ZONE): a signature at 00:30 in the
// campaign's zone belongs to that day, whatever the server's or UTC's date.
import { DateTime } from 'luxon';
import { effectiveStatus, type EffectiveStatus } from '../actions/actions.service.ts';
import type { Queryable } from '../db/pool.ts';
import { NotFound } from '../errors.ts';
import { formatNumber, translate, type Locale } from '../i18n/index.ts';
import { countryName } from '../signatures/countries.ts';
import { PENDING_RETENTION_DAYS } from '../signatures/purge.task.ts';
import { barChart, fillSeries, sparkline } from './chart.ts';
import * as repo from './dashboard.repo.ts';

export const OPEN_ACTIONS_SHOWN = 100;
export const DRAFTS_SHOWN = 20;
export const CLOSED_SHOWN = 10;
/** The home's sparkline: this many local days, today included. */
export const SPARKLINE_DAYS = 14;
/** The overview's chart by default: at most this many local days, today included. */
export const RECENT_DAYS = 30;
/** The confirmation rate counts the signatures made in this many last days. */
export const RATE_DAYS = 30;
export const TOP_COUNTRIES = 10;
export const LATEST_COMMENTS = 10;
/** The comments are looked for among this many latest confirmed signatures at most. */
export const COMMENTS_LOOK_BACK = 20_000;

// A pending signature lives at least PENDING_RETENTION_DAYS after its last link
// expired, so every signature made in the rate's period is still there to count.
if (RATE_DAYS > PENDING_RETENTION_DAYS) throw new Error('RATE_DAYS must not exceed PENDING_RETENTION_DAYS');

export type DashboardContext = { locale: Locale; timeZone: string; now?: Date };

/** A local calendar day (or week, or month): its first day as key, its labels, and when it starts and ends. */
export type Period = repo.Span & { key: string; label: string; longLabel: string };

const labelFormats = new Map<string, Intl.DateTimeFormat>();

function labelFormat(locale: Locale, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = labelFormats.get(key);
  if (!format) labelFormats.set(key, (format = new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' })));
  return format;
}

/** A calendar date (YYYY-MM-DD) as text; the date is no instant, so it is formatted as UTC's. */
function formatDay(locale: Locale, isoDate: string, options: Intl.DateTimeFormatOptions): string {
  return labelFormat(locale, options).format(new Date(`${isoDate}T00:00:00Z`));
}

/** Every period of `unit` from the one holding `start` to the one holding `end`, in `timeZone`, oldest first. */
export function periodsBetween(start: Date, end: Date, unit: repo.PeriodUnit, timeZone: string, locale: Locale): Period[] {
  const periods: Period[] = [];
  let cursor = DateTime.fromJSDate(start, { zone: timeZone }).startOf(unit);
  const last = DateTime.fromJSDate(end, { zone: timeZone }).startOf(unit);
  // Bounded, whatever the dates: a month chart of a century is 1,200 bars.
  while (cursor <= last && periods.length < 1200) {
    const key = cursor.toISODate()!;
    const next = cursor.plus({ [unit]: 1 }).startOf(unit);
    const span = { starts: cursor.toJSDate(), ends: next.toJSDate() };
    if (unit === 'month') {
      const label = formatDay(locale, key, { month: 'short', year: 'numeric' });
      periods.push({ ...span, key, label, longLabel: formatDay(locale, key, { month: 'long', year: 'numeric' }) });
    } else {
      const label = formatDay(locale, key, { month: 'short', day: 'numeric' });
      const long = formatDay(locale, key, { dateStyle: 'long' });
      periods.push({ ...span, key, label, longLabel: unit === 'week' ? translate(locale, 'admin.dashboard.weekOf', { date: long }) : long });
    }
    cursor = next;
  }
  return periods;
}

/** The instant the local day holding `moment` began, `daysBack` days earlier. */
function localMidnight(moment: Date, timeZone: string, daysBack = 0): Date {
  return DateTime.fromJSDate(moment, { zone: timeZone }).startOf('day').minus({ days: daysBack }).toJSDate();
}

// ---------------------------------------------------------------- the home

export type Trend = {
  lastDay: number;
  lastWeek: number;
  weekBefore: number;
  direction: 'up' | 'down' | 'same';
  /** Inline <svg>, escaped inside. */
  sparkline: string;
  days: { label: string; count: number }[];
};

export type OpenActionView = repo.OpenActionRow & { percent: number; trend: Trend };

export type HomeView = {
  open: OpenActionView[];
  drafts: repo.DraftActionRow[];
  closed: (repo.ClosedActionRow & { effective: EffectiveStatus })[];
  sparklineDays: number;
};

export async function adminHome(db: Queryable, context: DashboardContext): Promise<HomeView> {
  const { locale, timeZone } = context;
  const now = context.now ?? new Date();
  const [open, drafts, closed] = await Promise.all([
    repo.listOpenActions(db, OPEN_ACTIONS_SHOWN),
    repo.listDraftActions(db, DRAFTS_SHOWN),
    repo.listClosedActions(db, CLOSED_SHOWN),
  ]);
  const since = localMidnight(now, timeZone, SPARKLINE_DAYS - 1);
  const ids = open.map((a) => a.id);
  const days = periodsBetween(since, now, 'day', timeZone, locale);
  const [perDay, windows] = await Promise.all([repo.trendPerDay(db, ids, days), repo.trendWindows(db, ids, now)]);
  return {
    open: open.map((action) => {
      const series = fillSeries(days, new Map(days.map((day, i) => [day.key, perDay.get(action.id)?.[i] ?? 0])));
      const window = windows.find((row) => row.action_id === action.id) ?? { last_day: 0, last_week: 0, week_before: 0 };
      const lastWeek = window.last_week;
      const weekBefore = window.week_before;
      const values = series.map((point) => point.value);
      return {
        ...action,
        percent: Math.min(100, Math.floor((action.signature_count / action.goal) * 100)),
        trend: {
          lastDay: window.last_day,
          lastWeek,
          weekBefore,
          direction: lastWeek > weekBefore ? 'up' : lastWeek < weekBefore ? 'down' : 'same',
          sparkline: sparkline({
            id: `trend-${action.id}`,
            title: translate(locale, 'admin.dashboard.sparklineTitle', {
              days: SPARKLINE_DAYS,
              counts: values.map((v) => formatNumber(locale, v)).join(', '),
            }),
            values,
          }),
          days: series.map((point) => ({ label: point.label, count: point.value })),
        },
      };
    }),
    drafts,
    closed: closed.map((action) => ({ ...action, effective: effectiveStatus(action, now) })),
    sparklineDays: SPARKLINE_DAYS,
  };
}

// ------------------------------------------------------- an action's overview

/** What the admin calls an action's state: a draft, or its effective status (open past its deadline is closed). */
export type ShownStatus = 'draft' | EffectiveStatus;

export function shownStatus(action: Pick<repo.AdminAction, 'status' | 'deadline'>, now = new Date()): ShownStatus {
  return action.status === 'draft' ? 'draft' : effectiveStatus(action, now);
}

/** recent: the last RECENT_DAYS days, per day; all: since the action began, per day, week or month as its length needs. */
export type ChartRange = 'recent' | 'all';

export type ActionOverview = {
  action: repo.AdminAction & { effective: EffectiveStatus; shownStatus: ShownStatus; percent: number };
  chart: {
    range: ChartRange;
    unit: repo.PeriodUnit;
    /** "per day", "per week", "per month". */
    per: string;
    /** Inline <svg>, escaped inside. */
    svg: string;
    rows: { label: string; count: number }[];
    total: number;
    from: string;
    to: string;
    /** Whether the action began before the recent range, so "since it began" shows more. */
    longer: boolean;
    /** One bar: today's. */
    oneDay: boolean;
  };
  rate: { days: number; made: number; confirmed: number; percent: number | null; linkDays: number; keptDays: number };
  countries: { code: string; name: string; count: number; percent: number }[];
  otherCountries: number;
  comments: (repo.CommentRow & { countryName: string })[];
  commentsLookBack: number;
  /** Whether the comments were looked for among every confirmed signature (fewer than the look-back). */
  commentsLookedBackFully: boolean;
};

/** Per day up to two months, per week up to two years, per month beyond: a readable number of bars. */
export function unitFor(start: Date, end: Date): repo.PeriodUnit {
  const days = (end.getTime() - start.getTime()) / 86_400_000;
  if (days <= 62) return 'day';
  if (days <= 730) return 'week';
  return 'month';
}

/** An action's overview, by its id (digits, checked by the caller); NotFound when there is none. */
export async function actionOverview(
  db: Queryable,
  actionId: string,
  range: ChartRange,
  context: DashboardContext & { confirmationTtlDays: number },
): Promise<ActionOverview> {
  const { locale, timeZone } = context;
  const now = context.now ?? new Date();
  const action = await repo.getAction(db, actionId);
  if (!action) throw new NotFound();
  const first = await repo.firstConfirmation(db, action.id);
  // When it began: made, or its first confirmation if that is earlier (signatures imported from before).
  const began = first && first < action.created_at ? first : action.created_at;
  const recentStart = localMidnight(now, timeZone, RECENT_DAYS - 1);
  const beganDay = localMidnight(began, timeZone);
  const longer = beganDay < recentStart;
  const start = range === 'all' || !longer ? beganDay : recentStart;
  const unit = range === 'all' ? unitFor(start, now) : 'day';
  // The query starts at the start of the first period, so its count is whole.
  const from = DateTime.fromJSDate(start, { zone: timeZone }).startOf(unit).toJSDate();
  const rateSince = new Date(now.getTime() - RATE_DAYS * 86_400_000);

  const periods = periodsBetween(from, now, unit, timeZone, locale);
  const [counts, rate, comments] = await Promise.all([
    repo.confirmedPerPeriod(db, action.id, periods),
    repo.confirmationRate(db, action.id, rateSince),
    repo.latestComments(db, action.id, LATEST_COMMENTS, COMMENTS_LOOK_BACK),
  ]);
  const series = fillSeries(periods, new Map(periods.map((p, i) => [p.key, counts[i] ?? 0])));
  const long = new Map(periods.map((p) => [p.key, p.longLabel]));
  const total = series.reduce((sum, point) => sum + point.value, 0);
  const fromLabel = periods[0]?.longLabel ?? '';
  const toLabel = formatDay(locale, DateTime.fromJSDate(now, { zone: timeZone }).toISODate()!, { dateStyle: 'long' });
  const unitWord = translate(locale, `admin.dashboard.per.${unit}`);
  const svg = barChart({
    id: `action-${action.id}-chart`,
    title: translate(locale, 'admin.dashboard.chartTitle', { title: action.title, per: unitWord }),
    description: translate(locale, 'admin.dashboard.chartDescription', {
      per: unitWord,
      from: fromLabel,
      to: toLabel,
      total: formatNumber(locale, total),
      timeZone,
    }),
    points: series,
    formatValue: (value) => formatNumber(locale, value),
  });

  const entries = Object.entries(action.by_country).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const counted = entries.reduce((sum, [, count]) => sum + count, 0);
  const share = (count: number) => (counted > 0 ? Math.round((count / counted) * 1000) / 10 : 0);
  const top = entries.slice(0, TOP_COUNTRIES).map(([code, count]) => ({ code, name: countryName(locale, code), count, percent: share(count) }));
  const otherCountries = entries.slice(TOP_COUNTRIES).reduce((sum, [, count]) => sum + count, 0);

  return {
    action: {
      ...action,
      effective: effectiveStatus(action, now),
      shownStatus: shownStatus(action, now),
      percent: Math.min(100, Math.floor((action.signature_count / action.goal) * 100)),
    },
    chart: {
      range,
      unit,
      per: unitWord,
      svg,
      rows: series.map((point) => ({ label: long.get(point.key) ?? point.label, count: point.value })),
      total,
      from: fromLabel,
      to: toLabel,
      longer,
      oneDay: unit === 'day' && periods.length === 1,
    },
    rate: {
      days: RATE_DAYS,
      made: rate.made,
      confirmed: rate.confirmed,
      percent: rate.made > 0 ? Math.round((rate.confirmed / rate.made) * 1000) / 10 : null,
      linkDays: context.confirmationTtlDays,
      keptDays: context.confirmationTtlDays + PENDING_RETENTION_DAYS,
    },
    countries: top,
    otherCountries,
    comments: comments.map((comment) => ({ ...comment, countryName: countryName(locale, comment.country) })),
    commentsLookBack: COMMENTS_LOOK_BACK,
    commentsLookedBackFully: action.signature_count < COMMENTS_LOOK_BACK,
  };
}
