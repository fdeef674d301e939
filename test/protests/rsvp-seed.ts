// Protests seeded directly in SQL (the admin of calls and protests is another part of issue 11).
import type { TestApp } from '../helpers/app.ts';
import { addRecipient, createLetterAction } from '../letters/delivery-seed.ts';

export type SeededCall = { actionId: number; slug: string; recipientId: number };

/** An open protest call carrying a letter to the embassy in London (routed by country). */
export async function seedCall(t: Pick<TestApp, 'db'>, slug: string): Promise<SeededCall> {
  const embassy = await addRecipient(t, { name: 'Embassy of Kazakhstan in London', country: 'GB', timeZone: 'Europe/London', emails: [`${slug}-embassy@example.org`] });
  const actionId = await createLetterAction(t, { slug, title: 'Zhanaozen: remember', routing: 'by_country', recipients: [embassy.id] });
  await t.db.pool.query("UPDATE actions SET kind = 'protest_call' WHERE id = $1", [actionId]);
  await t.db.pool.query("INSERT INTO protest_calls (action_id, day, time_zone) VALUES ($1, '2027-12-16', 'Asia/Almaty')", [actionId]);
  return { actionId, slug, recipientId: embassy.id };
}

/** A listed protest of the call, 16 December 2027 at 12:00 in London. */
export async function seedProtest(t: Pick<TestApp, 'db'>, call: SeededCall, o: { capacity?: number | null; withRecipient?: boolean } = {}): Promise<number> {
  const { rows } = await t.db.pool.query<{ id: number }>(
    `INSERT INTO protests (action_id, country, city, place, address, starts_at, ends_at, time_zone, capacity, recipient_id)
     VALUES ($1, 'GB', 'London', 'Embassy of Kazakhstan', '125 Pall Mall', '2027-12-16T12:00:00Z', '2027-12-16T14:00:00Z', 'Europe/London', $2, $3)
     RETURNING id`,
    [call.actionId, o.capacity ?? null, o.withRecipient === false ? null : call.recipientId],
  );
  return rows[0]!.id;
}
