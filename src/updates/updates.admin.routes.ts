// The admin's campaign updates: the list, compose (new, edit), a server-side
// preview that saves nothing, a test to oneself, send now or at a time,
// cancel; and the update's page, with its progress, refreshing itself while it
// is being sent. Open to every organiser (see updates.service.ts).
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.ts';
import { organiserOf, type AdminKit } from '../admin/kit.ts';
import { createEmailRenderer } from '../mail/templates.ts';
import { Invalid, type FieldErrors } from '../errors.ts';
import { requireId } from '../http/params.ts';
import { translate } from '../i18n/index.ts';
import { toLocalDateTimeInput } from '../i18n/local-time.ts';
import { paths, routes } from '../urls.ts';
import { deriveUnsubscribeKey } from './unsubscribe-token.ts';
import { MAX_BODY, MAX_SUBJECT, parseSendForm, parseUpdateForm } from './updates.schema.ts';
import * as service from './updates.service.ts';

const STYLES = ['/assets/admin-updates.css'];
const DONE = ['created', 'saved', 'test', 'sending', 'scheduled', 'cancelled'] as const;
// While an update is being sent, its page reloads itself this often.
const REFRESH_SECONDS = 3;

function doneNotice(req: Request): string | undefined {
  const done = req.query.done;
  return typeof done === 'string' && (DONE as readonly string[]).includes(done) ? `admin.updates.done.${done}` : undefined;
}

type FormValues = { subject: string; body: string; audience: string; actions: number[] };

function typedValues(body: unknown): FormValues {
  const r = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const ticked = (Array.isArray(r.actions) ? r.actions : [r.actions]).filter((v): v is string => typeof v === 'string' && /^\d{1,16}$/.test(v)).map(Number);
  return { subject: str(r.subject), body: str(r.body), audience: str(r.audience) || 'campaign', actions: ticked };
}

export function updatesAdminRoutes(deps: AppDeps, kit: AdminKit): Router {
  const router = Router();
  const { db, config } = deps;
  const timeZone = config.campaignTimeZone;
  const unsubscribeKey = deriveUnsubscribeKey(deps.secret);
  const renderEmail = createEmailRenderer();

  type FormPage = { update?: service.UpdateView; values: FormValues; errors?: FieldErrors; preview?: service.Preview; sendErrors?: FieldErrors; sendAt?: string };

  async function renderForm(req: Request, res: Response, page: FormPage) {
    const choices = await service.listActionChoices(db);
    if (!res.locals.csrfToken) kit.csrf.issueToken(req, res);
    const { update, values } = page;
    if (page.preview) {
      // The preview is the email's own HTML, styled inline as mail must be: this
      // response alone lets inline styles apply inside its sandboxed frame (no
      // script runs there: script-src stays 'self', and the frame has no allow-scripts).
      res.set('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'");
    }
    res.status(page.errors || page.sendErrors ? 422 : 200).render(update ? 'admin/updates/show' : 'admin/updates/new', {
      layout: 'admin',
      styles: STYLES,
      title: update ? update.subject : translate(res.locals.locale, 'admin.updates.newTitle'),
      notice: doneNotice(req),
      update,
      values,
      errors: page.errors,
      sendErrors: page.sendErrors,
      preview: page.preview,
      sendAt: page.sendAt ?? (update?.send_at ? toLocalDateTimeInput(update.send_at, timeZone) : ''),
      audienceCampaign: values.audience !== 'actions',
      actions: choices.map((a) => ({ ...a, checked: values.actions.includes(Number(a.id)) })),
      maxSubject: MAX_SUBJECT,
      maxBody: MAX_BODY,
      timeZone,
      // Refresh while it runs: progress without a script.
      refreshSeconds: update?.running ? REFRESH_SECONDS : undefined,
      formAction: update ? paths.adminUpdate(update.id) : paths.adminUpdates(),
    });
  }

  const storedValues = (u: service.UpdateView): FormValues => ({ subject: u.subject, body: u.body_markdown, audience: u.audience, actions: u.actionIds });

  async function listUpdates(_req: Request, res: Response) {
    res.render('admin/updates/list', {
      layout: 'admin',
      styles: STYLES,
      title: translate(res.locals.locale, 'admin.updates.title'),
      updates: await service.listUpdates(db),
      refreshSeconds: undefined,
    });
  }

  async function newUpdate(req: Request, res: Response) {
    // Prefilled from the address (a response's "Tell supporters" link): only shown, checked when saved.
    const q = (key: string, max: number) => (typeof req.query[key] === 'string' ? (req.query[key] as string).slice(0, max) : '');
    const action = /^[1-9]\d{0,15}$/.test(q('action', 16)) && (await service.knownActionIds(db)).has(Number(q('action', 16))) ? [Number(q('action', 16))] : [];
    await renderForm(req, res, { values: { subject: q('subject', MAX_SUBJECT), body: q('body', MAX_BODY), audience: action.length ? 'actions' : 'campaign', actions: action } });
  }

  async function createUpdate(req: Request, res: Response) {
    try {
      const input = parseUpdateForm(req.body, await service.knownActionIds(db));
      const id = await service.createUpdate(db, { organiserId: organiserOf(res).id }, input, config.baseUrl);
      res.redirect(303, `${paths.adminUpdate(id)}?done=created`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      await renderForm(req, res, { values: typedValues(req.body), errors: error.fields });
    }
  }

  async function previewUpdate(req: Request, res: Response) {
    // From the form of a saved update, its id comes along, so the form shown again still saves it.
    const rawId = (req.body as Record<string, unknown> | undefined)?.id;
    const update = typeof rawId === 'string' && rawId !== '' ? await service.getUpdate(db, requireId(rawId)) : undefined;
    const values = typedValues(req.body);
    try {
      const input = parseUpdateForm(req.body, await service.knownActionIds(db));
      const preview = await service.preview({ db, renderEmail, config, unsubscribeKey }, input);
      await renderForm(req, res, { update, values, preview });
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      await renderForm(req, res, { update, values, errors: error.fields });
    }
  }

  async function showUpdate(req: Request, res: Response) {
    const update = await service.getUpdate(db, requireId(req.params.id));
    await renderForm(req, res, { update, values: storedValues(update) });
  }

  async function saveUpdate(req: Request, res: Response) {
    const update = await service.getUpdate(db, requireId(req.params.id));
    try {
      const input = parseUpdateForm(req.body, await service.knownActionIds(db));
      await service.editUpdate(db, { organiserId: organiserOf(res).id }, update.id, input, config.baseUrl);
      res.redirect(303, `${paths.adminUpdate(update.id)}?done=saved`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      await renderForm(req, res, { update, values: typedValues(req.body), errors: error.fields });
    }
  }

  async function sendTest(req: Request, res: Response) {
    const id = requireId(req.params.id);
    await service.sendTest(deps, { organiserId: organiserOf(res).id }, id);
    res.redirect(303, `${paths.adminUpdate(id)}?done=test`);
  }

  async function sendUpdate(req: Request, res: Response) {
    const update = await service.getUpdate(db, requireId(req.params.id));
    try {
      const input = parseSendForm(req.body, timeZone);
      await service.sendUpdate(deps, { organiserId: organiserOf(res).id }, update.id, input);
      res.redirect(303, `${paths.adminUpdate(update.id)}?done=${input.when === 'now' ? 'sending' : 'scheduled'}`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      const sendAt = (req.body as Record<string, unknown> | undefined)?.send_at;
      await renderForm(req, res, { update, values: storedValues(update), sendErrors: error.fields, sendAt: typeof sendAt === 'string' ? sendAt : '' });
    }
  }

  async function cancelUpdate(req: Request, res: Response) {
    const update = await service.getUpdate(db, requireId(req.params.id));
    try {
      await service.cancelUpdate(db, { organiserId: organiserOf(res).id }, update.id);
      res.redirect(303, `${paths.adminUpdate(update.id)}?done=cancelled`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      await renderForm(req, res, { update, values: storedValues(update), sendErrors: error.fields });
    }
  }

  router.get(routes.adminUpdates, kit.csrf.provideToken, listUpdates);
  router.post(routes.adminUpdates, kit.csrf.protect, createUpdate);
  // The fixed addresses (new, preview) before /admin/updates/:id, which would take them for ids.
  router.get(routes.adminNewUpdate, kit.csrf.provideToken, newUpdate);
  router.post(routes.adminUpdatePreview, kit.csrf.protect, previewUpdate);
  router.get(routes.adminUpdate, kit.csrf.provideToken, showUpdate);
  router.post(routes.adminUpdate, kit.csrf.protect, saveUpdate);
  router.post(routes.adminUpdateTest, kit.csrf.protect, sendTest);
  router.post(routes.adminUpdateSend, kit.csrf.protect, sendUpdate);
  router.post(routes.adminUpdateCancel, kit.csrf.protect, cancelUpdate);
  return router;
}
