// The page of an action: its card, progress, breakdown by country, recent
// public signers and, while it is open, the signing form. Shown by the action's
// route, and again by the signing route when a form comes back with mistakes.
import type { Request, Response } from 'express';
import type { Queryable } from '../db/pool.ts';
import { requireSlug } from '../http/params.ts';
import type { MessageKey } from '../i18n/index.ts';
import { letterPanelView } from '../letters/letter-panel.ts';
import { responsesForActionPage } from '../letters/responses.service.ts';
import { callPageVariant, callPageView } from '../protests/call-page.ts';
import { countryList } from '../signatures/countries.ts';
import { SIGNATURE_FIELDS } from '../signatures/signatures.schema.ts';
import type { Action } from './actions.repo.ts';
import * as actions from './actions.service.ts';

export type FormState = {
  /** The form's signed render time (src/http/form-timing.ts). */
  stamp: string;
  values?: Record<string, unknown>;
  errors?: Record<string, MessageKey>;
  /** A protest call's RSVP form that came back: values and errors are that protest's form's only. */
  protestId?: number;
};

/** Where each field's input is, for the error summary's links (ids as views/partials/sign-form.hbs makes them). */
const FIELD_IDS: Record<string, string> = {
  ...Object.fromEntries(SIGNATURE_FIELDS.map((field) => [field, field])),
  show_name: 'show-name',
  wants_updates: 'wants-updates',
  // An RSVP form's own boxes (views/partials/rsvp-form.hbs).
  share_with_organiser: 'share',
  sign_letter: 'sign-letter',
};

export type ErrorLink = { href: string; message: MessageKey };

/**
 * The error summary, as GOV.UK makes it: every problem in the order of the form,
 * each a link to its field; a problem with no field of its own links to the form.
 */
export function errorSummary(slug: string, errors: Record<string, MessageKey> | undefined): ErrorLink[] {
  if (!errors) return [];
  const order = Object.keys(FIELD_IDS);
  return Object.entries(errors)
    .sort(([a], [b]) => (order.indexOf(a) + 1 || order.length + 1) - (order.indexOf(b) + 1 || order.length + 1))
    .map(([field, message]) => ({ href: `#${slug}-${Object.hasOwn(FIELD_IDS, field) ? FIELD_IDS[field] : 'form'}`, message }));
}

export async function renderActionPage(db: Queryable, req: Request, res: Response, form: FormState): Promise<void> {
  await renderActionPageOf(db, req, res, await actions.getAction(db, requireSlug(req.params.slug)), form);
}

/** The page of an action already found: a protest's RSVP form (at /protests/:id/rsvp, no slug) comes back on its call's page. */
export async function renderActionPageOf(db: Queryable, req: Request, res: Response, action: Action, form: FormState): Promise<void> {
  // No recent signers on a protest call: its letter is signed alongside RSVPs, and who RSVPed is never public.
  const view = await actions.viewAction(db, action, res.locals.locale, action.kind !== 'protest_call');
  const selected = typeof form.values?.country === 'string' ? form.values.country.toUpperCase() : '';
  // A protest's RSVP form names its fields protest-<id>-<field>; the sign form, <slug>-<field>.
  const errorList = errorSummary(form.protestId !== undefined ? `protest-${form.protestId}` : action.slug, form.errors);
  // A letter action shows its letter, to whom and as it will be sent, with what the form holds so far.
  const now = new Date();
  const [letter, letterResponses] = action.kind === 'letter'
    ? await Promise.all([letterPanelView(db, action.id, form.values, res.locals.locale, now), responsesForActionPage(db, action.id, now)])
    : [undefined, undefined];
  if (action.kind === 'protest_call') {
    // The visitor's country comes first (from Accept-Language): kept once per country, and so told to caches.
    res.locals.pageVariant = callPageVariant(req);
    res.vary('Accept-Language');
    const input = { country: req.query.country, acceptLanguage: req.get('accept-language'), open: view.open, baseUrl: res.locals.baseUrl as string, now };
    const call = await callPageView(db, action, input, res.locals.locale, form);
    return res.render('actions/show', { title: action.title, titleHasErrors: errorList.length > 0, description: action.demand, action: { ...view, isCall: true, call }, errorList, formStamp: form.stamp });
  }
  res.render('actions/show', {
    title: action.title,
    // "Error: " before the title: a screen reader says it first when the page comes back.
    titleHasErrors: errorList.length > 0,
    description: action.demand,
    // letterMissing: a letter action whose letter is not written (never opened since): no link to a letter page that is not there.
    action: letter ? { ...view, letter } : action.kind === 'letter' ? { ...view, letterMissing: true } : view,
    countries: countryList(res.locals.locale).map((c) => ({ ...c, selected: c.code === selected })),
    values: form.values,
    errors: form.errors,
    errorList,
    // Recipients' answers, or how long each has kept silent since its letter was sent.
    letterResponses,
    formStamp: form.stamp,
    scripts: letter ? ['/assets/count.js', '/assets/letter-preview.js'] : ['/assets/count.js'],
  });
}
