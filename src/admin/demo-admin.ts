// A newcomer trying the demo reaches the admin at once: in development with
// demo content, each start prints a one-time sign-in link for a demo admin who
// has no password. Never in production (the demo admin is not even created).
import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
import { printLine } from '../log.ts';
import { absolute, paths } from '../urls.ts';
import { createSignInLink, SIGN_IN_LINK_MINUTES } from './accounts.service.ts';
import * as repo from './organisers.repo.ts';

export const DEMO_ADMIN_EMAIL = 'demo-admin@placard.invalid';

/** The demo admin's id, creating the account (no password) the first time. */
export async function ensureDemoAdmin(db: Pool): Promise<number> {
  const created = await repo.insertOrganiser(db, { email: DEMO_ADMIN_EMAIL, name: 'Demo admin', role: 'admin', passwordHash: null });
  return created?.id ?? (await repo.getOrganiserByEmail(db, DEMO_ADMIN_EMAIL))!.id;
}

/** In development with demo content only: a fresh one-time link for the demo admin, on the console. */
export async function printDemoSignInLink(db: Pool, config: Pick<Config, 'env' | 'demoContent' | 'baseUrl'>, print: (line: string) => void = printLine): Promise<string | undefined> {
  if (config.env !== 'development' || !config.demoContent) return undefined;
  const token = await createSignInLink(db, await ensureDemoAdmin(db));
  const url = absolute(config.baseUrl, paths.adminSignInLink(token));
  print(`Sign in to the admin as the demo admin (once, within ${SIGN_IN_LINK_MINUTES} minutes): ${url}`);
  return url;
}
