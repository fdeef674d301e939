// Delivery of campaign updates: a periodic task in every worker process. Each
// round claims small batches of queued recipients (a lease each), takes that
// many sends from the shared pace (pacing.ts: UPDATES_PER_SECOND across all
// workers together), and sends each through sendOnce under the key
// update:<update>:<supporter>, purpose 'updates' (the suppression list is
// asked there). The consent is read again just before each send, so an
// unsubscribe is honoured for every message not yet sent.
//
// Why claims with leases rather than one process holding a lock for the whole
// send: any number of workers share the work, and one killed mid-send holds
// nothing up: its rows are taken again when their lease runs out, and
// sendOnce's record (the key, the Message-ID) stops anything it did send from
// going out twice.
import { withTransaction, type Pool } from '../db/pool.ts';
import type { PeriodicTask, WorkerContext } from '../jobs/job.ts';
import { sendOnce, type SendOutcome } from '../mail/send-once.ts';
import { campaignForEmail } from '../settings/campaign.ts';
import { composeUpdateEmail, UPDATE_TEMPLATE } from './compose.ts';
import { takeSends } from './pacing.ts';
import { unsubscribeKeyFor } from './unsubscribe-token.ts';
import * as repo from './updates.repo.ts';

// Longer than a batch can take to send (SMTP timeouts add up to under a minute).
export const RECIPIENT_LEASE_SECONDS = 300;
// A round ends after this long, so that a stopping worker is not held up and
// the rounds of several workers interleave.
const ROUND_MS = 5_000;
const MAX_BATCH = 50;
// A temporary failure waits 30 s, doubling, up to an hour; after this many the message counts as failed.
const MAX_ATTEMPTS = 20;

export const retryDelaySeconds = (attempts: number) => Math.min(30 * 2 ** attempts, 3600);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Takes up to `wanted` sends from the shared pace; how many, and the time to the next slot. */
export async function takePace(db: Pool, wanted: number, perSecond: number): Promise<{ granted: number; waitMs: number }> {
  return withTransaction(db, async (client) => {
    const pace = await repo.lockPace(client);
    const nowSlot = Math.floor(pace.now_ms / 1000);
    const { next, granted } = takeSends({ slot: pace.slot, taken: pace.taken }, nowSlot, wanted, perSecond);
    if (granted > 0 || next.slot !== pace.slot) await repo.savePace(client, next.slot, next.taken);
    return { granted, waitMs: 1000 - (pace.now_ms % 1000) };
  });
}

type Deliverer = { context: WorkerContext; key: Buffer };

/** The row's state after sendOnce said `outcome`; a message it had finished before is looked up. */
async function stateAfter(db: Pool, key: string, outcome: SendOutcome): Promise<Exclude<repo.RecipientState, 'queued'>> {
  if (outcome !== 'skipped') return outcome;
  const record = await repo.emailRecord(db, key);
  if (record?.status === 'sent') return 'sent';
  return record?.smtp_response.startsWith('suppressed') ? 'suppressed' : 'failed';
}

export async function deliverOne(d: Deliverer, claimed: repo.Claimed): Promise<void> {
  const { db, log, config } = d.context;
  const { update_id: updateId, supporter_id: supporterId } = claimed;
  const recipient = await repo.recipientForSending(db, updateId, supporterId);
  if (!recipient) return; // erased since: their row went with them
  if (recipient.update_state !== 'sending') return repo.releaseRecipient(db, updateId, supporterId); // cancelled
  if (!recipient.consent_given_at) return repo.finishRecipient(db, updateId, supporterId, 'unsubscribed');
  const key = `update:${updateId}:${supporterId}`;
  try {
    const outcome = await sendOnce({ db, mailer: d.context.mailer, log, baseUrl: config.baseUrl }, { key, template: UPDATE_TEMPLATE, purpose: 'updates' }, async () =>
      composeUpdateEmail(
        { renderEmail: d.context.renderEmail, config, unsubscribeKey: d.key },
        {
          subject: recipient.subject,
          bodyHtml: recipient.body_html,
          bodyText: recipient.body_text,
          to: recipient.email,
          campaign: await campaignForEmail(db, config.baseUrl),
          supporterId,
          consent: { givenAt: recipient.consent_given_at!, actionTitle: recipient.consent_action_title },
        },
      ),
    );
    await repo.finishRecipient(db, updateId, supporterId, await stateAfter(db, key, outcome));
  } catch (error) {
    // Temporary: the SMTP server is down, or another worker holds this message's claim.
    log.warn({ key, error: (error as Error).message }, 'update message not sent; will try again');
    if (claimed.attempts + 1 >= MAX_ATTEMPTS) await repo.finishRecipient(db, updateId, supporterId, 'failed');
    else await repo.retryRecipientLater(db, updateId, supporterId, retryDelaySeconds(claimed.attempts));
  }
}

/** One round: claim, pace, send, until nothing is queued or the round's time is up; then mark finished updates sent. */
export async function deliverRound(context: WorkerContext, key: Buffer, roundMs = ROUND_MS): Promise<void> {
  const { db, config } = context;
  const perSecond = config.updatesPerSecond;
  const until = Date.now() + roundMs;
  while (Date.now() < until) {
    const claimed = await repo.claimRecipients(db, Math.min(MAX_BATCH, perSecond), RECIPIENT_LEASE_SECONDS);
    if (!claimed.length) break;
    const { granted, waitMs } = await takePace(db, claimed.length, perSecond);
    // What this slot cannot take goes back at once, for whichever worker has the next slot.
    await Promise.all(claimed.slice(granted).map((c) => repo.releaseRecipient(db, c.update_id, c.supporter_id)));
    await Promise.all(claimed.slice(0, granted).map((c) => deliverOne({ context, key }, c)));
    if (granted < claimed.length) await sleep(waitMs);
  }
  await repo.finishSentUpdates(db);
}

export const deliverUpdatesTask: PeriodicTask = {
  name: 'deliver-updates',
  // Every second, in every worker: an idle round is one indexed query.
  intervalMs: () => 1000,
  run: async (context) => deliverRound(context, await unsubscribeKeyFor(context.db, context.config.appSecret)),
};
