// The admin's pages of an action's letter: the settings (templates,
// recipients, routing, delivery), a preview for a chosen recipient with a
// sample signer, and the paragraphs waiting to be read before their letters go.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.ts';
import { organiserOf, type AdminKit } from '../admin/kit.ts';
import { Invalid } from '../errors.ts';
import { BadRequest } from '../http/errors.ts';
import { requireId } from '../http/params.ts';
import { translate } from '../i18n/index.ts';
import { countryList, countryName, isCountryCode } from '../signatures/countries.ts';
import { paths, routes } from '../urls.ts';
import { LETTER_FIELDS } from './template.ts';
import { InvalidLetter, LETTER_FORM_FIELDS, MAX_BODY, MAX_PER_HOUR, MAX_SUBJECT, parseLetterForm, previewSignerOf, recipientIdsOf } from './letters.schema.ts';
import * as service from './letters.service.ts';

const STYLES = ['/assets/admin-actions.css'];
const DONE = ['created', 'saved', 'unchanged', 'actionCreated', 'released', 'already'] as const;

function doneNotice(req: Request): string | undefined {
  const done = req.query.done;
  return typeof done === 'string' && (DONE as readonly string[]).includes(done) ? `admin.letter.done.${done}` : undefined;
}

type Values = Record<(typeof LETTER_FORM_FIELDS)[number], string> & { recipients: number[] };

/** What the form shows again: as typed (a repeated field shows empty). */
function typedValues(body: unknown): Values {
  const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const values = Object.fromEntries(LETTER_FORM_FIELDS.map((name) => [name, typeof raw[name] === 'string' ? raw[name] : ''])) as unknown as Values;
  values.recipients = recipientIdsOf(raw.recipients) ?? [];
  return values;
}

function storedValues(view: service.LetterSettingsView): Values {
  const l = view.letter;
  if (!l) {
    return {
      subject_template: '', body_template: '', routing: 'fixed', fallback: '', delivery: 'each', digest_every: 'daily',
      digest_hour: '9', scheduled_local: '', per_hour: '30', attach_pdf: '', personal_paragraph: '', copy_to_supporter: '', recipients: [],
    };
  }
  const box = (on: boolean) => (on ? 'on' : '');
  return {
    subject_template: l.subject_template,
    body_template: l.body_template,
    routing: l.routing,
    fallback: l.fallback_recipient_id === null ? '' : String(l.fallback_recipient_id),
    delivery: l.delivery,
    digest_every: l.digest_every,
    digest_hour: String(l.digest_hour),
    scheduled_local: l.scheduled_local ?? '',
    per_hour: String(l.per_hour),
    attach_pdf: box(l.attach_pdf),
    personal_paragraph: box(l.personal_paragraph),
    copy_to_supporter: box(l.copy_to_supporter),
    recipients: view.recipientIds,
  };
}

export function lettersAdminRoutes(deps: AppDeps, kit: AdminKit): Router {
  const router = Router();
  const { db } = deps;

  type Page = { values: Values; error?: Invalid; editedFrom?: string };

  async function renderSettings(req: Request, res: Response, actionId: number, page: Page) {
    const view = await service.letterSettings(db, actionId);
    const locale = res.locals.locale;
    if (!res.locals.csrfToken) kit.csrf.issueToken(req, res);
    const { values, error } = page;
    const problems = error instanceof InvalidLetter ? error.templateProblems : {};
    const hour = (h: number) => ({ hour: h, label: `${String(h).padStart(2, '0')}:00`, selected: String(h) === values.digest_hour });
    res.status(error ? 422 : 200).render('admin/letters/settings', {
      layout: 'admin',
      styles: STYLES,
      title: translate(locale, 'admin.letter.title', { title: view.action.title }),
      notice: doneNotice(req),
      action: view.action,
      hasLetter: view.letter !== undefined,
      values,
      errors: error?.fields,
      problems,
      editedFrom: page.editedFrom ?? service.versionOf(view.letter),
      recipients: view.directory.map((r) => ({
        ...r,
        countryName: r.country ? countryName(locale, r.country) : '',
        checked: values.recipients.includes(Number(r.id)),
        isFallback: String(r.id) === values.fallback,
      })),
      fields: LETTER_FIELDS.map((f) => `{{${f}}}`).join(' '),
      routingFixed: values.routing !== 'by_country',
      delivery: Object.fromEntries(['each', 'digest', 'scheduled', 'none'].map((d) => [d, values.delivery === d])),
      weekly: values.digest_every === 'weekly',
      hours: Array.from({ length: 24 }, (_, h) => hour(h)),
      maxSubject: MAX_SUBJECT,
      maxBody: MAX_BODY,
      maxPerHour: MAX_PER_HOUR,
    });
  }

  async function showSettings(req: Request, res: Response) {
    const id = requireId(req.params.id);
    await renderSettings(req, res, id, { values: storedValues(await service.letterSettings(db, id)) });
  }

  async function saveSettings(req: Request, res: Response) {
    const id = requireId(req.params.id);
    await service.requireLetterAction(db, id);
    const sent = (req.body as Record<string, unknown> | undefined)?.edited_from;
    const editedFrom = typeof sent === 'string' && sent !== '' ? sent : undefined;
    try {
      const form = parseLetterForm(req.body);
      const done = await service.saveLetter(db, { organiserId: organiserOf(res).id }, id, form, editedFrom);
      res.redirect(303, `${paths.adminActionLetter(id)}?done=${done}`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      // Refused over a newer save: the form now carries that version, so saving again replaces it, knowingly.
      await renderSettings(req, res, id, { values: typedValues(req.body), error, editedFrom: error.fields.edited_from ? undefined : editedFrom });
    }
  }

  async function showPreview(req: Request, res: Response) {
    const id = requireId(req.params.id);
    const query = req.query as Record<string, unknown>;
    const rawRecipient = query.recipient;
    let recipientId: number | undefined;
    if (rawRecipient !== undefined && rawRecipient !== '') {
      if (typeof rawRecipient !== 'string') throw new BadRequest();
      recipientId = requireId(rawRecipient);
    }
    const signer = previewSignerOf(query, isCountryCode);
    const locale = res.locals.locale;
    // A sample signer until the organiser types one: what a supporter's letter will look like.
    const sample = { name: signer.name || 'Aigerim Tulegenova', town: signer.town || 'Almaty', country: signer.country || 'KZ', comment: signer.comment };
    const preview = await service.previewLetter(db, id, recipientId, sample, new Date());
    res.render('admin/letters/preview', {
      layout: 'admin',
      styles: STYLES,
      title: translate(locale, 'admin.letter.preview.title', { title: preview.action.title }),
      action: preview.action,
      hasLetter: preview.letter !== undefined,
      recipients: preview.recipients.map((r) => ({ ...r, selected: r.id === preview.recipient?.id })),
      recipient: preview.recipient,
      text: preview.text,
      sample,
      countries: countryList(locale).map((c) => ({ ...c, selected: c.code === sample.country })),
    });
  }

  async function showHeld(req: Request, res: Response) {
    const id = requireId(req.params.id);
    const { action, held } = await service.heldDeliveries(db, id);
    const locale = res.locals.locale;
    res.render('admin/letters/held', {
      layout: 'admin',
      styles: STYLES,
      title: translate(locale, 'admin.letter.held.title', { title: action.title }),
      notice: doneNotice(req),
      action,
      held: held.map((d) => ({ ...d, countryName: d.signer_country ? countryName(locale, d.signer_country) : '' })),
    });
  }

  /** approve or send without the paragraph; the form names its action, so a delivery of another is refused. */
  function release(withoutParagraph: boolean) {
    return async (req: Request, res: Response) => {
      const deliveryId = requireId(req.params.id);
      const actionId = requireId((req.body as Record<string, unknown> | undefined)?.action);
      const done = await service.releaseHeld(db, { organiserId: organiserOf(res).id }, actionId, deliveryId, withoutParagraph);
      res.redirect(303, `${paths.adminActionLetterHeld(actionId)}?done=${done}`);
    };
  }

  router.get(routes.adminActionLetter, kit.csrf.provideToken, showSettings);
  router.post(routes.adminActionLetter, kit.csrf.protect, saveSettings);
  router.get(routes.adminActionLetterPreview, showPreview);
  router.get(routes.adminActionLetterHeld, kit.csrf.provideToken, showHeld);
  router.post(routes.adminDeliveryApprove, kit.csrf.protect, release(false));
  router.post(routes.adminDeliveryWithoutParagraph, kit.csrf.protect, release(true));
  return router;
}
