// The admin's pages of a protest call: the call's settings, its protests (the
// proposals waiting first), a new protest, a protest's page (edit, move,
// approve, reject, cancel). The RSVPs' pages are src/protests/rsvp*.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.ts';
import { organiserOf, type AdminKit } from '../admin/kit.ts';
import { Invalid } from '../errors.ts';
import { requireId } from '../http/params.ts';
import { formatDateTime, translate, type Locale, type MessageKey } from '../i18n/index.ts';
import type { Recipient } from '../letters/recipients.repo.ts';
import { countryList, countryName } from '../signatures/countries.ts';
import { paths, routes } from '../urls.ts';
import type { Protest, ProtestCall, ProtestRow } from './protests-admin.repo.ts';
import { CALL_FORM_FIELDS, localInput, MAX_CAPACITY, MAX_COMMEMORATES, MAX_LINK, MAX_THANK_YOU, parseCallForm, parseProtestForm, parseStatusForm, PROTEST_FORM_FIELDS } from './protests.schema.ts';
import * as service from './protests.admin.service.ts';

const STYLES = ['/assets/admin-actions.css'];
const CALL_DONE = ['created', 'saved', 'unchanged', 'actionCreated', 'callFirst'] as const;
const PROTEST_DONE = ['created', 'saved', 'moved', 'unchanged', 'approved', 'rejected', 'cancelled'] as const;

function doneNotice<D extends string>(req: Request, done: readonly D[], prefix: string): MessageKey | undefined {
  const value = req.query.done;
  return typeof value === 'string' && (done as readonly string[]).includes(value) ? (`${prefix}.${value}` as MessageKey) : undefined;
}

/** The zones a browser may suggest in the zone fields (a text field: typing one is quicker than a list of 400). */
const ZONES = Intl.supportedValuesOf('timeZone');

type CallValues = Record<(typeof CALL_FORM_FIELDS)[number], string>;
type ProtestValues = Record<(typeof PROTEST_FORM_FIELDS)[number], string>;

/** What a form shows again: as typed (a repeated field shows empty). */
function typed<K extends string>(names: readonly K[], body: unknown): Record<K, string> {
  const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  return Object.fromEntries(names.map((name) => [name, typeof raw[name] === 'string' ? raw[name] : ''])) as Record<K, string>;
}

const box = (on: boolean) => (on ? 'on' : '');

function storedCallValues(call: ProtestCall | undefined): CallValues {
  if (!call) return { day: '', time_zone: '', commemorates: '', proposals_open: 'on', thank_you_message: '', thank_you_link: '' };
  return {
    day: call.day,
    time_zone: call.time_zone,
    commemorates: call.commemorates,
    proposals_open: box(call.proposals_open),
    thank_you_message: call.thank_you_message,
    thank_you_link: call.thank_you_link,
  };
}

function storedProtestValues(p: Protest): ProtestValues {
  return {
    country: p.country,
    city: p.city,
    place: p.place,
    address: p.address,
    meeting_point: p.meeting_point,
    // numeric(9, 6) comes back padded ("51.500000"): shown as a person would type it.
    latitude: p.latitude === null ? '' : String(Number(p.latitude)),
    longitude: p.longitude === null ? '' : String(Number(p.longitude)),
    starts_local: localInput(p.starts_at, p.time_zone),
    ends_local: localInput(p.ends_at, p.time_zone),
    time_zone: p.time_zone,
    capacity: p.capacity === null ? '' : String(p.capacity),
    accessibility: p.accessibility,
    organiser_name: p.organiser_name,
    organiser_contact: p.organiser_contact,
    organiser_contact_public: box(p.organiser_contact_public),
    recipient: p.recipient_id === null ? '' : String(p.recipient_id),
    edited_from: service.versionOf(p),
  };
}

/** A new protest: on the call's day, at noon to two, until the organiser says otherwise. */
function newProtestValues(call: ProtestCall): ProtestValues {
  const values = Object.fromEntries(PROTEST_FORM_FIELDS.map((name) => [name, ''])) as ProtestValues;
  return { ...values, starts_local: `${call.day}T12:00`, ends_local: `${call.day}T14:00` };
}

function protestRow(locale: Locale, row: ProtestRow) {
  return {
    ...row,
    countryName: countryName(locale, row.country),
    startsLocal: formatDateTime(locale, row.starts_at, row.time_zone),
    full: row.capacity !== null && row.confirmed >= row.capacity,
  };
}

export function protestsAdminRoutes(deps: AppDeps, kit: AdminKit): Router {
  const router = Router();
  const { db } = deps;

  /** A page re-rendered after a refused POST needs a token for its forms too. */
  const withToken = (req: Request, res: Response) => {
    if (!res.locals.csrfToken) kit.csrf.issueToken(req, res);
  };

  const sentEditedFrom = (req: Request): string | undefined => {
    const sent = (req.body as Record<string, unknown> | undefined)?.edited_from;
    return typeof sent === 'string' && sent !== '' ? sent : undefined;
  };

  // The call's settings.

  async function renderCall(req: Request, res: Response, actionId: number, page: { values: CallValues; error?: Invalid; editedFrom?: string }) {
    const view = await service.callSettings(db, actionId);
    const locale = res.locals.locale as Locale;
    withToken(req, res);
    res.status(page.error ? 422 : 200).render('admin/protests/call', {
      layout: 'admin',
      styles: STYLES,
      title: translate(locale, 'admin.protestCall.title', { title: view.action.title }),
      notice: doneNotice(req, CALL_DONE, 'admin.protestCall.done'),
      action: view.action,
      hasCall: view.call !== undefined,
      values: page.values,
      errors: page.error?.fields,
      editedFrom: page.editedFrom ?? service.versionOf(view.call),
      zones: ZONES,
      maxCommemorates: MAX_COMMEMORATES,
      maxThankYou: MAX_THANK_YOU,
      maxLink: MAX_LINK,
    });
  }

  async function showCall(req: Request, res: Response) {
    const id = requireId(req.params.id);
    await renderCall(req, res, id, { values: storedCallValues((await service.callSettings(db, id)).call) });
  }

  async function saveCall(req: Request, res: Response) {
    const id = requireId(req.params.id);
    await service.requireCallAction(db, id);
    const editedFrom = sentEditedFrom(req);
    try {
      const done = await service.saveCall(db, { organiserId: organiserOf(res).id }, id, parseCallForm(req.body), editedFrom);
      res.redirect(303, `${paths.adminActionProtestCall(id)}?done=${done}`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      // Refused over a newer save: the form now carries that version, so saving again replaces it, knowingly.
      await renderCall(req, res, id, { values: typed(CALL_FORM_FIELDS, req.body), error, editedFrom: error.fields.edited_from ? undefined : editedFrom });
    }
  }

  // The protests of a call.

  async function showProtests(req: Request, res: Response) {
    const id = requireId(req.params.id);
    const view = await service.protestsOfCall(db, id);
    const locale = res.locals.locale as Locale;
    res.render('admin/protests/list', {
      layout: 'admin',
      styles: STYLES,
      title: translate(locale, 'admin.protests.title', { title: view.action.title }),
      notice: doneNotice(req, PROTEST_DONE, 'admin.protests.done'),
      action: view.action,
      hasCall: view.call !== undefined,
      proposals: view.proposals.map((row) => protestRow(locale, row)),
      // By the country's name as the organiser reads it, not its code (Kazakhstan, KZ, before the United Kingdom, GB).
      groups: view.groups
        .map((g) => ({ countryName: countryName(locale, g.country), cities: g.cities.map((c) => ({ city: c.city, protests: c.protests.map((row) => protestRow(locale, row)) })) }))
        .sort((a, b) => a.countryName.localeCompare(b.countryName, locale)),
      rejected: view.rejected.map((row) => protestRow(locale, row)),
    });
  }

  type ProtestPage = { values: ProtestValues; error?: Invalid };

  function protestFormContext(locale: Locale, values: ProtestValues, directory: Recipient[], error: Invalid | undefined) {
    return {
      values,
      errors: error?.fields,
      confirmedAtError: error instanceof service.InvalidProtest ? error.confirmed : undefined,
      countries: countryList(locale).map((c) => ({ ...c, selected: c.code === values.country })),
      recipients: directory.map((r) => ({ id: r.id, name: r.name, countryName: r.country ? countryName(locale, r.country) : '', selected: String(r.id) === values.recipient })),
      zones: ZONES,
      maxCapacity: MAX_CAPACITY,
    };
  }

  async function renderNew(req: Request, res: Response, actionId: number, page?: ProtestPage) {
    const view = await service.newProtestPage(db, actionId);
    // Protests belong to a call: without its day and zone set, there is none to add one to yet.
    if (!view.call) return res.redirect(303, `${paths.adminActionProtestCall(actionId)}?done=callFirst`);
    const locale = res.locals.locale as Locale;
    withToken(req, res);
    res.status(page?.error ? 422 : 200).render('admin/protests/new', {
      layout: 'admin',
      styles: STYLES,
      title: translate(locale, 'admin.protests.newTitle', { title: view.action.title }),
      action: view.action,
      ...protestFormContext(locale, page?.values ?? newProtestValues(view.call), view.directory, page?.error),
    });
  }

  async function newProtest(req: Request, res: Response) {
    await renderNew(req, res, requireId(req.params.id));
  }

  async function createProtest(req: Request, res: Response) {
    const actionId = requireId(req.params.id);
    await service.requireCallAction(db, actionId);
    try {
      const form = parseProtestForm(req.body);
      const id = await service.createProtest(db, { organiserId: organiserOf(res).id }, actionId, form);
      res.redirect(303, `${paths.adminProtest(id)}?done=created`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      await renderNew(req, res, actionId, { values: typed(PROTEST_FORM_FIELDS, req.body), error });
    }
  }

  async function renderProtest(req: Request, res: Response, protestId: number, page?: ProtestPage & { statusError?: Invalid }) {
    const view = await service.protestPage(db, protestId);
    const { protest, action } = view;
    const locale = res.locals.locale as Locale;
    const error = page?.error ?? page?.statusError;
    withToken(req, res);
    res.status(error ? 422 : 200).render('admin/protests/edit', {
      layout: 'admin',
      styles: STYLES,
      title: translate(locale, 'admin.protests.editTitle', { place: protest.place, city: protest.city }),
      notice: doneNotice(req, PROTEST_DONE, 'admin.protests.done'),
      action,
      protest: {
        ...protest,
        countryName: countryName(locale, protest.country),
        startsLocal: formatDateTime(locale, protest.starts_at, protest.time_zone),
        endsLocal: formatDateTime(locale, protest.ends_at, protest.time_zone),
      },
      proposed: protest.status === 'proposed',
      listed: protest.status === 'listed',
      closed: protest.status === 'cancelled' || protest.status === 'rejected',
      statusErrors: page?.statusError?.fields,
      ...protestFormContext(locale, page?.values ?? storedProtestValues(protest), view.directory, page?.error),
    });
  }

  async function showProtest(req: Request, res: Response) {
    await renderProtest(req, res, requireId(req.params.id));
  }

  /** The call the form was opened for: a protest of another call, or none, is a 404 in the service. */
  const formAction = (req: Request): number => requireId((req.body as Record<string, unknown> | undefined)?.action);

  async function saveProtest(req: Request, res: Response) {
    const id = requireId(req.params.id);
    const actionId = formAction(req);
    const editedFrom = sentEditedFrom(req);
    try {
      const form = parseProtestForm(req.body);
      const done = await service.updateProtest(db, { organiserId: organiserOf(res).id }, id, actionId, form, editedFrom);
      res.redirect(303, `${paths.adminProtest(id)}?done=${done}`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      const values = typed(PROTEST_FORM_FIELDS, req.body);
      // Refused over a newer save: the form now carries that version, so saving again replaces it, knowingly.
      if (error.fields.edited_from) values.edited_from = service.versionOf((await service.protestPage(db, id)).protest);
      await renderProtest(req, res, id, { values, error });
    }
  }

  async function decide(req: Request, res: Response) {
    const id = requireId(req.params.id);
    const actionId = formAction(req);
    try {
      const done = await service.decideProtest(db, { organiserId: organiserOf(res).id }, id, actionId, parseStatusForm(req.body), new Date());
      res.redirect(303, `${paths.adminProtest(id)}?done=${done}`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      await renderProtest(req, res, id, { values: storedProtestValues((await service.protestPage(db, id)).protest), statusError: error });
    }
  }

  router.get(routes.adminActionProtestCall, kit.csrf.provideToken, showCall);
  router.post(routes.adminActionProtestCall, kit.csrf.protect, saveCall);
  router.get(routes.adminActionProtests, showProtests);
  router.post(routes.adminActionProtests, kit.csrf.protect, createProtest);
  router.get(routes.adminNewProtest, kit.csrf.provideToken, newProtest);
  router.get(routes.adminProtest, kit.csrf.provideToken, showProtest);
  router.post(routes.adminProtest, kit.csrf.protect, saveProtest);
  router.post(routes.adminProtestStatus, kit.csrf.protect, decide);
  return router;
}
