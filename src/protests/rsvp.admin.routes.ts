// The organisers' view of a protest's RSVPs: the count and first names, name
// and email only of those who agreed to share them; the CSV of the same,
// recorded in the audit log; and the link for the local organiser (only its
// hash is kept; making one replaces the last, and is audited).
import { stringify } from 'csv-stringify/sync';
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.ts';
import { organiserOf, type AdminKit } from '../admin/kit.ts';
import { recordAudit } from '../admin/audit.ts';
import { withTransaction } from '../db/pool.ts';
import { NotFound } from '../errors.ts';
import { newToken } from '../http/link-tokens.ts';
import { requireId } from '../http/params.ts';
import { translate } from '../i18n/index.ts';
import { absolute, paths, routes } from '../urls.ts';
import { localTimeOf } from './rsvp-pledge.ts';
import * as repo from './rsvp.repo.ts';

export function rsvpAdminRoutes(deps: AppDeps, kit: AdminKit): Router {
  const router = Router();
  const { db } = deps;

  async function protestOf(req: Request): Promise<repo.AdminProtest> {
    const protest = await repo.adminGetProtest(db, requireId(req.params.id));
    if (!protest) throw new NotFound();
    return protest;
  }

  async function render(req: Request, res: Response, protest: repo.AdminProtest, organiserLink?: string) {
    const rsvps = await repo.listProtestRsvps(db, protest.id);
    if (!res.locals.csrfToken) kit.csrf.issueToken(req, res);
    res.set('Cache-Control', 'no-store');
    res.render('protests/rsvp-admin', {
      layout: 'admin',
      title: translate(res.locals.locale, 'rsvp.admin.title', { place: protest.place, city: protest.city }),
      protest,
      when: localTimeOf(protest.starts_at, protest.time_zone),
      count: rsvps.length,
      rsvps,
      organiserLink,
    });
  }

  async function show(req: Request, res: Response) {
    await render(req, res, await protestOf(req));
  }

  async function csv(req: Request, res: Response) {
    const protest = await protestOf(req);
    const organiser = organiserOf(res);
    const rsvps = await repo.listProtestRsvps(db, protest.id);
    // Recorded before anything leaves: an export nobody can account for is what the log is for.
    await recordAudit(db, {
      organiserId: organiser.id,
      event: 'rsvps.export',
      subject: { type: 'protest', id: protest.id },
      summary: `Exported the RSVPs of ${protest.place}, ${protest.city} (${rsvps.length})`,
    });
    const body = stringify(rsvps.map((r) => [r.first_name, r.full_name ?? '', r.email ?? '', r.confirmed_at.toISOString()]), {
      // As the house's other exports: names strangers typed are never live formulas, and a BOM for Excel's UTF-8.
      bom: true,
      escape_formulas: true,
      header: true,
      columns: ['first_name', 'shared_name', 'shared_email', 'confirmed_at'],
    });
    res.set('Cache-Control', 'no-store');
    res.attachment(`protest-${protest.id}-rsvps.csv`).type('text/csv; charset=utf-8').send(body);
  }

  async function makeOrganiserLink(req: Request, res: Response) {
    const protest = await protestOf(req);
    const organiser = organiserOf(res);
    const { token, hash } = newToken();
    await withTransaction(db, async (client) => {
      await repo.setOrganiserLink(client, protest.id, hash, organiser.id);
      await recordAudit(client, {
        organiserId: organiser.id,
        event: 'protest.organiser_link',
        subject: { type: 'protest', id: protest.id },
        summary: `Made the local organiser's link of ${protest.place}, ${protest.city}`,
      });
    });
    // Shown once: only its hash is kept.
    await render(req, res, protest, absolute(deps.config.baseUrl, paths.protestOrganiserView(protest.id, token)));
  }

  router.get(routes.adminProtestRsvps, kit.csrf.provideToken, show);
  router.get(routes.adminProtestRsvpsCsv, csv);
  router.post(routes.adminProtestOrganiserLink, kit.csrf.protect, makeOrganiserLink);
  return router;
}
