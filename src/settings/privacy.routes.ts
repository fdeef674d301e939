// The public privacy notice: the campaign's own, or Placard's default.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.ts';
import { translate } from '../i18n/index.ts';
import { routes } from '../urls.ts';
import { getCampaign } from './campaign.ts';

export function privacyRoutes(deps: Pick<AppDeps, 'db'>): Router {
  const router = Router();
  router.get(routes.privacy, async (_req: Request, res: Response) => {
    const campaign = await getCampaign(deps.db);
    res.render('settings/privacy', { title: translate(res.locals.locale, 'campaign.privacy.title'), notice: campaign.privacyNoticeHtml });
  });
  return router;
}
