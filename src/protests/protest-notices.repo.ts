// SQL for notices to a protest's RSVPs (sql/protest-notices.sql).
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';

const sql = loadQueries('protest-notices.sql', [
  'queue-notice', 'protests-for-reminders', 'claim-notices', 'protest-for-notice', 'version-told-before', 'rsvps-to-notify', 'other-protests-of-call',
  'finish-notice', 'retry-notice-later', 'release-notice',
]);

export type NoticeKind = 'day_before' | 'day_of' | 'moved' | 'cancelled' | 'thanks';

/**
 * Queues a notice to every confirmed RSVP of the protest, once per kind and
 * version. Moving or cancelling a protest calls it in its own transaction, so
 * that the change and its notice commit together; the notice sender
 * (src/protests/send-notices.task.ts) does the rest.
 */
export async function queueNotice(db: Queryable, protestId: number, kind: NoticeKind, version: number): Promise<void> {
  await db.query({ ...sql['queue-notice'], values: [protestId, kind, version] });
}

export type ProtestForReminders = {
  id: number;
  version: number;
  starts_at: Date;
  ends_at: Date;
  time_zone: string;
  has_thanks: boolean;
  /** The kinds queued already for the current version. */
  queued: NoticeKind[];
  /** When the current version's "moved" notice was made (null: never moved). */
  moved_at: Date | null;
};

export async function protestsForReminders(db: Queryable, now: Date): Promise<ProtestForReminders[]> {
  return (await db.query<ProtestForReminders>({ ...sql['protests-for-reminders'], values: [now] })).rows;
}

/** A notice as a sender holds it. */
export type ClaimedNotice = { protest_id: number; kind: NoticeKind; version: number; attempts: number; created_at: Date };

export async function claimNotices(db: Queryable, now: Date, limit: number, leaseSeconds: number): Promise<ClaimedNotice[]> {
  return (await db.query<ClaimedNotice>({ ...sql['claim-notices'], values: [now, limit, leaseSeconds] })).rows;
}

export type ProtestForNotice = {
  id: number;
  status: 'proposed' | 'listed' | 'cancelled' | 'rejected';
  version: number;
  country: string;
  city: string;
  place: string;
  address: string;
  meeting_point: string;
  latitude: number | null;
  longitude: number | null;
  starts_at: Date;
  ends_at: Date;
  time_zone: string;
  accessibility: string;
  action_id: number;
  action_slug: string;
  action_title: string;
  thank_you_message: string;
  thank_you_link: string;
};

export async function protestForNotice(db: Queryable, protestId: number): Promise<ProtestForNotice | undefined> {
  return (await db.query<ProtestForNotice>({ ...sql['protest-for-notice'], values: [protestId] })).rows[0];
}

/** A protest's place and time as it was at some version. */
export type ProtestVersion = Pick<ProtestForNotice, 'city' | 'place' | 'address' | 'meeting_point' | 'starts_at' | 'ends_at' | 'time_zone'>;

/** What RSVPs knew before the move to `version` (undefined: not kept). */
export async function versionToldBefore(db: Queryable, protestId: number, version: number): Promise<ProtestVersion | undefined> {
  return (await db.query<ProtestVersion>({ ...sql['version-told-before'], values: [protestId, version] })).rows[0];
}

export type RsvpToNotify = { id: number; name: string; email: string };

/** The next RSVPs after `afterId` (0: from the first) to have the notice. */
export async function rsvpsToNotify(db: Queryable, notice: Pick<ClaimedNotice, 'protest_id' | 'kind' | 'version'>, confirmedBy: Date | null, afterId: number, limit: number): Promise<RsvpToNotify[]> {
  return (await db.query<RsvpToNotify>({ ...sql['rsvps-to-notify'], values: [notice.protest_id, notice.kind, notice.version, confirmedBy, limit, afterId] })).rows;
}

export type OtherProtest = { id: number; country: string; city: string; place: string; starts_at: Date; time_zone: string };

export async function otherProtestsOfCall(db: Queryable, protest: Pick<ProtestForNotice, 'action_id' | 'id' | 'country'>, now: Date): Promise<OtherProtest[]> {
  return (await db.query<OtherProtest>({ ...sql['other-protests-of-call'], values: [protest.action_id, protest.id, now, protest.country] })).rows;
}

type NoticeId = Pick<ClaimedNotice, 'protest_id' | 'kind' | 'version'>;
const idOf = (n: NoticeId) => [n.protest_id, n.kind, n.version];

export type NoticeOutcome = 'sent' | 'skipped' | 'failed';

export async function finishNotice(db: Queryable, notice: NoticeId, at: Date, outcome: NoticeOutcome, reason = ''): Promise<void> {
  await db.query({ ...sql['finish-notice'], values: [...idOf(notice), at, outcome, reason] });
}

export async function retryNoticeLater(db: Queryable, notice: NoticeId, notBefore: Date, error: string): Promise<void> {
  await db.query({ ...sql['retry-notice-later'], values: [...idOf(notice), notBefore, error] });
}

export async function releaseNotice(db: Queryable, notice: NoticeId): Promise<void> {
  await db.query({ ...sql['release-notice'], values: [...idOf(notice)] });
}
