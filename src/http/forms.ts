// Form bodies. The body parser (qs) silently drops fields named __proto__, so
// `__proto__=a&__proto__=b` would be accepted where any other repeated field
// is refused. A field of that name is never ours: the raw body is checked as
// it is parsed, and such a form is refused as invalid (422).
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { Invalid } from '../errors.ts';

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const flagged = new WeakSet<IncomingMessage>();

/** The body parser's `verify` hook: notes a body with a prototype key. */
export function flagPrototypeKeys(req: IncomingMessage, _res: unknown, body: Buffer): void {
  for (const key of new URLSearchParams(body.toString('utf8')).keys()) {
    if (PROTOTYPE_KEYS.has(key.replace(/\[.*$/, ''))) flagged.add(req);
  }
}

export const refusePrototypeKeys: RequestHandler = (req, _res, next) => {
  next(flagged.has(req) ? new Invalid({ form: 'errors.badRequest' }) : undefined);
};
