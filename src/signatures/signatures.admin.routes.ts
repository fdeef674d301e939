// The admin's signatures pages: search an action's signatures, hide a name,
// invalidate and restore, invalidate in bulk after a preview, revert, export.
// Mounted by src/admin/admin.routes.ts behind the session, requireOrganiser and
// the body parsers. Email addresses are personal data: every page here is for
// organisers only, never cached, and every export is in the audit log.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Stringifier } from 'csv-stringify';
import { pipeline as streamPipeline, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DateTime } from 'luxon';
import type { AppDeps } from '../app.ts';
import { organiserOf, type AdminKit } from '../admin/kit.ts';
import { Invalid } from '../errors.ts';
import { RateLimited } from '../http/errors.ts';
import { translate, type Locale } from '../i18n/index.ts';
import { paths, routes } from '../urls.ts';
import { countryList, countryName } from './countries.ts';
import { deriveIpKey } from './ip-hash.ts';
import { ReaderGone, writeSignatoriesPdf } from './signatories-pdf.ts';
import { signatoriesCsv, signatoriesPdf, signatoryLines, signaturesCsv, stateOf, withState } from './signatures.exports.ts';
import type { AdminAction, InvalidationListed } from './signatures.admin.repo.ts';
import {
  backToSearch,
  invalidationValues,
  parseInvalidation,
  parseSignatureSearch,
  parseValidity,
  parseVisibility,
  requireId,
  searchQuery,
  STATES,
  valuesOf,
  type InvalidationForm,
} from './signatures.admin.schema.ts';
import * as service from './signatures.admin.service.ts';

// Personal data: no cache, shared or private, keeps these pages or files.
const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

const STYLES = ['/assets/admin-signatures.css'];
// Each export holds one of the pool's connections for as long as its download
// lasts (minutes, on a phone). At most this many at once per instance, so
// signing always finds connections; one more is asked to try again shortly.
export const MAX_CONCURRENT_EXPORTS = 2;
const DONE_KEYS = ['hidden', 'shown', 'invalidated', 'restored'] as const;

/** An anonymised signature's name and address, as the admin's lists show them. */
function withheld(locale: Locale, row: { name: string | null; email: string | null }): { name: string; email: string } {
  return { name: row.name ?? translate(locale, 'signatures.nameWithheld'), email: row.email ?? translate(locale, 'signatures.emailWithheld') };
}

/** A file name safe in any Content-Disposition: the action's slug (already [a-z0-9-]) and the date. */
function fileName(action: AdminAction, what: string, extension: string): string {
  const slug = action.slug.replace(/[^a-z0-9-]/g, '').slice(0, 80) || `action-${action.id}`;
  return `${slug}-${what}-${new Date().toISOString().slice(0, 10)}.${extension}`;
}

function attachment(res: Response, type: string, name: string): void {
  res.status(200);
  res.set({
    'Content-Type': type,
    'Content-Disposition': `attachment; filename="${name}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
}

export function signaturesAdminRoutes(deps: AppDeps, kit: AdminKit): Router {
  const router = Router();
  const { db } = deps;
  const timeZone = deps.config.campaignTimeZone;
  // Derived once: the same key the signing path hashes with (src/signatures/signatures.routes.ts).
  const ipKey = deriveIpKey(deps.secret);
  const localTime = (date: Date | string | null) => (date ? DateTime.fromJSDate(new Date(date), { zone: timeZone }).toFormat('yyyy-MM-dd HH:mm') : '');
  let exportsRunning = 0;

  /** Runs one export within the limit; the slot is freed however it ends. */
  const limitExports = (handler: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
    if (exportsRunning >= MAX_CONCURRENT_EXPORTS) throw new RateLimited('admin.signatures.errors.exportsBusy');
    exportsRunning += 1;
    try {
      await handler(req, res);
    } finally {
      exportsRunning -= 1;
    }
  };

  function countryOptions(locale: Locale, selected: string) {
    return countryList(locale).map((c) => ({ ...c, selected: c.code === selected }));
  }

  async function listSignatures(req: Request, res: Response) {
    const action = await service.requireAction(db, requireId(req.params.id));
    const locale: Locale = res.locals.locale;
    let search;
    let errors: Record<string, string> | undefined;
    let values: Record<string, string>;
    try {
      search = parseSignatureSearch(req.query, timeZone);
      values = search.values;
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      res.status(422);
      errors = Object.fromEntries(Object.entries(error.fields).map(([field, key]) => [field, translate(locale, key)]));
      values = valuesOf(error);
    }
    const page = search ? await service.searchSignatures(db, action.id, search) : { rows: [], nextAfter: null };
    const back = searchQuery(values, search?.after ? { after: search.after } : {});
    const done = typeof req.query.done === 'string' && (DONE_KEYS as readonly string[]).includes(req.query.done) ? req.query.done : undefined;
    res.render('admin/signatures/list', {
      layout: 'admin',
      title: translate(locale, 'admin.signatures.title', { action: action.title }),
      styles: STYLES,
      action,
      values,
      errors,
      done: done && translate(locale, `admin.signatures.done.${done}` as 'admin.signatures.done.hidden'),
      countries: countryOptions(locale, values.country ?? ''),
      states: STATES.map((state) => ({ value: state, label: translate(locale, `admin.signatures.state.${state}`), selected: state === values.state })),
      timeZone,
      back,
      rows: page.rows.map((row) => ({
        ...row,
        ...withheld(locale, row),
        countryName: countryName(locale, row.country),
        signedAt: localTime(row.created_at),
        state: stateOf(row),
        stateLabel: translate(locale, `admin.signatures.state.${stateOf(row)}`),
        hidden: row.hidden_at !== null,
        valid: row.invalidated_at === null,
      })),
      nextPage: page.nextAfter && paths.adminActionSignatures(action.id) + searchQuery(values, { after: page.nextAfter }),
      firstPage: search?.after ? paths.adminActionSignatures(action.id) + searchQuery(values) : undefined,
    });
  }

  async function changeVisibility(req: Request, res: Response) {
    const signatureId = requireId(req.params.id);
    const hidden = parseVisibility(req.body);
    const { actionId } = await service.setVisibility(db, organiserOf(res), signatureId, hidden);
    res.redirect(303, withDone(paths.adminActionSignatures(actionId) + backToSearch(req.body, timeZone), hidden ? 'hidden' : 'shown'));
  }

  async function changeValidity(req: Request, res: Response) {
    const signatureId = requireId(req.params.id);
    const valid = parseValidity(req.body);
    const { actionId } = await service.setValidity(db, organiserOf(res), signatureId, valid);
    res.redirect(303, withDone(paths.adminActionSignatures(actionId) + backToSearch(req.body, timeZone), valid ? 'restored' : 'invalidated'));
  }

  function withDone(path: string, done: string): string {
    return `${path}${path.includes('?') ? '&' : '?'}done=${done}`;
  }

  function describeCriteria(locale: Locale, criteria: Record<string, unknown>): string {
    const parts: string[] = [];
    for (const [key, raw] of Object.entries(criteria)) {
      const value = String(raw);
      if (key === 'domain') parts.push(translate(locale, 'admin.invalidations.criterion.domain', { value }));
      else if (key === 'ipHash') parts.push(translate(locale, 'admin.invalidations.criterion.ipHash', { value: value.slice(0, 8) }));
      else if (key === 'country') parts.push(translate(locale, 'admin.invalidations.criterion.country', { value: countryName(locale, value) }));
      else if (key === 'from') parts.push(translate(locale, 'admin.invalidations.criterion.from', { value: localTime(value) }));
      else if (key === 'before') parts.push(translate(locale, 'admin.invalidations.criterion.before', { value: localTime(value) }));
      else if (key === 'signature') parts.push(translate(locale, 'admin.invalidations.criterion.signature', { value }));
    }
    return parts.join(', ');
  }

  type InvalidationsPage = {
    values?: Record<string, string>;
    errors?: Record<string, string>;
    preview?: service.Preview & { form: InvalidationForm };
  };

  async function renderInvalidations(req: Request, res: Response, action: AdminAction, page: InvalidationsPage) {
    const locale: Locale = res.locals.locale;
    const past: InvalidationListed[] = await service.listInvalidations(db, action.id);
    const values = page.values ?? {};
    const done = req.query.done;
    let notice: string | undefined;
    if ((done === 'applied' || done === 'reverted') && typeof req.query.n === 'string' && typeof req.query.total === 'string') {
      const count = Number(req.query.n) || 0;
      const total = Number(req.query.total) || 0;
      notice = translate(locale, `admin.invalidations.done.${done}`, { count, total });
    }
    res.render('admin/signatures/invalidations', {
      layout: 'admin',
      title: translate(locale, 'admin.invalidations.title', { action: action.title }),
      styles: STYLES,
      action,
      values,
      errors: page.errors,
      notice,
      timeZone,
      countries: countryOptions(locale, (values.country ?? '').toUpperCase()),
      preview: page.preview && {
        matched: page.preview.matched,
        nothing: page.preview.matched === 0,
        sample: page.preview.sample.map((row) => ({ ...row, ...withheld(locale, row), countryName: countryName(locale, row.country), signedAt: localTime(row.created_at) })),
        values: invalidationValues(page.preview.form, timeZone),
      },
      past: past.map((inv) => ({
        ...inv,
        when: localTime(inv.created_at),
        revertedWhen: localTime(inv.reverted_at),
        criteriaText: describeCriteria(locale, inv.criteria),
        reverted: inv.reverted_at !== null,
      })),
    });
  }

  async function showInvalidations(req: Request, res: Response) {
    const action = await service.requireAction(db, requireId(req.params.id));
    await renderInvalidations(req, res, action, {});
  }

  async function invalidate(req: Request, res: Response) {
    const action = await service.requireAction(db, requireId(req.params.id));
    const locale: Locale = res.locals.locale;
    let form: InvalidationForm;
    try {
      form = parseInvalidation(req.body, timeZone);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      res.status(422);
      const errors = Object.fromEntries(Object.entries(error.fields).map(([field, key]) => [field, translate(locale, key)]));
      return renderInvalidations(req, res, action, { values: valuesOf(error), errors });
    }
    if (form.step === 'preview') {
      const preview = await service.previewInvalidation(db, ipKey, action.id, form.criteria);
      return renderInvalidations(req, res, action, { values: form.values, preview: { ...preview, form } });
    }
    let applied;
    try {
      applied = await service.applyInvalidation(db, ipKey, organiserOf(res), action, form.criteria, form.reason);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      res.status(422);
      const errors = Object.fromEntries(Object.entries(error.fields).map(([field, key]) => [field, translate(locale, key)]));
      return renderInvalidations(req, res, action, { values: form.values, errors });
    }
    res.redirect(303, `${paths.adminActionInvalidations(action.id)}?done=applied&n=${applied.matched}&total=${applied.count}`);
  }

  async function revert(req: Request, res: Response) {
    const result = await service.revertInvalidation(db, organiserOf(res), requireId(req.params.id));
    res.redirect(303, `${paths.adminActionInvalidations(result.actionId)}?done=reverted&n=${result.restored}&total=${result.count}`);
  }

  /** Streams the rows as CSV records to the response; the export's connection is ended however it ends. */
  async function streamTo(res: Response, opened: service.OpenExport, rowsToRecords: Transform, csv: Stringifier) {
    try {
      await pipeline(opened.rows, rowsToRecords, csv, res);
    } catch (error) {
      // The reader went away (ERR_STREAM_PREMATURE_CLOSE): nothing to tell anyone. Otherwise the response is cut short.
      if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') deps.log.warn({ err: error }, 'export failed mid-way');
      res.destroy();
    } finally {
      opened.release();
    }
  }

  async function exportAll(req: Request, res: Response) {
    const action = await service.requireAction(db, requireId(req.params.id));
    const opened = await service.openExport(db, organiserOf(res), action, 'signatures.csv');
    attachment(res, 'text/csv; charset=utf-8', fileName(action, 'signatures', 'csv'));
    await streamTo(res, opened, withState(), signaturesCsv());
  }

  async function exportSignatoriesCsv(req: Request, res: Response) {
    const action = await service.requireAction(db, requireId(req.params.id));
    const locale: Locale = res.locals.locale;
    const opened = await service.openExport(db, organiserOf(res), action, 'signatories.csv');
    attachment(res, 'text/csv; charset=utf-8', fileName(action, 'signatories', 'csv'));
    await streamTo(res, opened, signatoryLines(locale, timeZone), signatoriesCsv(locale));
  }

  async function exportSignatoriesPdf(req: Request, res: Response) {
    const action = await service.requireAction(db, requireId(req.params.id));
    const locale: Locale = res.locals.locale;
    const count = await service.countSignatories(db, action.id);
    const opened = await service.openExport(db, organiserOf(res), action, 'signatories.pdf');
    attachment(res, 'application/pdf', fileName(action, 'signatories', 'pdf'));
    // pipeline, not pipe: a database error mid-way reaches the loop that writes the PDF.
    const lines = signatoryLines(locale, timeZone);
    streamPipeline(opened.rows, lines, () => undefined);
    // A reader that leaves stops the cursor: the query stream is destroyed with the pipe.
    const stop = () => opened.rows.destroy();
    res.once('close', stop);
    try {
      await writeSignatoriesPdf(res, signatoriesPdf(locale, action, count, timeZone), lines);
    } catch (error) {
      if (!(error instanceof ReaderGone) && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
        deps.log.warn({ err: error }, 'export failed mid-way');
      }
      res.destroy();
    } finally {
      res.off('close', stop);
      opened.rows.destroy();
      opened.release();
    }
  }

  const { csrf } = kit;
  router.get(routes.adminActionSignatures, noStore, csrf.provideToken, listSignatures);
  router.post(routes.adminSignatureVisibility, noStore, csrf.protect, changeVisibility);
  router.post(routes.adminSignatureValidity, noStore, csrf.protect, changeValidity);
  router.get(routes.adminActionInvalidations, noStore, csrf.provideToken, showInvalidations);
  // The preview and a refused form show the form again: they need a token too.
  router.post(routes.adminActionInvalidations, noStore, csrf.protect, csrf.provideToken, invalidate);
  router.post(routes.adminInvalidationRevert, noStore, csrf.protect, revert);
  router.get(routes.adminActionExport, limitExports(exportAll));
  router.get(routes.adminActionSignatoriesCsv, limitExports(exportSignatoriesCsv));
  router.get(routes.adminActionSignatoriesPdf, limitExports(exportSignatoriesPdf));
  return router;
}
