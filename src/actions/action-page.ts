// The page of an action: its card, progress, breakdown by country, recent
// public signers and, while it is open, the signing form. Shown by the action's
// route, and again by the signing route when a form comes back with mistakes.
import type { Request, Response } from 'express';
import type { Queryable } from '../db/pool.ts';
import { requireSlug } from '../http/params.ts';
import { countryList } from '../signatures/countries.ts';
import { SIGNATURE_FIELDS } from '../signatures/signatures.schema.ts';
import * as actions from './actions.service.ts';

export type FormState = { values?: Record<string, unknown>; errors?: Record<string, string> };

export async function renderActionPage(db: Queryable, req: Request, res: Response, form: FormState = {}): Promise<void> {
  const action = await actions.getAction(db, requireSlug(req.params.slug));
  const view = await actions.viewAction(db, action, res.locals.locale, true);
  const selected = typeof form.values?.country === 'string' ? form.values.country.toUpperCase() : '';
  res.render('actions/show', {
    title: action.title,
    description: action.demand,
    action: view,
    countries: countryList(res.locals.locale).map((c) => ({ ...c, selected: c.code === selected })),
    values: form.values,
    errors: form.errors,
    // On a phone the form is far down the page: focusing the first bad field brings it into view.
    focus: SIGNATURE_FIELDS.find((field) => form.errors?.[field]),
    scripts: ['/assets/count.js'],
  });
}
