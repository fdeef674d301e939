// The public privacy notice (the campaign's own, or Placard's default), and
// below it the form that emails a supporter the link to their data. The answer
// to that form is the same whether the address is known or not: the lookup is
// the job's (src/supporters/privacy.job.ts).
import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { AppDeps, HttpKit } from '../app.ts';
import { Invalid } from '../errors.ts';
import { windowLimit } from '../http/rate-limit.ts';
import { translate } from '../i18n/index.ts';
import { parsePrivacyRequest } from '../supporters/privacy.schema.ts';
import { requestPrivacyLink } from '../supporters/privacy.service.ts';
import { paths, routes } from '../urls.ts';
import { getCampaign, privacyNoticeHtml } from './campaign.ts';

const MINUTE = 60_000;

/**
 * The per-address limit's key: a hash, so the rate-limit table never holds an
 * address typed into the form. Undefined (nothing counted) for a value that is
 * no address: the form refuses it anyway.
 */
function addressKey(req: Request): string | undefined {
  const email = (req.body as Record<string, unknown> | undefined)?.email;
  if (typeof email !== 'string' || email.length > 254) return undefined;
  return createHash('sha256').update(`placard-privacy-request\0${email.trim().toLowerCase()}`).digest('base64url');
}

export function privacyRoutes(deps: Pick<AppDeps, 'db' | 'queue' | 'config'>, http: HttpKit): Router {
  const router = Router();
  const { db, config } = deps;
  // Each request emails someone: few per connection, fewer per address (a link lasts an hour anyway).
  const limits = {
    perIp: windowLimit(db, 'privacy-request-ip', { windowMs: MINUTE, limit: 10 }),
    perAddress: windowLimit(db, 'privacy-request-address', { windowMs: 60 * MINUTE, limit: 5, keyOf: addressKey }),
  };

  async function render(req: Request, res: Response, form: { email?: unknown; errors?: Invalid['fields'] } = {}) {
    const campaign = await getCampaign(db);
    res.render('settings/privacy', {
      title: translate(res.locals.locale, 'campaign.privacy.title'),
      notice: privacyNoticeHtml(campaign, config.anonymiseAfterDays),
      erased: req.query.done === 'erased',
      email: typeof form.email === 'string' ? form.email : '',
      errors: form.errors,
    });
  }

  async function showNotice(req: Request, res: Response) {
    await render(req, res);
  }

  async function askForLink(req: Request, res: Response) {
    let email: string;
    try {
      email = parsePrivacyRequest(req.body).email;
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      res.status(422);
      http.csrf.issueToken(req, res);
      return render(req, res, { email: (req.body as Record<string, unknown>).email, errors: error.fields });
    }
    await requestPrivacyLink(deps, email);
    res.redirect(303, paths.privacyCheckEmail());
  }

  const { csrf } = http;
  router.get(routes.privacy, csrf.provideToken, showNotice);
  router.post(routes.privacy, csrf.protect, limits.perIp, limits.perAddress, askForLink);
  return router;
}
