// Organisers' sessions: express-session, stored in PostgreSQL (connect-pg-simple)
// so that every instance knows them. A session ends at sign-out, after
// ADMIN_SESSION_IDLE_MINUTES without a request (the cookie and the stored row
// expire together, renewed by each request), and ADMIN_SESSION_MAX_HOURS after
// signing in whatever happens; also when the organiser's password is reset or
// their account disabled (sessions_valid_after, checked on every request).
import { createHmac } from 'node:crypto';
import connectPgSimple from 'connect-pg-simple';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
import { AdminOnly } from '../errors.ts';
import { HttpError } from '../http/errors.ts';
import { paths } from '../urls.ts';
import type { SignedInOrganiser } from './kit.ts';
import * as repo from './organisers.repo.ts';

declare module 'express-session' {
  interface SessionData {
    /** Who signed in, and when (ms since the epoch): the session's absolute lifetime counts from then. */
    organiser?: { id: number; signedInAt: number };
  }
}

export function sessionCookieName(https: boolean): string {
  // __Host-: only this host, path /, Secure: no subdomain can plant or read it.
  return https ? '__Host-placard.admin' : 'placard.admin';
}

export function adminSession(deps: { config: Config; db: Pool; secret: string }): RequestHandler {
  const PgStore = connectPgSimple(session);
  const https = deps.config.baseUrl.startsWith('https://');
  return session({
    name: sessionCookieName(https),
    secret: createHmac('sha256', deps.secret).update('admin-session').digest('hex'),
    store: new PgStore({
      pool: deps.db,
      tableName: 'admin_sessions',
      createTableIfMissing: false,
      // Expired rows are deleted by a periodic task (prune-admin-sessions), not a timer in every process.
      pruneSessionInterval: false,
    }),
    // No session is stored (and no cookie set) until an organiser signs in.
    saveUninitialized: false,
    resave: false,
    // Each request pushes the idle expiry forward, in the cookie and in the store.
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: https, path: '/', maxAge: deps.config.adminSession.idleMs },
  });
}

function promised(run: (done: (error?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => run((error) => (error ? reject(error) : resolve())));
}

/** Starts a signed-in session under a new id (the old one, perhaps planted, is dropped). */
export async function beginSession(req: Request, organiserId: number, signedInAt: Date = new Date()): Promise<void> {
  await promised((done) => req.session.regenerate(done));
  req.session.organiser = { id: organiserId, signedInAt: signedInAt.getTime() };
  await promised((done) => req.session.save(done));
}

export async function endSession(req: Request, res: Response, cookieName: string): Promise<void> {
  await promised((done) => req.session.destroy(done));
  res.clearCookie(cookieName, { path: '/' });
}

/** An admin page's path to come back to after signing in; anything else goes to the admin's home. */
export function safeReturnPath(value: unknown): string {
  // Only a path inside the admin, with no dot segments (`/admin/../x`, encoded or not) and no other host (`//x`, `/\x`).
  if (typeof value !== 'string' || !/^\/admin(\/[A-Za-z0-9._~\-/%?=&]*)?$/.test(value) || /(^|\/)\.\.?(\/|$)|\/\/|%2e|%2f|%5c/i.test(value)) return paths.adminHome();
  return value;
}

/**
 * Every admin page: a live session of an organiser still allowed in, or no page.
 * A page is sent to sign in (and back afterwards); anything else gets 401.
 */
export function requireOrganiser(deps: { config: Config; db: Pool }, cookieName: string): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    // Admin pages hold personal data: no cache keeps them, not even the browser's back button.
    res.set('Cache-Control', 'no-store');
    const held = req.session?.organiser;
    let organiser: SignedInOrganiser | undefined;
    if (held && Number.isSafeInteger(held.id) && typeof held.signedInAt === 'number') {
      const fresh = Date.now() - held.signedInAt < deps.config.adminSession.maxAgeMs;
      organiser = fresh ? await repo.getSessionOrganiser(deps.db, held.id, new Date(held.signedInAt)) : undefined;
    }
    if (!organiser) {
      if (held) await endSession(req, res, cookieName);
      if (req.method === 'GET' || req.method === 'HEAD') {
        return res.redirect(303, `${paths.adminSignIn()}?next=${encodeURIComponent(req.originalUrl)}`);
      }
      return next(new HttpError(401, 'unauthenticated', 'admin.signIn.required'));
    }
    res.locals.organiser = organiser;
    next();
  };
}

export const requireAdmin: RequestHandler = (_req, res, next) => {
  const organiser = res.locals.organiser as SignedInOrganiser | undefined;
  if (organiser?.role !== 'admin') return next(new AdminOnly('admin only'));
  next();
};
