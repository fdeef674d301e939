// A supporter's data, from the link the privacy page emails: see it, download
// it, withdraw a signature, stop updates, erase it all. Every change is a POST
// with the form's CSRF token, never a GET (a GET of a change's address only
// leads back to the page). The token is in the address: no cache may keep these
// pages, no search engine index them, no referrer carry them.
import { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps, HttpKit } from '../app.ts';
import { Invalid } from '../errors.ts';
import { perMinuteLimit } from '../http/rate-limit.ts';
import { translate, type Locale, type MessageKey } from '../i18n/index.ts';
import { countryName } from '../signatures/countries.ts';
import { paths, routes } from '../urls.ts';
import { parseErasure } from './privacy.schema.ts';
import * as privacy from './privacy.service.ts';

const private_: RequestHandler = (_req, res, next) => {
  res.set({ 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex, nofollow', 'Referrer-Policy': 'no-referrer' });
  next();
};

/** The link's token as it is in the address (checked by the service, encoded again by paths). */
const tokenOf = (req: Request): string => (typeof req.params.token === 'string' ? req.params.token : '');

const DONE = ['withdrawn', 'unsubscribed'] as const;
const TEMPLATE_LABELS: Record<string, MessageKey> = {
  'confirm-signature': 'privacy.data.template.confirm-signature',
  'already-signed': 'privacy.data.template.already-signed',
  'confirm-rsvp': 'privacy.data.template.confirm-signature',
};

/** The data as the page shows it: states, reasons and ways in words, countries by name. */
function pageOf(locale: Locale, data: privacy.DataHeld) {
  const t = (key: MessageKey) => translate(locale, key);
  return {
    ...data,
    signatures: data.signatures.map((s) => ({
      ...s,
      name: s.name ?? t('signatures.nameWithheld'),
      countryName: countryName(locale, s.country),
      stateLabel: t(`privacy.data.state.${s.state}`),
    })),
    rsvps: data.rsvps.map((r) => ({ ...r, stateLabel: t(r.cancelled_at ? 'privacy.data.rsvpState.cancelled' : r.confirmed_at ? 'privacy.data.rsvpState.confirmed' : 'privacy.data.rsvpState.pending') })),
    consents: data.consents.map((c) => ({ ...c, viaLabel: c.withdrawn_via ? t(`privacy.data.via.${c.withdrawn_via}`) : '' })),
    suppressions: data.suppressions.map((s) => ({ ...s, reasonLabel: t(`privacy.data.reason.${s.reason}`) })),
    emails: data.emails.map((e) => ({ ...e, label: t(TEMPLATE_LABELS[e.template] ?? 'privacy.data.template.other') })),
    canStopUpdates: data.consents.some((c) => c.withdrawn_at === null) || !data.suppressions.some((s) => s.reason === 'unsubscribe'),
  };
}

/** What the download holds: everything, with the states spelled as the page's data has them. */
function exportOf(data: privacy.DataHeld) {
  return {
    exported_at: new Date().toISOString(),
    supporter: data.supporter,
    signatures: data.signatures.map((s) => ({
      action: { title: s.action_title, slug: s.action_slug },
      state: s.state,
      name: s.name,
      country: s.country,
      town: s.locality,
      comment: s.comment,
      name_shown_publicly: s.show_name,
      wants_updates: s.wants_updates,
      signed_at: s.created_at,
      confirmed_at: s.confirmed_at,
      invalidated_at: s.invalidated_at,
      name_hidden_by_organisers_at: s.hidden_at,
    })),
    rsvps: data.rsvps.map((r) => ({
      action: { title: r.action_title, slug: r.action_slug },
      protest: { place: r.place, city: r.city, starts_at: r.starts_at, time_zone: r.time_zone },
      name: r.name,
      shared_with_local_organiser: r.share_with_organiser,
      wants_updates: r.wants_updates,
      rsvped_at: r.created_at,
      confirmed_at: r.confirmed_at,
      cancelled_at: r.cancelled_at,
    })),
    consents: data.consents.map((c) => ({
      purpose: c.purpose,
      wording: c.wording,
      source: c.source,
      source_action: c.source_action_slug && { title: c.source_action_title, slug: c.source_action_slug },
      given_at: c.given_at,
      withdrawn_at: c.withdrawn_at,
      withdrawn_via: c.withdrawn_via,
    })),
    suppressions: data.suppressions.map((s) => ({ reason: s.reason, since: s.created_at })),
    emails_sent: data.emails.map((e) => ({ template: e.template, sent_at: e.created_at })),
  };
}

export function supporterDataRoutes(deps: Pick<AppDeps, 'db' | 'config'>, http: HttpKit): Router {
  const router = Router();
  const { db, config } = deps;
  // Pressing buttons, not asking for mail: a person needs a few; a script guessing tokens gets nowhere anyway.
  const changes = perMinuteLimit(db, 'privacy-change', 30);
  const t = (res: Response, key: MessageKey) => translate(res.locals.locale, key);

  function checkEmail(_req: Request, res: Response) {
    res.render('privacy/check-email', { title: t(res, 'privacy.checkEmail.title'), minutes: config.privacyLinkTtlMinutes });
  }

  async function showData(req: Request, res: Response, errors?: Invalid['fields']) {
    const data = await privacy.dataHeld(db, req.params.token);
    const done = typeof req.query.done === 'string' && (DONE as readonly string[]).includes(req.query.done) ? req.query.done : undefined;
    res.render('privacy/data', {
      title: t(res, 'privacy.data.title'),
      token: req.params.token,
      done: done && t(res, `privacy.data.done.${done as (typeof DONE)[number]}`),
      errors,
      ...pageOf(res.locals.locale, data),
    });
  }

  async function download(req: Request, res: Response) {
    const data = await privacy.dataHeld(db, req.params.token);
    const day = new Date().toISOString().slice(0, 10);
    res.set('Content-Disposition', `attachment; filename="placard-data-${day}.json"`);
    res.type('application/json').send(JSON.stringify(exportOf(data), null, 2));
  }

  async function withdraw(req: Request, res: Response) {
    await privacy.withdrawSignature(db, req.params.token, req.params.id);
    res.redirect(303, `${paths.privacyData(tokenOf(req))}?done=withdrawn`);
  }

  async function unsubscribe(req: Request, res: Response) {
    await privacy.stopUpdates(db, req.params.token);
    res.redirect(303, `${paths.privacyData(tokenOf(req))}?done=unsubscribed`);
  }

  async function erase(req: Request, res: Response) {
    try {
      parseErasure(req.body);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      res.status(422);
      http.csrf.issueToken(req, res);
      return showData(req, res, error.fields);
    }
    await privacy.eraseEverything(db, req.params.token);
    res.redirect(303, `${paths.privacy()}?done=erased`);
  }

  /** A change's address opened as a page (a bookmark, a reload): it changes nothing and leads to the data. */
  function backToData(req: Request, res: Response) {
    res.redirect(303, paths.privacyData(tokenOf(req)));
  }

  /** A link that is unknown, expired or erased: a page for people, with the form that sends a new one. */
  const linkUnusable: ErrorRequestHandler = (error, req, res, next) => {
    if (!(error instanceof privacy.PrivacyLinkUnusable) || res.headersSent) return next(error);
    http.csrf.issueToken(req, res);
    res.status(410).render('privacy/link-unusable', { title: t(res, 'privacy.link.title'), minutes: config.privacyLinkTtlMinutes });
  };

  const { csrf } = http;
  router.get(routes.privacyCheckEmail, checkEmail);
  router.get(routes.privacyData, private_, csrf.provideToken, (req, res) => showData(req, res));
  router.post(routes.privacyDownload, private_, csrf.protect, changes, download);
  router.post(routes.privacyWithdraw, private_, csrf.protect, changes, withdraw);
  router.post(routes.privacyUnsubscribe, private_, csrf.protect, changes, unsubscribe);
  router.post(routes.privacyErase, private_, csrf.protect, changes, erase);
  router.get(routes.privacyDownload, private_, backToData);
  router.get(routes.privacyWithdraw, private_, backToData);
  router.get(routes.privacyUnsubscribe, private_, backToData);
  router.get(routes.privacyErase, private_, backToData);
  router.use(linkUnusable);
  return router;
}
