// The send-confirmation job: one email to one signer, either the link that
// confirms one submission of the form (restating what it confirms), or "you
// have already signed". Sent at most once per key (src/mail/send-once.ts). A
// fresh token is made at send time, so the token itself is never stored, not
// even in the job's data.
import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
import { defineJob, type WorkerContext } from '../jobs/job.ts';
import { MAIL_RETRY } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import type { Mailer } from '../mail/mailer.ts';
import { sendOnce, type SendOutcome } from '../mail/send-once.ts';
import type { EmailRenderer } from '../mail/templates.ts';
import { campaignForEmail } from '../settings/campaign.ts';
import { absolute, paths } from '../urls.ts';
import { countryName } from './countries.ts';
import * as repo from './signatures.repo.ts';
import { newToken } from '../http/link-tokens.ts';
import { sendRsvpNotice, type RsvpNoticeData } from '../protests/rsvp-mail.ts';

export type SendConfirmationData =
  | { notice: 'confirm'; submissionId: number; sequence?: number }
  | { notice: 'already-signed'; signatureId: number; sequence: number }
  // Queued before submissions were kept: confirms the signature as it stands.
  | { notice: 'confirm'; signatureId: number; sequence: number; submissionId?: undefined }
  // An RSVP's (src/protests/rsvp-mail.ts): the same job, queue and retries for every kind of pledge.
  | RsvpNoticeData;

declare module '../jobs/job.ts' {
  interface JobPayloads {
    'send-confirmation': SendConfirmationData;
  }
}

export type MailJobDeps = {
  db: Pool;
  mailer: Mailer;
  renderEmail: EmailRenderer;
  config: Pick<Config, 'baseUrl' | 'confirmationTtlDays' | 'appSecret'>;
  log: Logger;
};

function idempotencyKey(data: Exclude<SendConfirmationData, RsvpNoticeData>): string {
  // A new link for a spent one ("send me a new link") carries its sequence: another email, another key.
  if (data.notice === 'confirm' && data.submissionId !== undefined) {
    return data.sequence === undefined ? `confirm-submission:${data.submissionId}` : `confirm-submission:${data.submissionId}:${data.sequence}`;
  }
  return `${data.notice}:${data.signatureId}:${data.sequence}`;
}

export async function sendConfirmation(deps: MailJobDeps, data: SendConfirmationData): Promise<SendOutcome> {
  if (data.notice === 'confirm-rsvp' || data.notice === 'already-rsvped') return sendRsvpNotice(deps, data);
  const { db, config } = deps;
  const notice = data.notice === 'confirm' && data.submissionId !== undefined
    ? await repo.getSubmissionForNotice(db, data.submissionId)
    : await repo.getSignatureForNotice(db, data.signatureId);
  // Removed ("it wasn't me", purged) or already confirmed since: nothing to ask for.
  if (!notice || (data.notice === 'confirm' && notice.confirmed_at)) return 'skipped';
  const template = data.notice === 'confirm' ? 'confirm-signature' : 'already-signed';

  const message = { key: idempotencyKey(data), template, about: { signatureId: notice.signature_id } };
  return sendOnce({ db, mailer: deps.mailer, log: deps.log, baseUrl: config.baseUrl }, message, async () => {
    // Whom it is from, and the footer: the campaign's name, contact and privacy notice.
    const campaign = await campaignForEmail(db, config.baseUrl);
    const context = {
      locale: 'en' as const,
      campaign,
      action: notice.action_title,
      actionUrl: absolute(config.baseUrl, paths.action(notice.action_slug)),
      days: config.confirmationTtlDays,
      // What pressing the button will confirm, as this submission typed it.
      pledge: { name: notice.name, country: countryName('en', notice.country), showName: notice.show_name, wantsUpdates: notice.wants_updates },
      confirmUrl: '',
      cancelUrl: '',
    };
    if (template === 'confirm-signature') {
      const { token, hash } = newToken();
      await repo.insertConfirmationToken(db, hash, notice.signature_id, notice.submission_id, config.confirmationTtlDays);
      context.confirmUrl = absolute(config.baseUrl, paths.confirm(token));
      context.cancelUrl = absolute(config.baseUrl, paths.cancel(token));
    }
    const { subject, html, text } = deps.renderEmail(template, context);
    // No display name: what a stranger typed stays out of the headers.
    return { to: { name: '', address: notice.email }, fromName: campaign.fromName, subject, html, text };
  });
}

export const sendConfirmationJob = defineJob({
  name: 'send-confirmation',
  retry: MAIL_RETRY,
  handler: (context: WorkerContext, data) => sendConfirmation(context, data),
});
