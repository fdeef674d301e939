// The note to the organisers that a supporter proposed a protest: an email to
// every active organiser (as a bounced address is told: src/letters/
// bounce-notice.job.ts), sent once per proposal and organiser (sendOnce).
// An email, not only a line in the admin: a proposal waits on a person, and a
// day of action does not wait.
import { defineJob, type WorkerContext } from '../jobs/job.ts';
import { MAIL_RETRY } from '../jobs/queue.ts';
import { activeOrganisers } from '../letters/deliveries.repo.ts';
import { sendOnce } from '../mail/send-once.ts';
import { campaignForEmail } from '../settings/campaign.ts';
import { countryName } from '../signatures/countries.ts';
import { absolute, paths } from '../urls.ts';
import { localTime } from './call-page.ts';
import * as repo from './protests.repo.ts';

export type ProtestProposalData = { protestId: number };

declare module '../jobs/job.ts' {
  interface JobPayloads {
    'notify-protest-proposal': ProtestProposalData;
  }
}

export async function notifyProtestProposal(context: WorkerContext, data: ProtestProposalData): Promise<number> {
  const { db, config } = context;
  const proposal = await repo.proposal(db, data.protestId);
  // Decided already (or deleted): nothing to ask of anyone.
  if (!proposal) return 0;
  const campaign = await campaignForEmail(db, config.baseUrl);
  const when = localTime(proposal.starts_at, proposal.ends_at, proposal.time_zone);
  let sent = 0;
  for (const organiser of await activeOrganisers(db)) {
    const key = `protest-proposal:${proposal.id}:${organiser.id}`;
    const outcome = await sendOnce({ db, mailer: context.mailer, log: context.log, baseUrl: config.baseUrl }, { key, template: 'protest-proposed' }, async () => {
      const { subject, html, text } = context.renderEmail('protest-proposed', {
        locale: 'en',
        campaign,
        name: organiser.name,
        action: proposal.action_title,
        city: proposal.city,
        proposer: { name: proposal.proposed_by_name, email: proposal.proposed_by_email },
        where: [proposal.place, proposal.address, proposal.city, countryName('en', proposal.country)].filter(Boolean).join(', '),
        meetingPoint: proposal.meeting_point,
        when: `${when.date}, ${when.start} to ${when.endDate ? `${when.endDate}, ` : ''}${when.end} (${when.zoneName}, ${when.offset}; ${proposal.time_zone})`,
        note: proposal.proposal_note ?? '',
        protestsUrl: absolute(config.baseUrl, paths.adminActionProtests(proposal.action_id)),
      });
      return { to: { name: organiser.name, address: organiser.email }, fromName: campaign.fromName, subject, html, text };
    });
    if (outcome === 'sent') sent++;
  }
  return sent;
}

export const notifyProtestProposalJob = defineJob({
  name: 'notify-protest-proposal',
  retry: MAIL_RETRY,
  handler: (context: WorkerContext, data) => notifyProtestProposal(context, data),
});
