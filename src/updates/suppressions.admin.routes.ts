// The admin's suppression list: counts by reason (only hashes are kept, so
// counts are all there is to show), a complaint added by hand (a provider's
// report, or the person's own), and a bounce removed for a mailbox that works
// again. Every change is audited.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.ts';
import { organiserOf, type AdminKit } from '../admin/kit.ts';
import { Invalid, type FieldErrors } from '../errors.ts';
import { translate } from '../i18n/index.ts';
import { paths, routes } from '../urls.ts';
import { parseSuppressionForm } from './updates.schema.ts';
import * as service from './updates.service.ts';

const REASONS = ['bounce', 'complaint', 'unsubscribe', 'erased'] as const;
const DONE = ['complaint', 'unsubscribe', 'lift-bounce'] as const;

export function suppressionsAdminRoutes(deps: AppDeps, kit: AdminKit): Router {
  const router = Router();
  const { db } = deps;

  async function render(req: Request, res: Response, page: { errors?: FieldErrors; values?: Record<string, string> } = {}) {
    const counts = new Map((await service.suppressionCounts(db)).map((c) => [c.reason, c.count]));
    if (!res.locals.csrfToken) kit.csrf.issueToken(req, res);
    const done = typeof req.query.done === 'string' && (DONE as readonly string[]).includes(req.query.done) ? `admin.suppressions.done.${req.query.done}` : undefined;
    res.status(page.errors ? 422 : 200).render('admin/suppressions/index', {
      layout: 'admin',
      styles: ['/assets/admin-updates.css'],
      title: translate(res.locals.locale, 'admin.suppressions.title'),
      notice: done,
      reasons: REASONS.map((reason) => ({ reason, count: counts.get(reason) ?? 0 })),
      errors: page.errors,
      values: page.values ?? {},
    });
  }

  async function change(req: Request, res: Response) {
    try {
      const input = parseSuppressionForm(req.body);
      await service.changeSuppression(db, { organiserId: organiserOf(res).id }, input);
      res.redirect(303, `${paths.adminSuppressions()}?done=${input.change}`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const values = Object.fromEntries(['email', 'detail', 'change'].map((k) => [k, typeof body[k] === 'string' ? body[k] : '']));
      await render(req, res, { errors: error.fields, values });
    }
  }

  router.get(routes.adminSuppressions, kit.csrf.provideToken, (req, res) => render(req, res));
  router.post(routes.adminSuppressions, kit.csrf.protect, change);
  return router;
}
