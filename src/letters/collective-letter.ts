// The email of a collective letter to one recipient (issue 10): a digest (the
// letter, then how many signed since the last one, the total and its change, a
// few of their own words if the letter takes them, and their names) or a
// scheduled letter (the letter and everyone who signed by then). The names come
// from the delivery's fixed range (after..upto, letter-digests.sql), so however
// late it is sent it names the signatories it was queued for (less any an
// organiser has invalidated since). The printed letter can go with it as a PDF.
import Handlebars from 'handlebars';
import type { WorkerContext } from '../jobs/job.ts';
import type { OutgoingEmail } from '../mail/mailer.ts';
import { countryName } from '../signatures/countries.ts';
import { translate, type Locale } from '../i18n/index.ts';
import { campaignForEmail } from '../settings/campaign.ts';
import { letterFields, renderLetter } from './compose.ts';
import type { ClaimedDelivery, DeliveryComposer } from './delivery-kinds.ts';
import * as repo from './letter-digests.repo.ts';
import { letterPdfBuffer, letterPdfMeta, PdfTooLarge } from './letter-pdf.ts';
import { getLetter } from './letters.repo.ts';

/** Names listed in the email itself; the rest are counted (and are in the PDF, if attached). */
export const LIST_IN_BODY = 2000;
/** The most recent comments a digest quotes. */
export const COMMENTS_IN_DIGEST = 10;
/**
 * The attached PDF's ceiling: many servers refuse a message over 10 MB, and
 * base64 adds a third, so 7 MB of PDF (about 170,000 names: bench/letter-pdf.ts)
 * at most; a longer list goes without it, and the email says so.
 */
export const PDF_ATTACHMENT_CAP = 7 * 1024 * 1024;

const LOCALE: Locale = 'en';

type Line = { name: string; where: string };

function lineOf(row: repo.SignatoryRow, withheld: string): Line {
  const where = [row.locality.trim(), countryName(LOCALE, row.country)].filter(Boolean).join(', ');
  return { name: row.name ?? withheld, where };
}

const escape = (text: string) => Handlebars.escapeExpression(text);
const paragraphsHtml = (text: string) =>
  text.split(/\n{2,}/).map((p) => `<p>${p.split('\n').map(escape).join('<br>')}</p>`).join('\n');

function rangeOf(delivery: ClaimedDelivery): repo.Signatories | undefined {
  if (delivery.recipient_id === null || delivery.upto_xid === null || delivery.upto_id === null) return undefined;
  return {
    actionId: Number(delivery.action_id),
    recipientId: Number(delivery.recipient_id),
    after: delivery.after_xid === null ? null : { xid: delivery.after_xid, id: Number(delivery.after_id ?? 0) },
    upto: { xid: delivery.upto_xid, id: Number(delivery.upto_id) },
    // A digest leaves out whoever had a letter of their own; a scheduled letter names everyone.
    unnamedOnly: delivery.kind === 'digest',
  };
}

const percent = (n: number) => `+${(Math.round(n * 1000) / 10).toLocaleString(LOCALE)}%`;

export const composeCollectiveLetter: DeliveryComposer = async (context: WorkerContext, delivery: ClaimedDelivery): Promise<Omit<OutgoingEmail, 'messageId'> | undefined> => {
  const { db } = context;
  const range = rangeOf(delivery);
  // The recipient left the directory, or the row is not a collective one: nothing to send.
  if (!range) return undefined;
  const [letter, recipient] = await Promise.all([getLetter(db, range.actionId), repo.getRecipient(db, range.recipientId)]);
  if (!letter || !recipient) return undefined;
  const count = await repo.countCollectiveSignatories(db, range);
  // Everyone it was to name has been invalidated or has withdrawn since: no letter.
  if (count === 0) return undefined;
  const campaign = await campaignForEmail(db, context.config.baseUrl);
  const at = new Date(delivery.created_at);
  const text = renderLetter(
    { subject: letter.subject_template, body: letter.body_template },
    letterFields({ actionTitle: letter.action_title, recipient, personalParagraph: letter.personal_paragraph, at }),
  );
  const withheld = translate(LOCALE, 'signatures.nameWithheld');
  const listed = (await repo.collectiveSignatories(db, range, LIST_IN_BODY)).map((row) => lineOf(row, withheld));
  const comments = delivery.kind === 'digest' && letter.personal_paragraph ? await repo.collectiveComments(db, range, COMMENTS_IN_DIGEST) : [];

  let attachment: OutgoingEmail['attachments'] = undefined;
  let tooLarge = false;
  if (delivery.attach_pdf) {
    const meta = letterPdfMeta({ locale: LOCALE, letter, recipient, campaign: { name: campaign.name, contactEmail: campaign.contactEmail }, count, at });
    try {
      const content = await letterPdfBuffer(db, meta, { range }, LOCALE, PDF_ATTACHMENT_CAP);
      const slug = letter.action_slug.replace(/[^a-z0-9-]/g, '').slice(0, 80) || 'letter';
      attachment = [{ filename: `${slug}-letter.pdf`, contentType: 'application/pdf', content }];
    } catch (error) {
      if (!(error instanceof PdfTooLarge)) throw error;
      tooLarge = true;
    }
  }

  // What the letter adds after its own text, as paragraphs (text) and the same in HTML.
  const summary: string[] = [];
  const total = delivery.total_count ?? count;
  const before = total - (delivery.signatory_count ?? count);
  if (delivery.kind === 'digest' && before > 0) {
    summary.push(count === 1 ? translate(LOCALE, 'letters.digest.newOne') : translate(LOCALE, 'letters.digest.new', { count: count.toLocaleString(LOCALE) }));
    summary.push(translate(LOCALE, 'letters.digest.total', { total: total.toLocaleString(LOCALE), before: before.toLocaleString(LOCALE), change: percent((total - before) / before) }));
  } else {
    // A scheduled letter, or the first digest to this recipient: everyone so far.
    summary.push(count === 1 ? translate(LOCALE, 'letters.scheduled.totalOne') : translate(LOCALE, 'letters.scheduled.total', { total: count.toLocaleString(LOCALE) }));
  }
  const more = count - listed.length;
  const moreLine = more > 0 ? translate(LOCALE, attachment ? 'letters.collective.moreAttached' : 'letters.collective.more', { count: more.toLocaleString(LOCALE) }) : '';
  const notes = [attachment ? translate(LOCALE, 'letters.collective.attached') : '', tooLarge ? translate(LOCALE, 'letters.collective.tooLarge') : '', campaign.contactEmail ? translate(LOCALE, 'letters.collective.contact', { email: campaign.contactEmail }) : ''].filter(Boolean);
  const listHeading = translate(LOCALE, delivery.kind === 'digest' ? 'letters.digest.signatories' : 'letters.scheduled.signatories');
  const nameLine = (l: Line) => (l.where ? `${l.name}, ${l.where}` : l.name);
  const commentsText = comments.map((c) => `“${c.comment.trim()}”\n— ${nameLine(lineOf(c, withheld))}`);

  const textParts = [
    text.body,
    '—',
    summary.join(' '),
    ...(commentsText.length ? [`${translate(LOCALE, 'letters.digest.comments')}\n\n${commentsText.join('\n\n')}`] : []),
    `${listHeading}\n${listed.map(nameLine).join('\n')}${moreLine ? `\n${moreLine}` : ''}`,
    ...notes,
  ];
  const html = [
    paragraphsHtml(text.body),
    '<hr>',
    `<p>${escape(summary.join(' '))}</p>`,
    ...(comments.length
      ? [`<p>${escape(translate(LOCALE, 'letters.digest.comments'))}</p>`, ...comments.map((c) => `<blockquote><p>${escape(c.comment.trim()).replace(/\n/g, '<br>')}</p><p>— ${escape(nameLine(lineOf(c, withheld)))}</p></blockquote>`)]
      : []),
    `<p>${escape(listHeading)}</p>`,
    `<ol>${listed.map((l) => `<li>${escape(nameLine(l))}</li>`).join('')}</ol>`,
    moreLine ? `<p>${escape(moreLine)}</p>` : '',
    ...notes.map((n) => `<p>${escape(n)}</p>`),
  ].filter(Boolean);

  return {
    to: { name: recipient.name, address: delivery.email },
    fromName: campaign.fromName,
    // The recipient's answer reaches the campaign, not the sending address.
    ...(campaign.contactEmail && { replyTo: { name: campaign.name, address: campaign.contactEmail } }),
    subject: text.subject,
    text: `${textParts.join('\n\n')}\n`,
    html: `<!doctype html><html><body>${html.join('\n')}</body></html>`,
    ...(attachment && { attachments: attachment }),
  };
};
