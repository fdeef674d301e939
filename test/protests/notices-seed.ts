// Fixtures for the notices tests, straight in SQL: the admin of calls and
// protests (part E) and RSVPs with their confirmation (part G) are not on this
// branch, so a call, its protests and confirmed RSVPs are inserted as those
// parts leave them, and a move or a cancellation is done as the admin's
// transaction does it (the change, then queueNotice, together). Plus a sender's
// context on the test's database and SMTP server, and a clock the test runs.
import { DateTime } from 'luxon';
import { loadConfig, type Config } from '../../src/config.ts';
import { withTransaction, type Pool } from '../../src/db/pool.ts';
import type { WorkerContext } from '../../src/jobs/job.ts';
import { createLogger } from '../../src/log.ts';
import { createMailer } from '../../src/mail/mailer.ts';
import { createEmailRenderer } from '../../src/mail/templates.ts';
import { queueProtestReminders } from '../../src/protests/notices.task.ts';
import { queueNotice } from '../../src/protests/protest-notices.repo.ts';
import { sendProtestNotices, type NoticeResult } from '../../src/protests/send-notices.task.ts';
import type { ReceivedMail } from '../helpers/smtp.ts';

export function testConfig(databaseUrl: string): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    BASE_URL: 'http://placard.test',
    APP_SECRET: 'test-secret-test-secret-test-secret-0123',
    DATA_DIR: 'data/test-mail',
  });
}

/** What a worker gives the tasks, on the test's database and SMTP server; no worker runs: the tests call the tasks with their own clock. */
export function senderContext(db: Pool, config: Config, smtpUrl: string): WorkerContext & { close: () => void } {
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const mailer = createMailer({ smtpUrl, from: config.mailFrom, dataDir: config.dataDir, env: 'test', log });
  return { db, mailer, renderEmail: createEmailRenderer(), config, log, close: () => mailer.close() };
}

/** One minute of the workers at `at`: the reminder task (on a connection of its own, as an exclusive task runs), then one sender round. */
export async function tick(context: WorkerContext, at: string | Date): Promise<NoticeResult[]> {
  const now = new Date(at);
  const client = await context.db.connect();
  try {
    await queueProtestReminders(client, now);
  } finally {
    client.release();
  }
  return sendProtestNotices(context, now);
}

export type CallOptions = { slug: string; title?: string; timeZone?: string; day?: string; thankYouMessage?: string; thankYouLink?: string };

/** An open protest_call action with its protest_calls row; returns the action's id. */
export async function createCall(db: Pool, o: CallOptions): Promise<number> {
  const id = (await db.query<{ id: number }>("INSERT INTO actions (kind, slug, title, status) VALUES ('protest_call', $1, $2, 'open') RETURNING id", [o.slug, o.title ?? `Remember Zhanaozen (${o.slug})`])).rows[0]!.id;
  await db.query('INSERT INTO protest_calls (action_id, day, time_zone, thank_you_message, thank_you_link) VALUES ($1, $2, $3, $4, $5)', [
    id, o.day ?? '2026-12-16', o.timeZone ?? 'Asia/Almaty', o.thankYouMessage ?? '', o.thankYouLink ?? '',
  ]);
  return id;
}

export type ProtestOptions = {
  country?: string;
  city: string;
  place: string;
  address?: string;
  meetingPoint?: string;
  latitude?: number;
  longitude?: number;
  /** Local wall time in `timeZone`, e.g. '2026-10-26T12:00'. */
  startsLocal: string;
  hours?: number;
  timeZone: string;
  status?: 'proposed' | 'listed';
};

const utcOf = (local: string, zone: string) => {
  const dt = DateTime.fromISO(local, { zone });
  if (!dt.isValid) throw new Error(`bad local time ${local} in ${zone}`);
  return dt.toJSDate();
};

export async function createProtest(db: Pool, actionId: number, o: ProtestOptions): Promise<number> {
  const startsAt = utcOf(o.startsLocal, o.timeZone);
  const endsAt = new Date(startsAt.getTime() + (o.hours ?? 2) * 3600_000);
  return (await db.query<{ id: number }>(
    `INSERT INTO protests (action_id, status, country, city, place, address, meeting_point, latitude, longitude, starts_at, ends_at, time_zone)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
    [actionId, o.status ?? 'listed', o.country ?? 'GB', o.city, o.place, o.address ?? '', o.meetingPoint ?? '', o.latitude ?? null, o.longitude ?? null, startsAt, endsAt, o.timeZone],
  )).rows[0]!.id;
}

export type RsvpOptions = { email: string; name?: string; confirmedAt?: string | null; cancelledAt?: string };

/**
 * A supporter's RSVP, as part G's confirmation leaves it: confirmed at
 * `confirmedAt` (a time of the test's clock; null: still pending), optionally
 * cancelled since. Returns the RSVP's id.
 */
export async function rsvp(db: Pool, protestId: number, o: RsvpOptions): Promise<number> {
  const name = o.name ?? o.email.split('@')[0]!;
  const confirmedAt = o.confirmedAt === undefined ? '2026-09-01T12:00:00Z' : o.confirmedAt;
  const supporterId = (await db.query<{ id: number }>(
    `INSERT INTO supporters (email, name, confirmed_at) VALUES ($1, $2, $3)
     ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [o.email, confirmedAt ? name : '', confirmedAt],
  )).rows[0]!.id;
  return (await db.query<{ id: number }>('INSERT INTO rsvps (protest_id, supporter_id, name, confirmed_at, cancelled_at) VALUES ($1, $2, $3, $4, $5) RETURNING id', [
    protestId, supporterId, name, confirmedAt, o.cancelledAt ?? null,
  ])).rows[0]!.id;
}

export type Move = Partial<{ startsLocal: string; hours: number; place: string; address: string; meetingPoint: string; city: string }>;

/**
 * Moves a protest as the admin does (part E): the new place or time and
 * version + 1, and the 'moved' notice of the new version, in one transaction.
 * The notice's created_at is the database's now() there; here it is set to the
 * test's clock `at`, which the production code compares with reminder times.
 */
export async function moveProtest(db: Pool, protestId: number, move: Move, at: string): Promise<number> {
  return withTransaction(db, async (client) => {
    const current = (await client.query<{ starts_at: Date; ends_at: Date; time_zone: string }>('SELECT starts_at, ends_at, time_zone FROM protests WHERE id = $1', [protestId])).rows[0]!;
    const startsAt = move.startsLocal ? utcOf(move.startsLocal, current.time_zone) : current.starts_at;
    const hours = move.hours ?? (current.ends_at.getTime() - current.starts_at.getTime()) / 3600_000;
    const { version } = (await client.query<{ version: number }>(
      `UPDATE protests SET starts_at = $2, ends_at = $3, place = coalesce($4, place), address = coalesce($5, address), meeting_point = coalesce($6, meeting_point),
              city = coalesce($7, city), version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING version`,
      [protestId, startsAt, new Date(startsAt.getTime() + hours * 3600_000), move.place ?? null, move.address ?? null, move.meetingPoint ?? null, move.city ?? null],
    )).rows[0]!;
    await queueNotice(client, protestId, 'moved', version);
    await client.query("UPDATE protest_notices SET created_at = $3 WHERE protest_id = $1 AND kind = 'moved' AND version = $2", [protestId, version, new Date(at)]);
    return version;
  });
}

/** Cancels a protest as the admin does: status cancelled and the 'cancelled' notice of its current version, together. */
export async function cancelProtest(db: Pool, protestId: number, at: string): Promise<void> {
  await withTransaction(db, async (client) => {
    const { version } = (await client.query<{ version: number }>("UPDATE protests SET status = 'cancelled', cancelled_at = $2 WHERE id = $1 RETURNING version", [protestId, new Date(at)])).rows[0]!;
    await queueNotice(client, protestId, 'cancelled', version);
  });
}

export type NoticeRow = { kind: string; version: number; sent_at: Date | null; outcome: string | null; outcome_reason: string; attempts: number; not_before: Date | null };

export async function noticesOf(db: Pool, protestId: number): Promise<NoticeRow[]> {
  return (await db.query<NoticeRow>('SELECT kind, version, sent_at, outcome, outcome_reason, attempts, not_before FROM protest_notices WHERE protest_id = $1 ORDER BY created_at, kind, version', [protestId])).rows;
}

/** [address, subject] of each message, in arrival order. */
export const summary = (mails: ReceivedMail[]) => mails.map((m) => [m.envelopeTo.join(','), m.subject ?? '']);
