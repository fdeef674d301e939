// The email of one signature's letter (a delivery of kind 'signature'): from
// the campaign's name, to the recipient's address under the recipient's name,
// Reply-To the supporter when they agreed, the text made by compose.ts (what
// the supporter read on the action page before signing), and the same text as
// simple HTML paragraphs. Nothing when the signature no longer counts
// (withdrawn, erased, invalidated, anonymised): the sender cancels it. And the
// copy a supporter gets of their own letter when the letter says so.
import type { WorkerContext } from '../jobs/job.ts';
import type { OutgoingEmail } from '../mail/mailer.ts';
import { translate } from '../i18n/index.ts';
import { campaignForEmail } from '../settings/campaign.ts';
import { letterFields, renderLetter, type LetterText } from './compose.ts';
import { signatureLetterParts, type SignatureLetterParts } from './deliveries.repo.ts';
import type { ClaimedDelivery, DeliveryComposer } from './delivery-kinds.ts';
import { getLetter, type Letter } from './letters.repo.ts';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Plain text as HTML: a paragraph per blank-line-separated block, its line breaks kept, everything escaped. */
export function textToHtml(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter((block) => block !== '')
    .map((block) => `<p>${escapeHtml(block).replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');
}

type Made = { letter: Letter; parts: SignatureLetterParts & { name: string }; text: LetterText };

/** The letter's text for this delivery, or undefined when there is nothing to send any more. */
async function makeLetter(context: WorkerContext, delivery: ClaimedDelivery): Promise<Made | undefined> {
  if (delivery.signature_id === null) return undefined; // erased: the foreign key was set NULL
  const [letter, parts] = await Promise.all([getLetter(context.db, delivery.action_id), signatureLetterParts(context.db, delivery.id)]);
  if (!letter || !parts || !parts.counts || parts.name === null) return undefined;
  const fields = letterFields({
    actionTitle: letter.action_title,
    recipient: { name: parts.recipient_name, title: parts.recipient_title, organisation: parts.recipient_organisation, country: parts.recipient_country, time_zone: parts.recipient_time_zone },
    signer: { name: parts.name, town: parts.locality, country: parts.country, comment: parts.comment },
    // Only a paragraph an organiser read and let go: a letter queued without
    // being held (no paragraph taken then) is marked without_paragraph, and an
    // organiser may have sent a held letter without it.
    personalParagraph: letter.personal_paragraph && !parts.without_paragraph,
    // Dated the day the supporter confirmed it (the delivery was made then),
    // whenever the pace lets it go: the same date on every attempt.
    at: delivery.created_at,
  });
  return { letter, parts: { ...parts, name: parts.name }, text: renderLetter({ subject: letter.subject_template, body: letter.body_template }, fields) };
}

export const composeSignatureLetter: DeliveryComposer = async (context, delivery) => {
  const made = await makeLetter(context, delivery);
  if (!made) return undefined;
  const { parts, text } = made;
  const campaign = await campaignForEmail(context.db, context.config.baseUrl);
  const email: Omit<OutgoingEmail, 'messageId'> = {
    to: { name: parts.recipient_name, address: delivery.email },
    fromName: campaign.fromName,
    subject: text.subject,
    text: text.body,
    html: textToHtml(text.body),
  };
  if (parts.letter_reply_to && parts.email) email.replyTo = { name: parts.name, address: parts.email };
  return email;
};

/**
 * The supporter's copy of their letter, when the letter sends copies and the
 * supporter still has an address; undefined otherwise. Sent after the letter,
 * under its own key (deliver.task.ts).
 */
export async function composeLetterCopy(context: WorkerContext, delivery: ClaimedDelivery): Promise<Omit<OutgoingEmail, 'messageId'> | undefined> {
  const made = await makeLetter(context, delivery);
  if (!made || !made.letter.copy_to_supporter) return undefined;
  const { parts, text } = made;
  const supporterAddress = parts.email;
  if (!supporterAddress) return undefined; // anonymised since
  const campaign = await campaignForEmail(context.db, context.config.baseUrl);
  const recipient = parts.recipient_organisation ? `${parts.recipient_name}, ${parts.recipient_organisation}` : parts.recipient_name;
  const intro = translate('en', 'letters.copy.intro', { recipient, campaign: campaign.name });
  return {
    to: { name: parts.name, address: supporterAddress },
    fromName: campaign.fromName,
    subject: translate('en', 'letters.copy.subject', { subject: text.subject }),
    text: `${intro}\n\n${text.subject}\n\n${text.body}`,
    html: `${textToHtml(intro)}\n<hr>\n<p><strong>${escapeHtml(text.subject)}</strong></p>\n${textToHtml(text.body)}`,
  };
}
