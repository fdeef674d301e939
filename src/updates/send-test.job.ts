// The send-update-test job: the update as a supporter gets it, to the
// organiser who asked, subject marked [Test]. Nobody else receives it, and it
// is not an update to anyone: purpose 'asked-for', a key per request.
import * as organisers from '../admin/organisers.repo.ts';
import { defineJob, type WorkerContext } from '../jobs/job.ts';
import { MAIL_RETRY } from '../jobs/queue.ts';
import { sendOnce, type SendOutcome } from '../mail/send-once.ts';
import { campaignForEmail } from '../settings/campaign.ts';
import { composeUpdateEmail, UPDATE_TEMPLATE } from './compose.ts';
import { unsubscribeKeyFor } from './unsubscribe-token.ts';
import * as repo from './updates.repo.ts';

export type SendUpdateTestData = { updateId: number; organiserId: number; requestId: string };

declare module '../jobs/job.ts' {
  interface JobPayloads {
    'send-update-test': SendUpdateTestData;
  }
}

export async function sendUpdateTest(context: WorkerContext, data: SendUpdateTestData): Promise<SendOutcome> {
  const { db, config } = context;
  const organiser = await organisers.getOrganiser(db, data.organiserId);
  const update = await repo.getUpdate(db, data.updateId);
  if (!organiser || organiser.disabled_at || !update) return 'skipped';
  const message = { key: `update-test:${data.requestId}`, template: UPDATE_TEMPLATE };
  return sendOnce({ db, mailer: context.mailer, log: context.log, baseUrl: config.baseUrl }, message, async () => {
    // An organiser who is also a supporter sees their own working link; else the link goes to the privacy notice.
    const supporterId = await repo.findSupporterIdByEmail(db, organiser.email);
    return composeUpdateEmail(
      { renderEmail: context.renderEmail, config, unsubscribeKey: await unsubscribeKeyFor(db, config.appSecret) },
      {
        subject: update.subject,
        bodyHtml: update.body_html,
        bodyText: update.body_text,
        to: organiser.email,
        campaign: await campaignForEmail(db, config.baseUrl),
        supporterId,
        test: { name: organiser.name },
      },
    );
  });
}

export const sendUpdateTestJob = defineJob({
  name: 'send-update-test',
  retry: MAIL_RETRY,
  handler: (context, data) => sendUpdateTest(context, data),
});
