// Sends one email at most once per idempotency key, whatever the number of
// workers or retries: claim the key, compose, send, record. Every email of a
// feature (confirmations now; letters, reminders and updates later) goes
// through here.
//
// The guarantee is "at least once, and at most once but for one window": a
// worker that dies between the SMTP server's acceptance and the record sends
// the message again after the claim's lease, under the first Message-ID, so
// receiving systems can drop the repeat. Recording is retried through a
// database blip to keep that window as small as it can be.
import { persistently } from '../db/persistently.ts';
import { randomBytes } from 'node:crypto';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { SmtpError, redactAddresses, type Mailer, type OutgoingEmail } from './mailer.ts';
import * as sentEmails from './sent-emails.repo.ts';
import { isBlocked, suppress, suppressionsOf, type MailPurpose } from './suppressions.ts';

/** skipped: sent (or refused) before; suppressed: the address is on the suppression list for this purpose. */
export type SendOutcome = 'sent' | 'skipped' | 'failed' | 'suppressed';

export type SendOnceDeps = { db: Pool; mailer: Mailer; log: Logger; baseUrl: string };

/** Random, so that no two messages share an id and ids reveal no counts. */
function newMessageId(baseUrl: string): string {
  return `<${randomBytes(12).toString('hex')}@${new URL(baseUrl).hostname}>`;
}

/**
 * Which message: its idempotency key, its template, what it is about (its
 * record goes with that), and why it is sent (src/mail/suppressions.ts;
 * 'asked-for' unless said otherwise).
 */
export type MessageToSend = { key: string; template: string; about?: sentEmails.EmailSubject; purpose?: MailPurpose };

export async function sendOnce(deps: SendOnceDeps, message: MessageToSend, compose: () => Promise<Omit<OutgoingEmail, 'messageId'>>): Promise<SendOutcome> {
  const { db, log } = deps;
  const { key, template } = message;
  const claim = await sentEmails.claimEmail(db, key, template, newMessageId(deps.baseUrl), message.about);
  if (claim.state === 'done') return 'skipped';
  if (claim.state === 'busy') throw new Error(`email ${key} is being sent by another worker; will check again`);

  let response: string;
  let address: string | undefined;
  try {
    const email = await compose();
    address = email.to.address;
    // Asked at the last moment, so that an unsubscribe or a bounce a second ago counts.
    const reasons = (await suppressionsOf(db, address)).map((s) => s.reason);
    if (isBlocked(message.purpose ?? 'asked-for', reasons)) {
      await persistently(() => sentEmails.finishEmail(db, key, 'failed', `suppressed: ${reasons.join(', ')}`));
      return 'suppressed';
    }
    response = (await deps.mailer.send({ ...email, messageId: claim.messageId })).response;
  } catch (error) {
    if (error instanceof SmtpError && error.permanent) {
      await persistently(() => sentEmails.finishEmail(db, key, 'failed', error.response));
      // A permanent refusal at send time is a bounce: the address is not mailed
      // again, whatever the feature, until its owner confirms a pledge from it.
      if (address !== undefined) await persistently(() => suppress(db, address!, 'bounce', `${error.code} ${error.response}`));
      log.warn({ key, code: error.code }, 'email rejected for good; not retrying');
      return 'failed';
    }
    // Through a database blip too (the compose or suppression query that failed
    // may have been that blip): else the claim waits out its lease, and the
    // retry with it (bench:faults; test/mail/release-through-blip).
    await persistently(() => sentEmails.releaseEmail(db, key)).catch(() => undefined);
    throw error; // temporary: the queue retries with back-off
  }
  await persistently(() => sentEmails.finishEmail(db, key, 'sent', redactAddresses(response)));
  return 'sent';
}
