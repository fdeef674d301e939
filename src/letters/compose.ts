// Making a letter's text: the fields a template may use (src/letters/template.ts),
// filled in for one recipient and either one signer (a letter per signature,
// the preview on the action page) or all of them (a digest, a scheduled letter,
// the printed letter), where the signer's fields name the signatories as a
// group. Every kind of delivery, the preview and the PDF make their text here,
// so that what a supporter reads before signing is what the recipient gets.
import { countryName } from '../signatures/countries.ts';
import { compileLetterTemplate, type LetterFields } from './template.ts';

export type LetterRecipientFields = { name: string; title: string; organisation: string; country: string | null; time_zone: string };

/** One signer as the letter names them; a collective letter passes none. */
export type LetterSigner = { name: string; town: string; country: string; comment: string };

/** In words, as in "1 December 2026", on that day in the recipient's zone (an unknown zone: UTC). */
export function letterDate(at: Date, timeZone: string): string {
  const format = (zone: string) => new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: zone }).format(at);
  try {
    return format(timeZone);
  } catch {
    return format('UTC');
  }
}

/** The signatories of a collective letter, where a template says {{signer_name}}. */
export const COLLECTIVE_SIGNER = 'The undersigned';

export function letterFields(input: {
  actionTitle: string;
  recipient: LetterRecipientFields;
  /** Unset for a collective letter (digest, scheduled, printed). */
  signer?: LetterSigner;
  /** Whether the letter may carry the signer's own paragraph (letters.personal_paragraph). */
  personalParagraph: boolean;
  at: Date;
}): LetterFields {
  const { recipient, signer } = input;
  return {
    recipient_name: recipient.name,
    recipient_title: recipient.title,
    recipient_organisation: recipient.organisation,
    recipient_country: recipient.country ? countryName('en', recipient.country) : '',
    signer_name: signer ? signer.name : COLLECTIVE_SIGNER,
    signer_town: signer?.town ?? '',
    signer_country: signer?.country ? countryName('en', signer.country) : '',
    signer_comment: signer && input.personalParagraph ? signer.comment.trim() : '',
    action_title: input.actionTitle,
    date: letterDate(input.at, recipient.time_zone),
  };
}

export type LetterText = { subject: string; body: string };

/**
 * The subject and body for these fields. Templates were checked when saved;
 * one that fails now (a field removed from the language since) throws
 * LetterTemplateError, which a sender treats as a permanent failure.
 */
export function renderLetter(templates: { subject: string; body: string }, fields: LetterFields): LetterText {
  return {
    subject: compileLetterTemplate(templates.subject, 'subject').render(fields),
    body: compileLetterTemplate(templates.body, 'body').render(fields).trim(),
  };
}
