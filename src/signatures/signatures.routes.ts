// Signing an action, and the pages around it: the routes read as a table of
// contents (confirmation links are src/pledges'). Every POST checks its CSRF
// token before its rate limit counts, so forged posts cannot use up a shared
// connection's allowance.
import { Router, type Request, type Response } from 'express';
import { renderActionPage } from '../actions/action-page.ts';
import * as actions from '../actions/actions.service.ts';
import { shareLinks } from '../actions/share.ts';
import type { AppDeps, HttpKit } from '../app.ts';
import { Invalid } from '../errors.ts';
import { requireSlug } from '../http/params.ts';
import { translate, type MessageKey } from '../i18n/index.ts';
import { absolute, paths, routes } from '../urls.ts';
import { deriveIpKey } from './ip-hash.ts';
import { countryOfQuery, formTimeOf, formValues, isHoneypotFilled, parseSignature } from './signatures.schema.ts';
import * as signatures from './signatures.service.ts';

export function signaturesRoutes(deps: AppDeps, http: HttpKit): Router {
  const router = Router();
  const { db } = deps;
  const signing = { db, queue: deps.queue, config: deps.config, ipKey: deriveIpKey(deps.secret) };

  async function sign(req: Request, res: Response) {
    const action = await actions.requireOpenActionForSigning(db, requireSlug(req.params.slug));
    const checkEmail = paths.actionCheckEmail(action.slug);
    // A bot that filled the hidden field is told what a person is told, and nothing is stored.
    if (isHoneypotFilled(req.body)) return res.redirect(303, checkEmail);
    const stamp = formTimeOf(req.body);
    const timing = http.formTiming.judge(stamp);
    // The form comes back (with a mistake, or sent too soon): a genuine stamp is
    // kept, so that correcting one field quickly is not a script.
    const formAgain = (errors: Record<string, MessageKey>) => {
      res.status(422);
      const genuine = (timing === 'ok' || timing === 'early') && typeof stamp === 'string';
      return renderActionPage(db, req, res, { values: formValues(req.body), errors, stamp: genuine ? stamp : http.formTiming.stamp() });
    };
    let input;
    try {
      input = parseSignature(req.body, { letter: action.kind === 'letter' });
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return formAgain(error.fields);
    }
    // A form sent back sooner than a person could fill it in, or with a stamp this
    // site never issued (or issued under another APP_SECRET), comes back with what
    // was typed and "press Sign again": a person does, a script has to wait. Never
    // a silent "check your email" for a person whose autofill was quick: nothing
    // that a supporter is told was received may be dropped. Judged after the
    // mistakes, so a quick press on an empty form shows those first.
    if (timing === 'early' || timing === 'forged') return formAgain({ form: 'signature.errors.tooSoon' });
    // req.ip follows TRUST_PROXY: the proxy's X-Forwarded-For only when configured.
    await signatures.sign(signing, action, input, req.ip);
    res.redirect(303, checkEmail);
  }

  // The address a failed POST left in the browser: a phone restoring the tab asks
  // for it again, and is sent to the form on the action's page, not a 404.
  function backToForm(req: Request, res: Response) {
    const slug = requireSlug(req.params.slug);
    res.redirect(303, `${paths.action(slug)}#${slug}-form`);
  }

  async function checkEmail(req: Request, res: Response) {
    const action = await actions.getAction(db, requireSlug(req.params.slug));
    res.render('actions/check-email', { title: translate(res.locals.locale, 'signature.checkEmail.title'), action });
  }

  async function thanks(req: Request, res: Response) {
    const action = await actions.getAction(db, requireSlug(req.params.slug));
    // ?country=XX from the confirm handler's redirect: only a known code is used, never the raw value.
    const country = countryOfQuery(req.query.country);
    const { action: view, next, fromCountry } = await actions.viewActionAfterSigning(db, action, res.locals.locale, country);
    const url = absolute(deps.config.baseUrl, paths.action(action.slug));
    res.render('actions/thanks', {
      title: translate(res.locals.locale, 'signature.thanks.title'),
      action: view,
      next,
      fromCountry,
      shareUrl: url,
      share: shareLinks(url, translate(res.locals.locale, 'signature.thanks.shareText', { action: action.title })),
      scripts: ['/assets/count.js'],
    });
  }

  const { limits } = http;
  // No CSRF token: the form is on pages a shared cache keeps for everyone, so it
  // carries nothing per visitor; requireSameOrigin (src/app.ts) refuses a POST
  // that a browser says came from another site.
  router.post(routes.actionSignatures, limits.sign, sign);
  router.get(routes.actionSignatures, backToForm);
  router.get(routes.actionCheckEmail, checkEmail);
  router.get(routes.actionThanks, thanks);
  return router;
}
