// RSVPing to a protest and the pages around it, as a table of contents (the
// confirmation link is src/pledges'). Every POST checks its CSRF token before
// its rate limit counts. Who RSVPed is never public: these pages show counts.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { renderActionPage } from '../actions/action-page.ts';
import type { AppDeps, HttpKit } from '../app.ts';
import { Invalid, NotFound } from '../errors.ts';
import { hashToken, isWellFormedToken } from '../http/link-tokens.ts';
import { requireId } from '../http/params.ts';
import { translate, type MessageKey } from '../i18n/index.ts';
import { deriveIpKey } from '../signatures/ip-hash.ts';
import { formTimeOf, isHoneypotFilled } from '../signatures/signatures.schema.ts';
import { deriveUnsubscribeKey } from '../updates/unsubscribe-token.ts';
import { paths, routes } from '../urls.ts';
import { localTimeOf, protestOnPage } from './rsvp-pledge.ts';
import { verifyRsvpToken } from './rsvp-token.ts';
import * as repo from './rsvp.repo.ts';
import { parseRsvp, rsvpFormValues } from './rsvp.schema.ts';
import * as service from './rsvp.service.ts';

// Tokens in the URL: no cache may keep these pages, and no search engine list them.
const privatePage: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  res.set('X-Robots-Tag', 'noindex');
  next();
};

/** A listed or cancelled protest of a public call (proposed, rejected ones, a draft call's, are not public); NotFound for anything else. */
async function publicProtest(deps: AppDeps, id: unknown): Promise<repo.ProtestForRsvp> {
  const protest = await repo.getProtest(deps.db, requireId(id));
  if (!protest || !protest.public || (protest.status !== 'listed' && protest.status !== 'cancelled')) throw new NotFound();
  return protest;
}

export function rsvpRoutes(deps: AppDeps, http: HttpKit): Router {
  const router = Router();
  const { db } = deps;
  const rsvping = { db, queue: deps.queue, config: deps.config, ipKey: deriveIpKey(deps.secret) };
  const pageKey = deriveUnsubscribeKey(deps.secret);
  const t = (res: Response, key: MessageKey, params?: Record<string, string | number>) => translate(res.locals.locale, key, params);

  async function rsvp(req: Request, res: Response) {
    const protest = await publicProtest(deps, req.params.id);
    const checkEmail = paths.protestCheckEmail(protest.id);
    // A bot that filled the hidden field is told what a person is told, and nothing is stored.
    if (isHoneypotFilled(req.body)) return res.redirect(303, checkEmail);
    const stamp = formTimeOf(req.body);
    const timing = http.formTiming.judge(stamp);
    // The call's page again, with this protest's form holding what was typed
    // and each message beside its field: the action page takes the form's state
    // (values.protest says whose form it is; part F's protest-call partial
    // gives it to that protest's rsvp-form).
    const formAgain = (errors: Record<string, MessageKey>, status = 422) => {
      res.status(status);
      const genuine = (timing === 'ok' || timing === 'early') && typeof stamp === 'string';
      req.params.slug = protest.action_slug;
      return renderActionPage(db, req, res, { values: rsvpFormValues(req.body, protest.id), errors, stamp: genuine ? stamp : http.formTiming.stamp(), protestId: protest.id });
    };
    if (!protest.takes_rsvps) return formAgain({ form: 'rsvp.errors.closed' }, 409);
    let input;
    try {
      input = parseRsvp(req.body);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return formAgain(error.fields);
    }
    if (timing === 'early' || timing === 'forged') return formAgain({ form: 'rsvp.errors.tooSoon' });
    // Full now: said beside the form. (Confirming checks again, under the protest's lock.)
    if (service.isFull(protest)) return formAgain({ form: 'rsvp.errors.full' }, 409);
    await service.rsvp(rsvping, protest, input, req.ip);
    res.redirect(303, checkEmail);
  }

  // A restored tab asking for the POST's address: to the protest on its call's page.
  async function backToForm(req: Request, res: Response) {
    const protest = await publicProtest(deps, req.params.id);
    res.redirect(303, protestOnPage(protest.action_slug, protest.id));
  }

  async function checkEmail(req: Request, res: Response) {
    const protest = await publicProtest(deps, req.params.id);
    res.render('protests/rsvp-check-email', { title: t(res, 'rsvp.checkEmail.title'), protest, back: protestOnPage(protest.action_slug, protest.id) });
  }

  async function thanks(req: Request, res: Response) {
    const protest = await publicProtest(deps, req.params.id);
    res.render('protests/rsvp-thanks', {
      title: t(res, 'rsvp.thanks.title'),
      protest,
      when: localTimeOf(protest.starts_at, protest.time_zone),
      back: protestOnPage(protest.action_slug, protest.id),
    });
  }

  async function rsvpPageOf(req: Request) {
    const id = verifyRsvpToken(pageKey, req.params.token);
    const page = id === undefined ? undefined : await repo.getRsvpPage(db, id);
    if (!page) throw new NotFound();
    return page;
  }

  function renderRsvpPage(req: Request, res: Response, page: repo.RsvpPage) {
    res.render('protests/rsvp-page', {
      title: t(res, 'rsvp.page.title'),
      rsvp: page,
      token: req.params.token,
      when: localTimeOf(page.starts_at, page.time_zone),
      back: protestOnPage(page.action_slug, page.protest_id),
    });
  }

  async function showRsvp(req: Request, res: Response) {
    renderRsvpPage(req, res, await rsvpPageOf(req));
  }

  async function cancelRsvp(req: Request, res: Response) {
    const page = await rsvpPageOf(req);
    // The place frees at once: the RSVP no longer counts. Twice is once.
    await repo.cancelRsvp(db, page.id);
    renderRsvpPage(req, res, { ...page, cancelled: true });
  }

  async function organiserView(req: Request, res: Response) {
    const protestId = requireId(req.params.id);
    const token = req.params.token;
    if (!isWellFormedToken(token) || !(await repo.organiserLinkMatches(db, protestId, hashToken(token)))) throw new NotFound();
    const protest = await repo.adminGetProtest(db, protestId);
    if (!protest) throw new NotFound();
    const rsvps = await repo.listProtestRsvps(db, protestId);
    res.render('protests/rsvp-organiser', {
      title: t(res, 'rsvp.organiser.title', { place: protest.place, city: protest.city }),
      protest,
      when: localTimeOf(protest.starts_at, protest.time_zone),
      count: rsvps.length,
      rsvps,
    });
  }

  const { csrf, limits } = http;
  // The RSVP forms are on the call's page, shared by caches: no token, as the
  // sign form; requireSameOrigin (src/app.ts) guards the POST. The RSVP's own
  // page below is private to its link and keeps one.
  router.post(routes.protestRsvp, limits.sign, rsvp);
  router.get(routes.protestRsvp, backToForm);
  router.get(routes.protestCheckEmail, checkEmail);
  router.get(routes.protestThanks, thanks);
  router.get(routes.rsvp, privatePage, csrf.provideToken, showRsvp);
  router.post(routes.rsvp, privatePage, csrf.protect, limits.confirm, cancelRsvp);
  router.get(routes.protestOrganiserView, privatePage, organiserView);
  return router;
}
