// Getting into the admin and out of it: sign-in, one-time links, password
// resets, one's own account. The pages before a session exist use the public,
// sessionless CSRF tokens; sign-out and the account page use the session's.
import { Router, type Request, type Response } from 'express';
import type { AppDeps, HttpKit } from '../app.ts';
import { Invalid } from '../errors.ts';
import { windowLimit } from '../http/rate-limit.ts';
import { translate } from '../i18n/index.ts';
import { paths, routes } from '../urls.ts';
import * as accounts from './accounts.service.ts';
import { parseNewPassword, parsePasswordChange, parseResetRequest, parseSignIn } from './accounts.schema.ts';
import { organiserOf, type AdminKit } from './kit.ts';
import { beginSession, endSession, safeReturnPath } from './session.ts';

const MINUTE = 60_000;

/** Sign-in and reset pages: reachable without a session. */
export function accountsPublicRoutes(deps: AppDeps, http: HttpKit): Router {
  const router = Router();
  const { db } = deps;
  const t = (res: Response, key: Parameters<typeof translate>[1], vars?: Record<string, unknown>) => translate(res.locals.locale, key, vars);
  const accountKey = (req: Request) => {
    const email = (req.body as Record<string, unknown> | undefined)?.email;
    return typeof email === 'string' && email.length <= 254 ? accounts.normaliseEmail(email) : undefined;
  };
  // Guessing passwords: per address, few; per account, fewer, and only failures
  // count, so the owner is never locked out for good — the window passes, and a reset link still works.
  const limits = {
    signInPerIp: windowLimit(db, 'admin-sign-in-ip', { windowMs: MINUTE, limit: 20 }),
    signInPerAccount: windowLimit(db, 'admin-sign-in-account', { windowMs: 15 * MINUTE, limit: 10, keyOf: accountKey, failuresOnly: true }),
    resetPerIp: windowLimit(db, 'admin-reset-ip', { windowMs: MINUTE, limit: 10 }),
    resetPerAccount: windowLimit(db, 'admin-reset-account', { windowMs: 60 * MINUTE, limit: 5, keyOf: accountKey }),
    linkPerIp: windowLimit(db, 'admin-link-ip', { windowMs: MINUTE, limit: 30 }),
  };

  function showSignIn(req: Request, res: Response) {
    res.render('admin/accounts/sign-in', {
      layout: 'admin',
      title: t(res, 'admin.signIn.title'),
      next: safeReturnPath(req.query.next),
      signedOut: req.query.done === 'signed-out',
    });
  }

  async function signIn(req: Request, res: Response) {
    const next = safeReturnPath((req.body as Record<string, unknown>).next);
    let form;
    try {
      form = parseSignIn(req.body);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      form = { email: '', password: '' };
    }
    const organiser = form.email && form.password ? await accounts.authenticate(db, form.email, form.password) : undefined;
    if (!organiser) {
      http.csrf.issueToken(req, res);
      // The same words for an unknown email, a wrong password and a disabled account.
      return res.status(401).render('admin/accounts/sign-in', { layout: 'admin', title: t(res, 'admin.signIn.title'), next, email: form.email, failed: true });
    }
    await beginSession(req, organiser.id);
    res.redirect(303, next);
  }

  async function showSignInLink(req: Request, res: Response) {
    const whom = await accounts.inspectLink(db, req.params.token, 'sign-in');
    res.render('admin/accounts/sign-in-link', { layout: 'admin', title: t(res, 'admin.signIn.title'), whom, token: req.params.token });
  }

  async function signInWithLink(req: Request, res: Response) {
    const organiser = await accounts.useSignInLink(db, req.params.token);
    await beginSession(req, organiser.id);
    res.redirect(303, paths.adminHome());
  }

  function showResetRequest(req: Request, res: Response) {
    res.render('admin/accounts/reset-request', { layout: 'admin', title: t(res, 'admin.reset.title'), sent: req.query.done === 'sent' });
  }

  async function requestReset(req: Request, res: Response) {
    let email: string;
    try {
      email = parseResetRequest(req.body).email;
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      http.csrf.issueToken(req, res);
      return res.status(422).render('admin/accounts/reset-request', { layout: 'admin', title: t(res, 'admin.reset.title'), errors: error.fields, email: (req.body as { email?: unknown }).email });
    }
    await accounts.requestPasswordReset(deps, email);
    res.redirect(303, `${paths.adminPasswordReset()}?done=sent`);
  }

  async function showReset(req: Request, res: Response) {
    const whom = await accounts.inspectLink(db, req.params.token, 'password-reset');
    res.render('admin/accounts/reset', { layout: 'admin', title: t(res, 'admin.reset.choose'), whom, token: req.params.token });
  }

  async function reset(req: Request, res: Response) {
    try {
      const form = parseNewPassword(req.body);
      const { organiser, sessionsFrom } = await accounts.resetPassword(deps, req.params.token, form.password, form.confirmation);
      await beginSession(req, organiser.id, sessionsFrom);
      res.redirect(303, `${paths.adminHome()}?done=password-set`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      const whom = await accounts.inspectLink(db, req.params.token, 'password-reset');
      http.csrf.issueToken(req, res);
      res.status(422).render('admin/accounts/reset', { layout: 'admin', title: t(res, 'admin.reset.choose'), whom, token: req.params.token, errors: error.fields });
    }
  }

  // One-time links are secrets in the address: no cache may keep these pages.
  const noStore = (_req: Request, res: Response, next: () => void) => {
    res.set('Cache-Control', 'no-store');
    next();
  };
  const { csrf } = http;
  router.get(routes.adminSignIn, noStore, csrf.provideToken, showSignIn);
  router.post(routes.adminSignIn, noStore, csrf.protect, limits.signInPerIp, limits.signInPerAccount, signIn);
  router.get(routes.adminPasswordReset, noStore, csrf.provideToken, showResetRequest);
  router.post(routes.adminPasswordReset, noStore, csrf.protect, limits.resetPerIp, limits.resetPerAccount, requestReset);
  router.get(routes.adminPasswordResetToken, noStore, csrf.provideToken, showReset);
  router.post(routes.adminPasswordResetToken, noStore, csrf.protect, limits.linkPerIp, reset);
  router.get(routes.adminSignInLink, noStore, csrf.provideToken, showSignInLink);
  router.post(routes.adminSignInLink, noStore, csrf.protect, limits.linkPerIp, signInWithLink);
  return router;
}

/** Signing out and one's own account: behind the session. */
export function accountRoutes(deps: AppDeps, kit: AdminKit, cookieName: string): Router {
  const router = Router();
  const t = (res: Response, key: Parameters<typeof translate>[1]) => translate(res.locals.locale, key);

  async function signOut(req: Request, res: Response) {
    await endSession(req, res, cookieName);
    res.redirect(303, `${paths.adminSignIn()}?done=signed-out`);
  }

  function showAccount(req: Request, res: Response) {
    res.render('admin/accounts/account', { layout: 'admin', title: t(res, 'admin.account.title'), changed: req.query.done === 'password-changed' });
  }

  async function changePassword(req: Request, res: Response) {
    const organiser = organiserOf(res);
    try {
      const form = parsePasswordChange(req.body);
      const sessionsFrom = await accounts.changePassword(deps, organiser, form, req.sessionID);
      // This session began before the change: it goes on as a new one.
      await beginSession(req, organiser.id, sessionsFrom);
      res.redirect(303, `${paths.adminAccount()}?done=password-changed`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      kit.csrf.issueToken(req, res);
      res.status(422).render('admin/accounts/account', { layout: 'admin', title: t(res, 'admin.account.title'), errors: error.fields });
    }
  }

  router.post(routes.adminSignOut, kit.csrf.protect, signOut);
  router.get(routes.adminAccount, kit.csrf.provideToken, showAccount);
  router.post(routes.adminAccount, kit.csrf.protect, changePassword);
  return router;
}
