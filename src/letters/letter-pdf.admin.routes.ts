// The printed letter, downloaded by organisers at any time: to one recipient
// (?recipient=<id>), or, when the letter goes to several and none is named, a
// page to choose. Mounted by src/admin/admin.routes.ts behind the session and
// requireOrganiser. Names are personal data: never cached, and every download
// is in the audit log before a byte leaves.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../app.ts';
import { recordAudit } from '../admin/audit.ts';
import { organiserOf, type AdminKit } from '../admin/kit.ts';
import { NotFound } from '../errors.ts';
import { RateLimited } from '../http/errors.ts';
import { translate, type Locale } from '../i18n/index.ts';
import { ReaderGone } from '../pdf/streamed-pdf.ts';
import { getCampaign } from '../settings/campaign.ts';
import { requireId } from '../signatures/signatures.admin.schema.ts';
import { paths, routes } from '../urls.ts';
import * as repo from './letter-digests.repo.ts';
import { letterPdfMeta, streamLetterPdf } from './letter-pdf.ts';
import { getLetter } from './letters.repo.ts';

const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

// Each download holds a connection of its own while it lasts (as the signatures' exports do).
const MAX_CONCURRENT_PRINTS = 2;

export function letterPdfAdminRoutes(deps: AppDeps, _kit: AdminKit): Router {
  const router = Router();
  const { db } = deps;
  let running = 0;

  async function download(req: Request, res: Response) {
    const id = Number(requireId(req.params.id));
    const letter = await getLetter(db, id);
    if (!letter) throw new NotFound();
    const locale: Locale = res.locals.locale;
    const recipients = await repo.routedRecipients(db, id);
    const asked = req.query.recipient;
    let recipient: repo.CollectiveRecipient | undefined;
    if (asked !== undefined) {
      recipient = recipients.find((r) => String(r.id) === asked);
      if (!recipient) throw new NotFound();
    } else if (recipients.length === 1) {
      recipient = recipients[0];
    }
    if (!recipient) {
      const counted = await Promise.all(recipients.map(async (r) => ({ ...r, count: await repo.countPrintedSignatories(db, id, r.id), href: `${paths.adminActionLetterPdf(id)}?recipient=${r.id}` })));
      res.render('admin/letters/letter-pdf', { layout: 'admin', title: translate(locale, 'admin.letterPdf.title', { action: letter.action_title }), recipients: counted });
      return;
    }
    if (running >= MAX_CONCURRENT_PRINTS) throw new RateLimited('admin.signatures.errors.exportsBusy');
    running += 1;
    try {
      const count = await repo.countPrintedSignatories(db, id, recipient.id);
      await recordAudit(db, {
        organiserId: organiserOf(res).id,
        event: 'signatories.export',
        subject: { type: 'action', id },
        summary: `Downloaded the printed letter of “${letter.action_title}” to ${recipient.name}, with ${count} signatories`,
        after: { format: 'letter.pdf', action: id, recipient: recipient.id },
      });
      const campaign = await getCampaign(db);
      const meta = letterPdfMeta({ locale, letter, recipient, campaign: { name: campaign.name, contactEmail: campaign.contactEmail }, count, at: new Date() });
      const slug = letter.action_slug.replace(/[^a-z0-9-]/g, '').slice(0, 80) || `action-${id}`;
      res.set('Content-Type', 'application/pdf');
      res.set('Content-Disposition', `attachment; filename="${slug}-letter-${recipient.id}-${new Date().toISOString().slice(0, 10)}.pdf"`);
      res.set('X-Content-Type-Options', 'nosniff');
      try {
        await streamLetterPdf(db, res, meta, { printed: { actionId: id, recipientId: recipient.id } }, locale);
      } catch (error) {
        if (!(error instanceof ReaderGone) && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') deps.log.warn({ err: error }, 'printed letter failed mid-way');
        res.destroy();
      }
    } finally {
      running -= 1;
    }
  }

  router.get(routes.adminActionLetterPdf, noStore, download);
  return router;
}
