// Confirmation links of every kind of pledge, as a table of contents. The GET
// of a link changes nothing (mail scanners open links); its page's button does.
// Every POST checks its CSRF token before its rate limit counts.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { HttpKit } from '../app.ts';
import { translate, type MessageKey } from '../i18n/index.ts';
import { paths, routes } from '../urls.ts';
import type { Confirmations } from './confirmation.service.ts';
import { PledgeRefused, type PledgeKindName } from './pledge.ts';

/** The words of each kind's pages: a signature's ("Confirm my signature"), an RSVP's ("Confirm my RSVP"). */
type Words = Record<'confirmTitle' | 'confirmBody' | 'confirmButton' | 'alreadyConfirmed' | 'onward' | 'spentBody' | 'newLinkBody' | 'cancelTitle' | 'cancelBody' | 'cancelButton' | 'cancelDone' | 'cancelConfirmedAlready' | 'back', MessageKey>;
const WORDS: Record<PledgeKindName, Words> = {
  signature: {
    confirmTitle: 'signature.confirm.title', confirmBody: 'signature.confirm.body', confirmButton: 'signature.confirm.button',
    alreadyConfirmed: 'signature.alreadyConfirmed', onward: 'pledge.confirmed.onward', spentBody: 'pledge.spent.body', newLinkBody: 'pledge.newLink.body',
    cancelTitle: 'signature.cancel.title', cancelBody: 'signature.cancel.body', cancelButton: 'signature.cancel.button',
    cancelDone: 'signature.cancel.done', cancelConfirmedAlready: 'signature.cancel.confirmedAlready', back: 'signature.thanks.back',
  },
  rsvp: {
    confirmTitle: 'rsvp.confirm.title', confirmBody: 'rsvp.confirm.body', confirmButton: 'rsvp.confirm.button',
    alreadyConfirmed: 'rsvp.alreadyConfirmed', onward: 'rsvp.confirmed.onward', spentBody: 'rsvp.spent.body', newLinkBody: 'rsvp.newLink.body',
    cancelTitle: 'rsvp.notMe.title', cancelBody: 'rsvp.notMe.body', cancelButton: 'rsvp.notMe.button',
    cancelDone: 'rsvp.notMe.done', cancelConfirmedAlready: 'rsvp.notMe.confirmedAlready', back: 'rsvp.back',
  },
};

// The token is in the URL and the form: no cache, shared or private, may keep these pages.
const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

export function confirmationRoutes(confirmations: Confirmations, http: HttpKit): Router {
  const router = Router();
  const title = (res: Response, key: Parameters<typeof translate>[1]) => translate(res.locals.locale, key);

  /** Refused by its kind (a full protest, a cancelled one): nothing changed, the link still works; say why, and the way back. */
  function renderRefused(res: Response, error: PledgeRefused) {
    res.status(409);
    res.render('pledges/refused', { title: title(res, error.reason), reason: error.reason, back: error.back });
  }

  async function showConfirm(req: Request, res: Response) {
    let page;
    try {
      page = await confirmations.inspect(req.params.token);
    } catch (error) {
      if (!(error instanceof PledgeRefused)) throw error;
      return renderRefused(res, error);
    }
    const words = WORDS[page.link.kind];
    if (page.state === 'confirmed') return res.render('pledges/already-confirmed', { title: title(res, 'pledge.confirmed.title'), words, ...page });
    if (page.state === 'spent') return renderSpent(req, res, page.link);
    res.render('pledges/confirm', { title: title(res, words.confirmTitle), words, token: req.params.token, ...page });
  }

  function renderSpent(req: Request, res: Response, link: { kind: PledgeKindName; subject: { title: string; path: string } }) {
    res.status(410);
    res.render('pledges/spent', { title: title(res, 'pledge.spent.title'), words: WORDS[link.kind], token: req.params.token, link });
  }

  async function confirm(req: Request, res: Response) {
    let result;
    try {
      result = await confirmations.confirm(req.params.token);
    } catch (error) {
      if (!(error instanceof PledgeRefused)) throw error;
      return renderRefused(res, error);
    }
    if ('spent' in result) return renderSpent(req, res, result.spent);
    res.redirect(303, result.next);
  }

  async function sendNewLink(req: Request, res: Response) {
    const link = await confirmations.sendNewLink(req.params.token);
    res.render('pledges/new-link-sent', { title: title(res, 'pledge.newLink.title'), words: WORDS[link.kind], link });
  }

  async function showCancel(req: Request, res: Response) {
    // Even a spent link may remove a pledge that is still pending.
    const link = await confirmations.describe(req.params.token);
    const words = WORDS[link.kind];
    res.render('pledges/cancel', { title: title(res, words.cancelTitle), words, token: req.params.token, link });
  }

  async function cancel(req: Request, res: Response) {
    const result = await confirmations.cancel(req.params.token);
    const words = WORDS[result.link.kind];
    res.render('pledges/cancelled', { title: title(res, words.cancelTitle), words, ...result });
  }

  /** "Send me a new link" reloaded (a phone restoring the tab): back to the link's page, which offers the button again. */
  function backToLink(req: Request, res: Response) {
    res.redirect(303, paths.confirm(typeof req.params.token === 'string' ? req.params.token : ''));
  }

  const { csrf, limits } = http;
  router.get(routes.confirm, noStore, csrf.provideToken, showConfirm);
  router.post(routes.confirm, noStore, csrf.protect, limits.confirm, confirm);
  router.post(routes.confirmNewLink, noStore, csrf.protect, limits.confirm, sendNewLink);
  router.get(routes.confirmNewLink, noStore, backToLink);
  router.get(routes.cancel, noStore, csrf.provideToken, showCancel);
  router.post(routes.cancel, noStore, csrf.protect, limits.confirm, cancel);
  return router;
}
