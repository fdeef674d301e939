// The admin's actions pages: the list, new, edit and the status controls. The
// action's overview (/admin/actions/:id) is the dashboard's page.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.ts';
import { organiserOf, type AdminKit } from '../admin/kit.ts';
import { Invalid } from '../errors.ts';
import { requireId } from '../http/params.ts';
import { toLocalDateTimeInput } from '../i18n/local-time.ts';
import { translate } from '../i18n/index.ts';
import { paths, routes } from '../urls.ts';
import * as service from './actions.admin.service.ts';
import { ACTION_FIELDS, ACTION_KINDS, MAX_GOAL, parseActionForm, parseStatusForm } from './actions.schema.ts';

const STYLES = ['/assets/admin-actions.css'];
const DONE = ['created', 'saved', 'open', 'closed', 'won'] as const;

function doneNotice(req: Request): string | undefined {
  const done = req.query.done;
  return typeof done === 'string' && (DONE as readonly string[]).includes(done) ? `admin.actions.done.${done}` : undefined;
}

/** What the form shows: the values as typed (strings only; a repeated field shows empty). */
function typedValues(body: unknown): Record<string, string> {
  const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  return Object.fromEntries(ACTION_FIELDS.map((name) => [name, typeof raw[name] === 'string' ? raw[name] : '']));
}

/** The form's values for an action as stored. */
function storedValues(action: service.ActionDetail, timeZone: string): Record<string, string> {
  return {
    kind: action.kind,
    post: action.post_id === null ? '' : String(action.post_id),
    title: action.title,
    slug: action.slug,
    demand: action.demand,
    target: action.target,
    goal: String(action.goal),
    deadline: toLocalDateTimeInput(action.deadline, timeZone),
  };
}

type FormPage = {
  action?: service.ActionDetail;
  values: Record<string, string>;
  errors?: Record<string, string>;
  /** A refused status change: its errors and the outcome as typed. */
  status?: { errors: Record<string, string>; outcome: string };
  /** The version the edit form was opened on (its `edited_from`); unset: the action's as read now. */
  editedFrom?: string;
};

export function actionsAdminRoutes(deps: AppDeps, kit: AdminKit): Router {
  const router = Router();
  const { db, config } = deps;
  const timeZone = config.campaignTimeZone;

  async function renderForm(req: Request, res: Response, page: FormPage) {
    const posts = await service.listPostChoices(db);
    const { action, values } = page;
    const locale = res.locals.locale;
    // A page that comes back from a POST shows its forms again: they need a token.
    if (!res.locals.csrfToken) kit.csrf.issueToken(req, res);
    res.status(page.errors || page.status ? 422 : 200).render(action ? 'admin/actions/edit' : 'admin/actions/new', {
      layout: 'admin',
      styles: STYLES,
      title: action ? translate(locale, 'admin.actions.editTitle', { title: action.title }) : translate(locale, 'admin.actions.newTitle'),
      notice: doneNotice(req),
      action,
      opened: action ? action.status !== 'draft' : false,
      values,
      editedFrom: page.editedFrom ?? (action ? new Date(action.updated_at).toISOString() : undefined),
      errors: page.errors,
      statusErrors: page.status?.errors,
      outcome: page.status?.outcome ?? action?.outcome ?? '',
      // Once opened, the kind is what people signed: the select offers only that one.
      kinds: (action && action.status !== 'draft' ? [action.kind] : ACTION_KINDS).map((kind) => ({ kind, selected: kind === values.kind })),
      posts: posts.map((post) => ({ ...post, selected: String(post.id) === values.post })),
      maxGoal: MAX_GOAL,
      timeZone,
    });
  }

  async function listActions(_req: Request, res: Response) {
    res.render('admin/actions/list', {
      layout: 'admin',
      styles: STYLES,
      title: translate(res.locals.locale, 'admin.actions.title'),
      actions: await service.listActions(db),
    });
  }

  async function newAction(req: Request, res: Response) {
    // ?post=<id> comes from a post's page: preselect it.
    const post = typeof req.query.post === 'string' && /^\d{1,18}$/.test(req.query.post) ? req.query.post : '';
    await renderForm(req, res, { values: { kind: 'petition', post, title: '', slug: '', demand: '', target: '', goal: '1000', deadline: '' } });
  }

  async function createAction(req: Request, res: Response) {
    try {
      const input = parseActionForm(req.body, timeZone);
      const id = await service.createAction(db, { organiserId: organiserOf(res).id }, input);
      // A letter action is not ready until its letter is written, a protest call until its day is set: that page comes next.
      const next = input.kind === 'letter' ? paths.adminActionLetter(id) : input.kind === 'protest_call' ? paths.adminActionProtestCall(id) : undefined;
      res.redirect(303, next ? `${next}?done=actionCreated` : `${paths.adminActionEdit(id)}?done=created`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      await renderForm(req, res, { values: typedValues(req.body), errors: error.fields });
    }
  }

  async function editAction(req: Request, res: Response) {
    const action = await service.getAction(db, requireId(req.params.id));
    await renderForm(req, res, { action, values: storedValues(action, timeZone) });
  }

  async function updateAction(req: Request, res: Response) {
    const action = await service.getAction(db, requireId(req.params.id));
    const sent = (req.body as Record<string, unknown>).edited_from;
    const editedFrom = typeof sent === 'string' && sent !== '' ? sent : undefined;
    try {
      const input = parseActionForm(req.body, timeZone);
      await service.updateAction(db, { organiserId: organiserOf(res).id }, action.id, input, new Date(), editedFrom);
      res.redirect(303, `${paths.adminActionEdit(action.id)}?done=saved`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      // Refused over a newer save: the form now carries that version, so saving again replaces it, knowingly.
      await renderForm(req, res, { action, values: typedValues(req.body), errors: error.fields, editedFrom: error.fields.edited_from ? undefined : editedFrom });
    }
  }

  async function changeStatus(req: Request, res: Response) {
    const action = await service.getAction(db, requireId(req.params.id));
    try {
      const input = parseStatusForm(req.body);
      await service.changeStatus(db, { organiserId: organiserOf(res).id }, action.id, input);
      res.redirect(303, `${paths.adminActionEdit(action.id)}?done=${input.status}`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      const body = req.body as Record<string, unknown> | undefined;
      const outcome = typeof body?.outcome === 'string' ? body.outcome : action.outcome;
      await renderForm(req, res, { action, values: storedValues(action, timeZone), status: { errors: error.fields, outcome } });
    }
  }

  router.get(routes.adminActions, kit.csrf.provideToken, listActions);
  router.post(routes.adminActions, kit.csrf.protect, createAction);
  router.get(routes.adminNewAction, kit.csrf.provideToken, newAction);
  router.get(routes.adminActionEdit, kit.csrf.provideToken, editAction);
  router.post(routes.adminActionEdit, kit.csrf.protect, updateAction);
  router.post(routes.adminActionStatus, kit.csrf.protect, changeStatus);
  return router;
}
