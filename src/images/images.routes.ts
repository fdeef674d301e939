// Public image files: /images/<id>-<width>-<hash>.webp, served from the
// database. The name holds the hash of the bytes, so the answer never changes:
// browsers and caches keep it for a year without asking again.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.ts';
import { NotFound } from '../errors.ts';
import { routes } from '../urls.ts';
import { CONTENT_TYPES, parseVariantFileName } from './image-files.ts';
import { readVariant } from './images.service.ts';

export function imagesRoutes(deps: AppDeps): Router {
  const router = Router();
  const { db } = deps;

  router.get(routes.image, async (req: Request, res: Response) => {
    const file = parseVariantFileName(req.params.file);
    // Anything that is not one of our names is a 404 before the database is asked.
    if (!file) throw new NotFound();
    const bytes = await readVariant(db, file);
    if (!bytes) throw new NotFound();
    res.set({
      'Content-Type': CONTENT_TYPES[file.format],
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
      // The hash is of these very bytes: a strong validator. res.send answers
      // 304 itself when If-None-Match holds it.
      ETag: `"${file.hash}"`,
    });
    res.send(bytes);
  });

  return router;
}
