// The admin's responses of an action: the list with the form to record one
// (multipart, with an optional PDF or image), and a response's page (edit,
// replace or remove its file, delete, "Tell supporters"). Every organiser's.
//
// multer reads a multipart body before the CSRF check (whose token is one of
// its fields); a refused upload shows the form again with the reason beside
// the file field, changing nothing.
import { Router, type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import type { AppDeps } from '../app.ts';
import { getAction } from '../actions/actions.admin.service.ts';
import { organiserOf, type AdminKit } from '../admin/kit.ts';
import { Invalid, type FieldErrors } from '../errors.ts';
import { BadRequest } from '../http/errors.ts';
import { requireId } from '../http/params.ts';
import { translate, type Locale } from '../i18n/index.ts';
import { paths, routes } from '../urls.ts';
import { errorLinks } from './error-links.ts';
import type { RecipientChoice, StoredResponse } from './responses.repo.ts';
import { MAX_ATTACHMENT_BYTES, MAX_BODY, MAX_FROM, parseAttachment, parseResponseForm } from './responses.schema.ts';
import { sendAttachment } from './responses.routes.ts';
import * as service from './responses.service.ts';

const STYLES = ['/assets/admin-recipients.css'];
const FIELD_ORDER = ['received_on', 'recipient_id', 'from_whom', 'body', 'attachment'];
const NOTICES = { created: 'admin.responses.done.created', saved: 'admin.responses.done.saved', deleted: 'admin.responses.done.deleted' } as const;

const readResponse = multer({
  storage: multer.memoryStorage(),
  limits: { files: 1, fileSize: MAX_ATTACHMENT_BYTES, fields: 10, parts: 11, fieldNameSize: 100, fieldSize: MAX_BODY * 4 + 1024 },
  defParamCharset: 'utf8',
}).single('attachment');

type Values = { received_on: string; recipient_id: string; from_whom: string; body: string; public: boolean };

function typedValues(body: unknown): Values {
  const r = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  return { received_on: s(r.received_on), recipient_id: s(r.recipient_id), from_whom: s(r.from_whom), body: s(r.body), public: r.public === 'yes' };
}

const storedValues = (r: StoredResponse): Values => ({ received_on: r.received_on, recipient_id: r.recipient_id === null ? '' : String(r.recipient_id), from_whom: r.from_whom, body: r.body, public: r.public });

function notice(req: Request) {
  const done = req.query.done;
  return typeof done === 'string' && Object.hasOwn(NOTICES, done) ? NOTICES[done as keyof typeof NOTICES] : undefined;
}

export function responsesAdminRoutes(deps: AppDeps, kit: AdminKit): Router {
  const router = Router();
  const { db, config } = deps;
  const today = () => service.campaignToday(new Date(), config.campaignTimeZone);

  const choicesWithSelected = (choices: RecipientChoice[], selected: string) => choices.map((c) => ({ ...c, selected: String(c.id) === selected }));

  async function renderList(req: Request, res: Response, actionId: number, page: { values?: Values; errors?: FieldErrors; status?: number } = {}) {
    const action = await getAction(db, actionId);
    const [responses, choices] = await Promise.all([service.listResponsesOfAction(db, actionId), service.responseRecipientChoices(db, actionId)]);
    if (!res.locals.csrfToken) kit.csrf.issueToken(req, res);
    const locale = res.locals.locale as Locale;
    const values = page.values ?? { received_on: today(), recipient_id: '', from_whom: '', body: '', public: true };
    res.status(page.status ?? (page.errors ? 422 : 200)).render('admin/responses/index', {
      layout: 'admin',
      styles: STYLES,
      title: translate(locale, 'admin.responses.title', { action: action.title }),
      action,
      notice: page.errors ? undefined : notice(req),
      responses: responses.map((r) => ({ ...r, tellHref: service.tellSupportersHref(locale, r, action.title) })),
      choices: choicesWithSelected(choices, values.recipient_id),
      values,
      errors: page.errors,
      errorList: errorLinks(page.errors, 'response', FIELD_ORDER),
      today: today(),
      maxFrom: MAX_FROM,
      maxBody: MAX_BODY,
      megabytes: MAX_ATTACHMENT_BYTES / 1024 / 1024,
    });
  }

  /** The recipients a saved response may be from: its letter's, and the one it is from if the letter no longer writes to them. */
  async function choicesFor(response: StoredResponse): Promise<RecipientChoice[]> {
    const choices = await service.responseRecipientChoices(db, response.action_id);
    if (response.recipient_id === null || choices.some((c) => c.id === response.recipient_id)) return choices;
    return [...choices, { id: response.recipient_id, name: response.recipient_name ?? '', organisation: '', country: null }];
  }

  async function renderResponse(req: Request, res: Response, response: StoredResponse, page: { values?: Values; errors?: FieldErrors; status?: number } = {}) {
    const action = await getAction(db, response.action_id);
    const choices = await choicesFor(response);
    if (!res.locals.csrfToken) kit.csrf.issueToken(req, res);
    const locale = res.locals.locale as Locale;
    const values = page.values ?? storedValues(response);
    res.status(page.status ?? (page.errors ? 422 : 200)).render('admin/responses/show', {
      layout: 'admin',
      styles: STYLES,
      title: translate(locale, 'admin.responses.editTitle', { from: response.from_whom }),
      action,
      response,
      publicHref: response.attachment_name && response.public && action.status !== 'draft' ? paths.responseAttachment(response.id) : undefined,
      tellHref: service.tellSupportersHref(locale, response, action.title),
      notice: page.errors ? undefined : notice(req),
      choices: choicesWithSelected(choices, values.recipient_id),
      values,
      errors: page.errors,
      errorList: errorLinks(page.errors, 'response', FIELD_ORDER),
      today: today(),
      maxFrom: MAX_FROM,
      maxBody: MAX_BODY,
      megabytes: MAX_ATTACHMENT_BYTES / 1024 / 1024,
    });
  }

  /** multer, with its refusals turned into the form shown again (by `show`); then the CSRF check. */
  const acceptUpload = (show: (req: Request, res: Response, errors: FieldErrors, status: number) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
    readResponse(req, res, (error?: unknown) => {
      if (!error) return next();
      const tooBig = error instanceof multer.MulterError && error.code === 'LIMIT_FILE_SIZE';
      show(req, res, { attachment: tooBig ? 'admin.responses.errors.tooBig' : 'admin.responses.errors.form' }, tooBig ? 413 : 400).catch(next);
    });
  };

  const showList = (req: Request, res: Response) => renderList(req, res, requireId(req.params.id));

  async function createResponse(req: Request, res: Response) {
    const actionId = requireId(req.params.id);
    await getAction(db, actionId);
    try {
      const choices = await service.responseRecipientChoices(db, actionId);
      // Both checked before anything is stored, so that every problem shows at once.
      let fields;
      let attachment;
      const errors: FieldErrors = {};
      try {
        fields = parseResponseForm(req.body, choices, today());
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        Object.assign(errors, error.fields);
      }
      try {
        attachment = parseAttachment(req.file);
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        Object.assign(errors, error.fields);
      }
      if (Object.keys(errors).length || !fields) throw new Invalid(errors, 'admin.responses.errors.summary');
      const id = await service.createResponse(db, { organiserId: organiserOf(res).id }, actionId, fields, attachment);
      res.redirect(303, `${paths.adminActionResponses(actionId)}?done=created#response-${id}`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      await renderList(req, res, actionId, { values: typedValues(req.body), errors: error.fields });
    }
  }

  const showResponse = async (req: Request, res: Response) => renderResponse(req, res, await service.getResponse(db, requireId(req.params.id)));

  async function changeResponse(req: Request, res: Response) {
    const response = await service.getResponse(db, requireId(req.params.id));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const actor = { organiserId: organiserOf(res).id };
    if (body.intent === 'delete') {
      const actionId = await service.deleteResponse(db, actor, response.id);
      return res.redirect(303, `${paths.adminActionResponses(actionId)}?done=deleted`);
    }
    if (body.intent !== 'save') throw new BadRequest();
    try {
      const fields = parseResponseForm(body, await choicesFor(response), today());
      const attachment = parseAttachment(req.file);
      const change: service.AttachmentChange = attachment ? { kind: 'replace', attachment } : body.remove_attachment === 'yes' ? { kind: 'remove' } : { kind: 'keep' };
      await service.editResponse(db, actor, response.id, fields, change);
      res.redirect(303, `${paths.adminResponse(response.id)}?done=saved`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      await renderResponse(req, res, response, { values: typedValues(body), errors: error.fields });
    }
  }

  const listAgain = (req: Request, res: Response, errors: FieldErrors, status: number) => renderList(req, res, requireId(req.params.id), { values: typedValues(req.body), errors, status });
  const responseAgain = async (req: Request, res: Response, errors: FieldErrors, status: number) =>
    renderResponse(req, res, await service.getResponse(db, requireId(req.params.id)), { values: typedValues(req.body), errors, status });

  router.get(routes.adminActionResponses, kit.csrf.provideToken, showList);
  router.post(routes.adminActionResponses, acceptUpload(listAgain), kit.csrf.protect, createResponse);
  router.get(routes.adminResponse, kit.csrf.provideToken, showResponse);
  // The admin is no-store already (admin.routes.ts); said again, since this is a file.
  router.get(routes.adminResponseAttachment, async (req, res) => sendAttachment(res, await service.organiserAttachment(db, requireId(req.params.id)), 'no-store'));
  router.post(routes.adminResponse, acceptUpload(responseAgain), kit.csrf.protect, changeResponse);
  return router;
}
