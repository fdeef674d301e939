// The sender of notices to RSVPs: a periodic task in every worker process.
// Each round claims a few unsent protest_notices rows (a lease each, SKIP
// LOCKED), reads the protest as it is at that moment, and emails every
// confirmed, live RSVP through sendOnce under the key
// rsvp-notice:<rsvp>:<kind>:<version>; once all have had it, the notice is
// finished (sent_at). Reading the protest at send time is what keeps a
// cancelled protest's reminder, or the reminder or "moved" notice of a version
// since replaced, from going out: such a notice is finished as skipped, with
// why, and nothing is sent.
//
// Why leases and sendOnce together (as letters and updates do): any number of
// workers share the work, one killed mid-send holds its notice only until the
// lease runs out, and the record of sendOnce stops the emails it did send from
// going twice when another worker takes the notice up. A temporary SMTP failure
// puts the whole notice back with back-off; the RSVPs that had it are skipped
// on the next attempt (their key is recorded), so it resumes where it stopped.
//
// Every function takes `now` from its caller (the task passes new Date()), so
// that tests run the clock: leases, back-off and lateness.
import type { PeriodicTask, WorkerContext } from '../jobs/job.ts';
import { sendOnce } from '../mail/send-once.ts';
import { campaignForEmail } from '../settings/campaign.ts';
import { composeNotice, templateOf, type NoticeContext } from './notice-emails.ts';
import * as repo from './protest-notices.repo.ts';
import { noticeExpiresAt } from './reminder-times.ts';
import { rsvpKeyFor, rsvpToken } from './rsvp-token.ts';

// Longer than a notice's share of a round can take (NOTICE_ROUND_MS, plus the SMTP timeouts of one send).
export const NOTICE_LEASE_SECONDS = 300;
// A notice with more RSVPs than one round sends goes back after this long, and
// any worker continues it at once: a worker stopping is not held up.
const NOTICE_ROUND_MS = 60_000;
const MAX_NOTICES = 5;
const RSVP_BATCH = 50;
// A temporary failure waits 30 s, doubling, up to an hour; after this many (about half a day) the notice counts as failed.
export const MAX_ATTEMPTS = 16;
export const retryDelaySeconds = (attempts: number) => Math.min(30 * 2 ** attempts, 3600);

export const noticeKey = (rsvpId: number, n: Pick<repo.ClaimedNotice, 'kind' | 'version'>) => `rsvp-notice:${rsvpId}:${n.kind}:${n.version}`;

export type NoticeResult = { protestId: number; kind: repo.NoticeKind; version: number; state: 'sent' | 'skipped' | 'failed' | 'retry' | 'continues'; reason?: string; emails: number };

/** Why this notice is not to be sent now, if it is not. */
export function whyNotSend(notice: repo.ClaimedNotice, protest: repo.ProtestForNotice, now: Date): string | undefined {
  if (notice.kind === 'cancelled') {
    if (protest.status !== 'cancelled') return `the protest is ${protest.status}, not cancelled`;
  } else {
    if (protest.status !== 'listed') return `the protest is ${protest.status}`;
    // A reminder or "moved" notice of an earlier version would tell an old place or time.
    if (notice.version !== protest.version) return `version ${protest.version} replaced version ${notice.version}`;
  }
  if (notice.kind === 'thanks' && !protest.thank_you_message.trim()) return 'the call has no thank-you message';
  if (now.getTime() >= noticeExpiresAt(notice.kind, protest).getTime()) return 'too late: its time has passed';
  return undefined;
}

async function contextFor(context: WorkerContext, notice: repo.ClaimedNotice, protest: repo.ProtestForNotice, now: Date): Promise<NoticeContext> {
  const { db, config } = context;
  return {
    kind: notice.kind,
    protest,
    campaign: await campaignForEmail(db, config.baseUrl),
    baseUrl: config.baseUrl,
    before: notice.kind === 'moved' ? await repo.versionToldBefore(db, protest.id, notice.version) : undefined,
    others: notice.kind === 'cancelled' ? await repo.otherProtestsOfCall(db, protest, now) : undefined,
  };
}

/** Sends one claimed notice to the RSVPs that have not had it, and finishes it, puts it back or retries it later. */
export async function sendNotice(context: WorkerContext, notice: repo.ClaimedNotice, now: Date): Promise<NoticeResult> {
  const { db, mailer, log, config } = context;
  const result = (state: NoticeResult['state'], emails: number, reason?: string): NoticeResult => ({ protestId: notice.protest_id, kind: notice.kind, version: notice.version, state, reason, emails });
  const protest = await repo.protestForNotice(db, notice.protest_id);
  if (!protest) return result('skipped', 0, 'the protest is gone'); // deleted: its notices went with it
  const skip = whyNotSend(notice, protest, now);
  if (skip) {
    await repo.finishNotice(db, notice, now, 'skipped', skip);
    log.info({ protest: protest.id, kind: notice.kind, version: notice.version, reason: skip }, 'protest notice skipped');
    return result('skipped', 0, skip);
  }
  const noticeContext = await contextFor(context, notice, protest, now);
  const key = await rsvpKeyFor(db, config.appSecret);
  // "Moved" is for those who knew the old details: an RSVP confirmed after the move saw the new ones.
  const confirmedBy = notice.kind === 'moved' ? notice.created_at : null;
  const until = Date.now() + NOTICE_ROUND_MS;
  let emails = 0;
  let afterId = 0;
  let walkedAgain = false;
  for (;;) {
    const batch = await repo.rsvpsToNotify(db, notice, confirmedBy, afterId, RSVP_BATCH);
    if (!batch.length) {
      // The walk goes forward by id: an RSVP made earlier but confirmed while
      // the walk was past it would never be met. Once more from the start (the
      // query leaves out those that had it), then the notice is done.
      if (afterId === 0 || walkedAgain) break;
      walkedAgain = true;
      afterId = 0;
      continue;
    }
    for (const rsvp of batch) {
      afterId = rsvp.id;
      try {
        const outcome = await sendOnce({ db, mailer, log, baseUrl: config.baseUrl }, { key: noticeKey(rsvp.id, notice), template: templateOf(notice.kind), purpose: 'asked-for' }, async () =>
          composeNotice(context.renderEmail, noticeContext, { name: rsvp.name, email: rsvp.email, pageToken: rsvpToken(key, rsvp.id) }),
        );
        if (outcome === 'sent') emails++;
      } catch (error) {
        // Temporary: the SMTP server is down or said 4xx, or another worker holds this email's claim.
        const message = (error as Error).message;
        log.warn({ protest: protest.id, kind: notice.kind, rsvp: rsvp.id, error: message }, 'protest notice not sent; will try again');
        if (notice.attempts + 1 >= MAX_ATTEMPTS) {
          await repo.finishNotice(db, notice, now, 'failed', `gave up after ${MAX_ATTEMPTS} attempts: ${message}`);
          return result('failed', emails, message);
        }
        await repo.retryNoticeLater(db, notice, new Date(now.getTime() + retryDelaySeconds(notice.attempts) * 1000), message);
        return result('retry', emails, message);
      }
    }
    if (Date.now() >= until) {
      await repo.releaseNotice(db, notice);
      return result('continues', emails);
    }
  }
  await repo.finishNotice(db, notice, now, 'sent');
  log.info({ protest: protest.id, kind: notice.kind, version: notice.version, emails }, 'protest notice sent');
  return result('sent', emails);
}

/** One round: the notices due at `now`, claimed and sent one after the other. */
export async function sendProtestNotices(context: WorkerContext, now: Date): Promise<NoticeResult[]> {
  const results: NoticeResult[] = [];
  for (const notice of await repo.claimNotices(context.db, now, MAX_NOTICES, NOTICE_LEASE_SECONDS)) {
    results.push(await sendNotice(context, notice, now));
  }
  return results;
}

export const sendProtestNoticesTask: PeriodicTask = {
  name: 'send-protest-notices',
  // Every two seconds, in every worker: "moved" and "cancelled" go at once; an idle round is one indexed query.
  intervalMs: () => 2000,
  run: (context) => sendProtestNotices(context, new Date()),
};
