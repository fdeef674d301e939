// The sender of letters: a periodic task in every worker process. Each round
// claims small batches of queued deliveries that are due (a lease each, SKIP
// LOCKED), reserves a slot in the recipient address's pace for a letter per
// signature (pacing.ts; one that is not due yet waits for its slot), and sends
// each through sendOnce under the key letter:<delivery id>, with the email its
// kind's composer makes (composers.ts). Then the delivery log gets what
// happened: sent, with the SMTP server's answer and the Message-ID; a temporary
// failure, retried with back-off; a permanent refusal, which bounces the
// address, cancels the other letters to it and tells the organisers.
//
// Why leases and sendOnce together: any number of workers share the work, one
// killed mid-send holds its letters only until their lease runs out, and the
// record of sendOnce (the key, the first Message-ID) stops a letter it did send
// from going again, but for the one window between the SMTP server's
// acceptance and the record (then again under the same Message-ID).
//
// Every function takes `now` from its caller (the task passes new Date()), so
// that tests run the clock: leases, slots, back-off and the log's times.
import { withTransaction } from '../db/pool.ts';
import type { PeriodicTask, WorkerContext } from '../jobs/job.ts';
import { sendOnce } from '../mail/send-once.ts';
import type { ClaimedDelivery } from './delivery-kinds.ts';
import { composers } from './composers.ts';
import * as repo from './deliveries.repo.ts';
import { reserveSlot } from './pacing.ts';
import { composeLetterCopy } from './signature-letter.ts';
import { LetterTemplateError } from './template.ts';

// Longer than a batch can take to send (SMTP timeouts add up to under a minute).
export const DELIVERY_LEASE_SECONDS = 300;
const MAX_BATCH = 20;
// A round ends after this long, so that a stopping worker is not held up.
const ROUND_MS = 5_000;
// A temporary failure waits a minute, doubling, up to six hours; after this many (about four days) the letter counts as failed.
export const MAX_ATTEMPTS = 20;
// A letter taken up to this long after its slot goes in it; later (the workers were down), it takes a new one.
const SLOT_GRACE_MS = 15 * 60_000;
export const retryDelaySeconds = (attempts: number) => Math.min(60 * 2 ** attempts, 6 * 3600);

export type SendOptions = {
  /** Office-hours pacing of letters per signature (LETTERS_PACING); off: as fast as the SMTP server takes them. */
  pacing: boolean;
};

const keyOf = (d: Pick<ClaimedDelivery, 'id'>) => `letter:${d.id}`;

/** The pace's slot for this letter: now, or later (then it waits, unclaimed, for that instant). */
async function takeSlot(context: WorkerContext, d: ClaimedDelivery, forSending: repo.ForSending, now: Date): Promise<number> {
  return withTransaction(context.db, (client) =>
    repo.withPaceOf(client, d.address_id!, (pace) => reserveSlot(pace, now.getTime(), forSending.per_hour, forSending.time_zone)),
  );
}

/**
 * A permanent refusal: the delivery bounced, the address is marked bounced
 * (since now, with the answer) and gets no other letter, and the organisers
 * are told, all in one transaction; the note is a job (notify-letter-bounce),
 * so a failing SMTP server does not lose it.
 */
async function recordBounce(context: WorkerContext, d: ClaimedDelivery, record: repo.EmailRecord, now: Date): Promise<void> {
  await withTransaction(context.db, async (client) => {
    await repo.finishDelivery(client, d.id, { state: 'bounced', smtpResponse: record.smtp_response, messageId: record.message_id, at: now });
    if (d.address_id === null) return;
    const bounced = await repo.markAddressBounced(client, d.address_id, now, record.smtp_response);
    await repo.cancelDeliveriesToAddress(client, d.address_id, now, `the address bounced: ${record.smtp_response}`);
    if (!bounced) return;
    if (context.queue) await context.queue.enqueue(client, 'notify-letter-bounce', { addressId: d.address_id, since: now.toISOString() });
    else context.log.warn({ addressId: d.address_id }, 'no queue: the organisers are not emailed about the bounced address');
  });
  context.log.warn({ delivery: d.id, address: d.address_id }, 'letter refused for good; the address is marked bounced');
}

/** What the record of sendOnce says happened, written to the delivery (and the copy sent first, for a letter per signature). */
async function finishFromRecord(context: WorkerContext, d: ClaimedDelivery, record: repo.EmailRecord, now: Date): Promise<void> {
  if (record.status === 'sent') {
    if (d.kind === 'signature') await sendCopy(context, d);
    await repo.finishDelivery(context.db, d.id, { state: 'sent', smtpResponse: record.smtp_response, messageId: record.message_id, at: now });
  } else if (record.smtp_response.startsWith('suppressed')) {
    // The address reported the campaign's mail as spam (src/mail/suppressions.ts).
    await repo.finishDelivery(context.db, d.id, { state: 'failed', smtpResponse: record.smtp_response, lastError: record.smtp_response, at: now });
  } else {
    await recordBounce(context, d, record, now);
  }
}

/**
 * The supporter's copy, under a key of its own, after the letter and before
 * the delivery is finished: a temporary failure of the copy retries the
 * delivery, whose letter sendOnce then skips (it is recorded as sent).
 */
async function sendCopy(context: WorkerContext, d: ClaimedDelivery): Promise<void> {
  const { db, mailer, log, config } = context;
  const copy = await composeLetterCopy(context, d);
  if (!copy) return;
  // A permanent refusal of the copy is the supporter's address bouncing: sendOnce records it; the letter stands.
  await sendOnce({ db, mailer, log, baseUrl: config.baseUrl }, { key: `letter-copy:${d.id}`, template: 'letter-copy', purpose: 'asked-for' }, async () => copy);
}

/** Sends one claimed delivery, or leaves it for its slot, and logs what happened. */
export async function deliverOne(context: WorkerContext, d: ClaimedDelivery, now: Date, options: SendOptions): Promise<void> {
  const { db, mailer, log, config } = context;
  const key = keyOf(d);
  try {
    const forSending = await repo.deliveryForSending(db, d.id);
    // Cancelled (a bounce of the same address, an organiser) since it was claimed.
    if (!forSending || forSending.state !== 'queued') return;
    if (d.address_id === null || forSending.address_health !== 'active') {
      await repo.finishDelivery(db, d.id, { state: 'cancelled', lastError: `the address is ${forSending.address_health ?? 'no longer in the directory'}`, at: now });
      return;
    }
    let record = await repo.emailRecord(db, key);
    if (record && record.status !== 'sending') return await finishFromRecord(context, d, record, now);
    // Composed before the pace is asked, so that a letter with nothing to send takes no slot.
    let email;
    try {
      email = await composers[d.kind](context, d);
    } catch (error) {
      // A template that no longer compiles will not compile on a retry either.
      if (!(error instanceof LetterTemplateError)) throw error;
      await repo.finishDelivery(db, d.id, { state: 'failed', lastError: `the letter's template: ${error.message}`, at: now });
      return;
    }
    if (!email) {
      await repo.finishDelivery(db, d.id, { state: 'cancelled', lastError: 'nothing to send: the signature was withdrawn, erased or invalidated', at: now });
      return;
    }
    // A letter that was tried already (a record) is not paced again, nor one
    // whose slot this is (but one whose slot is long past takes a new one).
    const inItsSlot = forSending.slotted && now.getTime() - forSending.not_before.getTime() < SLOT_GRACE_MS;
    if (!record && !inItsSlot && d.kind === 'signature' && options.pacing) {
      const slot = await takeSlot(context, d, forSending, now);
      if (slot > now.getTime()) return await repo.postponeDelivery(db, d.id, new Date(slot));
    }
    const composed = email;
    await sendOnce({ db, mailer, log, baseUrl: config.baseUrl }, { key, template: `letter-${d.kind}`, purpose: 'asked-for' }, async () => composed);
    record = await repo.emailRecord(db, key);
    if (!record || record.status === 'sending') throw new Error(`letter ${key} has no finished record`);
    await finishFromRecord(context, d, record, now);
  } catch (error) {
    // Temporary: the SMTP server is down or said 4xx, or another worker holds this message's claim.
    const message = (error as Error).message;
    log.warn({ key, error: message }, 'letter not sent; will try again');
    if (d.attempts + 1 >= MAX_ATTEMPTS) {
      // The letter itself may have gone, and only the supporter's copy kept
      // failing: the log says what the recipient got, not what the copy did.
      const record = await repo.emailRecord(db, key).catch(() => undefined);
      if (record?.status === 'sent') {
        await repo.finishDelivery(db, d.id, { state: 'sent', smtpResponse: record.smtp_response, messageId: record.message_id, lastError: `the supporter's copy was not sent: ${message}`, at: now });
      } else {
        await repo.finishDelivery(db, d.id, { state: 'failed', lastError: `gave up after ${MAX_ATTEMPTS} attempts: ${message}`, at: now });
      }
    } else {
      await repo.retryDeliveryLater(db, d.id, message, new Date(now.getTime() + retryDelaySeconds(d.attempts) * 1000));
    }
  }
}

/** Claims one batch due at `now` and delivers it; how many were claimed (0: nothing is due). */
export async function deliverBatch(context: WorkerContext, now: Date, options: SendOptions, batch = MAX_BATCH): Promise<number> {
  const claimed = await repo.claimDeliveries(context.db, now, batch, DELIVERY_LEASE_SECONDS);
  // Letters to different addresses go side by side (the pace of each address
  // is its own row); those to one address one after the other, in the order
  // they were queued, so that they take its slots in that order.
  const byAddress = new Map<number | null, ClaimedDelivery[]>();
  for (const d of [...claimed].sort((a, b) => a.id - b.id)) byAddress.set(d.address_id, [...(byAddress.get(d.address_id) ?? []), d]);
  await Promise.all([...byAddress.values()].map(async (ofAddress) => {
    for (const d of ofAddress) await deliverOne(context, d, now, options);
  }));
  return claimed.length;
}

export const deliverLettersTask: PeriodicTask = {
  name: 'deliver-letters',
  // Every second, in every worker: an idle round is one indexed query.
  intervalMs: () => 1000,
  run: async (context) => {
    const options = { pacing: context.config.lettersPacing };
    const until = Date.now() + ROUND_MS;
    while (Date.now() < until) {
      if ((await deliverBatch(context, new Date(), options)) === 0) break;
    }
  },
};
