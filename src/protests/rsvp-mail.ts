// The emails of an RSVP's confirmation, sent by the one send-confirmation job
// (src/signatures/send-confirmation.job.ts), which hands these two notices
// here: the link that confirms the RSVP (restating the protest, its place and
// its local time), or "you have already RSVPed". Each carries the link to the
// RSVP's own page, to cancel. Sent at most once per key; the confirmation
// token is made at send time and never stored in clear.
import { newToken } from '../http/link-tokens.ts';
import { sendOnce, type SendOutcome } from '../mail/send-once.ts';
import { campaignForEmail } from '../settings/campaign.ts';
import type { MailJobDeps } from '../signatures/send-confirmation.job.ts';
import { unsubscribeKeyFor } from '../updates/unsubscribe-token.ts';
import { absolute, paths } from '../urls.ts';
import { localTimeOf, protestOnPage } from './rsvp-pledge.ts';
import * as repo from './rsvp.repo.ts';
import { rsvpToken } from './rsvp-token.ts';

export type RsvpNoticeData = { notice: 'confirm-rsvp'; rsvpId: number; sequence: number } | { notice: 'already-rsvped'; rsvpId: number; sequence: number };

export async function sendRsvpNotice(deps: MailJobDeps, data: RsvpNoticeData): Promise<SendOutcome> {
  const { db, config } = deps;
  const notice = await repo.getRsvpForNotice(db, data.rsvpId);
  // Removed ("it wasn't me", erased) or confirmed since: nothing to ask for.
  if (!notice || (data.notice === 'confirm-rsvp' && notice.live)) return 'skipped';
  const message = { key: `${data.notice}:${data.rsvpId}:${data.sequence}`, template: data.notice };
  return sendOnce({ db, mailer: deps.mailer, log: deps.log, baseUrl: config.baseUrl }, message, async () => {
    const campaign = await campaignForEmail(db, config.baseUrl);
    const key = await unsubscribeKeyFor(db, config.appSecret);
    const context = {
      locale: 'en' as const,
      campaign,
      action: notice.action_title,
      place: notice.place,
      city: notice.city,
      address: notice.address,
      meetingPoint: notice.meeting_point,
      when: localTimeOf(notice.starts_at, notice.time_zone),
      actionUrl: absolute(config.baseUrl, protestOnPage(notice.action_slug, notice.protest_id)),
      rsvpUrl: absolute(config.baseUrl, paths.rsvp(rsvpToken(key, notice.rsvp_id))),
      days: config.confirmationTtlDays,
      pledge: {
        name: notice.name,
        shareWithOrganiser: notice.share_with_organiser,
        wantsUpdates: notice.wants_updates,
        letterTo: notice.signature_id !== null ? notice.recipient_name : '',
      },
      confirmUrl: '',
      cancelUrl: '',
    };
    if (data.notice === 'confirm-rsvp') {
      const { token, hash } = newToken();
      await repo.insertToken(db, hash, notice.rsvp_id, config.confirmationTtlDays);
      context.confirmUrl = absolute(config.baseUrl, paths.confirm(token));
      context.cancelUrl = absolute(config.baseUrl, paths.cancel(token));
    }
    const { subject, html, text } = deps.renderEmail(data.notice, context);
    // No display name: what a stranger typed stays out of the headers.
    return { to: { name: '', address: notice.email }, fromName: campaign.fromName, subject, html, text };
  });
}
