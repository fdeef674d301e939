// Public pages of actions: the routes read as a table of contents. Signing and
// confirming are in src/signatures/signatures.routes.ts.
import { Router, type Request, type Response } from 'express';
import type { AppDeps, HttpKit } from '../app.ts';
import { requireSlug } from '../http/params.ts';
import { translate } from '../i18n/index.ts';
import { routes } from '../urls.ts';
import { callPageVariant } from '../protests/call-page.ts';
import { renderActionPage } from './action-page.ts';
import * as actions from './actions.service.ts';

export function actionsRoutes(deps: AppDeps, http: HttpKit): Router {
  const router = Router();
  const { db } = deps;
  // Deadlines on every page, this router's or not, are shown in the campaign's time zone.

  async function listOpenActions(_req: Request, res: Response) {
    const open = await actions.viewOpenActions(db, res.locals.locale);
    res.render('actions/index', { title: translate(res.locals.locale, 'actions.index.title'), actions: open, scripts: ['/assets/count.js'] });
  }

  async function showAction(req: Request, res: Response) {
    await renderActionPage(db, req, res, { stamp: http.formTiming.stamp() });
  }

  async function countJson(req: Request, res: Response) {
    const count = await actions.getCount(db, requireSlug(req.params.slug));
    // Counts lag by seconds anyway: let browsers and proxies share one answer briefly.
    res.set('Cache-Control', 'public, max-age=5, stale-while-revalidate=30');
    res.json({ count: count.signature_count, goal: count.goal, status: count.status, countedAt: count.counted_at });
  }

  // Pages for everyone, kept for PAGE_CACHE_MS; a protest call's page is kept once per visitor's region.
  const { pages } = http;
  router.get(routes.actions, pages.keep(), listOpenActions);
  router.get(routes.action, pages.keep({ variant: callPageVariant }), showAction);
  router.get(routes.actionCount, pages.keep(), countJson);
  return router;
}
