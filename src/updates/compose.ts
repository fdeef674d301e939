// One campaign update as the supporter gets it: the organiser's Markdown
// rendered once (src/posts/markdown.ts, then html-to-text for the text part),
// inside the email layout, with the line that says why they receive it, their
// own unsubscribe link, and the List-Unsubscribe headers of RFC 2369 and 8058.
// Delivery, the test send and the preview all build it here, so the preview is
// the message.
import { convert } from 'html-to-text';
import type { Config } from '../config.ts';
import { formatDate } from '../i18n/index.ts';
import { addressOf, type OutgoingEmail } from '../mail/mailer.ts';
import type { EmailRenderer } from '../mail/templates.ts';
import { renderMarkdown } from '../posts/markdown.ts';
import type { EmailCampaign } from '../settings/campaign.ts';
import { absolute, paths } from '../urls.ts';
import { unsubscribeToken } from './unsubscribe-token.ts';

export const UPDATE_TEMPLATE = 'campaign-update';

/**
 * The body in both forms. Posts' Markdown links to the site by path
 * (an action’s or an image’s path); in an email a path leads nowhere, so each
 * becomes a full address on BASE_URL.
 */
export function renderUpdateBody(markdown: string, baseUrl: string): { html: string; text: string } {
  const html = renderMarkdown(markdown).replace(/\b(href|src)="\/(?![/\\])/g, `$1="${baseUrl}/`);
  const text = convert(html, {
    wordwrap: 76,
    selectors: [
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'h3', options: { uppercase: false } },
    ],
  });
  return { html, text };
}

export type ComposeDeps = {
  renderEmail: EmailRenderer;
  config: Pick<Config, 'baseUrl' | 'mailFrom' | 'mailUnsubscribeAddress'>;
  unsubscribeKey: Buffer;
};

export type UpdateMessage = {
  subject: string;
  bodyHtml: string;
  bodyText: string;
  to: string;
  campaign: EmailCampaign;
  /** The supporter it goes to: their unsubscribe link and headers. Unset (a test to an organiser who is no supporter): the link goes to the privacy page, and no List-* headers. */
  supporterId?: number;
  /** Why they receive it: the consent they gave, when and with which action. */
  consent?: { givenAt: Date; actionTitle: string | null };
  /** A test send to an organiser: marked as such, subject and all. */
  test?: { name: string };
};

/** The mailto: of List-Unsubscribe: MAIL_UNSUBSCRIBE_ADDRESS, else the campaign's contact, else MAIL_FROM's address. */
export function unsubscribeAddress(config: ComposeDeps['config'], campaign: EmailCampaign): string {
  return config.mailUnsubscribeAddress ?? (campaign.contactEmail || addressOf(config.mailFrom));
}

export function composeUpdateEmail(deps: ComposeDeps, message: UpdateMessage): Omit<OutgoingEmail, 'messageId'> {
  const { config } = deps;
  const { campaign } = message;
  const unsubscribeUrl = message.supporterId !== undefined
    ? absolute(config.baseUrl, paths.unsubscribe(unsubscribeToken(deps.unsubscribeKey, message.supporterId)))
    : undefined;
  const subject = message.test ? `[Test] ${message.subject}` : message.subject;
  const { html, text } = deps.renderEmail(UPDATE_TEMPLATE, {
    locale: 'en',
    campaign,
    subject,
    bodyHtml: message.bodyHtml,
    bodyText: message.bodyText,
    unsubscribeUrl: unsubscribeUrl ?? campaign.privacyUrl,
    consentDate: message.consent ? formatDate('en', message.consent.givenAt) : undefined,
    consentAction: message.consent?.actionTitle ?? undefined,
    test: message.test,
  });
  const email: Omit<OutgoingEmail, 'messageId'> = { to: { name: '', address: message.to }, fromName: campaign.fromName, subject, html, text };
  if (unsubscribeUrl) {
    email.list = { unsubscribe: [unsubscribeUrl, `mailto:${unsubscribeAddress(config, campaign)}?subject=unsubscribe`] };
    // RFC 8058: a POST of List-Unsubscribe=One-Click to the https URI unsubscribes, no page in between.
    email.headers = { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
  }
  return email;
}
