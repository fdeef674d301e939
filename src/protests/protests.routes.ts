// Public pages of protests (part F of issue 11): a protest's calendar file, and
// a supporter's proposal of a protest. The call's page itself is the action's
// page (src/actions/action-page.ts). RSVPs have their own routes. Every POST
// checks its CSRF token before its rate limit counts.
import { Router, type Request, type Response } from 'express';
import * as actions from '../actions/actions.service.ts';
import type { AppDeps, HttpKit } from '../app.ts';
import { Invalid, NotFound } from '../errors.ts';
import { requireId, requireSlug } from '../http/params.ts';
import { windowsLimit } from '../http/rate-limit.ts';
import { translate, type MessageKey } from '../i18n/index.ts';
import { countryList } from '../signatures/countries.ts';
import { formTimeOf, isHoneypotFilled } from '../signatures/signatures.schema.ts';
import { paths, routes } from '../urls.ts';
import { calendarEvent, calendarFileName, icsOf } from './calendar.ts';
import { chosenCountry, isoDay } from './call-page.ts';
import { parseProposal, PROPOSAL_FIELDS, timeZoneList } from './propose.schema.ts';
import { proposeProtest, requireCallTakingProposals } from './proposals.ts';
import * as repo from './protests.repo.ts';

// A person proposes one protest, perhaps two; a group behind one address a few.
// More from one client is a script, and every proposal emails every organiser.
const PROPOSAL_WINDOWS = [
  { name: 'propose-burst', windowMs: 10 * 60_000, limit: 5 },
  { name: 'propose-day', windowMs: 24 * 60 * 60_000, limit: 20 },
];

export function protestsRoutes(deps: AppDeps, http: HttpKit): Router {
  const router = Router();
  const { db } = deps;

  async function calendarFile(req: Request, res: Response) {
    const protest = await repo.publicProtest(db, requireId(req.params.id));
    if (!protest) throw new NotFound();
    const event = calendarEvent(protest, { slug: protest.action_slug, title: protest.action_title }, deps.config.baseUrl);
    res.set('Content-Type', 'text/calendar; charset=utf-8');
    res.attachment(calendarFileName(protest));
    // A moved or cancelled protest must reach the next download at once.
    res.set('Cache-Control', 'no-cache');
    res.send(icsOf(event, new Date(protest.updated_at)));
  }

  type ProposalForm = { values?: Record<string, unknown>; errors?: Record<string, MessageKey>; stamp: string };

  async function renderProposalForm(req: Request, res: Response, form: ProposalForm) {
    const action = await actions.getAction(db, requireSlug(req.params.slug));
    const call = await requireCallTakingProposals(db, action);
    const locale = res.locals.locale;
    // The call's day to start with: most protests of a day of action are on it.
    const values = form.values ?? { date: isoDay(call.day) };
    // The country preselected as on the call's page; the zone is the proposer's to choose (no guess to overlook).
    const country = typeof values.country === 'string' ? values.country.toUpperCase() : chosenCountry(req.query.country, req.get('accept-language'));
    // The error summary in the form's order, each problem a link to its field (a problem of no field: the form).
    const order: readonly string[] = PROPOSAL_FIELDS;
    const position = (field: string) => (order.includes(field) ? order.indexOf(field) : order.length);
    const errorList = Object.entries(form.errors ?? {})
      .sort(([a], [b]) => position(a) - position(b))
      .map(([field, message]) => ({ href: `#propose-${order.includes(field) ? field : 'form'}`, message }));
    res.render('protests/propose', {
      title: translate(locale, 'protests.propose.title'),
      titleHasErrors: errorList.length > 0,
      action,
      values,
      errors: form.errors,
      errorList,
      countries: countryList(locale).map((c) => ({ ...c, selected: c.code === country })),
      zones: timeZoneList().map((zone) => ({ zone, selected: zone === values.time_zone })),
      formStamp: form.stamp,
    });
  }

  async function proposalForm(req: Request, res: Response) {
    if (req.query.sent === '1') {
      const action = await actions.getAction(db, requireSlug(req.params.slug));
      if (action.kind !== 'protest_call') throw new NotFound();
      return res.render('protests/proposed', { title: translate(res.locals.locale, 'protests.propose.sent.title'), action });
    }
    await renderProposalForm(req, res, { stamp: http.formTiming.stamp() });
  }

  async function propose(req: Request, res: Response) {
    const action = await actions.getAction(db, requireSlug(req.params.slug));
    await requireCallTakingProposals(db, action);
    const sent = `${paths.actionProposeProtest(action.slug)}?sent=1`;
    // A bot that filled the hidden field is told what a person is told, and nothing is stored.
    if (isHoneypotFilled(req.body)) return res.redirect(303, sent);
    const stamp = formTimeOf(req.body);
    const timing = http.formTiming.judge(stamp);
    const formAgain = (errors: Record<string, MessageKey>) => {
      res.status(422);
      const genuine = (timing === 'ok' || timing === 'early') && typeof stamp === 'string';
      const values = Object.fromEntries(Object.entries((req.body ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === 'string'));
      return renderProposalForm(req, res, { values, errors, stamp: genuine ? stamp : http.formTiming.stamp() });
    };
    let input;
    try {
      input = parseProposal(req.body, new Date());
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return formAgain(error.fields);
    }
    // As the sign form: sent back sooner than a person could, or with a stamp this site never issued.
    if (timing === 'early' || timing === 'forged') return formAgain({ form: 'protests.propose.errors.tooSoon' });
    await proposeProtest(deps, action, input);
    res.redirect(303, sent);
  }

  const proposalLimit = windowsLimit(db, PROPOSAL_WINDOWS);
  router.get(routes.protestCalendar, calendarFile);
  // No CSRF token, as the sign form: the same-origin check in src/app.ts guards the POST.
  router.get(routes.actionProposeProtest, proposalForm);
  router.post(routes.actionProposeProtest, proposalLimit, propose);
  return router;
}
