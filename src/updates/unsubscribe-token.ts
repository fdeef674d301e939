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

// The purpose is in the MAC: a token made for one purpose (an RSVP's page,
// src/protests/rsvp-token.ts) never verifies for another.
function macOf(key: Buffer, purpose: string, id: number): Buffer {
  return createHmac('sha256', key).update(`${purpose}:${id}`).digest().subarray(0, MAC_BYTES);
}

/** A stateless token for `id` and `purpose` (the same shape as the unsubscribe token). */
export function idToken(key: Buffer, purpose: string, id: number): string {
  return `${id}.${macOf(key, purpose, id).toString('base64url')}`;
}

/** The id a token was made for under `purpose`; undefined for anything else (compared in constant time). */
export function verifyIdToken(key: Buffer, purpose: string, token: unknown): number | undefined {
  if (typeof token !== 'string') return undefined;
  const match = SHAPE.exec(token);
  if (!match) return undefined;
  const id = Number(match[1]);
  if (!Number.isSafeInteger(id)) return undefined;
  const given = Buffer.from(match[2]!, 'base64url');
  if (given.length !== MAC_BYTES) return undefined;
  return timingSafeEqual(given, macOf(key, purpose, id)) ? id : undefined;
}

export function unsubscribeToken(key: Buffer, supporterId: number): string {
  return idToken(key, PURPOSE, supporterId);
}

/** The supporter a token was made for; undefined for anything else (compared in constant time). */
export function verifyUnsubscribeToken(key: Buffer, token: unknown): number | undefined {
  return verifyIdToken(key, PURPOSE, token);
}
