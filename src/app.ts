// createApp(deps): the one place the web app is wired. Tests call it without a
// port; server.ts calls it after the database is ready.
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type Express, type Request, type Response, type NextFunction, type RequestHandler } from 'express';
import { actionsRoutes } from './actions/actions.routes.ts';
import { lettersRoutes } from './letters/letters.routes.ts';
import { adminRoutes } from './admin/admin.routes.ts';
import type { Config } from './config.ts';
import type { HealthProbe } from './db/health.ts';
import type { Pool } from './db/pool.ts';
import { loggableUrl, type Logger } from './log.ts';
import { createCsrf, type Csrf } from './http/csrf.ts';
import { errorHandler, notFoundHandler } from './http/error-handler.ts';
import { flagPrototypeKeys, refusePrototypeKeys } from './http/forms.ts';
import { createFormTiming, type FormTiming } from './http/form-timing.ts';
import { createPageCache, type PageCache } from './http/page-cache.ts';
import { perMinuteLimit, signingLimits } from './http/rate-limit.ts';
import { privateWhenSettingCookies } from './http/private-cookies.ts';
import { requireSameOrigin } from './http/same-origin.ts';
import { securityHeaders } from './http/security.ts';
import { createViewEngine, VIEWS_DIR } from './http/views.ts';
import { DEFAULT_LOCALE } from './i18n/index.ts';
import { imagesRoutes } from './images/images.routes.ts';
import { responsesRoutes } from './letters/responses.routes.ts';
import type { Queue } from './jobs/queue.ts';
import { postsRoutes } from './posts/posts.routes.ts';
import { protestsRoutes } from './protests/protests.routes.ts';
import { campaignLocals } from './settings/campaign.ts';
import { privacyRoutes } from './settings/privacy.routes.ts';
import { createConfirmations } from './pledges/confirmation.service.ts';
import { confirmationRoutes } from './pledges/confirmation.routes.ts';
import { rsvpPledge } from './protests/rsvp-pledge.ts';
import { rsvpRoutes } from './protests/rsvp.routes.ts';
import { signaturePledge } from './signatures/signature-pledge.ts';
import { signaturesRoutes } from './signatures/signatures.routes.ts';
import { isUnsubscribePost, unsubscribeRoutes } from './updates/unsubscribe.routes.ts';
import { supporterDataRoutes } from './supporters/privacy.routes.ts';

export type AppDeps = {
  config: Config;
  db: Pool;
  log: Logger;
  /** Enqueues jobs on a transaction's client (pg-boss). */
  queue: Pick<Queue, 'enqueue'>;
  /** Signs CSRF tokens; the same for every instance (APP_SECRET or the one kept in the database). */
  secret: string;
  /** For /healthz: asks the database on a connection of its own. */
  health: Pick<HealthProbe, 'databaseAnswers'>;
};

/** Cross-cutting request guards that routers put in their route tables. */
export type HttpKit = {
  csrf: Csrf;
  /** Signing: several windows at once (src/http/rate-limit.ts signingLimits). */
  limits: { sign: RequestHandler; confirm: RequestHandler };
  /** The signed render time in public forms, against scripts that post at once (src/http/form-timing.ts). */
  formTiming: FormTiming;
  /** The public pages every visitor sees alike, rendered once per PAGE_CACHE_MS (src/http/page-cache.ts). */
  pages: PageCache;
};

function requestLog(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const entry = { method: req.method, url: loggableUrl(req.originalUrl), status: res.statusCode, ms: Math.round(ms * 10) / 10 };
      if (res.statusCode >= 500) log.error(entry, 'request');
      else log.debug(entry, 'request');
    });
    next();
  };
}

const ADMIN_PATH = /^\/admin(?:\/|$)/i;

export function createApp(deps: AppDeps): Express {
  const { config, db, log } = deps;
  const app = express();
  const views = createViewEngine();
  const https = config.baseUrl.startsWith('https://');
  const http: HttpKit = {
    csrf: createCsrf({ secret: deps.secret, secureCookies: https }),
    limits: {
      sign: signingLimits(db, config.rateLimits.sign),
      confirm: perMinuteLimit(db, 'confirm', config.rateLimits.confirmPerMinute),
    },
    formTiming: createFormTiming({ secret: deps.secret, minMs: config.signMinMs }),
    pages: createPageCache({ ttlMs: config.pageCacheMs }),
  };

  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'hbs');
  app.set('view cache', true);
  app.engine('hbs', views.render);
  // Query strings are parsed flat: `?page[]=1` is a string, never an object.
  app.set('query parser', 'simple');

  app.use(requestLog(log));
  app.use(securityHeaders({ https }));
  app.use(privateWhenSettingCookies);
  app.use((_req, res, next) => {
    res.locals.locale = DEFAULT_LOCALE;
    // Deadlines and times are shown in the campaign's zone.
    res.locals.timeZone = config.campaignTimeZone;
    res.locals.baseUrl = config.baseUrl;
    next();
  });
  app.use('/assets', express.static(path.join(VIEWS_DIR, 'assets'), { maxAge: '1h', index: false }));
  // Before every route and its rate limiter, and before its body is even read:
  // a cross-site POST is refused here.
  // One exemption: a one-click unsubscribe (RFC 8058) is posted by mail
  // providers and mail apps, from wherever they are; its token is the
  // capability, and a forged post can only unsubscribe the owner of a token the
  // forger already holds.
  app.use(requireSameOrigin({ baseUrl: config.baseUrl, exempt: isUnsubscribePost }));
  app.use(cookieParser());
  // The campaign's name, contact and privacy link for every page's header and footer,
  // the admin's included (cached, src/settings/campaign.ts).
  app.use(campaignLocals(db, log));
  // An organiser's change shows at once on this instance's public pages (other
  // instances' within PAGE_CACHE_MS): any admin POST that went through forgets them.
  app.use('/admin', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') res.on('finish', () => res.statusCode < 400 && http.pages.clear());
    next();
  });
  // The organiser admin parses its own, longer forms. Only /admin requests go
  // through its routers: a signature need not be matched against a hundred
  // admin routes first (case-insensitive, as Express's own routing is).
  const admin = express.Router();
  admin.use((req, _res, next) => next(ADMIN_PATH.test(req.path) ? undefined : 'router'));
  admin.use(adminRoutes(deps, http));
  app.use(admin);
  // Supporters' forms are small; anything bigger is refused with 413 before it is parsed.
  app.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50, verify: flagPrototypeKeys }));
  app.use(refusePrototypeKeys);

  // Within a second, whether or not the pool is exhausted: a probe that hangs tells
  // nothing. Unhealthy when the database does not answer, or the app's pool is closed.
  app.get('/healthz', async (_req, res) => {
    if (!db.ending && (await deps.health.databaseAnswers())) {
      res.set('Cache-Control', 'no-store').json({ status: 'ok' });
    } else {
      res.status(503).set('Cache-Control', 'no-store').json({ status: 'unavailable', database: 'unreachable' });
    }
  });

  // Signing first: on a viral day it is the request that matters most, and
  // its paths are no other router's.
  app.use(signaturesRoutes(deps, http));
  app.use(imagesRoutes(deps));
  // Recipients' responses: an attachment, as a download.
  app.use(responsesRoutes(deps));
  app.use(postsRoutes(deps, http));
  app.use(actionsRoutes(deps, http));
  app.use(lettersRoutes(deps));
  // Protest calls: a protest's calendar file, a supporter's proposal of a protest; RSVPs.
  app.use(protestsRoutes(deps, http));
  app.use(rsvpRoutes(deps, http));
  // Every kind of pledge confirmed by email: signatures and RSVPs.
  app.use(confirmationRoutes(createConfirmations(db, [signaturePledge(deps), rsvpPledge(deps)]), http));
  app.use(privacyRoutes(deps, http));
  app.use(supporterDataRoutes(deps, http));
  app.use(unsubscribeRoutes(deps));

  app.use(notFoundHandler);
  app.use(errorHandler(log));
  return app;
}
