// The note to the organisers that a recipient's address bounced: an email to
// every active organiser, queued in the transaction that marked the address
// bounced (deliver.task.ts), so that it is neither lost to a failing SMTP
// server nor sent twice (sendOnce, a key per address, bounce and organiser).
// An email rather than only a notice on a page: a stale address is the most
// common failure of letter campaigns, and nobody reads the log every day. The
// delivery log of each action lists its bounced addresses too.
import { defineJob, type WorkerContext } from '../jobs/job.ts';
import { MAIL_RETRY } from '../jobs/queue.ts';
import { formatDateTime } from '../i18n/index.ts';
import { sendOnce } from '../mail/send-once.ts';
import { campaignForEmail } from '../settings/campaign.ts';
import { absolute, paths } from '../urls.ts';
import * as repo from './deliveries.repo.ts';

export type LetterBounceData = { addressId: number; since: string };

declare module '../jobs/job.ts' {
  interface JobPayloads {
    'notify-letter-bounce': LetterBounceData;
  }
}

export async function notifyLetterBounce(context: WorkerContext, data: LetterBounceData): Promise<number> {
  const { db, config } = context;
  const notice = await repo.bounceNotice(db, data.addressId);
  // Deleted from the directory, or reactivated since: nothing to tell.
  if (!notice || notice.health !== 'bounced') return 0;
  const campaign = await campaignForEmail(db, config.baseUrl);
  let sent = 0;
  for (const organiser of await repo.activeOrganisers(db)) {
    const key = `letter-bounce:${data.addressId}:${Date.parse(data.since)}:${organiser.id}`;
    const outcome = await sendOnce({ db, mailer: context.mailer, log: context.log, baseUrl: config.baseUrl }, { key, template: 'letter-address-bounced' }, async () => {
      const { subject, html, text } = context.renderEmail('letter-address-bounced', {
        locale: 'en',
        campaign,
        name: organiser.name,
        recipient: notice.organisation ? `${notice.recipient_name}, ${notice.organisation}` : notice.recipient_name,
        address: notice.email,
        since: formatDateTime('en', notice.health_since, config.campaignTimeZone),
        answer: notice.health_reason,
        cancelled: notice.cancelled,
        recipientUrl: absolute(config.baseUrl, paths.adminRecipient(notice.recipient_id)),
      });
      return { to: { name: organiser.name, address: organiser.email }, fromName: campaign.fromName, subject, html, text };
    });
    if (outcome === 'sent') sent++;
  }
  return sent;
}

export const notifyLetterBounceJob = defineJob({
  name: 'notify-letter-bounce',
  retry: MAIL_RETRY,
  handler: (context: WorkerContext, data) => notifyLetterBounce(context, data),
});
