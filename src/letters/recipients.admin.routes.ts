// The admin's directory of recipients: the list (with each address's health,
// a bouncing one flagged), a new recipient, a recipient's page (edit, add an
// address, delete), an address's health (suppress with a reason, make active
// again, remove), and the CSV import (upload, preview, apply). Every
// organiser's; every change audited (recipients.service.ts, recipients-import.ts).
import { Router, type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import type { AppDeps } from '../app.ts';
import { organiserOf, type AdminKit } from '../admin/kit.ts';
import { Invalid, type FieldErrors } from '../errors.ts';
import { BadRequest } from '../http/errors.ts';
import { requireId } from '../http/params.ts';
import { translate, type Locale, type MessageKey } from '../i18n/index.ts';
import { countryList, countryName } from '../signatures/countries.ts';
import { paths, routes } from '../urls.ts';
import { errorLinks } from './error-links.ts';
import * as importer from './recipients-import.ts';
import { MAX_NAME, MAX_POSTAL, MAX_REASON, parseAddressForm, parseHealthForm, parseRecipientForm, raw, RECIPIENT_FIELDS, text } from './recipients.schema.ts';
import * as service from './recipients.service.ts';

const STYLES = ['/assets/admin-recipients.css'];
const NOTICES = {
  created: 'admin.recipients.done.created',
  saved: 'admin.recipients.done.saved',
  deleted: 'admin.recipients.done.deleted',
  'address-added': 'admin.recipients.done.addressAdded',
  'address-changed': 'admin.recipients.done.addressChanged',
  imported: 'admin.recipients.done.imported',
} as const satisfies Record<string, MessageKey>;

// The form's ids, in its order, for the error summary's links.
const FIELD_IDS = ['name', 'title', 'organisation', 'country', 'language', 'time_zone', 'postal_address', 'emails', 'email', 'delete', 'change', 'reason'];

function notice(req: Request): MessageKey | undefined {
  const done = req.query.done;
  return typeof done === 'string' && Object.hasOwn(NOTICES, done) ? NOTICES[done as keyof typeof NOTICES] : undefined;
}

type FormValues = Record<(typeof RECIPIENT_FIELDS)[number] | 'emails', string>;

function typedValues(body: unknown): FormValues {
  const r = raw(body);
  return Object.fromEntries([...RECIPIENT_FIELDS, 'emails'].map((k) => [k, text(r[k])])) as FormValues;
}

function countryChoices(locale: Locale, selected: string | null) {
  return countryList(locale).map((c) => ({ ...c, selected: c.code === selected }));
}

// The CSV file and the form's few fields. `content` (the file again, base64,
// when Apply is pressed) is the one long field: a little more than the file's cap.
const readImport = multer({
  storage: multer.memoryStorage(),
  limits: { files: 1, fileSize: importer.MAX_BYTES, fields: 6, parts: 7, fieldNameSize: 100, fieldSize: Math.ceil((importer.MAX_BYTES * 4) / 3) + 1024 },
  defParamCharset: 'utf8',
}).single('file');

export function recipientsAdminRoutes(deps: AppDeps, kit: AdminKit): Router {
  const router = Router();
  const { db } = deps;
  const importKey = importer.deriveImportKey(deps.secret);

  async function showList(req: Request, res: Response) {
    const locale = res.locals.locale as Locale;
    const entries = await service.listDirectory(db);
    res.render('admin/recipients/list', {
      layout: 'admin',
      styles: STYLES,
      title: translate(locale, 'admin.recipients.title'),
      notice: notice(req),
      recipients: entries.map((r) => ({ ...r, countryName: r.country ? countryName(locale, r.country) : '' })),
      flaggedCount: entries.filter((r) => r.flagged).length,
    });
  }

  type FormPage = { page?: service.RecipientPage; values: FormValues; errors?: FieldErrors; addressErrors?: FieldErrors; addressValue?: string; status?: number };

  async function renderForm(req: Request, res: Response, form: FormPage) {
    const locale = res.locals.locale as Locale;
    if (!res.locals.csrfToken) kit.csrf.issueToken(req, res);
    const { page } = form;
    const errors = form.errors ?? form.addressErrors;
    res.status(form.status ?? (errors ? 422 : 200)).render(page ? 'admin/recipients/show' : 'admin/recipients/new', {
      layout: 'admin',
      styles: STYLES,
      title: page ? page.recipient.name : translate(locale, 'admin.recipients.newTitle'),
      notice: errors ? undefined : notice(req),
      page,
      values: form.values,
      errors: form.errors,
      errorList: errorLinks(errors, 'recipient', FIELD_IDS),
      addressErrors: form.addressErrors,
      addressValue: form.addressValue ?? '',
      countries: countryChoices(locale, form.values.country.trim().toUpperCase() || null),
      maxName: MAX_NAME,
      maxPostal: MAX_POSTAL,
      maxReason: MAX_REASON,
      formAction: page ? paths.adminRecipient(page.recipient.id) : paths.adminRecipients(),
    });
  }

  const storedValues = (p: service.RecipientPage): FormValues => ({
    name: p.recipient.name,
    title: p.recipient.title,
    organisation: p.recipient.organisation,
    country: p.recipient.country ?? '',
    language: p.recipient.language,
    time_zone: p.recipient.time_zone,
    postal_address: p.recipient.postal_address,
    emails: '',
  });

  async function newRecipient(req: Request, res: Response) {
    await renderForm(req, res, { values: { name: '', title: '', organisation: '', country: '', language: 'en', time_zone: 'UTC', postal_address: '', emails: '' } });
  }

  async function createRecipient(req: Request, res: Response) {
    try {
      const input = parseRecipientForm(req.body, { withEmails: true });
      const id = await service.createRecipient(db, { organiserId: organiserOf(res).id }, input);
      res.redirect(303, `${paths.adminRecipient(id)}?done=created`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      await renderForm(req, res, { values: typedValues(req.body), errors: error.fields });
    }
  }

  async function showRecipient(req: Request, res: Response) {
    const page = await service.getRecipientPage(db, requireId(req.params.id));
    await renderForm(req, res, { page, values: storedValues(page) });
  }

  // One address, three forms: the recipient's fields (save), one more address, delete.
  async function changeRecipient(req: Request, res: Response) {
    const id = requireId(req.params.id);
    const actor = { organiserId: organiserOf(res).id };
    const body = raw(req.body);
    const intent = body.intent;
    try {
      if (intent === 'delete') {
        await service.deleteRecipient(db, actor, id);
        return res.redirect(303, `${paths.adminRecipients()}?done=deleted`);
      }
      if (intent === 'add-address') {
        await service.addAddress(db, actor, id, parseAddressForm(body));
        return res.redirect(303, `${paths.adminRecipient(id)}?done=address-added`);
      }
      // Only a form that says what it is saves: a repeated or unknown intent changes nothing.
      if (intent !== 'save') throw new BadRequest();
      await service.editRecipient(db, actor, id, parseRecipientForm(body, { withEmails: false }));
      res.redirect(303, `${paths.adminRecipient(id)}?done=saved`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      const page = await service.getRecipientPage(db, id);
      if (intent === 'add-address') return renderForm(req, res, { page, values: storedValues(page), addressErrors: error.fields, addressValue: text(body.email) });
      if (intent === 'delete') return renderForm(req, res, { page, values: storedValues(page), errors: error.fields, status: 409 });
      await renderForm(req, res, { page, values: typedValues(body), errors: error.fields });
    }
  }

  async function changeAddress(req: Request, res: Response) {
    const addressId = requireId(req.params.id);
    try {
      const recipientId = await service.changeAddress(db, { organiserId: organiserOf(res).id }, addressId, parseHealthForm(req.body));
      res.redirect(303, `${paths.adminRecipient(recipientId)}?done=address-changed#address-${addressId}`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      const recipientId = await service.recipientOfAddress(db, addressId);
      const page = await service.getRecipientPage(db, recipientId);
      await renderForm(req, res, { page, values: storedValues(page), addressErrors: error.fields, status: error.fields.change === 'admin.recipients.errors.lettersWaiting' ? 409 : 422 });
    }
  }

  // The import: upload → preview (nothing stored) → Apply (the file again, signed) → one transaction.
  async function renderImport(req: Request, res: Response, page: { status?: number; errors?: FieldErrors; errorLine?: number; preview?: importer.ImportPreview }) {
    if (!res.locals.csrfToken) kit.csrf.issueToken(req, res);
    res.status(page.status ?? (page.errors ? 422 : 200)).render('admin/recipients/import', {
      layout: 'admin',
      styles: STYLES,
      title: translate(res.locals.locale as Locale, 'admin.recipients.import.title'),
      errors: page.errors,
      errorList: errorLinks(page.errors, 'import'),
      errorLine: page.errorLine,
      preview: page.preview,
      maxRows: importer.MAX_ROWS,
      kilobytes: importer.MAX_BYTES / 1024,
      columns: importer.COLUMNS.join(', '),
    });
  }

  const acceptImport = (req: Request, res: Response, next: NextFunction) => {
    readImport(req, res, (error?: unknown) => {
      if (!error) return next();
      const tooBig = error instanceof multer.MulterError && (error.code === 'LIMIT_FILE_SIZE' || error.code === 'LIMIT_FIELD_VALUE');
      renderImport(req, res, { status: tooBig ? 413 : 400, errors: { file: tooBig ? 'admin.recipients.import.errors.tooBig' : 'admin.recipients.import.errors.form' } }).catch(next);
    });
  };

  async function importRecipients(req: Request, res: Response) {
    const body = raw(req.body);
    const organiserId = organiserOf(res).id;
    try {
      if (body.intent === 'apply') {
        const outcome = await importer.applyImport(db, importKey, organiserId, { content: body.content, token: body.token });
        if (outcome.kind === 'stale') return renderImport(req, res, { status: 409, preview: outcome.preview, errors: { file: 'admin.recipients.import.errors.stale' } });
        return res.redirect(303, `${paths.adminRecipients()}?done=imported`);
      }
      if (!req.file) throw new Invalid({ file: 'admin.recipients.import.errors.noFile' }, 'admin.recipients.errors.summary');
      const preview = await importer.previewImport(db, importKey, organiserId, req.file.buffer);
      await renderImport(req, res, { preview });
    } catch (error) {
      if (error instanceof importer.ImportTampered) return renderImport(req, res, { status: 400, errors: { file: 'admin.recipients.import.errors.tampered' } });
      if (!(error instanceof Invalid)) throw error;
      await renderImport(req, res, { status: 422, errors: error.fields, errorLine: error instanceof importer.ImportRefused ? error.line : undefined });
    }
  }

  router.get(routes.adminRecipients, kit.csrf.provideToken, showList);
  router.post(routes.adminRecipients, kit.csrf.protect, createRecipient);
  // The fixed addresses (new, import) before /admin/recipients/:id.
  router.get(routes.adminNewRecipient, kit.csrf.provideToken, newRecipient);
  router.get(routes.adminRecipientsImport, kit.csrf.provideToken, (req, res) => renderImport(req, res, {}));
  // multipart: multer reads the body first, then the CSRF check reads its token.
  router.post(routes.adminRecipientsImport, acceptImport, kit.csrf.protect, importRecipients);
  router.get(routes.adminRecipient, kit.csrf.provideToken, showRecipient);
  router.post(routes.adminRecipient, kit.csrf.protect, changeRecipient);
  router.post(routes.adminRecipientAddress, kit.csrf.protect, changeAddress);
  return router;
}
