// Admins manage who may use the admin: invite an organiser (who sets their own
// password from the emailed link), change a role, disable an account.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.ts';
import { Invalid, NotFound } from '../errors.ts';
import { requireId } from '../http/params.ts';
import { translate } from '../i18n/index.ts';
import { paths, routes } from '../urls.ts';
import * as accounts from './accounts.service.ts';
import { parseNewOrganiser, parseOrganiserChange } from './accounts.schema.ts';
import { organiserOf, type AdminKit } from './kit.ts';
import * as repo from './organisers.repo.ts';

export function organisersAdminRoutes(deps: AppDeps, kit: AdminKit): Router {
  const router = Router();
  const { db } = deps;
  const title = (res: Response) => translate(res.locals.locale, 'admin.organisers.title');

  async function renderList(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const organisers = await repo.listOrganisers(db);
    res.render('admin/organisers/list', { layout: 'admin', title: title(res), organisers, done: req.query.done, ...extra });
  }

  async function invite(req: Request, res: Response) {
    try {
      const input = parseNewOrganiser(req.body);
      await accounts.createOrganiser(deps, input, organiserOf(res).id);
      res.redirect(303, `${paths.adminOrganisers()}?done=invited`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      kit.csrf.issueToken(req, res);
      res.status(422);
      await renderList(req, res, { errors: error.fields, values: req.body });
    }
  }

  async function showOrganiser(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const organiser = await repo.getOrganiser(db, requireId(req.params.id));
    if (!organiser) throw new NotFound();
    res.render('admin/organisers/edit', { layout: 'admin', title: organiser.name, organiser, isSelf: organiser.id === organiserOf(res).id, ...extra });
  }

  async function updateOrganiser(req: Request, res: Response) {
    const id = requireId(req.params.id);
    if (!(await repo.getOrganiser(db, id))) throw new NotFound();
    try {
      await accounts.updateOrganiser(db, organiserOf(res), id, parseOrganiserChange(req.body));
      res.redirect(303, `${paths.adminOrganisers()}?done=updated`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      kit.csrf.issueToken(req, res);
      res.status(422);
      await showOrganiser(req, res, { errors: error.fields });
    }
  }

  const { csrf, requireAdmin } = kit;
  router.get(routes.adminOrganisers, requireAdmin, csrf.provideToken, (req, res) => renderList(req, res));
  router.post(routes.adminOrganisers, requireAdmin, csrf.protect, invite);
  router.get(routes.adminOrganiser, requireAdmin, csrf.provideToken, (req, res) => showOrganiser(req, res));
  router.post(routes.adminOrganiser, requireAdmin, csrf.protect, updateOrganiser);
  return router;
}
