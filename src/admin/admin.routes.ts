// The organiser admin, wired in one place. Everything under /admin gets the
// session; the pages that lead to one come first, then `requireOrganiser`
// guards every route after it (and comes before its body is even read), so a router mounted below cannot be reached without one
// (test/admin/routes.test.ts enumerates them all to check).
import express, { Router } from 'express';
import { actionsAdminRoutes } from '../actions/actions.admin.routes.ts';
import type { AppDeps, HttpKit } from '../app.ts';
import { createCsrf } from '../http/csrf.ts';
import { paths } from '../urls.ts';
import { flagPrototypeKeys, refusePrototypeKeys } from '../http/forms.ts';
import { accountRoutes, accountsPublicRoutes } from './accounts.routes.ts';
import { auditAdminRoutes } from './audit.routes.ts';
import { dashboardAdminRoutes } from './dashboard.routes.ts';
import { deliveriesAdminRoutes } from '../letters/deliveries.admin.routes.ts';
import { imagesAdminRoutes } from '../images/images.admin.routes.ts';
import { letterPdfAdminRoutes } from '../letters/letter-pdf.admin.routes.ts';
import { lettersAdminRoutes } from '../letters/letters.admin.routes.ts';
import type { AdminKit } from './kit.ts';
import { organisersAdminRoutes } from './organisers.routes.ts';
import { settingsAdminRoutes } from '../settings/settings.admin.routes.ts';
import { postsAdminRoutes } from '../posts/posts.admin.routes.ts';
import { protestsAdminRoutes } from '../protests/protests.admin.routes.ts';
import { recipientsAdminRoutes } from '../letters/recipients.admin.routes.ts';
import { responsesAdminRoutes } from '../letters/responses.admin.routes.ts';
import { adminSession, requireAdmin, requireOrganiser, sessionCookieName } from './session.ts';
import { signaturesAdminRoutes } from '../signatures/signatures.admin.routes.ts';
import { suppressionsAdminRoutes } from '../updates/suppressions.admin.routes.ts';
import { updatesAdminRoutes } from '../updates/updates.admin.routes.ts';
import { rsvpAdminRoutes } from '../protests/rsvp.admin.routes.ts';

function bodyParser(limit: string, parameterLimit: number) {
  return express.urlencoded({ extended: false, limit, parameterLimit, verify: flagPrototypeKeys });
}

export function adminRoutes(deps: AppDeps, http: HttpKit): Router {
  const router = Router();
  const https = deps.config.baseUrl.startsWith('https://');
  const cookieName = sessionCookieName(https);
  const kit: AdminKit = {
    // A token is bound to the session: one stolen from another organiser's page is useless here.
    csrf: createCsrf({ secret: deps.secret, secureCookies: https, cookie: 'admin-csrf', sessionIdentifier: (req) => req.sessionID }),
    requireAdmin,
  };

  router.use('/admin', adminSession(deps));
  // Before a session, a form is as small as a supporter's: strangers cannot make us parse a megabyte.
  router.use([paths.adminSignIn(), paths.adminPasswordReset()], bodyParser('16kb', 50), refusePrototypeKeys);
  router.use(accountsPublicRoutes(deps, http));

  // From here on, a session is required before anything else, the body included.
  router.use(
    '/admin',
    requireOrganiser(deps, cookieName),
    (req, res, next) => {
      // Every page's header has the sign-out form, so every page has a token.
      if (req.method === 'GET') kit.csrf.issueToken(req, res);
      next();
    },
    // Posts are longer than a signature.
    bodyParser('1mb', 2000),
    refusePrototypeKeys,
  );
  // Accounts and the campaign (organisers, settings and the audit log are for admins).
  router.use(accountRoutes(deps, kit, cookieName));
  router.use(organisersAdminRoutes(deps, kit));
  router.use(settingsAdminRoutes(deps, kit));
  router.use(auditAdminRoutes(deps, kit));
  // Content.
  router.use(postsAdminRoutes(deps, kit));
  router.use(imagesAdminRoutes(deps, kit));
  // Actions: their forms before the overview, whose /admin/actions/:id would otherwise meet /admin/actions/new.
  router.use(actionsAdminRoutes(deps, kit));
  router.use(dashboardAdminRoutes(deps, kit));
  router.use(signaturesAdminRoutes(deps, kit));
  // Letters: the delivery log.
  router.use(deliveriesAdminRoutes(deps, kit));
  // Letters: the printed letter.
  router.use(letterPdfAdminRoutes(deps, kit));
  // Letters: an action's letter, its preview and the paragraphs to read.
  router.use(lettersAdminRoutes(deps, kit));
  // Supporters: campaign updates and the suppression list (every organiser).
  router.use(updatesAdminRoutes(deps, kit));
  router.use(suppressionsAdminRoutes(deps, kit));
  // Letters: the directory of recipients, and their responses.
  router.use(recipientsAdminRoutes(deps, kit));
  router.use(responsesAdminRoutes(deps, kit));
  // Protest calls: the call's day of action and its protests.
  router.use(protestsAdminRoutes(deps, kit));
  // Protest calls: a protest's RSVPs, their CSV and the local organiser's link.
  router.use(rsvpAdminRoutes(deps, kit));
  return router;
}
