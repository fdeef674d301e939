// The token in every update's unsubscribe link and List-Unsubscribe header:
// stateless, so it works for as long as the supporter keeps the email (years),
// whatever is purged meanwhile. It is the supporter's id with an HMAC of the id
// and the purpose, under a key derived from the app secret; nothing is stored.
// The HMAC is what makes it a capability: without the key, no one can make the
// token of another id.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/pool.ts';
import { appSecret } from '../settings/settings.repo.ts';

/** Derived once from the app secret (when a router or a worker starts), never per request. */
export function deriveUnsubscribeKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('placard:unsubscribe:v1').digest();
}

const workerKeys = new Map<string, Buffer>();

/**
 * The key as workers need it: from APP_SECRET, or the secret the web app keeps
 * in the database when none is set (the same one, so the links verify there).
 * Read once per process.
 */
export async function unsubscribeKeyFor(db: Queryable, configured: string | undefined): Promise<Buffer> {
  const secret = await appSecret(db, configured);
  let key = workerKeys.get(secret);
  if (!key) workerKeys.set(secret, (key = deriveUnsubscribeKey(secret)));
  return key;
}

const PURPOSE = 'campaign-updates';
// 128 bits of the HMAC: far beyond guessing, and a link that stays short.
const MAC_BYTES = 16;
const SHAPE = /^([1-9]\d{0,15})\.([A-Za-z0-9_-]{22})$/;

function macOf(key: Buffer, supporterId: number): Buffer {
  return createHmac('sha256', key).update(`${PURPOSE}:${supporterId}`).digest().subarray(0, MAC_BYTES);
}

export function unsubscribeToken(key: Buffer, supporterId: number): string {
  return `${supporterId}.${macOf(key, supporterId).toString('base64url')}`;
}

/** The supporter a token was made for; undefined for anything else (compared in constant time). */
export function verifyUnsubscribeToken(key: Buffer, token: unknown): number | undefined {
  if (typeof token !== 'string') return undefined;
  const match = SHAPE.exec(token);
  if (!match) return undefined;
  const id = Number(match[1]);
  if (!Number.isSafeInteger(id)) return undefined;
  const given = Buffer.from(match[2]!, 'base64url');
  if (given.length !== MAC_BYTES) return undefined;
  return timingSafeEqual(given, macOf(key, id)) ? id : undefined;
}
