// The token of an RSVP's own page (/rsvp/:token), in every email about the
// RSVP: stateless like the unsubscribe token (src/updates/unsubscribe-token.ts,
// whose key and shape it shares under its own purpose), so it works for as
// long as the supporter keeps the email, and nothing is stored.
import { idToken, verifyIdToken } from '../updates/unsubscribe-token.ts';

const PURPOSE = 'rsvp-page';

export const rsvpToken = (key: Buffer, rsvpId: number): string => idToken(key, PURPOSE, rsvpId);
export const verifyRsvpToken = (key: Buffer, token: unknown): number | undefined => verifyIdToken(key, PURPOSE, token);
