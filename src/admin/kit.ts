// What every admin router receives from admin.routes.ts, which has already put
// the session, the signed-in organiser and the body parsers in front of it.
import type { RequestHandler, Response } from 'express';
import type { Csrf } from '../http/csrf.ts';

export type Role = 'admin' | 'organiser';

/** The organiser signed in for this request: res.locals.organiser on every admin page. */
export type SignedInOrganiser = {
  id: number;
  email: string;
  name: string;
  role: Role;
};

export type AdminKit = {
  /** Bound to the organiser's session: provideToken on a page with a form, protect on every POST. */
  csrf: Csrf;
  /** Refuses (403) an organiser who is not an admin: for organisers, settings. */
  requireAdmin: RequestHandler;
};

/** The organiser of an admin request (set by requireOrganiser before any admin route runs). */
export function organiserOf(res: Response): SignedInOrganiser {
  const organiser = res.locals.organiser as SignedInOrganiser | undefined;
  if (!organiser) throw new Error('organiserOf: no organiser on this request (route mounted outside the admin?)');
  return organiser;
}
