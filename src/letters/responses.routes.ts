// A response's attachment, for the public (the link on the action page): only
// the file of a public response of an action the public may see. It is always
// a download, of the type read from its bytes when it was uploaded, never
// sniffed by the browser and never run as a page of this site.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.ts';
import { NotFound } from '../errors.ts';
import { routes } from '../urls.ts';
import { publicAttachment, type AttachmentFile } from './responses.service.ts';

/** A response's file as a download: our type, never sniffed, never run as a page of this site. */
export function sendAttachment(res: Response, file: AttachmentFile, cache = 'no-cache'): void {
  // Sets Content-Disposition (with an RFC 5987 filename* for a name outside ASCII); the type is ours, not the extension's.
  res.attachment(file.name);
  res.set({
    'Content-Type': file.type,
    'X-Content-Type-Options': 'nosniff',
    // Were it opened in place after all, it could run nothing and reach nothing.
    'Content-Security-Policy': "default-src 'none'; sandbox",
    // An organiser may make it private again: caches ask each time.
    'Cache-Control': cache,
  });
  res.send(file.bytes);
}

export function responsesRoutes(deps: AppDeps): Router {
  const router = Router();
  const { db } = deps;

  router.get(routes.responseAttachment, async (req: Request, res: Response) => {
    const raw = req.params.id;
    // Anything but an id is a 404 before the database is asked.
    if (typeof raw !== 'string' || !/^[1-9]\d{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new NotFound();
    sendAttachment(res, await publicAttachment(db, Number(raw)));
  });

  return router;
}
