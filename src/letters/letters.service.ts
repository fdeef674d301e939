// A letter action's letter as organisers set it and supporters read it: the
// settings (templates, recipients, routing, delivery), saved in one
// transaction with their audit entry and changeable while the action runs; the
// letter as it will be sent, for a recipient and a signer, made by compose.ts
// like every delivery; and the paragraphs waiting to be read before sending.
import { changedFields, recordAudit } from '../admin/audit.ts';
import { getAction, type ActionDetail } from '../actions/actions.admin.service.ts';
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { Invalid, NotFound, type FieldErrors } from '../errors.ts';
import type { Locale } from '../i18n/index.ts';
import { countryName } from '../signatures/countries.ts';
import { letterFields, renderLetter, type LetterText } from './compose.ts';
import * as repo from './letters.repo.ts';
import type { LetterForm, PreviewSigner } from './letters.schema.ts';
import { listRecipients, type Recipient } from './recipients.repo.ts';
import { LetterTemplateError } from './template.ts';

type Actor = { organiserId: number };

/**
 * The action behind a letter page: a letter action, or a protest call (its
 * letter to each embassy, signed alongside an RSVP); a petition has none.
 */
export async function requireLetterAction(db: Queryable, actionId: number): Promise<ActionDetail> {
  const action = await getAction(db, actionId);
  if (action.kind !== 'letter' && action.kind !== 'protest_call') throw new NotFound();
  return action;
}

export type LetterSettingsView = {
  action: ActionDetail;
  letter: repo.Letter | undefined;
  recipientIds: number[];
  directory: Recipient[];
};

export async function letterSettings(db: Queryable, actionId: number): Promise<LetterSettingsView> {
  const action = await requireLetterAction(db, actionId);
  const [letter, recipientIds, directory] = await Promise.all([repo.getLetter(db, actionId), repo.letterRecipientIds(db, actionId), listRecipients(db)]);
  return { action, letter, recipientIds, directory };
}

/** What the audit entry compares: the settings and the recipients, flat. */
function auditable(s: repo.LetterSettings & { recipientIds: number[] }) {
  return {
    subject_template: s.subjectTemplate,
    body_template: s.bodyTemplate,
    routing: s.routing,
    fallback_recipient_id: s.fallbackRecipientId,
    delivery: s.delivery,
    digest_every: s.digestEvery,
    digest_hour: s.digestHour,
    scheduled_local: s.scheduledLocal,
    attach_pdf: s.attachPdf,
    per_hour: s.perHour,
    personal_paragraph: s.personalParagraph,
    copy_to_supporter: s.copyToSupporter,
    recipient_ids: s.recipientIds,
  };
}

function storedSettings(letter: repo.Letter, recipientIds: number[]): repo.LetterSettings & { recipientIds: number[] } {
  return {
    subjectTemplate: letter.subject_template,
    bodyTemplate: letter.body_template,
    routing: letter.routing,
    fallbackRecipientId: letter.fallback_recipient_id,
    delivery: letter.delivery,
    digestEvery: letter.digest_every,
    digestHour: Number(letter.digest_hour),
    scheduledLocal: letter.scheduled_local,
    attachPdf: letter.attach_pdf,
    perHour: Number(letter.per_hour),
    personalParagraph: letter.personal_paragraph,
    copyToSupporter: letter.copy_to_supporter,
    recipientIds,
  };
}

/** The version a settings form was opened on: the letter's updated_at, or 'new' while there was none. */
export function versionOf(letter: repo.Letter | undefined): string {
  return letter ? new Date(letter.updated_at).toISOString() : 'new';
}

/**
 * Saves the letter of action `actionId`. `editedFrom` (versionOf when the form
 * was opened): when given and the letter has changed since (another organiser
 * saved it), the save is refused rather than undo that change.
 */
export async function saveLetter(db: Pool, actor: Actor, actionId: number, form: LetterForm, editedFrom?: string): Promise<'created' | 'saved' | 'unchanged'> {
  return withTransaction(db, async (client) => {
    const action = await requireLetterAction(client, actionId);
    const locked = await repo.lockLetter(client, actionId);
    const version = locked ? new Date(locked.updated_at).toISOString() : 'new';
    if (editedFrom && editedFrom !== version) throw new Invalid({ edited_from: 'admin.letter.errors.editedMeanwhile' }, 'admin.letter.errors.summary');

    // Ids the form sent that are not (or no longer) in the directory: refused by name, not a foreign-key 500.
    const asked = [...new Set([...form.recipientIds, ...(form.fallbackRecipientId === null ? [] : [form.fallbackRecipientId])])];
    const known = new Set(await repo.existingRecipientIds(client, asked));
    const fields: FieldErrors = {};
    if (form.recipientIds.some((id) => !known.has(id))) fields.recipients = 'admin.letter.errors.unknownRecipient';
    if (form.fallbackRecipientId !== null && !known.has(form.fallbackRecipientId)) fields.fallback = 'admin.letter.errors.unknownRecipient';
    if (Object.keys(fields).length > 0) throw new Invalid(fields, 'admin.letter.errors.summary');

    const subject = { type: 'action', id: actionId };
    if (!locked) {
      if (!(await repo.insertLetter(client, actionId, form))) throw new Invalid({ edited_from: 'admin.letter.errors.editedMeanwhile' }, 'admin.letter.errors.summary');
      await repo.setLetterRecipients(client, actionId, form.recipientIds);
      await recordAudit(client, { organiserId: actor.organiserId, event: 'letter.create', subject, summary: `Wrote the letter of “${action.title}”`, after: auditable(form) });
      return 'created';
    }
    const current = await repo.getLetter(client, actionId);
    const before = storedSettings(current!, await repo.letterRecipientIds(client, actionId));
    const changed = changedFields(auditable(before), auditable(form));
    if (Object.keys(changed.after).length === 0) return 'unchanged';
    await repo.updateLetter(client, actionId, form);
    await repo.setLetterRecipients(client, actionId, form.recipientIds);
    // A letter is made from the templates when it is sent, so letters still queued go with the new text
    // (those sent keep theirs in the log's record); the entry says the action was running.
    const summary = action.status === 'draft' ? `Edited the letter of “${action.title}”` : `Changed the letter of the ${action.status} action “${action.title}”`;
    await recordAudit(client, { organiserId: actor.organiserId, event: 'letter.update', subject, summary, ...changed });
    return 'saved';
  });
}

/** Whether the action has a letter (an action of kind letter cannot be opened without one). */
export async function hasLetter(db: Queryable, actionId: number): Promise<boolean> {
  return (await repo.getLetter(db, actionId)) !== undefined;
}

/**
 * Who a signer's letter goes to, by the rule every part uses: fixed, every
 * chosen recipient; by country, the chosen ones in the signer's country, else
 * the fallback; else nobody.
 */
export function routeLetter<R extends repo.LetterRecipient>(letter: Pick<repo.Letter, 'routing'>, recipients: R[], country: string): R[] {
  const chosen = recipients.filter((r) => r.chosen);
  if (letter.routing === 'fixed') return chosen;
  const there = chosen.filter((r) => r.country === country);
  if (there.length > 0) return there;
  return recipients.filter((r) => r.fallback);
}

/** The letter for one recipient and one signer, as it will be sent (compose.ts). */
export function letterFor(letter: repo.Letter, recipient: repo.LetterRecipient, signer: PreviewSigner, at: Date): LetterText {
  const fields = letterFields({
    actionTitle: letter.action_title,
    recipient,
    signer: { name: signer.name, town: signer.town, country: signer.country, comment: signer.comment },
    personalParagraph: letter.personal_paragraph,
    at,
  });
  return renderLetter({ subject: letter.subject_template, body: letter.body_template }, fields);
}

/** A letter's body as paragraphs of lines, for a page to show without markup in the text. */
export function paragraphsOf(body: string): string[][] {
  return body.split(/\n[ \t]*\n/).map((p) => p.split('\n')).filter((lines) => lines.some((line) => line.trim() !== ''));
}

export type RecipientChoice = repo.LetterRecipient & { countryName: string };

export type LetterPanel = {
  routing: repo.LetterRouting;
  /** The chosen recipients, by country (by_country: the list of "the embassy in your country"). */
  recipients: RecipientChoice[];
  fallback: RecipientChoice | undefined;
  /** Whom this signer's letter goes to (empty: by country, with no country chosen yet, or nobody). */
  routedTo: RecipientChoice[];
  /** The recipient the text below is written to. */
  shownFor: RecipientChoice | undefined;
  /** by_country and a country given that routes to nobody. */
  nobody: boolean;
  countryGiven: boolean;
  nameGiven: boolean;
  subject: string;
  paragraphs: string[][];
  personalParagraph: boolean;
  copyToSupporter: boolean;
  /** A digest or a scheduled letter: one letter names many signatories. */
  collective: boolean;
};

/**
 * The letter as the action page shows it to a supporter: who it goes to and
 * its text for the name and country typed (or a stand-in name). Undefined
 * when the action has no letter.
 */
export async function letterPanel(db: Queryable, actionId: number, signer: PreviewSigner, standInName: string, locale: Locale, now: Date): Promise<LetterPanel | undefined> {
  const letter = await repo.getLetter(db, actionId);
  if (!letter) return undefined;
  const all = (await repo.recipientsOfLetter(db, actionId)).map((r) => ({ ...r, countryName: r.country ? countryName(locale, r.country) : '' }));
  const routedTo = signer.country || letter.routing === 'fixed' ? routeLetter(letter, all, signer.country) : [];
  const fallback = all.find((r) => r.fallback);
  const chosen = all.filter((r) => r.chosen);
  const shownFor = routedTo[0] ?? fallback ?? chosen[0];
  let text: LetterText = { subject: '', body: '' };
  if (shownFor) {
    try {
      text = letterFor(letter, shownFor, { ...signer, name: signer.name || standInName }, now);
    } catch (error) {
      // Checked on save; a template the language no longer accepts shows no text rather than break the page.
      if (!(error instanceof LetterTemplateError)) throw error;
    }
  }
  return {
    routing: letter.routing,
    recipients: chosen,
    fallback,
    routedTo,
    shownFor,
    nobody: letter.routing === 'by_country' && signer.country !== '' && routedTo.length === 0,
    countryGiven: signer.country !== '',
    nameGiven: signer.name !== '',
    subject: text.subject,
    paragraphs: paragraphsOf(text.body),
    personalParagraph: letter.personal_paragraph,
    copyToSupporter: letter.copy_to_supporter,
    collective: letter.delivery === 'digest' || letter.delivery === 'scheduled',
  };
}

/** The admin's preview: the letter for a recipient the organiser picks, with a sample signer. */
export async function previewLetter(db: Queryable, actionId: number, recipientId: number | undefined, signer: PreviewSigner, now: Date) {
  const action = await requireLetterAction(db, actionId);
  const letter = await repo.getLetter(db, actionId);
  if (!letter) return { action, letter, recipients: [], recipient: undefined, text: undefined };
  const recipients = await repo.recipientsOfLetter(db, actionId);
  const recipient = recipientId === undefined ? recipients[0] : recipients.find((r) => r.id === recipientId);
  if (recipientId !== undefined && !recipient) throw new NotFound();
  const text = recipient ? letterFor(letter, recipient, signer, now) : undefined;
  return { action, letter, recipients, recipient, text: text && { subject: text.subject, paragraphs: paragraphsOf(text.body) } };
}

export async function heldDeliveries(db: Queryable, actionId: number) {
  const action = await requireLetterAction(db, actionId);
  return { action, held: await repo.listHeldDeliveries(db, actionId) };
}

/**
 * An organiser has read a held letter's paragraph: it goes with it, or
 * without it. 'already' when it was no longer held (another organiser
 * decided, or the supporter withdrew); NotFound when it is not a letter of
 * this action.
 */
export async function releaseHeld(db: Pool, actor: Actor, actionId: number, deliveryId: number, withoutParagraph: boolean): Promise<'released' | 'already'> {
  return withTransaction(db, async (client) => {
    const action = await requireLetterAction(client, actionId);
    const released = await repo.releaseHeldDelivery(client, deliveryId, actionId, withoutParagraph);
    if (!released) {
      const found = await repo.getDeliveryState(client, deliveryId);
      if (!found || found.action_id !== actionId) throw new NotFound();
      return 'already';
    }
    await recordAudit(client, {
      organiserId: actor.organiserId,
      event: withoutParagraph ? 'letter.paragraph_drop' : 'letter.paragraph_approve',
      subject: { type: 'action', id: actionId },
      summary: withoutParagraph
        ? `Sent letter ${deliveryId} of “${action.title}” without the supporter’s paragraph`
        : `Approved the supporter’s paragraph in letter ${deliveryId} of “${action.title}”`,
      before: { delivery_id: deliveryId, state: 'held' },
      after: { delivery_id: deliveryId, state: 'queued', without_paragraph: withoutParagraph },
    });
    return 'released';
  });
}
