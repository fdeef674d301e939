// Public pages of actions and signing: the routes read as a table of contents.
import { Router, type Request, type Response } from 'express';
import type { AppDeps, HttpKit } from '../app.ts';
import { Invalid } from '../http/errors.ts';
import { requireSlug } from '../http/params.ts';
import { translate } from '../i18n/index.ts';
import { countryList } from '../signatures/countries.ts';
import { isHoneypotFilled, parseSignature, SIGNATURE_FIELDS } from '../signatures/signatures.schema.ts';
import * as signatures from '../signatures/signatures.service.ts';
import * as actions from './actions.service.ts';
import { shareLinks } from './share.ts';

type FormState = { values?: Record<string, unknown>; errors?: Record<string, string> };

export function actionsRoutes(deps: AppDeps, http: HttpKit): Router {
  const router = Router();
  const { db } = deps;

  async function renderAction(req: Request, res: Response, form: FormState = {}) {
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

  async function signAction(req: Request, res: Response) {
    const action = await actions.requireOpenActionForSigning(db, requireSlug(req.params.slug));
    // A bot that filled the hidden field is told what a person is told, and nothing is stored.
    if (!isHoneypotFilled(req.body)) {
      let input;
      try {
        input = parseSignature(req.body);
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        res.status(422);
        // The form comes back, so it needs a token; a successful signature does not.
        http.csrf.issueToken(req, res);
        const values = { ...(req.body as Record<string, unknown>), showName: req.body?.show_name, wantsUpdates: req.body?.wants_updates };
        return renderAction(req, res, { values, errors: error.fields });
      }
      await signatures.sign({ db, queue: deps.queue, config: deps.config }, action, input);
    }
    res.redirect(303, `/actions/${action.slug}/check-email`);
  }

  async function checkEmail(req: Request, res: Response) {
    const action = await actions.getAction(db, requireSlug(req.params.slug));
    res.render('actions/check-email', { title: translate(res.locals.locale, 'signature.checkEmail.title'), action });
  }

  async function thanks(req: Request, res: Response) {
    const action = await actions.getAction(db, requireSlug(req.params.slug));
    const view = await actions.viewAction(db, action, res.locals.locale, false);
    const url = `${deps.config.baseUrl}/actions/${action.slug}`;
    res.render('actions/thanks', {
      title: translate(res.locals.locale, 'signature.thanks.title'),
      action: view,
      share: shareLinks(url, translate(res.locals.locale, 'signature.thanks.shareText', { action: action.title })),
      scripts: ['/assets/count.js'],
    });
  }

  async function countJson(req: Request, res: Response) {
    const count = await actions.getCount(db, requireSlug(req.params.slug));
    // Counts lag by seconds anyway: let browsers and proxies share one answer briefly.
    res.set('Cache-Control', 'public, max-age=5, stale-while-revalidate=30');
    res.json({ count: count.signature_count, goal: count.goal, status: count.status, countedAt: count.counted_at });
  }

  async function showConfirm(req: Request, res: Response) {
    const page = await signatures.inspectToken(db, req.params.token);
    const title = translate(res.locals.locale, 'signature.confirm.title');
    if (page.state === 'confirmed') return res.render('signatures/already-confirmed', { title, ...page });
    res.render('signatures/confirm', { title, token: req.params.token, ...page });
  }

  async function confirm(req: Request, res: Response) {
    const result = await signatures.confirm(db, req.params.token);
    res.redirect(303, `/actions/${result.actionSlug}/thanks`);
  }

  async function showCancel(req: Request, res: Response) {
    // Even an expired or used link may remove a signature that is still pending.
    const page = await signatures.actionOfToken(db, req.params.token);
    res.render('signatures/cancel', { title: translate(res.locals.locale, 'signature.cancel.title'), token: req.params.token, ...page });
  }

  async function cancel(req: Request, res: Response) {
    const result = await signatures.cancel(db, req.params.token);
    res.render('signatures/cancelled', { title: translate(res.locals.locale, 'signature.cancel.title'), ...result });
  }

  const { csrf, limits } = http;
  router.get('/actions/:slug', csrf.provideToken, (req, res) => renderAction(req, res));
  router.post('/actions/:slug/signatures', limits.sign, csrf.protect, signAction);
  router.get('/actions/:slug/check-email', checkEmail);
  router.get('/actions/:slug/thanks', thanks);
  router.get('/actions/:slug/count.json', countJson);
  router.get('/confirm/:token', csrf.provideToken, showConfirm);
  router.post('/confirm/:token', limits.confirm, csrf.protect, confirm);
  router.get('/cancel/:token', csrf.provideToken, showCancel);
  router.post('/cancel/:token', limits.confirm, csrf.protect, cancel);
  return router;
}
