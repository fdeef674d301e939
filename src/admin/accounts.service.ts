// Organisers' accounts: signing in (password or one-time link), password
// resets, and admins managing who may use the admin. Raises domain errors;
// the routes turn them into pages.
import { randomUUID } from 'node:crypto';
import type { Pool } from '../db/pool.ts';
import { withTransaction } from '../db/pool.ts';
import { Invalid, OrganiserLinkUnusable } from '../errors.ts';
import type { Queue } from '../jobs/queue.ts';
import { hashToken, isWellFormedToken, newToken } from '../http/link-tokens.ts';
import { changedFields, recordAudit } from './audit.ts';
import type { Role } from './kit.ts';
import * as repo from './organisers.repo.ts';
import { hashPassword, passwordMatches, passwordProblem } from './passwords.ts';

/** One-time links: the console's sign-in link is for the person at the terminal right now. */
export const SIGN_IN_LINK_MINUTES = 15;
export const RESET_LINK_MINUTES = 60;
/** An invitation is a reset link that waits longer: the new organiser may read it tomorrow. */
export const INVITE_LINK_MINUTES = 72 * 60;

type Deps = { db: Pool; queue: Pick<Queue, 'enqueue'> };

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

const PASSWORD_MESSAGES = {
  tooShort: 'admin.password.tooShort',
  tooLong: 'admin.password.tooLong',
  isEmail: 'admin.password.isEmail',
} as const;

function checkNewPassword(password: string, confirmation: string, email: string): void {
  const problem = passwordProblem(password, email);
  if (problem) throw new Invalid({ password: PASSWORD_MESSAGES[problem] });
  if (password !== confirmation) throw new Invalid({ confirmation: 'admin.password.mismatch' });
}

/** The organiser whose email and password these are, or undefined; as slow for an unknown email as for a known one. */
export async function authenticate(db: Pool, email: string, password: string): Promise<repo.OrganiserSummary | undefined> {
  const organiser = await repo.getOrganiserByEmail(db, normaliseEmail(email));
  const usable = organiser && !organiser.disabled_at ? organiser : undefined;
  const matches = await passwordMatches(usable?.password_hash, password);
  return matches && usable ? { id: usable.id, email: usable.email, name: usable.name, role: usable.role } : undefined;
}

export type NewOrganiser = { email: string; name: string; role: Role; password?: string };

/** Creates an account; with no password the organiser is invited by email to set one. `by` is the admin, null on the command line. */
export async function createOrganiser(deps: Deps, input: NewOrganiser, by: number | null): Promise<repo.OrganiserSummary> {
  const email = normaliseEmail(input.email);
  if (input.password !== undefined) checkNewPassword(input.password, input.password, email);
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  return withTransaction(deps.db, async (client) => {
    const organiser = await repo.insertOrganiser(client, { email, name: input.name.trim(), role: input.role, passwordHash });
    if (!organiser) throw new Invalid({ email: 'admin.organisers.emailTaken' });
    await recordAudit(client, {
      organiserId: by,
      event: 'organiser.create',
      subject: { type: 'organiser', id: organiser.id },
      summary: `${organiser.name} <${organiser.email}> (${organiser.role})`,
      after: { email, name: organiser.name, role: organiser.role },
    });
    if (input.password === undefined) {
      await deps.queue.enqueue(client, 'send-organiser-email', { template: 'organiser-invite', organiserId: organiser.id, requestId: randomUUID() });
    }
    return organiser;
  });
}

/** A one-time sign-in link's token, valid for `minutes` (the demo admin's console link). */
export async function createSignInLink(db: Pool, organiserId: number, minutes = SIGN_IN_LINK_MINUTES): Promise<string> {
  const { token, hash } = newToken();
  await repo.insertToken(db, hash, organiserId, 'sign-in', minutes);
  return token;
}

function tokenHash(token: unknown): Buffer {
  if (!isWellFormedToken(token)) throw new OrganiserLinkUnusable();
  return hashToken(token);
}

/** Who a live link is for (shown beside its button); a used, expired or unknown link is refused. */
export async function inspectLink(db: Pool, token: unknown, purpose: repo.TokenPurpose): Promise<{ name: string; email: string }> {
  const found = await repo.inspectToken(db, tokenHash(token), purpose);
  if (!found || found.used_at || found.expired) throw new OrganiserLinkUnusable();
  return { name: found.name, email: found.email };
}

/** Uses a sign-in link (once): the organiser to sign in. */
export async function useSignInLink(db: Pool, token: unknown): Promise<repo.OrganiserSummary> {
  const hash = tokenHash(token);
  return withTransaction(db, async (client) => {
    const id = await repo.useToken(client, hash, 'sign-in');
    const organiser = id && (await repo.getOrganiser(client, id));
    if (!organiser || organiser.disabled_at) throw new OrganiserLinkUnusable();
    await recordAudit(client, { organiserId: id, event: 'organiser.sign_in_link', subject: { type: 'organiser', id }, summary: 'Signed in with a one-time link' });
    return { id: organiser.id, email: organiser.email, name: organiser.name, role: organiser.role };
  });
}

/**
 * Always the same work, whether or not the email has an account: one job is
 * queued, and the job looks the address up. The answer and its timing say nothing.
 */
export async function requestPasswordReset(deps: Deps, email: string): Promise<void> {
  await withTransaction(deps.db, (client) =>
    deps.queue.enqueue(client, 'send-organiser-email', { template: 'organiser-password-reset', email: normaliseEmail(email), requestId: randomUUID() }),
  );
}

/**
 * Sets a new password through a reset link (once): every other session of the
 * organiser ends, and they are told by email. Returns the organiser and the
 * moment their new session must begin at (no earlier session is valid).
 */
export async function resetPassword(deps: Deps, token: unknown, password: string, confirmation: string): Promise<{ organiser: repo.OrganiserSummary; sessionsFrom: Date }> {
  const hash = tokenHash(token);
  const whose = await repo.inspectToken(deps.db, hash, 'password-reset');
  if (!whose || whose.used_at || whose.expired) throw new OrganiserLinkUnusable();
  // Checked before the link is used up: a too-short password must not spend it.
  checkNewPassword(password, confirmation, whose.email);
  const passwordHash = await hashPassword(password);
  return withTransaction(deps.db, async (client) => {
    const id = await repo.useToken(client, hash, 'password-reset');
    if (!id) throw new OrganiserLinkUnusable(); // used by a concurrent request
    const sessionsFrom = new Date();
    const organiser = (await repo.setPassword(client, id, passwordHash, sessionsFrom))!;
    await repo.invalidateTokens(client, id, 'password-reset');
    await repo.deleteSessionsOf(client, id);
    await recordAudit(client, { organiserId: id, event: 'organiser.password_reset', subject: { type: 'organiser', id }, summary: 'Set a new password with a reset link; other sessions ended' });
    await deps.queue.enqueue(client, 'send-organiser-email', { template: 'organiser-password-changed', organiserId: id, requestId: randomUUID() });
    return { organiser, sessionsFrom };
  });
}

/** From the account page: the current password, then the new one twice. Other sessions end. */
export async function changePassword(
  deps: Deps,
  organiser: { id: number; email: string },
  input: { current: string; password: string; confirmation: string },
  currentSid: string,
): Promise<Date> {
  const row = await repo.getOrganiserByEmail(deps.db, organiser.email);
  if (!(await passwordMatches(row?.password_hash, input.current))) throw new Invalid({ current: 'admin.password.currentWrong' });
  checkNewPassword(input.password, input.confirmation, organiser.email);
  const passwordHash = await hashPassword(input.password);
  return withTransaction(deps.db, async (client) => {
    const sessionsFrom = new Date();
    await repo.setPassword(client, organiser.id, passwordHash, sessionsFrom);
    await repo.invalidateTokens(client, organiser.id, 'password-reset');
    await repo.deleteSessionsOf(client, organiser.id, currentSid);
    await recordAudit(client, { organiserId: organiser.id, event: 'organiser.password_change', subject: { type: 'organiser', id: organiser.id }, summary: 'Changed their password; other sessions ended' });
    await deps.queue.enqueue(client, 'send-organiser-email', { template: 'organiser-password-changed', organiserId: organiser.id, requestId: randomUUID() });
    return sessionsFrom;
  });
}

export type OrganiserChange = { name: string; role: Role; disabled: boolean };

/** An admin changes an organiser's name, role or access. The last active admin cannot be demoted or disabled, nor can admins disable themselves. */
export async function updateOrganiser(db: Pool, by: { id: number }, id: number, change: OrganiserChange): Promise<void> {
  await withTransaction(db, async (client) => {
    // One change of admins at a time, so two admins cannot demote each other at once.
    await client.query('LOCK TABLE organisers IN SHARE ROW EXCLUSIVE MODE');
    const before = await repo.getOrganiser(client, id);
    if (!before) throw new Invalid({ organiser: 'admin.organisers.unknown' });
    if (id === by.id && change.disabled) throw new Invalid({ disabled: 'admin.organisers.cannotDisableSelf' });
    const losesAdmin = before.role === 'admin' && !before.disabled_at && (change.role !== 'admin' || change.disabled);
    if (losesAdmin && (await repo.countActiveAdmins(client)) <= 1) throw new Invalid({ role: 'admin.organisers.lastAdmin' });
    const after = (await repo.updateOrganiser(client, id, change))!;
    if (change.disabled && !before.disabled_at) {
      await repo.deleteSessionsOf(client, id);
      // Links sent before stay dead if the account is enabled again.
      await repo.invalidateTokens(client, id, 'password-reset');
      await repo.invalidateTokens(client, id, 'sign-in');
    }
    const diff = changedFields(
      { name: before.name, role: before.role, disabled: before.disabled_at !== null },
      { name: after.name, role: after.role, disabled: after.disabled_at !== null },
    );
    if (Object.keys(diff.after).length === 0) return;
    await recordAudit(client, { organiserId: by.id, event: 'organiser.update', subject: { type: 'organiser', id }, summary: `${after.name} <${after.email}>`, ...diff });
  });
}
