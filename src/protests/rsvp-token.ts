// The token of an RSVP's own page (/rsvp/:token), in every email about the
// RSVP: stateless like the unsubscribe token (src/updates/unsubscribe-token.ts,
// whose key and shape it shares under its own purpose), so it works for as
// long as the supporter keeps the email, and nothing is stored. The purpose is
// inside the MAC: an unsubscribe token never opens an RSVP, nor the reverse.
import type { Queryable } from '../db/pool.ts';
import { idToken, unsubscribeKeyFor, verifyIdToken } from '../updates/unsubscribe-token.ts';

const PURPOSE = 'rsvp-page';

export const rsvpToken = (key: Buffer, rsvpId: number): string => idToken(key, PURPOSE, rsvpId);
export const verifyRsvpToken = (key: Buffer, token: unknown): number | undefined => verifyIdToken(key, PURPOSE, token);

/** The key in a worker (the web app derives the same from its secret): APP_SECRET, or the secret kept in the database. */
export const rsvpKeyFor = (db: Queryable, configured: string | undefined): Promise<Buffer> => unsubscribeKeyFor(db, configured);

/** The token for paths.rsvp(token) of this RSVP; `configured` is config.appSecret. */
export async function rsvpPageToken(db: Queryable, configured: string | undefined, rsvpId: number): Promise<string> {
  return rsvpToken(await rsvpKeyFor(db, configured), rsvpId);
}
