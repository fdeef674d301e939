// The send-organiser-email job: a password-reset link, an invitation to set a
// first password, or the notice that a password was changed. Reset links are
// requested by email address, which may have no account: the job looks it up,
// so the request's answer (and its timing) is the same either way. The token
// is made at send time and only its hash is stored, as for confirmations.
import { defineJob, type WorkerContext } from '../jobs/job.ts';
import { MAIL_RETRY } from '../jobs/queue.ts';
import { sendOnce, type SendOutcome } from '../mail/send-once.ts';
import { campaignForEmail } from '../settings/campaign.ts';
import { newToken } from '../http/link-tokens.ts';
import { absolute, paths } from '../urls.ts';
import { INVITE_LINK_MINUTES, RESET_LINK_MINUTES } from './accounts.service.ts';
import * as repo from './organisers.repo.ts';

export type OrganiserEmailData = {
  template: 'organiser-password-reset' | 'organiser-invite' | 'organiser-password-changed';
  /** Each request is its own message: the key of sendOnce. */
  requestId: string;
} & ({ organiserId: number; email?: undefined } | { email: string; organiserId?: undefined });

declare module '../jobs/job.ts' {
  interface JobPayloads {
    'send-organiser-email': OrganiserEmailData;
  }
}

export async function sendOrganiserEmail(context: WorkerContext, data: OrganiserEmailData): Promise<SendOutcome> {
  const { db, config } = context;
  const found = data.organiserId !== undefined ? await repo.getOrganiser(db, data.organiserId) : await repo.getOrganiserByEmail(db, data.email);
  // No such account, or it was disabled since: nothing is sent, and nobody is told.
  if (!found || found.disabled_at) return 'skipped';

  const message = { key: `${data.template}:${data.requestId}`, template: data.template };
  return sendOnce({ db, mailer: context.mailer, log: context.log, baseUrl: config.baseUrl }, message, async () => {
    // Whom it is from, and the footer: the campaign's name, contact and privacy notice.
    const campaign = await campaignForEmail(db, config.baseUrl);
    const email: Record<string, unknown> & { locale: 'en' } = {
      locale: 'en',
      campaign,
      name: found.name,
      signInUrl: absolute(config.baseUrl, paths.adminSignIn()),
      resetUrl: absolute(config.baseUrl, paths.adminPasswordReset()),
      minutes: RESET_LINK_MINUTES,
      hours: INVITE_LINK_MINUTES / 60,
    };
    if (data.template !== 'organiser-password-changed') {
      const { token, hash } = newToken();
      // A fresh reset link makes the earlier ones useless.
      await repo.invalidateTokens(db, found.id, 'password-reset');
      await repo.insertToken(db, hash, found.id, 'password-reset', data.template === 'organiser-invite' ? INVITE_LINK_MINUTES : RESET_LINK_MINUTES);
      email.linkUrl = absolute(config.baseUrl, paths.adminPasswordResetToken(token));
    }
    const { subject, html, text } = context.renderEmail(data.template, email);
    return { to: { name: '', address: found.email }, fromName: campaign.fromName, subject, html, text };
  });
}

export const sendOrganiserEmailJob = defineJob({
  name: 'send-organiser-email',
  retry: MAIL_RETRY,
  handler: (context: WorkerContext, data) => sendOrganiserEmail(context, data),
});
