// The audit log, for admins: newest first, a page at a time, optionally one
// thing's history (?subject=post:12).
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.ts';
import { BadRequest } from '../http/errors.ts';
import { translate } from '../i18n/index.ts';
import { paths, routes } from '../urls.ts';
import { listAuditEntries } from './audit.ts';
import type { AdminKit } from './kit.ts';

const PAGE_SIZE = 50;

export function auditAdminRoutes(deps: AppDeps, kit: AdminKit): Router {
  const router = Router();

  async function showAudit(req: Request, res: Response) {
    const { before, subject } = req.query;
    if (before !== undefined && (typeof before !== 'string' || !/^[1-9]\d{0,18}$/.test(before))) throw new BadRequest();
    if (subject !== undefined && (typeof subject !== 'string' || !/^[a-z_]{1,40}:[\w-]{1,60}$/.test(subject))) throw new BadRequest();
    const [subjectType, subjectId] = typeof subject === 'string' ? subject.split(':') : [undefined, undefined];
    const entries = await listAuditEntries(deps.db, { beforeId: before, subjectType, subjectId, limit: PAGE_SIZE + 1 });
    const more = entries.length > PAGE_SIZE;
    const shown = entries.slice(0, PAGE_SIZE).map((entry) => ({
      ...entry,
      changes: Object.keys({ ...entry.before, ...entry.after }).map((field) => ({
        field,
        before: entry.before && field in entry.before ? JSON.stringify(entry.before[field]) : '',
        after: entry.after && field in entry.after ? JSON.stringify(entry.after[field]) : '',
      })),
    }));
    const params = (id: string) => `?${new URLSearchParams({ before: id, ...(typeof subject === 'string' ? { subject } : {}) })}`;
    res.render('admin/audit/list', {
      layout: 'admin',
      title: translate(res.locals.locale, 'admin.audit.title'),
      entries: shown,
      subject,
      older: more ? `${paths.adminAudit()}${params(String(shown[shown.length - 1]!.id))}` : undefined,
    });
  }

  router.get(routes.adminAudit, kit.requireAdmin, showAudit);
  return router;
}
