// The admin's image library: upload (multipart), list, describe, delete.
//
// The upload form is multipart/form-data, which the admin's urlencoded parser
// leaves alone, so multer reads it first and the CSRF check (whose token is a
// form field) runs after it. A refused upload (too big, too many parts, a
// malformed body) shows the form again with the reason beside the file field:
// that page changes nothing, so it needs no token.
import { Router, type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import type { AppDeps } from '../app.ts';
import { organiserOf, type AdminKit } from '../admin/kit.ts';
import { Invalid, type FieldErrors } from '../errors.ts';
import { pageNumber } from '../http/params.ts';
import { translate } from '../i18n/index.ts';
import { paths, routes } from '../urls.ts';
import { MAX_UPLOAD_BYTES } from './images.process.ts';
import { parseAltForm, requireImageId } from './images.schema.ts';
import * as images from './images.service.ts';

const STYLES = ['/assets/admin-images.css'];
const MEGABYTES = MAX_UPLOAD_BYTES / 1024 / 1024;
const NOTICES = { uploaded: 'admin.images.done.uploaded', saved: 'admin.images.done.saved', deleted: 'admin.images.done.deleted' } as const;

// One file, and the form's few short fields (_csrf, alt): anything more is no form of ours.
const readUpload = multer({
  storage: multer.memoryStorage(),
  limits: { files: 1, fileSize: MAX_UPLOAD_BYTES, fields: 5, parts: 6, fieldNameSize: 100, fieldSize: 4096 },
  // busboy's default is latin1, which turns "Митинг.jpg" into mojibake.
  defParamCharset: 'utf8',
}).single('file');

type UploadProblem = { status: number; fields: FieldErrors };

function uploadProblem(error: unknown): UploadProblem {
  if (error instanceof multer.MulterError) {
    if (error.code === 'LIMIT_FILE_SIZE') return { status: 413, fields: { file: 'admin.images.errorTooBig' } };
    return { status: 422, fields: { file: 'admin.images.errorForm' } };
  }
  // busboy: a body cut short, a malformed part header, a boundary that never comes.
  return { status: 400, fields: { file: 'admin.images.errorForm' } };
}

function notice(req: Request) {
  const done = req.query.done;
  return typeof done === 'string' && Object.hasOwn(NOTICES, done) ? NOTICES[done as keyof typeof NOTICES] : undefined;
}

export function imagesAdminRoutes(deps: AppDeps, kit: AdminKit): Router {
  const router = Router();
  const { db } = deps;

  async function renderLibrary(req: Request, res: Response, extra: { status?: number; errors?: FieldErrors; values?: { alt?: unknown } } = {}) {
    const library = await images.listLibrary(db, extra.errors ? 1 : pageNumber(req));
    if (!res.locals.csrfToken) kit.csrf.issueToken(req, res);
    const alt = typeof extra.values?.alt === 'string' ? extra.values.alt : '';
    res.status(extra.status ?? 200).render('admin/images/index', {
      layout: 'admin',
      title: translate(res.locals.locale, 'admin.images.title'),
      styles: STYLES,
      ...library,
      megabytes: MEGABYTES,
      errors: extra.errors,
      values: { alt },
      notice: extra.errors ? undefined : notice(req),
    });
  }

  /** multer, with its refusals turned into the form shown again; then the CSRF check. */
  const acceptUpload = (req: Request, res: Response, next: NextFunction) => {
    readUpload(req, res, (error?: unknown) => {
      if (!error) return next();
      const problem = uploadProblem(error);
      renderLibrary(req, res, { status: problem.status, errors: problem.fields }).catch(next);
    });
  };

  const showLibrary = async (req: Request, res: Response) => renderLibrary(req, res);

  const upload = async (req: Request, res: Response) => {
    const body = req.body as Record<string, unknown> | undefined;
    const errors: FieldErrors = {};
    let alt = '';
    try {
      alt = parseAltForm(body).alt;
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      Object.assign(errors, error.fields);
    }
    if (!req.file || req.file.size === 0) errors.file = req.file ? 'admin.images.errorEmpty' : 'admin.images.errorNoFile';
    if (Object.keys(errors).length) return renderLibrary(req, res, { status: 422, errors, values: body ?? {} });
    try {
      const id = await images.uploadImage(db, { bytes: req.file!.buffer, originalName: req.file!.originalname, alt, organiserId: organiserOf(res).id });
      res.redirect(303, `${paths.adminImage(id)}?done=uploaded`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      await renderLibrary(req, res, { status: 422, errors: error.fields, values: body ?? {} });
    }
  };

  async function renderImage(req: Request, res: Response, id: string, extra: { status?: number; errors?: FieldErrors; values?: { alt?: unknown } } = {}) {
    const { image, usedBy } = await images.getImageForAdmin(db, id);
    if (!res.locals.csrfToken) kit.csrf.issueToken(req, res);
    const alt = typeof extra.values?.alt === 'string' ? extra.values.alt : image.alt;
    res.status(extra.status ?? 200).render('admin/images/show', {
      layout: 'admin',
      title: translate(res.locals.locale, 'admin.images.edit', { alt: image.alt }),
      styles: STYLES,
      image,
      usedBy,
      errors: extra.errors,
      values: { alt },
      notice: extra.errors ? undefined : notice(req),
    });
  }

  const showImage = async (req: Request, res: Response) => renderImage(req, res, requireImageId(req.params.id));

  // One form saves the description; the delete button beside it sends intent=delete.
  const changeImage = async (req: Request, res: Response) => {
    const id = requireImageId(req.params.id);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const organiserId = organiserOf(res).id;
    try {
      if (body.intent === 'delete') {
        await images.deleteUnusedImage(db, id, organiserId);
        return res.redirect(303, `${paths.adminImages()}?done=deleted`);
      }
      await images.updateAlt(db, id, parseAltForm(body).alt, organiserId);
      res.redirect(303, `${paths.adminImage(id)}?done=saved`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      await renderImage(req, res, id, { status: 422, errors: error.fields, values: body });
    }
  };

  router.get(routes.adminImages, kit.csrf.provideToken, showLibrary);
  router.post(routes.adminImages, acceptUpload, kit.csrf.protect, upload);
  router.get(routes.adminImage, kit.csrf.provideToken, showImage);
  router.post(routes.adminImage, kit.csrf.protect, changeImage);
  return router;
}
