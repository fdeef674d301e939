// The send-privacy-link job: the link to what Placard holds about an address,
// asked for on the privacy page. The address may be no supporter's: the job
// looks it up, so the page's answer (and its timing) is the same either way,
// and an unknown address gets nothing. The token is made at send time and only
// its hash is stored; it is in no job's data.
import { defineJob, type WorkerContext } from '../jobs/job.ts';
import { MAIL_RETRY } from '../jobs/queue.ts';
import { sendOnce, type SendOutcome } from '../mail/send-once.ts';
import { campaignForEmail } from '../settings/campaign.ts';
import { absolute, paths } from '../urls.ts';
import { createPrivacyLink } from './privacy.service.ts';
import { findSupporterByEmail } from './supporters.repo.ts';

export type SendPrivacyLinkData = {
  /** Normalised (trimmed, lower-cased) by the form. */
  email: string;
  /** Each request is its own message: the key of sendOnce. */
  requestId: string;
};

declare module '../jobs/job.ts' {
  interface JobPayloads {
    'send-privacy-link': SendPrivacyLinkData;
  }
}

export async function sendPrivacyLink(context: WorkerContext, data: SendPrivacyLinkData): Promise<SendOutcome> {
  const { db, config } = context;
  const supporter = await findSupporterByEmail(db, data.email);
  // Nobody's address (or erased since): nothing is sent, and nobody is told.
  if (!supporter) return 'skipped';

  // Asked for just now, by whoever typed the address: 'asked-for', so it still reaches an
  // address that unsubscribed from updates, though not one that complained.
  const message = { key: `privacy-link:${data.requestId}`, template: 'privacy-link', purpose: 'asked-for' as const };
  return sendOnce({ db, mailer: context.mailer, log: context.log, baseUrl: config.baseUrl }, message, async () => {
    const campaign = await campaignForEmail(db, config.baseUrl);
    const token = await createPrivacyLink(db, supporter.id, config.privacyLinkTtlMinutes);
    const { subject, html, text } = context.renderEmail('privacy-link', {
      locale: 'en',
      campaign,
      linkUrl: absolute(config.baseUrl, paths.privacyData(token)),
      privacyUrl: absolute(config.baseUrl, paths.privacy()),
      minutes: config.privacyLinkTtlMinutes,
    });
    return { to: { name: '', address: supporter.email }, fromName: campaign.fromName, subject, html, text };
  });
}

export const sendPrivacyLinkJob = defineJob({
  name: 'send-privacy-link',
  retry: MAIL_RETRY,
  handler: (context: WorkerContext, data) => sendPrivacyLink(context, data),
});
