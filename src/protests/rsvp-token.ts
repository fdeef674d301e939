// The token of an RSVP's own page (paths.rsvp: see it, cancel it), in every
// email about the RSVP. Stateless, like the unsubscribe token
// (src/updates/unsubscribe-token.ts): the RSVP's id with an HMAC of the id and
// the purpose, under a key derived from the app secret, so it works for as long
// as the email is kept and nothing is stored. The HMAC makes it a capability:
// without the key, no one can make the token of another RSVP.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/pool.ts';
import { appSecret } from '../settings/settings.repo.ts';

/** Derived from the app secret; a purpose of its own, so no other token of Placard opens an RSVP. */
export function deriveRsvpKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('placard:rsvp-page:v1').digest();
}

const keys = new Map<string, Buffer>();

/** The key from APP_SECRET, or the secret the web app keeps in the database when none is set (so links verify there). */
export async function rsvpKeyFor(db: Queryable, configured: string | undefined): Promise<Buffer> {
  const secret = await appSecret(db, configured);
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = deriveRsvpKey(secret)));
  return key;
}

const PURPOSE = 'rsvp-page';
// 128 bits of the HMAC: far beyond guessing, and a link that stays short.
const MAC_BYTES = 16;
const SHAPE = /^([1-9]\d{0,15})\.([A-Za-z0-9_-]{22})$/;

function macOf(key: Buffer, rsvpId: number): Buffer {
  return createHmac('sha256', key).update(`${PURPOSE}:${rsvpId}`).digest().subarray(0, MAC_BYTES);
}

export function rsvpToken(key: Buffer, rsvpId: number): string {
  return `${rsvpId}.${macOf(key, rsvpId).toString('base64url')}`;
}

/** The token for paths.rsvp(token) of this RSVP; `configured` is config.appSecret. */
export async function rsvpPageToken(db: Queryable, configured: string | undefined, rsvpId: number): Promise<string> {
  return rsvpToken(await rsvpKeyFor(db, configured), rsvpId);
}

/** The RSVP a token was made for; undefined for anything else (compared in constant time). */
export function verifyRsvpToken(key: Buffer, token: unknown): number | undefined {
  if (typeof token !== 'string') return undefined;
  const match = SHAPE.exec(token);
  if (!match) return undefined;
  const id = Number(match[1]);
  if (!Number.isSafeInteger(id)) return undefined;
  const given = Buffer.from(match[2]!, 'base64url');
  if (given.length !== MAC_BYTES) return undefined;
  return timingSafeEqual(given, macOf(key, id)) ? id : undefined;
}
