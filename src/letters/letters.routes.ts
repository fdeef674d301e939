// The public page of a letter action's letter: the no-script form on the
// action page asks it for the letter filled in with the name and country
// typed; the page's script asks it for the same as JSON while the sign form is
// typed. Nothing is stored: it only reads.
import { Router, type Request, type Response } from 'express';
import * as actions from '../actions/actions.service.ts';
import type { AppDeps } from '../app.ts';
import { NotFound } from '../errors.ts';
import { requireSlug } from '../http/params.ts';
import { translate } from '../i18n/index.ts';
import { countryList } from '../signatures/countries.ts';
import { routes } from '../urls.ts';
import { letterPanelView } from './letter-panel.ts';

export function lettersRoutes(deps: AppDeps): Router {
  const router = Router();
  const { db } = deps;

  async function showLetter(req: Request, res: Response) {
    // Only a public action (getAction hides drafts and actions of unpublished posts).
    const action = await actions.getAction(db, requireSlug(req.params.slug));
    if (action.kind !== 'letter') throw new NotFound();
    const locale = res.locals.locale;
    const query = req.query as Record<string, unknown>;
    // The page shows no paragraph from the address: its form has none, and a crafted link could put any text there.
    // The page's script sends the one typed in the sign form, for the JSON it reads as text.
    const values = query.format === 'json' ? query : { ...query, comment: undefined };
    const letter = await letterPanelView(db, action.id, values, locale, new Date());
    if (!letter) throw new NotFound();
    // What was typed is in the address: it is no one else's to keep.
    res.set('Cache-Control', 'private, no-store');
    if (query.format === 'json') {
      res.json({ subject: letter.subject, paragraphs: letter.paragraphs, routedLine: letter.routedLine ?? null, to: letter.shownFor?.name ?? null });
      return;
    }
    res.render('actions/letter', {
      title: translate(locale, 'letter.page.title', { title: action.title }),
      action: { slug: action.slug, title: action.title, kind: action.kind, letter, open: actions.isOpen(action) },
      countries: countryList(locale).map((c) => ({ ...c, selected: c.code === letter.signer.country })),
    });
  }

  router.get(routes.actionLetter, showLetter);
  return router;
}
