// Seeding for the protest call page tests (part F of issue 11): a call and its
// protests written straight in SQL, as the admin (part E) would leave them.
import type { Pool } from '../../src/db/pool.ts';

export type SeedProtest = {
  status?: 'proposed' | 'listed' | 'cancelled' | 'rejected';
  country: string;
  city: string;
  place: string;
  address?: string;
  meetingPoint?: string;
  startsAt: string;
  endsAt: string;
  timeZone: string;
  capacity?: number | null;
  accessibility?: string;
  organiserName?: string;
  organiserContact?: string;
  organiserContactPublic?: boolean;
  latitude?: number;
  longitude?: number;
  version?: number;
};

export async function insertCall(pool: Pool, slug: string, options: { status?: string; proposalsOpen?: boolean } = {}): Promise<number> {
  const { rows } = await pool.query<{ id: number }>(
    "INSERT INTO actions (kind, slug, title, demand, status) VALUES ('protest_call', $1, $2, 'Justice for Zhanaozen.', $3) RETURNING id",
    [slug, `Call ${slug}`, options.status ?? 'open'],
  );
  const id = Number(rows[0]!.id);
  await pool.query("INSERT INTO protest_calls (action_id, day, time_zone, commemorates, proposals_open) VALUES ($1, '2027-12-16', 'Asia/Almaty', 'The Zhanaozen massacre of 16 December 2011.', $2)", [id, options.proposalsOpen ?? true]);
  return id;
}

export async function insertProtest(pool: Pool, actionId: number, p: SeedProtest): Promise<number> {
  const status = p.status ?? 'listed';
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO protests (action_id, status, country, city, place, address, meeting_point, starts_at, ends_at, time_zone, capacity, accessibility,
                           organiser_name, organiser_contact, organiser_contact_public, latitude, longitude, version, cancelled_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, CASE WHEN $2 = 'cancelled' THEN now() END) RETURNING id`,
    [
      actionId, status, p.country, p.city, p.place, p.address ?? '', p.meetingPoint ?? '', p.startsAt, p.endsAt, p.timeZone, p.capacity ?? null, p.accessibility ?? '',
      p.organiserName ?? '', p.organiserContact ?? '', p.organiserContactPublic ?? false, p.latitude ?? null, p.longitude ?? null, p.version ?? 1,
    ],
  );
  return Number(rows[0]!.id);
}

let supporters = 0;

/** An RSVP of a new supporter: confirmed or not, cancelled or not. */
export async function insertRsvp(pool: Pool, protestId: number, state: { confirmed: boolean; cancelled?: boolean }): Promise<void> {
  const email = `rsvp-${process.pid}-${++supporters}@example.org`;
  const { rows } = await pool.query<{ id: number }>('INSERT INTO supporters (email, name, confirmed_at) VALUES ($1, $2, now()) RETURNING id', [email, 'Aigerim']);
  await pool.query(
    "INSERT INTO rsvps (protest_id, supporter_id, name, confirmed_at, cancelled_at) VALUES ($1, $2, 'Aigerim', CASE WHEN $3 THEN now() END, CASE WHEN $4 THEN now() END)",
    [protestId, rows[0]!.id, state.confirmed, state.cancelled ?? false],
  );
}
