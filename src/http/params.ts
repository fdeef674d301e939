// Guards for what arrives in the URL: a bad page number is a 400, a slug that
// cannot exist is a 404 without touching the database.
import type { Request } from 'express';
import { NotFound } from '../errors.ts';
import { BadRequest } from './errors.ts';

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const MAX_PAGE = 100_000;

export function requireSlug(value: unknown): string {
  if (typeof value !== 'string' || value.length > 200 || !SLUG.test(value)) throw new NotFound();
  return value;
}

export function pageNumber(req: Request): number {
  const raw = req.query.page;
  if (raw === undefined) return 1;
  if (typeof raw !== 'string' || !/^\d{1,6}$/.test(raw)) throw new BadRequest();
  const page = Number(raw);
  if (page < 1 || page > MAX_PAGE) throw new BadRequest();
  return page;
}

/**
 * A row id in an admin address (`/admin/posts/12`), as pg hands ids to the app
 * (a number: src/db/pool.ts parses bigints so); anything else is a 404 without
 * touching the database.
 */
export function requireId(value: unknown): number {
  if (typeof value !== 'string' || !/^[1-9]\d{0,15}$/.test(value)) throw new NotFound();
  const id = Number(value);
  if (!Number.isSafeInteger(id)) throw new NotFound();
  return id;
}
