// The organisers' dashboard: the admin's home and each action's overview.
// Read-only pages; the actions' forms, signatures and exports are other
// routers' (linked from here).
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../app.ts';
import { translate, type Locale } from '../i18n/index.ts';
import { routes } from '../urls.ts';
import type { AdminKit } from './kit.ts';
import { parseActionId, parseChartRange } from './dashboard.schema.ts';
import * as dashboard from './dashboard.service.ts';

const STYLES = ['/assets/admin-dashboard.css'];

export function dashboardAdminRoutes(deps: AppDeps, _kit: AdminKit): Router {
  const router = Router();
  const { db, config } = deps;
  const context = (res: Response) => ({ locale: (res.locals.locale ?? 'en') as Locale, timeZone: config.campaignTimeZone });

  async function showHome(_req: Request, res: Response) {
    const home = await dashboard.adminHome(db, context(res));
    const title = translate(res.locals.locale as Locale, 'admin.dashboard.title');
    res.render('admin/dashboard/home', { layout: 'admin', title, styles: STYLES, ...home, timeZoneName: config.campaignTimeZone });
  }

  async function showAction(req: Request, res: Response, next: NextFunction) {
    // Not an id (`/admin/actions/new`, `abc`): not this page. Passed on, so a
    // sibling route mounted after this router still answers, and the rest ends
    // as the admin's 404.
    const id = parseActionId(req.params.id);
    if (!id) return next();
    const overview = await dashboard.actionOverview(db, id, parseChartRange(req.query), {
      ...context(res),
      confirmationTtlDays: config.confirmationTtlDays,
    });
    res.render('admin/dashboard/action', {
      layout: 'admin',
      title: overview.action.title,
      styles: STYLES,
      ...overview,
      timeZoneName: config.campaignTimeZone,
      recentDays: dashboard.RECENT_DAYS,
    });
  }

  // No forms here: the layout's sign-out token is issued by the admin router for every page.
  router.get(routes.adminHome, showHome);
  router.get(routes.adminAction, showAction);
  return router;
}
