// The organiser admin, wired in one place. Everything under /admin gets the
// session and its own body parser (posts are longer than a signature); the
// pages that lead to a session come first, then `requireOrganiser` guards every
// route after it, so a router mounted below cannot be reached without one
// (test/admin/routes.test.ts enumerates them all to check).
import express, { Router } from 'express';
import type { AppDeps, HttpKit } from '../app.ts';
import { createCsrf } from '../http/csrf.ts';
import { flagPrototypeKeys, refusePrototypeKeys } from '../http/forms.ts';
import { accountRoutes, accountsPublicRoutes } from './accounts.routes.ts';
import { auditAdminRoutes } from './audit.routes.ts';
import { dashboardAdminRoutes } from './dashboard.routes.ts';
import type { AdminKit } from './kit.ts';
import { organisersAdminRoutes } from './organisers.routes.ts';
import { adminSession, requireAdmin, requireOrganiser, sessionCookieName } from './session.ts';

export function adminRoutes(deps: AppDeps, http: HttpKit): Router {
  const router = Router();
  const https = deps.config.baseUrl.startsWith('https://');
  const cookieName = sessionCookieName(https);
  const kit: AdminKit = {
    // A token is bound to the session: one stolen from another organiser's page is useless here.
    csrf: createCsrf({ secret: deps.secret, secureCookies: https, cookie: 'admin-csrf', sessionIdentifier: (req) => req.sessionID }),
    requireAdmin,
  };

  router.use(
    '/admin',
    adminSession(deps),
    express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 2000, verify: flagPrototypeKeys }),
    refusePrototypeKeys,
  );
  router.use(accountsPublicRoutes(deps, http));

  router.use('/admin', requireOrganiser(deps, cookieName), (req, res, next) => {
    // Every page's header has the sign-out form, so every page has a token.
    if (req.method === 'GET') kit.csrf.issueToken(req, res);
    next();
  });
  router.use(accountRoutes(deps, kit, cookieName));
  router.use(organisersAdminRoutes(deps, kit));
  router.use(auditAdminRoutes(deps, kit));
  router.use(dashboardAdminRoutes(deps, kit));
  return router;
}
